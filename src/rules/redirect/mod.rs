//! REDIRECT rules (RULES §3.2): redirect URI registration.
//!
//! Every URI of an app is read once per app ([`analyze`], cached by
//! [`AppContext::redirects`]): the raw registered string first, then its host as the `url`
//! crate parses it, then the Public Suffix List (RULES §2). The per-URI rules (001-018, 022)
//! fire once per app with every matching URI in the evidence; 019, 020, 021 and 023 are
//! app-level. Precedence between rules on the same URI (RULES §2) is applied in [`analyze`],
//! whose [`UriReport`]s also give the dashboard each URI's rules.
//!
//! Registered values are attacker-controlled: evidence bounds every string taken from them
//! and lists at most [`MAX_LISTED`] URIs per finding.

mod analysis;
mod dns;
mod uri;

#[cfg(test)]
mod tests;

use connectors::model::{AppKind, GrantType, NoteKind};
use connectors::redact::bound_str;
use serde_json::{Map, Value, json};
use std::collections::HashSet;

use super::{AppContext, Check, Family, Hit, Rule, Severity};
use analysis::{r009, wild};
use uri::confusion;

pub use analysis::{Analysis, DevReason, UriReport, analyze};
pub use dns::SystemResolver;
pub use uri::{HostKind, SchemeClass, SuffixType};

/// Most URIs listed in one finding's evidence; the total is given beside the list.
pub const MAX_LISTED: usize = 50;

/// Bound for any evidence string taken from a registered value.
const MAX_EVIDENCE_STR: usize = 512;

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "REDIRECT-001",
        family: Family::Redirect,
        title: "Catch-all redirect pattern",
        severity: Severity::Critical,
        checks: "Any registered value equal to `*`, `**`, empty string, `https://*`, `http*://*`, a scheme followed only by wildcards, or a regex such as `.*`; Keycloak `*` or `/*` alone also counts.",
        rationale: "The authorization server will deliver codes or tokens to any destination, turning it into an open redirector for credentials.",
        cites: &[
            "RFC 6749 §3.1.2.2",
            "RFC 6749 §10.15",
            "RFC 9700 §2.1",
            "RFC 9700 §4.1.3",
            "RFC 9700 §4.11.2",
            "OAuth 2.1 §2.3.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Replace the pattern with the exact, complete callback URIs the application uses.",
        check: Check::App(redirect_001),
    },
    Rule {
        id: "REDIRECT-002",
        family: Family::Redirect,
        title: "Wildcard in the host",
        severity: Severity::High,
        checks: "The raw host component contains `*` (for example `https://*.example.com/cb`), or the provider flags the URI as wildcard-enabled for subdomains.",
        rationale: "Any subdomain takeover, user-content subdomain or matcher bug on the parent domain becomes a way to receive codes (the BCP's own example of `https://*.somesite.example/*` matching an attacker domain).",
        cites: &[
            "RFC 9700 §4.1.1",
            "RFC 9700 §4.1.3",
            "RFC 6819 §5.2.3.5",
            "Microsoft Entra reply-URL restrictions (wildcards discouraged, unsupported for personal-account apps)",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Register each concrete host explicitly and carry per-tenant routing in `state` instead of the hostname.",
        check: Check::App(redirect_002),
    },
    Rule {
        id: "REDIRECT-003",
        family: Family::Redirect,
        title: "Wildcard over a public or shared-hosting suffix",
        severity: Severity::Critical,
        checks: "The fixed part to the right of a host wildcard is itself a public suffix from either PSL section (e.g. `https://*.herokuapp.com/...`, `https://*.azurewebsites.net/...`, `https://*.vercel.app/...`, `https://*.github.io/...`, `https://*.ngrok-free.app/...`), or is a TLD.",
        rationale: "Anyone can create a host under that suffix for free and receive codes or tokens.",
        cites: &[
            "RFC 9700 §4.1.1",
            "RFC 9700 §4.1.3",
            "Public Suffix List private section",
            "OAuth 2.1 §2.3.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Remove the wildcard, move the callback to a domain the publisher owns, and register the exact URI.",
        check: Check::App(redirect_003),
    },
    Rule {
        id: "REDIRECT-004",
        family: Family::Redirect,
        title: "Wildcard or prefix matching in path or query",
        severity: Severity::Medium,
        checks: "`*` appears in the path or query of the raw string; or the provider documents prefix/subdirectory matching for this registration (GitHub OAuth apps accept any subdirectory of the callback path; GitHub single-URI apps are wildcard-enabled per GitHub's announcement of per-URI wildcarding), in which case evidence is `inferred: true`.",
        rationale: "An open redirect, a user-content page or a path-confusion payload anywhere under the prefix receives the code; the ACSAC 2023 study found 6 of 16 major IdPs vulnerable to path confusion.",
        cites: &[
            "RFC 9700 §4.1.1",
            "RFC 9700 §4.1.3",
            "RFC 6749 §3.1.2.3",
            "Innocenti et al., ACSAC 2023",
            "OAuth 2.1 §2.3.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Register the full callback path exactly and disable wildcard or subdirectory matching where the provider offers the switch.",
        check: Check::App(redirect_004),
    },
    Rule {
        id: "REDIRECT-005",
        family: Family::Redirect,
        title: "Plain-http redirect to a non-loopback host",
        severity: Severity::High,
        checks: "Scheme `http` and the host is neither a loopback literal nor a localhost name.",
        rationale: "Codes and tokens cross the network unencrypted and can be read or altered on the path.",
        cites: &[
            "RFC 9700 §2.6",
            "RFC 6749 §3.1.2.1",
            "RFC 8252 §8.3",
            "OpenID Connect Registration §2",
            "OAuth 2.1 §8.5.4",
        ],
        nhi: &["NHI4"],
        csf: &["PR.DS-02", "PR.AA-04"],
        fix: "Serve the callback over https, or for a desktop app switch to a loopback IP literal redirect.",
        check: Check::App(redirect_005),
    },
    Rule {
        id: "REDIRECT-006",
        family: Family::Redirect,
        title: "`localhost` name instead of a loopback IP literal",
        severity: Severity::Low,
        checks: "Host is a localhost name (any scheme).",
        rationale: "Name resolution or a firewall can send the response elsewhere and the client may listen on non-loopback interfaces; RFC 8252 recommends the literal.",
        cites: &[
            "RFC 8252 §7.3",
            "RFC 8252 §8.3",
            "OAuth 2.1 §8.4.2",
            "OAuth 2.1 §8.5.4",
            "RFC 6761 §6.3",
            "Entra docs (prefer 127.0.0.1)",
        ],
        nhi: &["NHI4"],
        csf: &["PR.PS-01"],
        fix: "Register `http://127.0.0.1/{path}` (and `http://[::1]/{path}` where supported) and let the AS accept any port.",
        check: Check::App(redirect_006),
    },
    Rule {
        id: "REDIRECT-007",
        family: Family::Redirect,
        title: "Loopback redirect on a client that is not a native app",
        severity: Severity::Medium,
        checks: "A redirect host is a loopback literal or localhost name and `app_kind in {web, spa, service}` (or the redirect kind is web/spa).",
        rationale: "Any local process on a user's machine can bind the port and receive a code meant for a server-side or browser app; the http exception exists only for native apps.",
        cites: &[
            "RFC 9700 §2.6",
            "RFC 8252 §7.3",
            "RFC 8252 §8.3",
            "OpenID Connect Registration §2 (web clients using implicit MUST NOT use localhost)",
        ],
        nhi: &["NHI8"],
        csf: &["PR.PS-01"],
        fix: "Move development callbacks to a separate development registration and keep production registrations free of loopback URIs.",
        check: Check::App(redirect_007),
    },
    Rule {
        id: "REDIRECT-008",
        family: Family::Redirect,
        title: "Private-use scheme that is not reverse-DNS",
        severity: Severity::Medium,
        checks: "Private-use scheme containing no `.` (for example `myapp://callback`, `sfdc://success`). Severity drops to low when the scheme embeds the app's own client id (MSAL's `msal{client-id}://auth`), which is collision-resistant though not domain-based.",
        rationale: "Another app can claim the same scheme and receive the code; with PKCE enforced the code is still useless to it (PKCE-002 covers the missing-PKCE case).",
        cites: &[
            "RFC 8252 §7.1",
            "RFC 8252 §8.4",
            "OAuth 2.1 §2.3.1",
            "OAuth 2.1 §8.4.3",
            "RFC 7595 §3.8",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Use a scheme built from a domain the publisher controls, reversed (for example `com.example.app:/oauth2redirect`), or better a claimed https redirect.",
        check: Check::App(redirect_008),
    },
    Rule {
        id: "REDIRECT-009",
        family: Family::Redirect,
        title: "Private-use scheme formatting or ownership mismatch",
        severity: Severity::Info,
        checks: "Private-use scheme written with an authority (`com.example.app://host/...`, two slashes), or its reversed labels do not match the publisher's verified domain.",
        rationale: "Not directly exploitable, but it signals copy-pasted redirects and weakens ownership claims in a scheme dispute.",
        cites: &[
            "RFC 8252 §7.1 (single slash after the scheme)",
            "OAuth 2.1 §2.3.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.PS-01"],
        fix: "Register `scheme:/path` with a single slash and derive the scheme from the publisher's own domain.",
        check: Check::App(redirect_009),
    },
    Rule {
        id: "REDIRECT-010",
        family: Family::Redirect,
        title: "Dangerous scheme",
        severity: Severity::Critical,
        checks: "Scheme in {`javascript`, `data`, `vbscript`, `file`, `blob`, `about`, `view-source`}.",
        rationale: "The browser executes or renders attacker-influenced content in the redirect step, enabling script injection and token theft.",
        cites: &[
            "RFC 6749 §3.1.2",
            "RFC 6749 §10.15",
            "RFC 9700 §4.1",
            "Connect2id RedirectURIValidator (rejects data/javascript/vbscript)",
            "L. Holtmann's 2020 SSO redirect research",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Delete the URI; register only https (or native loopback / reverse-DNS private-use) callbacks.",
        check: Check::App(redirect_010),
    },
    Rule {
        id: "REDIRECT-011",
        family: Family::Redirect,
        title: "IP-literal host that is not loopback",
        severity: Severity::Medium,
        checks: "Host is an IPv4 or IPv6 literal outside 127.0.0.0/8 and `::1` (private RFC 1918, link-local, CGNAT or public).",
        rationale: "No stable ownership proof: cloud IPs are reassigned, private ranges reach whatever sits on the user's network, and certificates for IPs are rare.",
        cites: &[
            "RFC 8252 §7.3 (IP literals only for loopback)",
            "RFC 9700 §4.1",
            "OAuth 2.1 §2.3.1",
        ],
        nhi: &["NHI4", "NHI8"],
        csf: &["PR.PS-01"],
        fix: "Replace the IP with a DNS name the publisher controls and serve it over https.",
        check: Check::App(redirect_011),
    },
    Rule {
        id: "REDIRECT-012",
        family: Family::Redirect,
        title: "Fragment in a registered redirect URI",
        severity: Severity::Low,
        checks: "Raw string contains `#`.",
        rationale: "The spec forbids it; browsers' fragment handling during redirects makes leakage behaviour unpredictable and the registration is probably wrong.",
        cites: &["RFC 6749 §3.1.2", "RFC 9700 §4.1.2", "RFC 9700 §4.1.3"],
        nhi: &["NHI4"],
        csf: &["PR.PS-01"],
        fix: "Remove the fragment and keep client-side routing state in `state`.",
        check: Check::App(redirect_012),
    },
    Rule {
        id: "REDIRECT-013",
        family: Family::Redirect,
        title: "Reserved OAuth parameter names in the redirect query",
        severity: Severity::Medium,
        checks: "Query of a registered URI contains a parameter named `code`, `state`, `access_token`, `id_token`, `token`, `response`, `iss`, `error`, `session_state` or `client_id`.",
        rationale: "This enables OAuth parameter pollution: duplicated `code`/`state` values confuse the client, a building block the ACSAC 2023 study found exploitable at 10 of 16 IdPs.",
        cites: &[
            "Innocenti et al., ACSAC 2023 (recommendation to treat OAuth names as reserved)",
            "RFC 6749 §3.1.2",
            "RFC 9700 §4.1.3",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Remove OAuth parameter names from the registered query and carry application values in `state`.",
        check: Check::App(redirect_013),
    },
    Rule {
        id: "REDIRECT-014",
        family: Family::Redirect,
        title: "Open-redirect-prone callback",
        severity: Severity::Medium,
        checks: "A query parameter named (case-insensitive) `url`, `uri`, `redirect`, `redirect_url`, `redirect_uri`, `return`, `return_to`, `returnUrl`, `next`, `continue`, `goto`, `target`, `dest`, `destination`, `r`, `u`, `out`, `callback`, `forward`; or any query value that is itself an absolute URL; or a path segment in {`redirect`, `redir`, `out`, `goto`, `link`, `proxy`, `r`, `jump`, `external`}.",
        rationale: "With exact matching the registered value is fixed, but combined with prefix matching, parameter pollution or a lax AS this endpoint forwards codes off-site (the ACSAC 2023 case study chained a 2018 low-risk open redirect into account takeover).",
        cites: &[
            "RFC 9700 §2.1",
            "RFC 9700 §4.11.1",
            "RFC 6749 §10.15",
            "RFC 6819 §4.2.4",
            "OAuth 2.1 §2.3.1",
            "OAuth 2.1 §7.12",
            "Innocenti et al., ACSAC 2023",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "ID.RA-01"],
        fix: "Point the registration at a dedicated callback that never forwards to a URL taken from the request.",
        check: Check::App(redirect_014),
    },
    Rule {
        id: "REDIRECT-015",
        family: Family::Redirect,
        title: "Parser-confusion characters",
        severity: Severity::High,
        checks: "Raw string: userinfo in the authority (`@` before the host), backslash, percent-encoded `/` `\\` `.` `?` `#` (`%2f`, `%5c`, `%2e`, `%3f`, `%23`, any case, also double-encoded `%25..`), dot-segments (`/./`, `/../`), `;` path parameters (`..;/`), whitespace or control characters, or a non-ASCII/punycode host that differs from the displayed name.",
        rationale: "These are the building blocks of the path-confusion and parser-differential payloads that let a crafted URI pass validation but land elsewhere.",
        cites: &[
            "Innocenti et al., ACSAC 2023 (IdPs must not normalize or sanitize, only compare bytes)",
            "RFC 3986 §3.2.1",
            "RFC 3986 §6.2.1",
            "RFC 9700 §4.1.3",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04", "PR.PS-01"],
        fix: "Replace the entry with a plain, normalized https URI and report the provider if it accepted such a value.",
        check: Check::App(redirect_015),
    },
    Rule {
        id: "REDIRECT-016",
        family: Family::Redirect,
        title: "Development tunnel or ephemeral host",
        severity: Severity::High,
        checks: "Registrable domain in the tunnel list: `ngrok.io`, `ngrok.app`, `ngrok-free.app`, `ngrok.dev`, `ngrok-free.dev`, `ngrok.pizza`, `ngrok.pro`, `trycloudflare.com`, `loca.lt`, `localtunnel.me`, `serveo.net`, `pipedream.net`, `webhook.site`, `localhost.run`, `lhr.life`, `devtunnels.ms` (list in config; the first six and `trycloudflare.com` are in the PSL private section, the others are not).",
        rationale: "Tunnel names are short-lived and re-claimable by anyone, so a forgotten dev URI becomes an attacker's callback (ngrok is listed as takeover-vulnerable in can-i-take-over-xyz).",
        cites: &[
            "RFC 9700 §4.1",
            "can-i-take-over-xyz fingerprints (github.com/EdOverflow/can-i-take-over-xyz)",
            "OWASP NHI8",
        ],
        nhi: &["NHI8", "NHI4"],
        csf: &["PR.PS-01", "ID.AM-08"],
        fix: "Remove tunnel URIs from the registration and use a separate development app for local testing.",
        check: Check::App(redirect_016),
    },
    Rule {
        id: "REDIRECT-017",
        family: Family::Redirect,
        title: "Shared-hosting default domain",
        severity: Severity::Medium,
        checks: "The host's public suffix comes from the PSL private section (a platform default hostname such as `x.azurewebsites.net`, `x.cloudapp.net`, `x.trafficmanager.net`, `x.azureedge.net`, `x.blob.core.windows.net`, `x.herokuapp.com`, `x.github.io`, `x.netlify.app`, `x.vercel.app`, `x.pages.dev`, `x.workers.dev`, `x.web.app`, `x.firebaseapp.com`, `x.appspot.com`, `x.run.app`, `x.elasticbeanstalk.com`, `bucket.s3.amazonaws.com`, `x.onrender.com`, `x.fly.dev`, `x.repl.co`), excluding tunnels (REDIRECT-016).",
        rationale: "If the app or site behind the name is deleted, the name can be re-registered by anyone (dangling redirect URI takeover); Secureworks CTU showed this against Azure multi-tenant apps, and can-i-take-over-xyz lists Azure App Service, Cloud Services, Traffic Manager, Blob storage, S3 and Elastic Beanstalk as takeover-vulnerable.",
        cites: &[
            "Public Suffix List private section",
            "Secureworks \"Azure Redirect URI Takeover Vulnerability\" (https://www.secureworks.com/research/azure-redirect-uri-takeover-vulnerability)",
            "Microsoft guidance on dangling DNS and subdomain takeover",
            "RFC 9700 §4.1",
        ],
        nhi: &["NHI4", "NHI1"],
        csf: &["ID.AM-08", "PR.PS-01"],
        fix: "Serve the callback from a custom domain the publisher owns and remove platform default hostnames from the registration.",
        check: Check::App(redirect_017),
    },
    Rule {
        id: "REDIRECT-018",
        family: Family::Redirect,
        title: "Dangling redirect host (optional active check)",
        severity: Severity::Critical,
        checks: "Only when `checks.dns = true` (config `rules.dns_check`; off by default; tests run against loopback): the redirect host returns NXDOMAIN, or a CNAME to a platform suffix whose target does not exist, or the platform's \"not found\" fingerprint.",
        rationale: "The callback can be claimed today by anyone, who then receives codes and ID tokens from real sign-ins.",
        cites: &[
            "Secureworks CTU \"Azure Redirect URI Takeover Vulnerability\" (https://www.secureworks.com/research/azure-redirect-uri-takeover-vulnerability)",
            "can-i-take-over-xyz",
            "RFC 9700 §4.1",
        ],
        nhi: &["NHI1", "NHI4"],
        csf: &["ID.RA-01", "ID.AM-08"],
        fix: "Remove the URI immediately, then reclaim or delete the DNS record and check sign-in logs for codes delivered to it.",
        check: Check::App(redirect_018),
    },
    Rule {
        id: "REDIRECT-019",
        family: Family::Redirect,
        title: "Too many redirect URIs",
        severity: Severity::Low,
        checks: "Count of distinct registered redirect URIs > 20 (config `redirect.max_uris`).",
        rationale: "Each URI is attack surface; large lists usually come from per-customer or per-branch hosts that nobody reviews. (GitHub caps apps at 10 callback URLs; Entra allows hundreds.)",
        cites: &[
            "RFC 9700 §2.1 (exact matching presumes a small, known set)",
            "OAuth 2.1 §2.3.1 (use `state` for per-request variation)",
        ],
        nhi: &["NHI5"],
        csf: &["PR.PS-01", "PR.AA-05"],
        fix: "Prune unused URIs and route per-tenant destinations through `state` rather than new callbacks.",
        check: Check::App(redirect_019),
    },
    Rule {
        id: "REDIRECT-020",
        family: Family::Redirect,
        title: "Redirect URIs span many unrelated domains",
        severity: Severity::Medium,
        checks: "Number of distinct registrable domains among https redirect hosts, excluding the publisher's verified domain(s) and loopback, > 3 (config `redirect.max_foreign_domains`).",
        rationale: "One client identity then trusts several unrelated operators; compromise of any of them yields codes for all users of the app.",
        cites: &[
            "RFC 9700 §4.1",
            "RFC 6819 §5.2.3.5",
            "OWASP NHI9 (one identity shared across services)",
        ],
        nhi: &["NHI9", "NHI3"],
        csf: &["PR.AA-05", "GV.SC-07"],
        fix: "Split the registration per operator or product so each client id trusts only its own domain.",
        check: Check::App(redirect_020),
    },
    Rule {
        id: "REDIRECT-021",
        family: Family::Redirect,
        title: "Production and development redirects in one registration",
        severity: Severity::Medium,
        checks: "The app has at least one https redirect on a public registrable domain and at least one development-looking redirect: loopback or localhost, RFC 1918 IP, tunnel host, TLD in {`local`, `test`, `example`, `invalid`, `internal`, `lan`, `home.arpa`, `corp`}, a host label in {`dev`, `develop`, `staging`, `stage`, `stg`, `test`, `qa`, `uat`, `sandbox`, `preview`}, or a public host on a non-default port such as 3000, 4200, 5000, 5173, 8000, 8080, 8443.",
        rationale: "Development endpoints are weaker and short-lived, yet receive production codes; Entra's own guidance is separate registrations for dev and prod.",
        cites: &[
            "OWASP NHI8 Environment Isolation",
            "RFC 9700 §4.1",
            "Microsoft Entra quickstart on redirect URIs (keep unnecessary dev URIs out of production apps)",
        ],
        nhi: &["NHI8"],
        csf: &["PR.PS-01", "PR.IR-01"],
        fix: "Move development and staging callbacks to their own app registrations with their own credentials.",
        check: Check::App(redirect_021),
    },
    Rule {
        id: "REDIRECT-022",
        family: Family::Redirect,
        title: "Out-of-band or embedded-browser redirect",
        severity: Severity::Low,
        checks: "Redirect equals `urn:ietf:wg:oauth:2.0:oob` (or `:auto`), or Entra's `https://login.microsoftonline.com/common/oauth2/nativeclient`.",
        rationale: "OOB copy-paste flows are phishable and were retired by Google in 2022-2023; the nativeclient URI implies an embedded web view, which RFC 8252 forbids.",
        cites: &[
            "RFC 8252 §8.12 (no embedded user-agents)",
            "RFC 8252 §7 (supported redirect options exclude OOB)",
            "RFC 8628 for input-constrained devices",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-03"],
        fix: "Use the system browser with a loopback or claimed https redirect, or the device authorization grant for input-constrained devices.",
        check: Check::App(redirect_022),
    },
    Rule {
        id: "REDIRECT-023",
        family: Family::Redirect,
        title: "Code or implicit client without any registered redirect URI",
        severity: Severity::Medium,
        checks: "`grant_types` contains `authorization_code` or implicit is enabled, and `redirect_uris` is empty.",
        rationale: "Depending on the provider the AS either refuses the flow (harmless dead config) or accepts a caller-supplied URI (open redirector for codes).",
        cites: &[
            "RFC 6749 §3.1.2.2",
            "OAuth 2.1 §2.3.1 (without registration the AS becomes an open redirector)",
            "RFC 9700 §4.11.2",
        ],
        nhi: &["NHI4"],
        csf: &["PR.PS-01"],
        fix: "Register the exact callback URIs or disable the redirect-based grants for this client.",
        check: Check::App(redirect_023),
    },
];

// ---------------------------------------------------------------------------------------------
// Evidence helpers

/// A string from a registered value, bounded.
fn bounded(s: &str) -> Value {
    Value::String(bound_str(s, MAX_EVIDENCE_STR))
}

fn opt_bounded(s: Option<&str>) -> Value {
    s.map_or(Value::Null, bounded)
}

/// One object per matching URI: `{"uri": ...}` plus `fields`.
fn entry(u: &UriReport, fields: &[(&str, Value)]) -> Value {
    let mut m = Map::with_capacity(fields.len() + 1);
    m.insert("uri".into(), bounded(&u.uri));
    for (k, v) in fields {
        m.insert((*k).into(), v.clone());
    }
    Value::Object(m)
}

/// The common shape of a per-URI finding: `uris` (bounded, at most [`MAX_LISTED`]), the
/// per-URI `matches` detail when `detail` gives one, and `uris_total` when the list was cut.
fn uri_hit<'a>(
    uris: impl Iterator<Item = &'a UriReport>,
    detail: impl Fn(&UriReport) -> Option<Value>,
) -> Option<Hit> {
    let mut listed = Vec::new();
    let mut matches = Vec::new();
    let mut total = 0usize;
    for u in uris {
        total += 1;
        if listed.len() < MAX_LISTED {
            listed.push(bounded(&u.uri));
            if let Some(d) = detail(u) {
                matches.push(d);
            }
        }
    }
    if total == 0 {
        return None;
    }
    let mut hit = Hit::new().with("uris", listed);
    if !matches.is_empty() {
        hit = hit.with("matches", matches);
    }
    if total > MAX_LISTED {
        hit = hit.with("uris_total", total);
    }
    Some(hit)
}

/// The per-URI finding for REDIRECT-`n`.
fn per_uri(
    ctx: &AppContext<'_>,
    n: usize,
    detail: impl Fn(&UriReport) -> Option<Value>,
) -> Option<Hit> {
    let a = ctx.redirects();
    if !a.any(n) {
        return None;
    }
    uri_hit(a.with_rule(n), detail)
}

fn host_entry(u: &UriReport) -> Option<Value> {
    Some(entry(u, &[("host", opt_bounded(u.host.as_deref()))]))
}

/// The scheme as registered (bounded), for evidence.
fn raw_scheme(u: &UriReport) -> Value {
    let text = uri::clean(&u.uri);
    opt_bounded(uri::split(&text).scheme)
}

fn names(it: impl Iterator<Item = impl AsRef<str>>) -> Value {
    Value::Array(it.take(MAX_LISTED).map(|s| bounded(s.as_ref())).collect())
}

// ---------------------------------------------------------------------------------------------
// Checks

/// REDIRECT-001. A catch-all value is reported only under this rule (plus REDIRECT-015 when it
/// carries whitespace or control characters): no host or path analysis is meaningful for it.
/// Any scheme followed only by wildcards counts, private-use schemes included (`myapp://*`),
/// as the catalog says.
fn redirect_001(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 1, |_| None)
}

/// REDIRECT-002. A wildcard host whose fixed part leaves the registrable domain with its owner
/// (`*.example.com`, `app-*.example.com`). When the provider states that host wildcards are
/// enabled (Okta `wildcard_redirect = SUBDOMAIN`, recorded as a note on `redirect_uris`), the
/// note is added to the evidence; without a `*` in a host the setting alone changes nothing.
fn redirect_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let hit = per_uri(ctx, 2, |u| {
        Some(entry(
            u,
            &[
                ("host_pattern", opt_bounded(u.host.as_deref())),
                ("registrable_domain", opt_bounded(u.registrable_domain())),
            ],
        ))
    })?;
    let note = ctx
        .app
        .notes
        .iter()
        .find(|n| n.field == "redirect_uris" && n.reason.contains("wildcard"));
    Some(match note {
        Some(n) => hit.with("provider_setting", bounded(&n.reason)),
        None => hit,
    })
}

/// REDIRECT-003. Decided by asking the PSL for the registrable domain of `a.<fixed part>`: when
/// the wildcard label becomes part of it (`*.azurewebsites.net`, `*.com`, `*example.com`, whose
/// fixed part is `com`), or there is no fixed part at all (`example.*`), anyone can own a
/// matching host. Suppresses REDIRECT-002 on the same URI. Wildcard hosts are not also judged
/// by REDIRECT-016/017 (the RULES §4 vector for `*.azurewebsites.net` expects 003 alone).
fn redirect_003(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 3, |u| {
        Some(entry(
            u,
            &[
                ("host_pattern", opt_bounded(u.host.as_deref())),
                ("fixed_part", opt_bounded(u.wildcard_fixed_part())),
                (
                    "suffix_type",
                    u.suffix_type.map_or(Value::Null, |t| t.as_str().into()),
                ),
            ],
        ))
    })
}

/// Why every GitHub redirect is reported under REDIRECT-004.
const GITHUB_PREFIX_MATCHING: &str =
    "GitHub OAuth apps accept any subdirectory of the registered callback";

/// REDIRECT-004. Explicit wildcards: `*` in the raw path or query (Keycloak's trailing `/*`
/// included, a real risk there per RULES §9), and `*` in the port of a non-loopback host.
///
/// Judgment (GitHub): the model does not tell a GitHub OAuth app from a GitHub App, and GitHub
/// matches callback URLs of OAuth apps by subdirectory (and wildcards single-URI apps), so every
/// redirect of an app whose provider is GitHub is reported as inferred prefix matching. When an
/// app also has explicit wildcards the finding is not inferred: `uris` lists the explicit ones
/// and `prefix_matching` the GitHub ones with the inference source.
fn redirect_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let a = ctx.redirects();
    if !a.any(4) {
        return None;
    }
    let where_ = |u: &UriReport| {
        let mut w = Vec::new();
        for (b, name) in [
            (wild::PATH, "path"),
            (wild::QUERY, "query"),
            (wild::PORT, "port"),
        ] {
            if u.wild & b != 0 {
                w.push(Value::from(name));
            }
        }
        Some(entry(u, &[("wildcard_in", Value::Array(w))]))
    };
    let explicit = uri_hit(a.with_rule(4).filter(|u| u.wild != 0), where_);
    let inferred = uri_hit(a.with_rule(4).filter(|u| u.inferred_prefix), |_| None);
    match (explicit, inferred) {
        (Some(hit), None) => Some(hit),
        (Some(hit), Some(inf)) => Some(hit.with(
            "prefix_matching",
            json!({
                "uris": inf.evidence.get("uris").cloned().unwrap_or(Value::Null),
                "inferred": true,
                "inference_source": GITHUB_PREFIX_MATCHING,
            }),
        )),
        (None, Some(inf)) => Some(inf.inferred(GITHUB_PREFIX_MATCHING)),
        (None, None) => None,
    }
}

/// REDIRECT-005. A scheme pattern that admits http (`http*://`, `https?://`) counts as http.
/// IP literals fire here as well as under REDIRECT-011.
fn redirect_005(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 5, host_entry)
}

/// REDIRECT-006. Applies to http(s) values: a private-use scheme's authority is not a
/// network host.
fn redirect_006(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 6, host_entry)
}

/// REDIRECT-007. Fires when the app kind is web, spa or service, or the URI is registered for
/// the web or spa platform; an unknown app kind with an unknown redirect kind does not fire.
fn redirect_007(ctx: &AppContext<'_>) -> Option<Hit> {
    let hit = per_uri(ctx, 7, |u| {
        Some(entry(
            u,
            &[
                ("host", opt_bounded(u.host.as_deref())),
                (
                    "redirect_kind",
                    serde_json::to_value(u.kind).unwrap_or_default(),
                ),
            ],
        ))
    })?;
    Some(hit.with(
        "app_kind",
        serde_json::to_value(ctx.app.app_kind).unwrap_or_default(),
    ))
}

/// REDIRECT-008. "Embeds the client id": the scheme contains the app's client id (at least 8
/// characters, ASCII case-insensitive), as MSAL's `msal{client-id}`, or is the client id with its
/// labels reversed. Low only when every offending scheme does.
fn redirect_008(ctx: &AppContext<'_>) -> Option<Hit> {
    let a = ctx.redirects();
    if !a.any(8) {
        return None;
    }
    let hit = uri_hit(a.with_rule(8), |u| {
        Some(entry(
            u,
            &[
                ("scheme", raw_scheme(u)),
                ("embeds_client_id", u.client_id_scheme.into()),
            ],
        ))
    })?;
    if a.with_rule(8).all(|u| u.client_id_scheme) {
        Some(hit.at(Severity::Low))
    } else {
        Some(hit)
    }
}

/// REDIRECT-009, evaluated only for schemes that pass REDIRECT-008 (contain a `.`), or for all
/// private-use schemes when 008 is disabled. Judgments: ownership is judged only against a
/// *verified* publisher domain (reduced to its registrable domain); with none, only the
/// two-slash form fires. A scheme tied to the client id (see 008) counts as owned, and MSAL's
/// iOS broker prefix `msauth.` is skipped before comparing (`msauth.com.example.app`).
fn redirect_009(ctx: &AppContext<'_>) -> Option<Hit> {
    let hit = per_uri(ctx, 9, |u| {
        let mut reasons = Vec::new();
        if u.r009 & r009::AUTHORITY != 0 {
            reasons.push(Value::from("authority_form"));
        }
        if u.r009 & r009::NOT_PUBLISHER != 0 {
            reasons.push(Value::from("not_publisher_domain"));
        }
        Some(entry(
            u,
            &[
                ("scheme", raw_scheme(u)),
                ("reasons", Value::Array(reasons)),
            ],
        ))
    })?;
    let not_publisher = ctx
        .redirects()
        .with_rule(9)
        .any(|u| u.r009 & r009::NOT_PUBLISHER != 0);
    Some(match analysis::publisher_domain(ctx.app) {
        Some(d) if not_publisher => hit.with("publisher_domain", bounded(&d)),
        _ => hit,
    })
}

/// REDIRECT-010, on the scheme compared case-insensitively.
fn redirect_010(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 10, |u| Some(entry(u, &[("scheme", raw_scheme(u))])))
}

/// REDIRECT-011. IPv4 written in a shorthand form (`127.1`, `2130706433`, `0x7f.1`) is decoded
/// first, so a shorthand loopback address is loopback (and REDIRECT-015 flags the form).
/// An IPv4-mapped IPv6 loopback (`::ffff:127.0.0.1`) is treated the same way.
fn redirect_011(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 11, |u| {
        Some(entry(
            u,
            &[
                ("ip", opt_bounded(u.host.as_deref())),
                (
                    "range",
                    u.ip.map_or(Value::Null, |ip| uri::ip_range(ip).into()),
                ),
            ],
        ))
    })
}

/// REDIRECT-012, on the raw string (any scheme).
fn redirect_012(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 12, |_| None)
}

/// REDIRECT-013, for any scheme. Judgment: names are compared after percent-decoding and
/// ignoring ASCII case, since several web frameworks bind query parameters case-insensitively.
fn redirect_013(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 13, |u| {
        let text = uri::clean(&u.uri);
        let p = uri::split(&text);
        let params = p.query.map(|q| names(uri::reserved_params(q)));
        Some(entry(u, &[("params", params.unwrap_or(Value::Null))]))
    })
}

/// REDIRECT-014, for http(s) values only: only a web endpoint can forward a code off-site with
/// an HTTP redirect. An "absolute URL" value is, after percent-decoding, `scheme://...`,
/// `//host` (either slash) or `http:`/`https:` followed by anything (browsers accept both).
fn redirect_014(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 14, |u| {
        let text = uri::clean(&u.uri);
        let p = uri::split(&text);
        let q = p.query.unwrap_or("");
        Some(entry(
            u,
            &[
                ("forward_params", names(uri::forward_params(q))),
                ("url_valued_params", names(uri::url_valued_params(q))),
                ("path_segments", names(uri::forward_segments(p.path))),
            ],
        ))
    })
}

/// REDIRECT-015, on the raw string. Judgments beyond the catalog's list, all parser
/// differentials of the same kind: irregular slashes after `http(s):` (`https:/x`,
/// `https:///x`, backslashes) and empty path segments (`//` in the path); any percent-escape in
/// the authority; an IP literal in a non-canonical form (`127.1`, `0x7f.1`, `[0:0::1]`,
/// IPv4-mapped IPv6); a host the WHATWG parser rejects; invisible and bidirectional formatting
/// characters. Percent-encoded delimiters are checked in the scheme, authority and path, not in
/// the query, where `%2F` inside a value is ordinary form encoding (an encoded URL there is
/// REDIRECT-014's business); double encoding (`%25` + two hex digits) is checked everywhere.
/// Every non-ASCII or punycode (`xn--`) host is reported, with its ASCII form.
fn redirect_015(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 15, |u| {
        let reasons: Vec<Value> = confusion::names(u.confusion).map(Value::from).collect();
        let mut fields = vec![("reasons", Value::Array(reasons))];
        if u.confusion & (confusion::IDN_HOST | confusion::IP_FORM | confusion::USERINFO) != 0 {
            fields.push(("parsed_host", opt_bounded(u.host.as_deref())));
        }
        Some(entry(u, &fields))
    })
}

/// REDIRECT-016. The host equals a tunnel-list domain or is under it (the list mixes PSL
/// private suffixes, such as `ngrok-free.app`, whose registrable domain is the tunnel name
/// itself, and ordinary domains, such as `devtunnels.ms`). Suppresses REDIRECT-017.
fn redirect_016(ctx: &AppContext<'_>) -> Option<Hit> {
    let tunnels = &ctx.thresholds().tunnel_domains;
    per_uri(ctx, 16, |u| {
        Some(entry(
            u,
            &[
                ("host", opt_bounded(u.host.as_deref())),
                (
                    "tunnel_domain",
                    opt_bounded(u.tunnel.and_then(|i| tunnels.get(i)).map(String::as_str)),
                ),
            ],
        ))
    })
}

/// REDIRECT-017. The host must sit below the private suffix (`azurewebsites.net` itself is the
/// platform's own name), or be a name that a PSL wildcard rule makes a suffix (`x.run.app`
/// under `*.run.app`). Judgment: the PSL private section also holds a few registrar-style
/// entries (CentralNic's `uk.com`, ...), which fire too.
fn redirect_017(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 17, |u| {
        Some(entry(
            u,
            &[
                ("host", opt_bounded(u.host.as_deref())),
                ("registrable_domain", opt_bounded(u.registrable_domain())),
                ("suffix", opt_bounded(u.public_suffix())),
                ("suffix_type", SuffixType::Private.as_str().into()),
            ],
        ))
    })
}

/// REDIRECT-018. Only with `rules.dns_check` on and a resolver in the tenant context. Only
/// public DNS names below a listed suffix are looked up (not IPs, localhost names, wildcard
/// patterns or undelegated TLDs, which nobody can claim in public DNS), once per distinct
/// host. Fires on NXDOMAIN and on a dangling CNAME; `Unknown` (any other failure) never fires.
/// The platform "not found" fingerprint is not checked (it needs an HTTP request).
fn redirect_018(ctx: &AppContext<'_>) -> Option<Hit> {
    use super::context::HostStatus;
    per_uri(ctx, 18, |u| {
        let (status, target) = match &u.dns {
            Some(HostStatus::DanglingCname { target }) => ("dangling_cname", bounded(target)),
            _ => ("nxdomain", Value::Null),
        };
        Some(entry(
            u,
            &[
                ("host", opt_bounded(u.host.as_deref())),
                ("status", status.into()),
                ("cname_target", target),
            ],
        ))
    })
}

/// REDIRECT-019. "Distinct" is byte equality of the registered strings (the same URI under two
/// platforms counts once).
fn redirect_019(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().redirect_max_uris;
    let uris = &ctx.app.redirect_uris;
    if uris.len() <= max {
        return None;
    }
    let distinct: HashSet<&str> = uris.iter().map(|r| r.uri.as_str()).collect();
    (distinct.len() > max).then(|| {
        Hit::new()
            .with("count", distinct.len())
            .with("max_uris", max)
    })
}

/// REDIRECT-020. Counts registrable domains of https hosts that are DNS names under a listed
/// suffix (IP literals, loopback and localhost have none); a `*.example.com` pattern counts as
/// `example.com`, while a wildcard over a suffix (REDIRECT-003) and Entra's nativeclient URI
/// (REDIRECT-022) are not counted. Only a verified publisher domain is excluded (compared as a
/// registrable domain). Judgment: hosts under a PSL private suffix (`x.azurewebsites.net`,
/// `y.ngrok-free.app`) are each their own registrable domain, as the PSL intends, so a first-party
/// app spread over platform default names counts each of them.
fn redirect_020(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().redirect_max_foreign_domains;
    let a = ctx.redirects();
    let counted = |u: &&UriReport| {
        u.scheme == SchemeClass::Https
            && !u.oob
            && matches!(u.host_kind, HostKind::Domain | HostKind::Wildcard)
            && u.suffix_type.is_some()
    };
    if a.uris
        .iter()
        .filter(counted)
        .filter(|u| u.registrable_domain().is_some())
        .count()
        <= max
    {
        return None;
    }
    let publisher = analysis::publisher_domain(ctx.app);
    let mut domains: Vec<&str> = a
        .uris
        .iter()
        .filter(counted)
        .filter_map(UriReport::registrable_domain)
        .filter(|d| publisher.as_deref() != Some(*d))
        .collect();
    domains.sort_unstable();
    domains.dedup();
    if domains.len() <= max {
        return None;
    }
    let mut hit = Hit::new()
        .with("count", domains.len())
        .with("domains", names(domains.iter()))
        .with("max_foreign_domains", max);
    if let Some(p) = publisher {
        hit = hit.with("publisher_domain", bounded(&p));
    }
    Some(hit)
}

/// REDIRECT-021. Production: an https URI whose host is a DNS name with a registrable domain
/// under a listed suffix and no development sign. Judgments: development labels are matched
/// left of the registrable domain only (`test.com` is someone's production domain; the `.dev`
/// TLD is a public TLD), and also as hyphen-separated parts of a label (`api-staging`); IPv6
/// unique-local addresses count with RFC 1918; a non-default port counts on any public host.
/// The development URIs carry the rule in their [`UriReport`].
fn redirect_021(ctx: &AppContext<'_>) -> Option<Hit> {
    let a = ctx.redirects();
    if !a.any(21) {
        return None;
    }
    let hit = uri_hit(a.with_rule(21), |u| {
        Some(entry(
            u,
            &[
                ("host", opt_bounded(u.host.as_deref())),
                ("reason", u.dev.map_or(Value::Null, |d| d.as_str().into())),
            ],
        ))
    })?;
    let prod = uri_hit(a.uris.iter().filter(|u| u.production), |_| None);
    Some(
        hit.with(
            "production_uris",
            prod.and_then(|h| h.evidence.get("uris").cloned())
                .unwrap_or(Value::Null),
        ),
    )
}

/// REDIRECT-022. The OOB values compare case-insensitively; the Entra URI matches on host
/// `login.microsoftonline.com` and path `/{tenant}/oauth2/nativeclient` (`common` or a tenant).
fn redirect_022(ctx: &AppContext<'_>) -> Option<Hit> {
    per_uri(ctx, 22, |_| None)
}

/// REDIRECT-023. Redirect-based: the `authorization_code` or `implicit` grant, or a response
/// type with `code`, `token` or `id_token`. Judgments:
/// - when the connector records the redirect URIs as unknown (Google third-party clients do
///   not expose them), an empty list means nothing and the rule stays quiet;
/// - an implicit grant the connector only inferred (from response types), or a response type
///   alone, is a weaker signal: the finding is marked inferred with the connector's reason,
///   and it is not raised at all for a service app, where `response_types: ["token"]` is the
///   provider's default for a client-credentials client (Okta) rather than a redirect flow.
fn redirect_023(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    if !app.redirect_uris.is_empty()
        || app
            .notes
            .iter()
            .any(|n| n.field == "redirect_uris" && n.kind == NoteKind::Unknown)
    {
        return None;
    }
    let grants: Vec<&GrantType> = app
        .grant_types
        .iter()
        .filter(|g| matches!(g, GrantType::AuthorizationCode | GrantType::Implicit))
        .collect();
    let responses: Vec<&String> = app
        .response_types
        .iter()
        .filter(|r| {
            r.split_whitespace()
                .any(|w| matches!(w, "code" | "token" | "id_token"))
        })
        .collect();
    if grants.is_empty() && responses.is_empty() {
        return None;
    }
    let grants_note = app
        .notes
        .iter()
        .find(|n| n.field == "grant_types" && n.kind == NoteKind::Inferred);
    let stated = grants.iter().any(|g| match g {
        GrantType::AuthorizationCode => true,
        _ => grants_note.is_none(),
    });
    if !stated && app.app_kind == AppKind::Service {
        return None;
    }
    let mut hit = Hit::new()
        .with(
            "grant_types",
            serde_json::to_value(&grants).unwrap_or_default(),
        )
        .with("redirect_uris", 0);
    if !responses.is_empty() {
        hit = hit.with("response_types", names(responses.iter()));
    }
    if !stated {
        let source = grants_note.map_or("response_types name a redirect-based flow", |n| {
            n.reason.as_str()
        });
        hit = hit.inferred(bound_str(source, MAX_EVIDENCE_STR));
    }
    Some(hit)
}
