//! Redaction and bounding of provider objects kept as evidence.
//!
//! Provider JSON is attacker-controlled and may carry live secrets (Okta and Keycloak return
//! client secrets to admins; people paste keys and tokens into descriptions and notes). Before
//! a provider object is kept as `raw` evidence, two passes make it safe to store:
//! - by key: the scalar value of any field named like a secret is replaced by [`REDACTED`];
//! - by value: any string (value or key) matching a secret pattern ([`find_secrets`]) has the
//!   match replaced by a marker naming its kind, such as `[redacted:aws-access-key]`, so rule
//!   SECRET-012 can still report that metadata held a secret without the secret being stored.
//!
//! Overlong strings and arrays are then cut. Nothing here logs or returns a secret value.

use regex::Regex;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use crate::model::canonicalize_value;

/// The replacement for a redacted value.
pub const REDACTED: &str = "[redacted]";
/// Longest string kept in evidence, in bytes.
pub const MAX_EVIDENCE_STRING: usize = 2048;
/// Most array items kept in evidence.
pub const MAX_EVIDENCE_ITEMS: usize = 500;
/// How every pattern marker starts: `[redacted:` then the kind's name and `]`.
pub const MARKER_PREFIX: &str = "[redacted:";

/// Redact secret-like values, bound sizes, and sort keys: the form `raw` evidence is stored in.
pub fn evidence(value: Value) -> Value {
    canonicalize_value(redact(value))
}

/// A kind of secret-like material recognised inside free text (RULES SECRET-012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// `client_secret=<value>`, as in a URL query or a pasted config line.
    ClientSecretParam,
    /// `password=<value>`.
    PasswordParam,
    /// AWS access key id, `AKIA` and 16 more characters.
    AwsAccessKey,
    /// Slack token (`xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`).
    SlackToken,
    /// GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36 characters).
    GithubToken,
    /// GitHub fine-grained personal access token (`github_pat_`).
    GithubPat,
    /// Stripe live secret key (`sk_live_`).
    StripeLiveKey,
    /// PEM private key block (`-----BEGIN ... PRIVATE KEY-----`).
    PrivateKey,
    /// JWT-shaped string: three base64url segments, the first two JSON (`eyJ`).
    Jwt,
}

impl SecretKind {
    /// Every kind, in the order of [`PATTERNS`] (which is also match precedence).
    pub const ALL: [SecretKind; 9] = [
        SecretKind::ClientSecretParam,
        SecretKind::PasswordParam,
        SecretKind::AwsAccessKey,
        SecretKind::SlackToken,
        SecretKind::GithubToken,
        SecretKind::GithubPat,
        SecretKind::StripeLiveKey,
        SecretKind::PrivateKey,
        SecretKind::Jwt,
    ];

    /// The stable name used in markers and evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecretParam => "client-secret-param",
            SecretKind::PasswordParam => "password-param",
            SecretKind::AwsAccessKey => "aws-access-key",
            SecretKind::SlackToken => "slack-token",
            SecretKind::GithubToken => "github-token",
            SecretKind::GithubPat => "github-pat",
            SecretKind::StripeLiveKey => "stripe-live-key",
            SecretKind::PrivateKey => "private-key",
            SecretKind::Jwt => "jwt",
        }
    }

    /// The kind with this [`as_str`](Self::as_str) name.
    pub fn from_name(name: &str) -> Option<SecretKind> {
        SecretKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The text that replaces a match in stored evidence: `[redacted:<name>]`.
    pub fn marker(self) -> &'static str {
        match self {
            SecretKind::ClientSecretParam => "[redacted:client-secret-param]",
            SecretKind::PasswordParam => "[redacted:password-param]",
            SecretKind::AwsAccessKey => "[redacted:aws-access-key]",
            SecretKind::SlackToken => "[redacted:slack-token]",
            SecretKind::GithubToken => "[redacted:github-token]",
            SecretKind::GithubPat => "[redacted:github-pat]",
            SecretKind::StripeLiveKey => "[redacted:stripe-live-key]",
            SecretKind::PrivateKey => "[redacted:private-key]",
            SecretKind::Jwt => "[redacted:jwt]",
        }
    }
}

/// One secret-like match: its kind and its byte range in the scanned string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    pub kind: SecretKind,
    pub range: Range<usize>,
}

/// The catalog's patterns (RULES SECRET-012), one per [`SecretKind::ALL`] entry, with only
/// non-capturing groups inside. Each match covers the whole secret (a parameter's value too,
/// a PEM block up to its END line), since the match is what gets replaced. Judgment calls,
/// all to keep a critical rule off placeholders in documentation text:
/// - parameters need a value that does not start like a placeholder (`{`, `<`, `$`, `*`, `[`);
/// - Slack tokens need a digit and at least 8 more token characters after the prefix (real
///   ones are `xoxb-<digits>-...`), so `xoxb-your-token` is not one;
/// - `github_pat_` and `sk_live_` need a body (20 and 10 characters at least);
/// - a JWT needs a JSON header and a JSON payload (both base64url `eyJ...`); the signature may
///   be empty (`alg: none` tokens are still bearer tokens).
///
/// Token shapes are not anchored at word boundaries: a key glued to other text
/// (`keyAKIA...`) must still be redacted, and the shapes are specific enough that ordinary
/// text does not match them by chance.
const PATTERNS: [&str; 9] = [
    r#"(?:client_secret|clientSecret|CLIENT_SECRET|Client_Secret)[ \t]*=[ \t]*[^\s&;,"'<>{}\[\]$*][^\s&;,"'<>]*"#,
    r#"(?:password|Password|PASSWORD)[ \t]*=[ \t]*[^\s&;,"'<>{}\[\]$*][^\s&;,"'<>]*"#,
    r"AKIA[0-9A-Z]{16}",
    r"xox[abpr]-[0-9][0-9A-Za-z-]{8,}",
    r"gh[pousr]_[A-Za-z0-9]{36}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"sk_live_[0-9A-Za-z]{10,}",
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|\z)",
    r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
];

/// All patterns as one alternation, each in its own capture group (group `i + 1` is
/// `SecretKind::ALL[i]`). One regex means one scan per string, and its literal prefixes
/// (`AKIA`, `xox`, `eyJ`, ...) give the regex engine a fast prefilter. `None` only if a pattern
/// failed to compile, which the unit tests rule out.
static SECRETS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let alternation: Vec<String> = PATTERNS.iter().map(|p| format!("({p})")).collect();
    Regex::new(&alternation.join("|")).ok()
});

/// The shortest string any pattern matches (`password=x`).
const MIN_SECRET_LEN: usize = 10;

/// A necessary condition for any pattern to match, checked before the regex (whose per-call
/// setup costs several times this scan on the short strings metadata is made of). Every
/// pattern contains `=` (parameters), `K` (`AKIA`, `PRIVATE KEY`), `J` (`eyJ`), `x` (`xox`),
/// or an `_` in a token prefix (`gh?_`, `github_`, `sk_`). A bare `_` would let every
/// snake_case key through, so it counts only after `b`, `k` or `gh?`.
fn may_contain_secret(s: &str) -> bool {
    fn anchor(b: u8) -> bool {
        (b == b'=') | (b == b'K') | (b == b'J') | (b == b'x')
    }
    let bytes = s.as_bytes();
    if bytes.len() < MIN_SECRET_LEN {
        return false;
    }
    // Chunks of 16 bytes without early exit let the compiler vectorise.
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |hit, &b| hit | anchor(b)) {
            return true;
        }
    }
    if chunks.remainder().iter().any(|&b| anchor(b)) {
        return true;
    }
    bytes.iter().enumerate().any(|(i, &b)| {
        let before = |n: usize| i.checked_sub(n).and_then(|j| bytes.get(j)).copied();
        b == b'_'
            && (matches!(before(1), Some(b'b' | b'k'))
                || (before(3) == Some(b'g') && before(2) == Some(b'h')))
    })
}

/// Whether `s` contains secret-like material. Cheap: a byte prefilter, then one regex scan
/// without captures; no allocation.
pub fn contains_secret(s: &str) -> bool {
    may_contain_secret(s) && SECRETS.as_ref().is_some_and(|re| re.is_match(s))
}

/// Every secret-like match in `s`, left to right, never overlapping.
pub fn find_secrets(s: &str) -> Vec<SecretMatch> {
    let Some(re) = SECRETS.as_ref() else {
        return Vec::new();
    };
    if !may_contain_secret(s) || !re.is_match(s) {
        return Vec::new();
    }
    re.captures_iter(s)
        .filter_map(|caps| {
            SecretKind::ALL.iter().enumerate().find_map(|(i, kind)| {
                caps.get(i + 1).map(|m| SecretMatch {
                    kind: *kind,
                    range: m.range(),
                })
            })
        })
        .collect()
}

/// `s` with every secret-like match replaced by its kind's marker (borrowed when clean).
pub fn redact_secrets(s: &str) -> Cow<'_, str> {
    let found = find_secrets(s);
    if found.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for m in found {
        out.push_str(&s[at..m.range.start]);
        out.push_str(m.kind.marker());
        at = m.range.end;
    }
    out.push_str(&s[at..]);
    Cow::Owned(out)
}

/// The kinds of the markers ([`SecretKind::marker`]) in `s`, left to right.
pub fn markers(s: &str) -> impl Iterator<Item = SecretKind> + '_ {
    s.match_indices(MARKER_PREFIX).filter_map(move |(i, _)| {
        let rest = &s[i + MARKER_PREFIX.len()..];
        let end = rest.find(']')?;
        SecretKind::from_name(&rest[..end])
    })
}

fn redact(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            // A JSON Web Key (RFC 7517) carries its private or symmetric key material in short
            // members that mean nothing elsewhere, so they are redacted only inside a JWK.
            let jwk = map.contains_key("kty");
            let member = |k: &str, v: Value| {
                let secret = is_secret_key(k) || (jwk && JWK_PRIVATE_MEMBERS.contains(&k));
                if secret && !is_flag_or_container(&v) {
                    Value::String(REDACTED.to_string())
                } else {
                    redact(v)
                }
            };
            // Keys holding secrets are rare: only then is the object rebuilt.
            if map
                .keys()
                .all(|k| matches!(redact_secrets(k), Cow::Borrowed(_)))
            {
                for (k, v) in map.iter_mut() {
                    *v = member(k, std::mem::take(v));
                }
                return Value::Object(map);
            }
            let mut out = Map::new();
            for (k, v) in map {
                let k = match redact_secrets(&k) {
                    Cow::Borrowed(_) => k,
                    Cow::Owned(clean) => clean,
                };
                let v = member(&k, v);
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let total = items.len();
            let mut out: Vec<Value> = items
                .into_iter()
                .take(MAX_EVIDENCE_ITEMS)
                .map(redact)
                .collect();
            if total > MAX_EVIDENCE_ITEMS {
                out.push(Value::String(format!(
                    "[{} more items not kept]",
                    total - MAX_EVIDENCE_ITEMS
                )));
            }
            Value::Array(out)
        }
        Value::String(s) => {
            // Most strings are short and clean: keep them without a copy.
            let changed = match redact_secrets(&s) {
                Cow::Borrowed(_) if s.len() <= MAX_EVIDENCE_STRING => None,
                redacted => Some(bound_redacted(&redacted)),
            };
            Value::String(changed.unwrap_or(s))
        }
        other => other,
    }
}

/// Text fit for a log line or a stored error: control characters (newlines included, so no
/// forged log lines) as spaces, cut to at most `max` bytes as [`bound_str`] does.
pub fn printable(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    bound_str(&clean, max)
}

/// Cut `s` to at most `max` bytes on a character boundary, saying how much was cut.
pub fn bound_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    cut_at(s, end)
}

/// [`bound_str`] to [`MAX_EVIDENCE_STRING`] for a string already redacted by value: a marker
/// the cut would split is kept whole (a few bytes over the bound), so SECRET-012 still reads it.
fn bound_redacted(s: &str) -> String {
    if s.len() <= MAX_EVIDENCE_STRING {
        return s.to_string();
    }
    let mut end = MAX_EVIDENCE_STRING;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // Markers are at most 32 bytes long, so only one starting in the last 64 can straddle.
    let mut lo = end.saturating_sub(64);
    while !s.is_char_boundary(lo) {
        lo -= 1;
    }
    for (i, _) in s[lo..].match_indices(MARKER_PREFIX) {
        let start = lo + i;
        if start >= end {
            break;
        }
        if let Some(close) = s[start..].find(']')
            && start + close >= end
        {
            end = start + close + 1;
            break;
        }
    }
    cut_at(s, end)
}

fn cut_at(s: &str, end: usize) -> String {
    if end >= s.len() {
        return s.to_string();
    }
    format!("{}…[{} bytes cut]", &s[..end], s.len() - end)
}

/// Values that cannot be a secret however their key reads (`"use_refresh_token": "false"`):
/// null, booleans and the strings `true` / `false`, and containers (redacted item by item).
fn is_flag_or_container(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::Object(_) | Value::Array(_) => true,
        Value::String(s) => s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"),
        Value::Number(_) => false,
    }
}

/// JWK members holding private (RSA, EC, OKP) or symmetric (`k`) key material (RFC 7518 §6).
const JWK_PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Keys whose scalar values are secrets: anything naming a secret, password or private key,
/// PEM blocks (GitHub returns an App's private key as `pem` once), and token fields (any key
/// ending in `token`: `access_token`, Salesforce `DeleteToken`, RFC 7592
/// `registration_access_token`, Slack `bot_token` ...). Metadata about a secret (its creation time, hint, type, whether it is
/// required) is kept: those keys end in one of `KEEP_SUFFIXES`.
fn is_secret_key(key: &str) -> bool {
    const EXACT: [&str; 11] = [
        "pem",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "accesstoken",
        "refreshtoken",
        "api_key",
        "apikey",
        "key",
        "signing_key",
    ];
    const KEEP_SUFFIXES: [&str; 12] = [
        "time", "date", "datetime", "_at", "hint", "type", "method", "optional", "required",
        "enabled", "policy", "count",
    ];
    let k = key.to_ascii_lowercase();
    if EXACT.contains(&k.as_str()) || k.ends_with("token") {
        return true;
    }
    let secretish = k.contains("secret")
        || k.contains("password")
        || k.contains("private_key")
        || k.contains("privatekey");
    secretish && !KEEP_SUFFIXES.iter().any(|s| k.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_replaced_but_their_metadata_kept() {
        let v = evidence(json!({
            "clientId": "abc",
            "secret": "s3cr3t",
            "credentials": {"oauthClient": {"client_secret": "zzz", "token_endpoint_auth_method": "client_secret_basic"}},
            "attributes": {"client.secret.creation.time": "1695977117"},
            "passwordCredentials": [{"hint": "abc", "secretText": "full", "endDateTime": "2030-01-01T00:00:00Z"}],
            "refresh_token": {"rotation_type": "rotating"}
        }));
        let s = v.to_string();
        assert!(
            !s.contains("s3cr3t") && !s.contains("zzz") && !s.contains("full"),
            "{s}"
        );
        assert!(
            s.contains("client_secret_basic") && s.contains("1695977117") && s.contains("rotating"),
            "{s}"
        );
        assert_eq!(v["passwordCredentials"][0]["hint"], "abc");
    }

    #[test]
    fn tokens_pem_keys_and_private_jwk_members_are_replaced() {
        let v = evidence(json!({
            "registration_access_token": "reg-tok-1",
            "AccessToken": "00Dxx!sfdc-access",
            "DeleteToken": "sfdc-delete",
            "pem": "-----BEGIN RSA PRIVATE KEY-----abc",
            "token_type": "bot",
            "client_credentials.use_refresh_token": "false",
            "refresh_token": true,
            "dpop_bound_access_tokens": true,
            "jwks": {"keys": [{"kty": "RSA", "kid": "k1", "n": "modulus", "e": "AQAB", "d": "private-exponent", "p": "prime-p"}]},
            "other": {"d": "kept outside a JWK"}
        }));
        let s = v.to_string();
        for secret in [
            "reg-tok-1",
            "sfdc-access",
            "sfdc-delete",
            "PRIVATE KEY",
            "private-exponent",
            "prime-p",
        ] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        assert_eq!(v["token_type"], "bot");
        assert_eq!(v["client_credentials.use_refresh_token"], "false");
        assert_eq!(v["refresh_token"], true);
        assert_eq!(v["dpop_bound_access_tokens"], true);
        assert_eq!(v["jwks"]["keys"][0]["n"], "modulus");
        assert_eq!(v["other"]["d"], "kept outside a JWK");
    }

    #[test]
    fn long_strings_and_arrays_are_bounded() {
        let v = evidence(json!({"name": "é".repeat(5000), "list": vec![1; 600]}));
        let name = v["name"].as_str().unwrap_or_default();
        assert!(name.len() < MAX_EVIDENCE_STRING + 40 && name.contains("bytes cut"));
        assert_eq!(
            v["list"].as_array().map(Vec::len),
            Some(MAX_EVIDENCE_ITEMS + 1)
        );
    }

    const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
    const GHP: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn kinds(s: &str) -> Vec<&'static str> {
        find_secrets(s).iter().map(|m| m.kind.as_str()).collect()
    }

    #[test]
    fn every_pattern_compiles() {
        for p in PATTERNS {
            assert!(Regex::new(p).is_ok(), "{p}");
        }
        assert!(SECRETS.is_some());
    }

    #[test]
    fn each_catalog_pattern_is_found_with_its_kind_and_range() {
        let cases = [
            (
                "https://app.example/cb?client_secret=s3cr3tvalue&x=1",
                "client-secret-param",
                "client_secret=s3cr3tvalue",
            ),
            (
                "login with password = hunter2 please",
                "password-param",
                "password = hunter2",
            ),
            ("key AKIAIOSFODNN7EXAMPLE here", "aws-access-key", AWS),
            (
                "bot xoxb-1234567890-abcdefghij",
                "slack-token",
                "xoxb-1234567890-abcdefghij",
            ),
            (&format!("token={GHP};"), "github-token", GHP),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
                "github-pat",
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            ),
            (
                "sk_live_51Habcdefghijklmn",
                "stripe-live-key",
                "sk_live_51Habcdefghijklmn",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- tail",
                "private-key",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            ),
            (&format!("Bearer {JWT}"), "jwt", JWT),
        ];
        for (text, kind, secret) in cases {
            let found = find_secrets(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].kind.as_str(), kind, "{text}");
            assert_eq!(&text[found[0].range.clone()], secret, "{text}");
            assert!(contains_secret(text), "{text}");
        }
    }

    #[test]
    fn lookalikes_and_placeholders_are_not_secrets() {
        for text in [
            "Sales integration for ACME",
            "https://app.example/callback?state=abc&client_id=123",
            "client_secret= ",
            "password={{password}}",
            "password=<your password>",
            "use a token like xoxb-your-token",
            "AKIAIOSFODNN7EXAMPL",
            "ghp_short",
            "sk_test_51Habcdefghijklmn",
            "-----BEGIN PUBLIC KEY-----",
            "eyJhbGciOiJIUzI1NiJ9 only a header",
            "[redacted:aws-access-key]",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
            assert!(!contains_secret(text), "{text}");
        }
    }

    #[test]
    fn the_prefilter_lets_token_prefixes_through_but_not_snake_case() {
        for s in [
            GHP,
            "github_pat_11ABCDEFG0123456789_abcdef",
            "sk_live_51Habcdefghijklmn",
        ] {
            assert!(may_contain_secret(s), "{s}");
        }
        for s in [
            "redirect_uris",
            "token_endpoint_auth_method",
            "application_type",
        ] {
            assert!(!may_contain_secret(s), "{s}");
        }
    }

    #[test]
    fn redaction_replaces_each_match_with_its_marker() {
        let text = format!("a {AWS} b {GHP} c");
        assert_eq!(
            redact_secrets(&text),
            "a [redacted:aws-access-key] b [redacted:github-token] c"
        );
        assert!(matches!(redact_secrets("clean"), Cow::Borrowed("clean")));
        let unterminated = "x -----BEGIN PRIVATE KEY-----\nMIIEvQ";
        assert_eq!(redact_secrets(unterminated), "x [redacted:private-key]");
    }

    #[test]
    fn markers_are_read_back_by_kind() {
        let s = "x [redacted:jwt] y [redacted] z [redacted:slack-token] [redacted:bogus]";
        let found: Vec<SecretKind> = markers(s).collect();
        assert_eq!(found, vec![SecretKind::Jwt, SecretKind::SlackToken]);
        for k in SecretKind::ALL {
            assert_eq!(markers(k.marker()).collect::<Vec<_>>(), vec![k]);
            assert_eq!(SecretKind::from_name(k.as_str()), Some(k));
        }
    }

    #[test]
    fn evidence_redacts_secret_values_and_keys_anywhere_in_raw() {
        let v = evidence(json!({
            "description": format!("deploy key {AWS}"),
            "settings": {"notes": {"admin": format!("use {JWT} for tests")}},
            "redirect_uris": ["https://x.example/cb?client_secret=abcdef123"],
            "attributes": {AWS: "value"},
        }));
        let s = v.to_string();
        for secret in [AWS, JWT, "abcdef123"] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        assert_eq!(v["description"], "deploy key [redacted:aws-access-key]");
        assert_eq!(
            v["settings"]["notes"]["admin"],
            "use [redacted:jwt] for tests"
        );
        assert_eq!(
            v["redirect_uris"][0],
            "https://x.example/cb?[redacted:client-secret-param]"
        );
        assert_eq!(v["attributes"]["[redacted:aws-access-key]"], "value");
    }

    #[test]
    fn a_marker_is_never_split_by_the_length_bound() {
        let pad = "x".repeat(MAX_EVIDENCE_STRING - 5);
        let v = evidence(json!({ "d": format!("{pad}{AWS} and more text after it") }));
        let d = v["d"].as_str().unwrap_or_default();
        assert!(
            d.contains("[redacted:aws-access-key]") && d.contains("bytes cut"),
            "{d}"
        );
        assert!(!d.contains("AKIA"));
        assert_eq!(
            markers(d).collect::<Vec<_>>(),
            vec![SecretKind::AwsAccessKey]
        );
    }
}
