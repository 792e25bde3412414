//! One redirect URI, read the way RULES §2 asks: the raw registered string first (wildcards,
//! slashes, percent-encodings, backslashes, userinfo, dot-segments, whitespace and control
//! characters all disappear once a URL parser normalizes the value), then the host as the
//! `url` crate's WHATWG parser reads it (IDNA, IPv4 shorthand, IPv6), then the Public Suffix
//! List (`psl`, pinned) for the registrable domain and whether the suffix is ICANN or private.
//!
//! Nothing here knows about apps or rules: it is pure string work. It is on the hot path of
//! every scan, so it uses no regex and allocates only the canonical host (plus one cleaned copy
//! for the rare value that carries a tab, CR or LF).

use serde::Serialize;
use std::borrow::Cow;
use std::net::IpAddr;

/// REDIRECT-010's schemes.
pub const DANGEROUS_SCHEMES: [&str; 7] = [
    "javascript",
    "data",
    "vbscript",
    "file",
    "blob",
    "about",
    "view-source",
];

/// REDIRECT-013: OAuth parameter names that must not appear in a registered query.
pub const RESERVED_PARAMS: [&str; 10] = [
    "code",
    "state",
    "access_token",
    "id_token",
    "token",
    "response",
    "iss",
    "error",
    "session_state",
    "client_id",
];

/// REDIRECT-014: query parameter names that usually carry a forwarding target.
pub const FORWARD_PARAMS: [&str; 19] = [
    "url",
    "uri",
    "redirect",
    "redirect_url",
    "redirect_uri",
    "return",
    "return_to",
    "returnUrl",
    "next",
    "continue",
    "goto",
    "target",
    "dest",
    "destination",
    "r",
    "u",
    "out",
    "callback",
    "forward",
];

/// REDIRECT-014: path segments of redirector endpoints.
pub const FORWARD_SEGMENTS: [&str; 9] = [
    "redirect", "redir", "out", "goto", "link", "proxy", "r", "jump", "external",
];

/// REDIRECT-021: top-level names that are never production (RFC 6761, RFC 8375, ICANN's
/// `internal`, and the customary private `lan`/`corp`). `home.arpa` is matched as two labels.
pub const DEV_TLDS: [&str; 8] = [
    "local",
    "test",
    "example",
    "invalid",
    "internal",
    "lan",
    "home.arpa",
    "corp",
];

/// REDIRECT-021: host labels (or hyphen-separated parts of a label) that name a
/// non-production environment.
pub const DEV_LABELS: [&str; 10] = [
    "dev", "develop", "staging", "stage", "stg", "test", "qa", "uat", "sandbox", "preview",
];

/// How the scheme of a registered value reads (compared case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeClass {
    Http,
    Https,
    /// A scheme pattern such as `http*`, `https?` or `(http|https)`: it accepts plain http.
    HttpPattern,
    /// REDIRECT-010's list.
    Dangerous,
    Urn,
    /// RULES §2: any other scheme.
    PrivateUse,
    /// No usable scheme: a relative reference or a bare pattern.
    Missing,
}

impl SchemeClass {
    /// http, https or a pattern over them: the value names a network host.
    pub fn is_web(self) -> bool {
        matches!(
            self,
            SchemeClass::Http | SchemeClass::Https | SchemeClass::HttpPattern
        )
    }

    /// The scheme accepts plain http.
    pub fn allows_http(self) -> bool {
        matches!(self, SchemeClass::Http | SchemeClass::HttpPattern)
    }
}

/// What the host of an http(s) value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKind {
    /// No network host: a private-use, urn or dangerous scheme, a relative reference, or a
    /// catch-all pattern.
    None,
    /// A DNS name (possibly one the parser rejected; see `unparsable_host`).
    Domain,
    /// A host pattern containing `*`.
    Wildcard,
    /// `localhost` or a name under `.localhost` (RFC 6761).
    Localhost,
    /// 127.0.0.0/8 or `::1` (also when written in a shorthand form, which REDIRECT-015 flags).
    Loopback,
    /// Any other IPv4 or IPv6 literal.
    Ip,
}

/// Which section of the Public Suffix List the host's suffix comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuffixType {
    Icann,
    Private,
}

impl SuffixType {
    pub fn as_str(self) -> &'static str {
        match self {
            SuffixType::Icann => "icann",
            SuffixType::Private => "private",
        }
    }
}

/// REDIRECT-015 reasons, as bits.
pub mod confusion {
    pub const USERINFO: u16 = 1 << 0;
    pub const BACKSLASH: u16 = 1 << 1;
    pub const ENCODED: u16 = 1 << 2;
    pub const DOUBLE_ENCODED: u16 = 1 << 3;
    pub const DOT_SEGMENT: u16 = 1 << 4;
    pub const PATH_PARAMETER: u16 = 1 << 5;
    pub const WHITESPACE: u16 = 1 << 6;
    pub const IDN_HOST: u16 = 1 << 7;
    pub const IP_FORM: u16 = 1 << 8;
    pub const SLASHES: u16 = 1 << 9;
    pub const UNPARSABLE_HOST: u16 = 1 << 10;

    /// Evidence names, in bit order.
    pub const NAMES: [&str; 11] = [
        "userinfo",
        "backslash",
        "percent_encoded_delimiter",
        "double_encoding",
        "dot_segment",
        "path_parameter",
        "whitespace_or_control",
        "idn_or_punycode_host",
        "non_canonical_ip_literal",
        "irregular_slashes",
        "unparsable_host",
    ];

    /// The names of the bits set in `bits`.
    pub fn names(bits: u16) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| bits & (1 << i) != 0)
            .map(|(_, n)| *n)
    }
}

/// The explicit port of an authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// None written (or an empty `host:`).
    Default,
    Number(u16),
    /// Contains `*`.
    Wildcard,
    /// Anything else (not a number, out of range).
    Invalid,
}

/// The components of a registered value, as slices of it.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// The raw scheme text (possibly a pattern), without the colon.
    pub scheme: Option<&'a str>,
    pub class: SchemeClass,
    /// For http(s) values: the slashes and backslashes between `scheme:` and the host.
    pub slashes: usize,
    pub slash_backslash: bool,
    /// The authority, when the value has one (`//` for non-special schemes; always for http(s),
    /// as the WHATWG parser reads `https:host` and `https:\\host` too).
    pub authority: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
    /// Which [`present`] bytes occur anywhere in the value (one pass, so later checks can skip
    /// searches that cannot succeed).
    pub present: u8,
}

/// Bytes whose presence [`split`] records.
pub mod present {
    pub const PCT: u8 = 1 << 0;
    pub const BACKSLASH: u8 = 1 << 1;
    pub const SEMICOLON: u8 = 1 << 2;
    pub const STAR: u8 = 1 << 3;
    pub const AT: u8 = 1 << 4;
    pub const QUESTION: u8 = 1 << 5;
    /// A control character, space, DEL or any non-ASCII byte.
    pub const ODD: u8 = 1 << 6;
    pub(super) const HASH: u8 = 1 << 7;

    /// The bit of each byte value.
    pub(super) static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = match i as u8 {
                b'%' => PCT,
                b'\\' => BACKSLASH,
                b';' => SEMICOLON,
                b'*' => STAR,
                b'@' => AT,
                b'?' => QUESTION,
                b'#' => HASH,
                b if b <= b' ' || b >= 0x7f => ODD,
                _ => 0,
            };
            i += 1;
        }
        t
    };
}

/// Remove what the WHATWG parser removes before anything else (ASCII tab, CR, LF anywhere;
/// C0 controls and spaces at either end). The result is what the other checks read; the raw
/// string keeps the characters for REDIRECT-015.
pub fn clean(raw: &str) -> Cow<'_, str> {
    let inner = raw.trim_matches(|c: char| c <= ' ');
    if inner.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        Cow::Owned(
            inner
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect(),
        )
    } else {
        Cow::Borrowed(inner)
    }
}

/// REDIRECT-015 "whitespace or control characters", on the raw string: ASCII controls and
/// space, any Unicode whitespace or control, and the invisible and bidirectional formatting
/// characters that make a displayed value differ from the stored one.
pub fn has_whitespace_or_control(raw: &str) -> bool {
    let mut non_ascii = false;
    for b in raw.bytes() {
        if b <= b' ' || b == 0x7f {
            return true;
        }
        non_ascii |= b >= 0x80;
    }
    non_ascii
        && raw.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c,
                    '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
}

/// REDIRECT-001: `*`, `**`, empty, `.*`, `/*` (Keycloak), `https://*`, `http*://*`, or any
/// scheme followed only by wildcards. `text` is the cleaned value.
pub fn is_catch_all(text: &str) -> bool {
    if text.is_empty() || wildcard_only(text) {
        return true;
    }
    match scheme_end(text) {
        Some(i) => wildcard_only(&text[i + 1..]),
        None => false,
    }
}

/// Only wildcard, regex and separator characters, with at least one wildcard.
fn wildcard_only(s: &str) -> bool {
    s.bytes().all(|b| {
        matches!(
            b,
            b'*' | b'/' | b'\\' | b'.' | b'+' | b'^' | b'$' | b'?' | b'(' | b')' | b'|' | b':'
        )
    }) && (s.contains('*') || s.contains(".+"))
}

/// Where the scheme's colon is: RFC 3986 scheme characters, plus the wildcard and regex
/// characters that scheme patterns use (`http*`, `https?`, `^(http|https)`).
fn scheme_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_alphabetic() || matches!(first, b'*' | b'^' | b'(')) {
        return None;
    }
    for (i, &c) in b.iter().enumerate().skip(1) {
        match c {
            b':' => return Some(i),
            c if c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'+' | b'-' | b'.' | b'*' | b'?' | b'(' | b')' | b'|' | b'^'
                ) => {}
            _ => return None,
        }
    }
    None
}

fn classify_scheme(scheme: &str) -> SchemeClass {
    if scheme
        .bytes()
        .any(|b| matches!(b, b'*' | b'?' | b'(' | b')' | b'|' | b'^'))
    {
        // A pattern: it is an http(s) pattern when only http/https letters remain.
        let mut letters = [0u8; 16];
        let mut n = 0;
        for b in scheme.bytes().filter(u8::is_ascii_alphanumeric) {
            if n == letters.len() {
                return SchemeClass::Missing;
            }
            letters[n] = b.to_ascii_lowercase();
            n += 1;
        }
        return match &letters[..n] {
            b"" | b"http" | b"https" | b"httphttps" | b"httpshttp" => SchemeClass::HttpPattern,
            _ => SchemeClass::Missing,
        };
    }
    if scheme.eq_ignore_ascii_case("https") {
        SchemeClass::Https
    } else if scheme.eq_ignore_ascii_case("http") {
        SchemeClass::Http
    } else if DANGEROUS_SCHEMES
        .iter()
        .any(|d| scheme.eq_ignore_ascii_case(d))
    {
        SchemeClass::Dangerous
    } else if scheme.eq_ignore_ascii_case("urn") {
        SchemeClass::Urn
    } else if scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
        SchemeClass::PrivateUse
    } else {
        SchemeClass::Missing
    }
}

/// Split a cleaned value into scheme, authority, path, query and fragment.
pub fn split(text: &str) -> Parts<'_> {
    let mut bits = 0u8;
    let mut hash = None;
    for (i, b) in text.bytes().enumerate() {
        let c = present::TABLE[usize::from(b)];
        if c & present::HASH != 0 && hash.is_none() {
            hash = Some(i);
        }
        bits |= c;
    }
    let (before, fragment) = match hash {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (scheme, class, rest) = match scheme_end(before) {
        Some(i) => {
            let s = &before[..i];
            (Some(s), classify_scheme(s), &before[i + 1..])
        }
        None => (None, SchemeClass::Missing, before),
    };
    let mut slashes = 0;
    let mut slash_backslash = false;
    let (authority, after) = if class.is_web() {
        slashes = rest
            .bytes()
            .take_while(|b| *b == b'/' || *b == b'\\')
            .count();
        slash_backslash = rest.as_bytes()[..slashes].contains(&b'\\');
        let a = &rest[slashes..];
        let end = authority_end(a, bits & present::BACKSLASH != 0);
        (Some(&a[..end]), &a[end..])
    } else if let Some(a) = rest.strip_prefix("//") {
        let end = authority_end(a, false);
        (Some(&a[..end]), &a[end..])
    } else {
        (None, rest)
    };
    let question = if bits & present::QUESTION != 0 {
        after.find('?')
    } else {
        None
    };
    let (path, query) = match question {
        Some(i) => (&after[..i], Some(&after[i + 1..])),
        None => (after, None),
    };
    Parts {
        scheme,
        class,
        slashes,
        slash_backslash,
        authority,
        path,
        query,
        fragment,
        present: bits,
    }
}

/// The authority ends at `/` or `?`, and for an http(s) value with a backslash (`backslash`)
/// also at `\` (WHATWG), except in a host pattern written as a regex (`.*\.example\.com`),
/// where `\.` is an escaped dot.
fn authority_end(a: &str, backslash: bool) -> usize {
    let end = a
        .bytes()
        .position(|b| b == b'/' || b == b'?')
        .unwrap_or(a.len());
    if !backslash {
        return end;
    }
    let head = &a[..end];
    match head.find('\\') {
        None => end,
        Some(i) => {
            let escaped_pattern = head.contains('*')
                && head
                    .match_indices('\\')
                    .all(|(j, _)| head.as_bytes().get(j + 1) == Some(&b'.'));
            if escaped_pattern { end } else { i }
        }
    }
}

/// REDIRECT-015 reasons visible in the components (the host's own reasons come from
/// [`Host::parse`]). `raw` is the registered value, `text` its [`clean`]ed form. One pass finds
/// which trigger bytes occur; the detailed checks run only for those.
pub fn component_confusion(raw: &str, text: &str, p: &Parts<'_>) -> u16 {
    use confusion::*;
    let has = |b: u8| p.present & b != 0;
    let mut bits = 0;
    // `clean` only removes whitespace and controls, so a length change means it found some.
    if raw.len() != text.len() || (has(present::ODD) && has_whitespace_or_control(text)) {
        bits |= WHITESPACE;
    }
    if has(present::BACKSLASH) {
        bits |= BACKSLASH;
    }
    if p.class.is_web() && (p.slashes != 2 || p.slash_backslash) {
        bits |= SLASHES;
    }
    if let Some(a) = p.authority {
        if has(present::AT) && a.contains('@') {
            bits |= USERINFO;
        }
        if has(present::PCT) && a.contains('%') {
            bits |= ENCODED;
        }
    }
    if has(present::PCT) {
        if has_encoded_delimiter(p.path) || p.scheme.is_some_and(|s| s.contains('%')) {
            bits |= ENCODED;
        }
        if has_double_encoding(text) {
            bits |= DOUBLE_ENCODED;
        }
    }
    // Path checks apply to hierarchical paths only (`data:text/html;base64,...` has none).
    let path = p.path.as_bytes();
    if matches!(path.first(), Some(b'/' | b'\\')) {
        let sep = |b: u8| b == b'/' || b == b'\\';
        let (mut empty_segment, mut dot) = (false, false);
        for w in path.windows(2) {
            if sep(w[0]) {
                empty_segment |= sep(w[1]);
                dot |= w[1] == b'.';
            }
        }
        if empty_segment {
            bits |= SLASHES;
        }
        if dot {
            for seg in p.path[1..].split(['/', '\\']) {
                let name = seg.split(';').next().unwrap_or(seg);
                if name == "." || name == ".." {
                    bits |= DOT_SEGMENT;
                }
            }
        }
        if has(present::SEMICOLON) && p.path.contains(';') {
            bits |= PATH_PARAMETER;
        }
    }
    bits
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-escapes in `s`, decoded: each yields (offset, byte).
fn escapes(s: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let b = s.as_bytes();
    s.match_indices('%').filter_map(move |(i, _)| {
        let h = hex(*b.get(i + 1)?)?;
        let l = hex(*b.get(i + 2)?)?;
        Some((i, h << 4 | l))
    })
}

/// `%2f`, `%5c`, `%2e`, `%3f` or `%23` (any case). Checked in the scheme, authority and path,
/// not the query, where escaping these characters inside a value is ordinary form encoding.
fn has_encoded_delimiter(s: &str) -> bool {
    escapes(s).any(|(_, c)| matches!(c, b'/' | b'\\' | b'.' | b'?' | b'#'))
}

/// `%25` followed by two hex digits: a double-encoded escape, anywhere in the value.
fn has_double_encoding(s: &str) -> bool {
    let b = s.as_bytes();
    escapes(s).any(|(i, c)| {
        c == b'%'
            && b.get(i + 3).copied().and_then(hex).is_some()
            && b.get(i + 4).copied().and_then(hex).is_some()
    })
}

/// Bytes of `s` with percent-escapes decoded.
fn decoded(s: &str) -> impl Iterator<Item = u8> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let c = *b.get(i)?;
        if c == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            i += 3;
            return Some(h << 4 | l);
        }
        i += 1;
        Some(c)
    })
}

/// Whether the percent-decoded `raw` equals `name`, ignoring ASCII case.
pub fn decoded_eq_ignore_case(raw: &str, name: &str) -> bool {
    let mut d = decoded(raw);
    for n in name.bytes() {
        match d.next() {
            Some(c) if c.eq_ignore_ascii_case(&n) => {}
            _ => return false,
        }
    }
    d.next().is_none()
}

/// The query's parameters as raw (name, value) pairs.
pub fn params(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// REDIRECT-013: the reserved OAuth names among the query's parameters (compared after
/// percent-decoding and ignoring ASCII case: several web frameworks bind query parameters
/// case-insensitively).
pub fn reserved_params(query: &str) -> impl Iterator<Item = &str> {
    params(query)
        .map(|(n, _)| n)
        .filter(|n| RESERVED_PARAMS.iter().any(|r| decoded_eq_ignore_case(n, r)))
}

/// REDIRECT-014: forwarding parameter names (case-insensitive).
pub fn forward_params(query: &str) -> impl Iterator<Item = &str> {
    params(query)
        .map(|(n, _)| n)
        .filter(|n| FORWARD_PARAMS.iter().any(|r| decoded_eq_ignore_case(n, r)))
}

/// REDIRECT-014: parameters whose value is itself an absolute URL.
pub fn url_valued_params(query: &str) -> impl Iterator<Item = &str> {
    params(query)
        .filter(|(_, v)| is_absolute_url(v))
        .map(|(n, _)| n)
}

/// REDIRECT-014: redirector path segments (case-insensitive).
pub fn forward_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter(|s| FORWARD_SEGMENTS.iter().any(|f| s.eq_ignore_ascii_case(f)))
}

/// A (percent-decoded) value that a browser would follow off-site: `scheme://...`,
/// `//host...` (either slash kind), or `http:`/`https:` with any slashes.
fn is_absolute_url(raw: &str) -> bool {
    let mut head = [0u8; 64];
    let mut n = 0;
    for c in decoded(raw).take(head.len()) {
        head[n] = c;
        n += 1;
    }
    let h = &head[..n];
    let slash = |c: Option<&u8>| matches!(c, Some(b'/' | b'\\'));
    if slash(h.first()) && slash(h.get(1)) {
        return true;
    }
    let Some(colon) = h.iter().position(|c| *c == b':') else {
        return false;
    };
    let scheme = &h[..colon];
    let valid = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    valid
        && ((slash(h.get(colon + 1)) && slash(h.get(colon + 2)))
            || scheme.eq_ignore_ascii_case(b"http")
            || scheme.eq_ignore_ascii_case(b"https"))
}

/// The host of an http(s) value, classified.
#[derive(Debug, Clone)]
pub struct Host {
    pub kind: HostKind,
    /// Lower-case canonical name (punycode; no trailing dot), IP address text, or the
    /// lower-cased pattern for a wildcard host.
    pub name: String,
    pub ip: Option<IpAddr>,
    pub port: Port,
    /// REDIRECT-015 reasons found in the host.
    pub confusion: u16,
    /// Offset in `name` of the registrable domain (eTLD+1), or of the whole name when the
    /// name is itself a suffix created by a PSL wildcard rule (`x.run.app`): someone's site.
    pub site: Option<usize>,
    /// Offset in `name` of the public suffix.
    pub suffix: Option<usize>,
    /// `None` when the suffix is not in the PSL (an undelegated TLD such as `corp`).
    pub suffix_type: Option<SuffixType>,
    /// For a wildcard host: offset of the fixed part right of the last wildcard label.
    pub fixed: Option<usize>,
    /// For a wildcard host: the wildcard decides the registrable domain (REDIRECT-003).
    pub over_suffix: bool,
}

impl Host {
    /// Read the authority of an http(s) value. `present` is [`Parts::present`] (searches for
    /// bytes it says the value lacks are skipped; `u8::MAX` searches for everything).
    pub fn parse(authority: &str, present: u8) -> Host {
        let host_port = match authority.rfind('@').filter(|_| present & present::AT != 0) {
            Some(i) => &authority[i + 1..],
            None => authority,
        };
        let (raw_host, port) = split_port(host_port);
        let mut h = Host {
            kind: HostKind::Domain,
            name: String::new(),
            ip: None,
            port,
            confusion: 0,
            site: None,
            suffix: None,
            suffix_type: None,
            fixed: None,
            over_suffix: false,
        };
        if (present & present::ODD != 0 && !raw_host.is_ascii()) || has_punycode_label(raw_host) {
            h.confusion |= confusion::IDN_HOST;
        }
        if present & present::STAR != 0 && raw_host.contains('*') {
            h.wildcard(raw_host);
            return h;
        }
        if is_plain_domain(raw_host) && h.confusion & confusion::IDN_HOST == 0 {
            // What the WHATWG parser would return unchanged, without its IDNA pass.
            h.name = raw_host.to_ascii_lowercase();
            h.domain();
            return h;
        }
        match url::Host::parse(raw_host) {
            Ok(url::Host::Domain(d)) => {
                h.name = d;
                if h.name.ends_with('.') {
                    h.name.pop();
                }
                h.domain();
            }
            Ok(url::Host::Ipv4(a)) => {
                if !is_canonical_dotted_quad(raw_host) {
                    h.confusion |= confusion::IP_FORM;
                }
                h.set_ip(IpAddr::V4(a));
            }
            Ok(url::Host::Ipv6(a)) => {
                let text = a.to_string();
                let inner = raw_host.trim_start_matches('[').trim_end_matches(']');
                if !inner.eq_ignore_ascii_case(&text) || a.to_ipv4_mapped().is_some() {
                    h.confusion |= confusion::IP_FORM;
                }
                h.set_ip(IpAddr::V6(a));
            }
            Err(_) => {
                h.confusion |= confusion::UNPARSABLE_HOST;
                h.name = raw_host.to_ascii_lowercase();
            }
        }
        h
    }

    /// A DNS name: localhost, or a name with a suffix.
    fn domain(&mut self) {
        if self.name == "localhost" || self.name.ends_with(".localhost") {
            self.kind = HostKind::Localhost;
        } else {
            self.psl();
        }
    }

    fn set_ip(&mut self, ip: IpAddr) {
        self.kind = if is_loopback(ip) {
            HostKind::Loopback
        } else {
            HostKind::Ip
        };
        self.name = ip.to_string();
        self.ip = Some(ip);
    }

    /// Fill in the suffix, its type and the registrable domain from the PSL.
    fn psl(&mut self) {
        let b = self.name.as_bytes();
        let Some(s) = psl::suffix(b) else {
            return;
        };
        let slen = s.as_bytes().len();
        let start = b.len() - slen;
        self.suffix = Some(start);
        self.suffix_type = s.typ().map(|t| match t {
            psl::Type::Icann => SuffixType::Icann,
            psl::Type::Private => SuffixType::Private,
        });
        self.site = if start >= 2 {
            Some(self.name[..start - 1].rfind('.').map_or(0, |i| i + 1))
        } else if s.typ().is_some() && wildcard_derived(&self.name) {
            Some(0)
        } else {
            None
        };
    }

    /// A host pattern: find the fixed part right of the last wildcard label and decide whether
    /// an attacker can own a matching host (REDIRECT-003) by asking the PSL for the registrable
    /// domain of `a.<fixed part>`: when it is longer than the fixed part (or there is none), the
    /// wildcard picks the registrable domain.
    fn wildcard(&mut self, raw: &str) {
        self.kind = HostKind::Wildcard;
        self.name = raw.replace('\\', "").to_ascii_lowercase();
        if self.name.ends_with('.') {
            self.name.pop();
        }
        let last = self.name.rfind('*').unwrap_or(0);
        let fixed = self.name[last..]
            .find('.')
            .map_or(self.name.len(), |i| last + i + 1);
        self.fixed = Some(fixed);
        let f = &self.name[fixed..];
        if f.is_empty() {
            // A wildcard TLD (`example.*`): anyone can register a matching name.
            self.over_suffix = true;
            return;
        }
        if !f.is_ascii() {
            match url::Host::parse(f) {
                Ok(url::Host::Domain(a)) => {
                    self.name.truncate(fixed);
                    self.name.push_str(&a);
                }
                _ => {
                    self.over_suffix = true;
                    return;
                }
            }
        }
        let f = &self.name[fixed..];
        let probe = format!("a.{f}");
        let pb = probe.as_bytes();
        let typ = psl::suffix(pb).and_then(|s| s.typ());
        self.suffix_type = typ.map(|t| match t {
            psl::Type::Icann => SuffixType::Icann,
            psl::Type::Private => SuffixType::Private,
        });
        if let Some(s) = psl::suffix(pb) {
            let slen = s.as_bytes().len();
            if slen <= f.len() {
                self.suffix = Some(self.name.len() - slen);
            }
        }
        match psl::domain(pb) {
            Some(d) if d.as_bytes().len() <= f.len() => {
                self.site = Some(self.name.len() - d.as_bytes().len());
            }
            _ => self.over_suffix = true,
        }
    }
}

/// `host[:port]`, with `[v6]` kept whole.
fn split_port(hp: &str) -> (&str, Port) {
    let (host, port) = if hp.starts_with('[') {
        match hp.find(']') {
            Some(i) => (&hp[..=i], hp[i + 1..].strip_prefix(':')),
            None => (hp, None),
        }
    } else {
        match hp.find(':') {
            Some(i) => (&hp[..i], Some(&hp[i + 1..])),
            None => (hp, None),
        }
    };
    let port = match port {
        None | Some("") => Port::Default,
        Some(p) if p.contains('*') => Port::Wildcard,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse().map_or(Port::Invalid, Port::Number)
        }
        Some(_) => Port::Invalid,
    };
    (host, port)
}

/// ASCII letters, digits, `-` and `_` in non-empty labels, no trailing dot, and a last label
/// that the WHATWG parser cannot read as a number (so not an IPv4 address in any form): the
/// parser returns such a name as is, lower-cased.
fn is_plain_domain(host: &str) -> bool {
    let b = host.as_bytes();
    let mut label_start = 0;
    let mut alpha = false;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'.' => {
                if i == label_start {
                    return false;
                }
                label_start = i + 1;
                alpha = false;
            }
            c if c.is_ascii_alphabetic() => alpha = true,
            b'0'..=b'9' | b'-' | b'_' => {}
            _ => return false,
        }
    }
    let last = &b[label_start..];
    !last.is_empty() && alpha && !(last.len() >= 2 && last[0] == b'0' && (last[1] | 0x20) == b'x')
}

fn has_punycode_label(host: &str) -> bool {
    host.split('.')
        .any(|l| l.len() >= 4 && l.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"))
}

/// Four decimal octets without leading zeros: the only IPv4 form RFC 8252 §7.3 shows.
fn is_canonical_dotted_quad(s: &str) -> bool {
    let mut n = 0;
    for part in s.split('.') {
        n += 1;
        let ok = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
            && part.parse::<u16>().is_ok_and(|v| v <= 255);
        if !ok {
            return false;
        }
    }
    n == 4
}

/// RULES §2 loopback literal: 127.0.0.0/8 or `::1` (an IPv4-mapped 127/8 address also reaches
/// loopback; REDIRECT-015 flags the form).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.octets()[0] == 127,
        IpAddr::V6(a) => {
            a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.octets()[0] == 127)
        }
    }
}

/// The range an IP literal falls in, for evidence.
pub fn ip_range(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            match o {
                [127, ..] => "loopback",
                [10, ..] => "private",
                [172, b, ..] if (16..=31).contains(&b) => "private",
                [192, 168, ..] => "private",
                [169, 254, ..] => "link_local",
                [100, b, ..] if (64..=127).contains(&b) => "cgnat",
                [0, ..] => "unspecified",
                _ if a.is_multicast() || a.is_broadcast() => "multicast_or_broadcast",
                _ => "public",
            }
        }
        IpAddr::V6(a) => {
            if let Some(m) = a.to_ipv4_mapped() {
                return ip_range(IpAddr::V4(m));
            }
            let s = a.segments();
            if a.is_loopback() {
                "loopback"
            } else if a.is_unspecified() {
                "unspecified"
            } else if s[0] & 0xfe00 == 0xfc00 {
                "unique_local"
            } else if s[0] & 0xffc0 == 0xfe80 {
                "link_local"
            } else if a.is_multicast() {
                "multicast_or_broadcast"
            } else {
                "public"
            }
        }
    }
}

/// A name that is a public suffix only because of a PSL wildcard rule (`x.run.app` under
/// `*.run.app`): anyone who deploys `x` owns it. `github.io` itself is not (its parent `io` is
/// a suffix in its own right).
fn wildcard_derived(name: &str) -> bool {
    let Some((_, parent)) = name.split_once('.') else {
        return false;
    };
    psl::suffix(parent.as_bytes()).is_some_and(|s| s.as_bytes().len() != parent.len())
}

/// REDIRECT-021: the development-looking TLD of `name`, if any.
pub fn dev_tld(name: &str) -> Option<&'static str> {
    let tld = &name[name.rfind('.')? + 1..];
    DEV_TLDS.iter().copied().find(|t| {
        name.len() > t.len() && t.len() >= tld.len() && {
            let last = &t[t.len() - tld.len()..];
            last.eq_ignore_ascii_case(tld) && within(name, t)
        }
    })
}

/// REDIRECT-021: a development label left of the registrable domain (`site` is its offset);
/// a label matches when it, or one of its hyphen-separated parts, is in [`DEV_LABELS`].
pub fn dev_label(name: &str, site: Option<usize>) -> Option<&str> {
    let sub = match site {
        Some(0) | None => return None,
        Some(i) => &name[..i.saturating_sub(1)],
    };
    sub.split('.').find(|l| {
        l.split('-')
            .any(|part| DEV_LABELS.iter().any(|d| part.eq_ignore_ascii_case(d)))
    })
}

/// `host` equals `domain` or is a subdomain of it (ASCII case-insensitive).
pub fn within(host: &str, domain: &str) -> bool {
    let (h, mut d) = (host.as_bytes(), domain.as_bytes());
    if let [rest @ .., b'.'] = d {
        d = rest;
    }
    if d.is_empty() || h.len() < d.len() {
        return false;
    }
    let tail = &h[h.len() - d.len()..];
    tail[tail.len() - 1].eq_ignore_ascii_case(&d[d.len() - 1])
        && tail.eq_ignore_ascii_case(d)
        && (h.len() == d.len() || h[h.len() - d.len() - 1] == b'.')
}

/// REDIRECT-022: Entra's embedded-browser redirect, `https://login.microsoftonline.com/
/// {common|tenant}/oauth2/nativeclient`.
pub fn is_entra_nativeclient(host: &str, path: &str, query: Option<&str>) -> bool {
    if host != "login.microsoftonline.com" || query.is_some_and(|q| !q.is_empty()) {
        return false;
    }
    let mut segs = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/');
    matches!(
        (segs.next(), segs.next(), segs.next(), segs.next()),
        (Some(t), Some(o), Some(n), None)
            if !t.is_empty() && o.eq_ignore_ascii_case("oauth2") && n.eq_ignore_ascii_case("nativeclient")
    )
}

/// REDIRECT-022: the out-of-band values.
pub fn is_oob(text: &str) -> bool {
    text.eq_ignore_ascii_case("urn:ietf:wg:oauth:2.0:oob")
        || text.eq_ignore_ascii_case("urn:ietf:wg:oauth:2.0:oob:auto")
}
