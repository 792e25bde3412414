//! The per-app redirect analysis: every URI read once ([`super::uri`]), the per-URI rules
//! decided with the app's context (kind, client id, publisher, provider, tunnel list, DNS),
//! precedence applied (RULES §2), and the result cached on the [`AppContext`] so the 23 checks
//! and the dashboard share it.

use connectors::Provider;
use connectors::model::{AppKind, OAuthApp, RedirectKind, RedirectUri};
use std::cell::OnceCell;
use std::net::IpAddr;

use super::super::AppContext;
use super::super::context::HostStatus;
use super::uri::{self, Host, HostKind, Port, SchemeClass, SuffixType, confusion};

/// Rule ids by number (`IDS[1]` is REDIRECT-001).
pub(super) const IDS: [&str; 24] = [
    "",
    "REDIRECT-001",
    "REDIRECT-002",
    "REDIRECT-003",
    "REDIRECT-004",
    "REDIRECT-005",
    "REDIRECT-006",
    "REDIRECT-007",
    "REDIRECT-008",
    "REDIRECT-009",
    "REDIRECT-010",
    "REDIRECT-011",
    "REDIRECT-012",
    "REDIRECT-013",
    "REDIRECT-014",
    "REDIRECT-015",
    "REDIRECT-016",
    "REDIRECT-017",
    "REDIRECT-018",
    "REDIRECT-019",
    "REDIRECT-020",
    "REDIRECT-021",
    "REDIRECT-022",
    "REDIRECT-023",
];

/// The bit of REDIRECT-`n` in a rule mask.
pub(super) const fn bit(n: usize) -> u32 {
    1 << n
}

/// REDIRECT-004: where the wildcard is.
pub(super) mod wild {
    pub const PATH: u8 = 1;
    pub const QUERY: u8 = 2;
    pub const PORT: u8 = 4;
}

/// REDIRECT-009 reasons.
pub(super) mod r009 {
    pub const AUTHORITY: u8 = 1;
    pub const NOT_PUBLISHER: u8 = 2;
}

/// Per-URI analysis of an app's redirect URIs.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// One report per registered URI, in the app's order.
    pub uris: Vec<UriReport>,
    /// Union of the URIs' rule bits, so checks with nothing to report return at once.
    pub(super) fired: u32,
}

impl Analysis {
    /// The reports whose URI triggers REDIRECT-`n` (after precedence).
    pub(super) fn with_rule(&self, n: usize) -> impl Iterator<Item = &UriReport> {
        let any = self.fired & bit(n) != 0;
        self.uris.iter().filter(move |u| any && u.has(n))
    }

    pub(super) fn any(&self, n: usize) -> bool {
        self.fired & bit(n) != 0
    }
}

/// Why a URI looks like a development endpoint (REDIRECT-021).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevReason {
    Loopback,
    Localhost,
    PrivateIp,
    Tunnel,
    ReservedTld,
    DevLabel,
    NonDefaultPort,
}

impl DevReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DevReason::Loopback => "loopback",
            DevReason::Localhost => "localhost",
            DevReason::PrivateIp => "private_ip",
            DevReason::Tunnel => "tunnel_host",
            DevReason::ReservedTld => "development_tld",
            DevReason::DevLabel => "development_label",
            DevReason::NonDefaultPort => "non_default_port",
        }
    }
}

/// One redirect URI and the per-URI rules it triggers (after precedence).
#[derive(Debug, Clone)]
pub struct UriReport {
    /// Position in the app's `redirect_uris`.
    pub index: usize,
    /// The value exactly as registered (attacker-controlled: bound it before display).
    pub uri: String,
    pub kind: RedirectKind,
    pub scheme: SchemeClass,
    pub host_kind: HostKind,
    /// The host as parsed: lower-case punycode name, IP address, or lower-cased wildcard
    /// pattern. `None` when the value names no network host.
    pub host: Option<String>,
    pub ip: Option<IpAddr>,
    /// The explicit port, when one is written.
    pub port: Option<u16>,
    /// PSL section of the host's public suffix, when it is in the list.
    pub suffix_type: Option<SuffixType>,
    /// REDIRECT-021: why the URI looks like a development endpoint.
    pub dev: Option<DevReason>,
    /// REDIRECT-021: an https redirect on a public registrable domain that is not dev-looking.
    pub production: bool,
    /// REDIRECT-018: the resolver's answer when it found the host dangling.
    pub dns: Option<HostStatus>,
    /// Rule ids that fire for this URI, in catalog order (REDIRECT-021 on its dev URIs when
    /// the app-level rule fires).
    pub rules: Vec<&'static str>,
    pub(super) mask: u32,
    pub(super) site: Option<usize>,
    pub(super) suffix: Option<usize>,
    pub(super) fixed: Option<usize>,
    pub(super) confusion: u16,
    pub(super) wild: u8,
    pub(super) inferred_prefix: bool,
    pub(super) r009: u8,
    pub(super) client_id_scheme: bool,
    pub(super) tunnel: Option<usize>,
    /// REDIRECT-022 value (OOB or Entra nativeclient), whether or not the rule is enabled.
    pub(super) oob: bool,
}

impl UriReport {
    fn new(index: usize, r: &RedirectUri) -> Self {
        UriReport {
            index,
            uri: r.uri.clone(),
            kind: r.kind,
            scheme: SchemeClass::Missing,
            host_kind: HostKind::None,
            host: None,
            ip: None,
            port: None,
            suffix_type: None,
            dev: None,
            production: false,
            dns: None,
            rules: Vec::new(),
            mask: 0,
            site: None,
            suffix: None,
            fixed: None,
            confusion: 0,
            wild: 0,
            inferred_prefix: false,
            r009: 0,
            client_id_scheme: false,
            tunnel: None,
            oob: false,
        }
    }

    /// Whether rule `id` fires for this URI.
    pub fn fires(&self, id: &str) -> bool {
        self.rules.contains(&id)
    }

    pub(super) fn has(&self, n: usize) -> bool {
        self.mask & bit(n) != 0
    }

    /// The host's registrable domain (eTLD+1); for a name that is itself a suffix created by a
    /// PSL wildcard rule (`x.run.app`), the whole name. For a wildcard host, that of the fixed
    /// part, unless the wildcard decides it (REDIRECT-003).
    pub fn registrable_domain(&self) -> Option<&str> {
        Some(&self.host.as_deref()?[self.site?..])
    }

    /// The host's public suffix.
    pub fn public_suffix(&self) -> Option<&str> {
        Some(&self.host.as_deref()?[self.suffix?..])
    }

    /// For a wildcard host, the fixed part right of the last wildcard label.
    pub fn wildcard_fixed_part(&self) -> Option<&str> {
        Some(&self.host.as_deref()?[self.fixed?..])
    }

    /// A loopback literal or localhost name (RULES §2), as PKCE-002 needs.
    pub fn is_loopback_or_localhost(&self) -> bool {
        matches!(self.host_kind, HostKind::Loopback | HostKind::Localhost)
    }

    /// A private-use scheme (RULES §2), as PKCE-002 needs.
    pub fn is_private_use_scheme(&self) -> bool {
        self.scheme == SchemeClass::PrivateUse
    }

    /// REDIRECT-018 candidates: public DNS names that someone could hold.
    fn dns_candidate(&self) -> bool {
        self.scheme.is_web()
            && self.host_kind == HostKind::Domain
            && self.suffix_type.is_some()
            && self.site.is_some()
            && self.confusion & confusion::UNPARSABLE_HOST == 0
    }
}

/// What the per-URI decisions need from the app, read once per app.
struct Env<'a> {
    enabled: u32,
    github: bool,
    /// `app_kind in {web, spa, service}` (REDIRECT-007).
    web_like_app: bool,
    client_id: Option<&'a str>,
    tunnels: &'a [String],
    app: &'a OAuthApp,
    publisher: OnceCell<Option<String>>,
}

/// Analyse every redirect URI of the app.
pub fn analyze(ctx: &AppContext<'_>) -> Analysis {
    let app = ctx.app;
    if app.redirect_uris.is_empty() {
        return Analysis::default();
    }
    let settings = ctx.tenant.settings;
    let enabled = (1..IDS.len())
        .filter(|&n| settings.enabled(IDS[n]))
        .fold(0, |m, n| m | bit(n));
    let env = Env {
        enabled,
        github: app.provider == Provider::Github,
        web_like_app: matches!(app.app_kind, AppKind::Web | AppKind::Spa | AppKind::Service),
        client_id: app
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|c| c.len() >= 8),
        tunnels: &settings.thresholds.tunnel_domains,
        app,
        publisher: OnceCell::new(),
    };
    let mut uris: Vec<UriReport> = app
        .redirect_uris
        .iter()
        .enumerate()
        .map(|(i, r)| env.report(i, r))
        .collect();

    // REDIRECT-018: only on request, with a resolver, one lookup per distinct host.
    if settings.dns_check
        && enabled & bit(18) != 0
        && let Some(resolver) = ctx.tenant.resolver
    {
        let mut seen: Vec<(String, HostStatus)> = Vec::new();
        for u in uris.iter_mut().filter(|u| u.dns_candidate()) {
            let Some(host) = u.host.as_deref() else {
                continue;
            };
            let status = match seen.iter().find(|(h, _)| h == host) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = resolver.resolve(host);
                    seen.push((host.to_string(), s.clone()));
                    s
                }
            };
            if matches!(
                status,
                HostStatus::NxDomain | HostStatus::DanglingCname { .. }
            ) {
                u.mask |= bit(18);
                u.dns = Some(status);
            }
        }
    }

    // REDIRECT-021 is app-level; its development URIs carry it too.
    if enabled & bit(21) != 0
        && uris.iter().any(|u| u.production)
        && uris.iter().any(|u| u.dev.is_some())
    {
        for u in uris.iter_mut().filter(|u| u.dev.is_some()) {
            u.mask |= bit(21);
        }
    }

    // Precedence (RULES §2), by enabled rules only: a disabled rule suppresses nothing.
    let mut fired = 0;
    for u in &mut uris {
        let mut m = u.mask;
        if m & enabled & bit(1) != 0 {
            m &= !(bit(2) | bit(3) | bit(4));
        }
        if m & enabled & bit(3) != 0 {
            m &= !bit(2);
        }
        if m & enabled & bit(16) != 0 {
            m &= !bit(17);
        }
        m &= enabled;
        u.mask = m;
        if m != 0 {
            u.rules = (1..IDS.len())
                .filter(|&n| m & bit(n) != 0)
                .map(|n| IDS[n])
                .collect();
        }
        fired |= m;
    }
    Analysis { uris, fired }
}

impl Env<'_> {
    fn enabled(&self, n: usize) -> bool {
        self.enabled & bit(n) != 0
    }

    /// The publisher's verified domain, reduced to its registrable domain, lower-case.
    fn publisher(&self) -> Option<&str> {
        self.publisher
            .get_or_init(|| publisher_domain(self.app))
            .as_deref()
    }

    fn report(&self, index: usize, r: &RedirectUri) -> UriReport {
        let mut u = UriReport::new(index, r);
        let raw = r.uri.as_str();
        let cleaned = uri::clean(raw);
        let text = cleaned.as_ref();
        // A catch-all is reported under REDIRECT-001 alone; when that rule is disabled the
        // value is analysed like any other (so `https://*` still reaches REDIRECT-003).
        if self.enabled(1) && uri::is_catch_all(text) {
            u.mask |= bit(1);
            if uri::has_whitespace_or_control(raw) {
                u.confusion = confusion::WHITESPACE;
                u.mask |= bit(15);
            }
            return u;
        }
        let p = uri::split(text);
        u.scheme = p.class;
        u.confusion = uri::component_confusion(raw, text, &p);
        if p.fragment.is_some() {
            u.mask |= bit(12);
        }
        let star = p.present & uri::present::STAR != 0;
        if star && p.path.contains('*') {
            u.wild |= wild::PATH;
        }
        if let Some(q) = p.query {
            if star && q.contains('*') {
                u.wild |= wild::QUERY;
            }
            if uri::reserved_params(q).next().is_some() {
                u.mask |= bit(13);
            }
        }
        match p.class {
            SchemeClass::Dangerous => u.mask |= bit(10),
            SchemeClass::Urn => {
                if uri::is_oob(text) {
                    u.oob = true;
                    u.mask |= bit(22);
                }
            }
            SchemeClass::PrivateUse => self.private_use(&mut u, &p),
            SchemeClass::Http | SchemeClass::Https | SchemeClass::HttpPattern => {
                self.web(&mut u, &p)
            }
            SchemeClass::Missing => {}
        }
        if u.wild != 0 {
            u.mask |= bit(4);
        }
        if self.github {
            u.inferred_prefix = true;
            u.mask |= bit(4);
        }
        if u.confusion != 0 {
            u.mask |= bit(15);
        }
        u
    }

    /// REDIRECT-008 and -009.
    fn private_use(&self, u: &mut UriReport, p: &uri::Parts<'_>) {
        let scheme = p.scheme.unwrap_or("");
        let tied = self
            .client_id
            .is_some_and(|id| scheme_embeds_client_id(scheme, id));
        let dotted = scheme.contains('.');
        if !dotted {
            u.mask |= bit(8);
            u.client_id_scheme = tied;
        }
        if dotted || !self.enabled(8) {
            if p.authority.is_some() {
                u.r009 |= r009::AUTHORITY;
            }
            if !tied
                && let Some(domain) = self.publisher()
                && !scheme_owned_by(scheme, domain)
            {
                u.r009 |= r009::NOT_PUBLISHER;
            }
            if u.r009 != 0 {
                u.mask |= bit(9);
            }
        }
    }

    /// The host rules of an http(s) value.
    fn web(&self, u: &mut UriReport, p: &uri::Parts<'_>) {
        let h = Host::parse(p.authority.unwrap_or(""), p.present);
        u.confusion |= h.confusion;
        u.host_kind = h.kind;
        u.ip = h.ip;
        u.suffix_type = h.suffix_type;
        u.site = h.site;
        u.suffix = h.suffix;
        u.fixed = h.fixed;
        let explicit_port = match h.port {
            Port::Number(n) => Some(n),
            _ => None,
        };
        u.port = explicit_port;
        let local = matches!(h.kind, HostKind::Loopback | HostKind::Localhost);
        if h.port == Port::Wildcard && !local {
            u.wild |= wild::PORT;
        }
        let http = p.class.allows_http();
        if http && !local {
            u.mask |= bit(5);
        }
        match h.kind {
            HostKind::Wildcard => {
                // Both bits: precedence keeps 003 over 002 while 003 is enabled.
                u.mask |= if h.over_suffix {
                    bit(3) | bit(2)
                } else {
                    bit(2)
                };
            }
            HostKind::Localhost => u.mask |= bit(6),
            HostKind::Ip => u.mask |= bit(11),
            HostKind::Domain => {
                u.tunnel = self.tunnels.iter().position(|t| uri::within(&h.name, t));
                if u.tunnel.is_some() {
                    u.mask |= bit(16);
                }
                // Precedence drops 017 while 016 fires for the same URI.
                if h.suffix_type == Some(SuffixType::Private) && h.site.is_some() {
                    u.mask |= bit(17);
                }
                if uri::is_entra_nativeclient(&h.name, p.path, p.query) {
                    u.oob = true;
                    u.mask |= bit(22);
                }
            }
            HostKind::Loopback | HostKind::None => {}
        }
        if local && (self.web_like_app || matches!(u.kind, RedirectKind::Web | RedirectKind::Spa)) {
            u.mask |= bit(7);
        }
        if let Some(q) = p.query
            && (uri::forward_params(q).next().is_some()
                || uri::url_valued_params(q).next().is_some())
        {
            u.mask |= bit(14);
        }
        if uri::forward_segments(p.path).next().is_some() {
            u.mask |= bit(14);
        }

        // REDIRECT-021 inputs.
        if !u.oob {
            let wildcard_fixed_tunnel = h.kind == HostKind::Wildcard
                && h.fixed
                    .is_some_and(|f| self.tunnels.iter().any(|t| uri::within(&h.name[f..], t)));
            u.dev = match h.kind {
                HostKind::Loopback => Some(DevReason::Loopback),
                HostKind::Localhost => Some(DevReason::Localhost),
                HostKind::Ip => {
                    h.ip.filter(|ip| matches!(uri::ip_range(*ip), "private" | "unique_local"))
                        .map(|_| DevReason::PrivateIp)
                }
                HostKind::Domain | HostKind::Wildcard => {
                    let default_port = if http { 80 } else { 443 };
                    if u.tunnel.is_some() || wildcard_fixed_tunnel {
                        Some(DevReason::Tunnel)
                    } else if uri::dev_tld(&h.name).is_some() {
                        Some(DevReason::ReservedTld)
                    } else if uri::dev_label(&h.name, h.site).is_some() {
                        Some(DevReason::DevLabel)
                    } else if explicit_port.is_some_and(|n| n != default_port)
                        && h.suffix_type.is_some()
                    {
                        Some(DevReason::NonDefaultPort)
                    } else {
                        None
                    }
                }
                HostKind::None => None,
            };
            u.production = p.class == SchemeClass::Https
                && u.dev.is_none()
                && matches!(h.kind, HostKind::Domain | HostKind::Wildcard)
                && !h.over_suffix
                && h.suffix_type.is_some()
                && h.site.is_some()
                && h.confusion & confusion::UNPARSABLE_HOST == 0;
        }
        u.host = Some(h.name);
    }
}

/// The publisher's verified domain as a registrable domain, lower-case; `None` when the
/// publisher is not verified (RULES speaks of the *verified* domain: an unverified one proves
/// nothing, and an unknown one must not fire a rule).
pub(super) fn publisher_domain(app: &OAuthApp) -> Option<String> {
    if app.publisher.verified != Some(true) {
        return None;
    }
    let d = app
        .publisher
        .domain
        .as_deref()?
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if d.is_empty() {
        return None;
    }
    match psl::domain(d.as_bytes()).and_then(|r| std::str::from_utf8(r.as_bytes()).ok()) {
        Some(r) if r.len() < d.len() => Some(r.to_string()),
        _ => Some(d),
    }
}

/// The scheme carries the client id (MSAL `msal{client-id}`), or is the reversed client id
/// (Google's `com.googleusercontent.apps.{id}` for `{id}.apps.googleusercontent.com`).
fn scheme_embeds_client_id(scheme: &str, client_id: &str) -> bool {
    let (s, c) = (scheme.as_bytes(), client_id.as_bytes());
    if s.len() >= c.len() && s.windows(c.len()).any(|w| w.eq_ignore_ascii_case(c)) {
        return true;
    }
    let mut sl = scheme.split('.');
    let mut cl = client_id.rsplit('.');
    loop {
        match (sl.next(), cl.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
            _ => return false,
        }
    }
}

/// The scheme's labels, read right to left as a domain, fall under `domain` (`com.example.app`
/// under `example.com`). MSAL's iOS broker prefix `msauth.` is skipped (`msauth.{bundle id}`).
fn scheme_owned_by(scheme: &str, domain: &str) -> bool {
    let s = match scheme.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("msauth.") => &scheme[7..],
        _ => scheme,
    };
    let mut labels = s.split('.');
    domain
        .rsplit('.')
        .all(|d| labels.next().is_some_and(|l| l.eq_ignore_ascii_case(d)))
}
