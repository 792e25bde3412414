//! TOKEN rules (RULES §3.4): token lifetimes and token binding.
//!
//! Every value comes from [`TokenPolicy`](connectors::model::TokenPolicy), where `None` is
//! unknown and [`Lifetime::Unlimited`] is an explicit "never expires". Following RULES §2, an
//! unknown value never fires: the catalog's "`None`" for a non-expiring lifetime is
//! `Unlimited` in the model. Evidence gives each lifetime in seconds and days with the
//! source it came from (client, bound policy, tenant default, provider default), and marks
//! the finding inferred when the app's notes say the token policy was inferred.
//!
//! Rules about refresh tokens (TOKEN-003..007) fire only when refresh tokens are known to be
//! issued ([`AppContext::refresh_tokens_issued`]); when that is itself inferred (from the
//! refresh grant or an offline scope rather than a policy value), the evidence says so.

mod access;
mod refresh;

#[cfg(test)]
mod tests;

use connectors::model::{Lifetime, Setting};
use serde_json::{Value, json};

use super::secret::inferred_from;
use super::{AppContext, Check, Family, Hit, Rule, Severity};
use access::{token_001, token_002, token_008};
use refresh::{token_003, token_004, token_005, token_006, token_007};

const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "TOKEN-001",
        family: Family::Token,
        title: "Access token lifetime above one hour",
        severity: Severity::Low,
        checks: "`TokenPolicy.access_token_lifetime` > 3600 s and <= 86400 s.",
        rationale: "RFC 6750 names one hour as the bound for bearer tokens; longer tokens extend the use of a leaked token after revocation of the grant.",
        cites: &["RFC 6750 §5.3", "RFC 6819 §5.1.5.3", "OAuth 2.1 §7.1.3.5"],
        nhi: &["NHI7"],
        csf: &["PR.AA-04"],
        fix: "Set the access token lifetime to 60 minutes or less (5-15 minutes for SPAs) and rely on refresh tokens.",
        check: Check::App(token_001),
    },
    Rule {
        id: "TOKEN-002",
        family: Family::Token,
        title: "Access token lifetime above 24 hours or non-expiring",
        severity: Severity::High,
        checks: "`access_token_lifetime` > 86400 s or `None` (Slack tokens without rotation, GitHub OAuth app tokens without the expiry option).",
        rationale: "A stolen bearer token works for days or indefinitely and cannot be contained by refresh-token revocation.",
        cites: &[
            "RFC 6750 §5.3",
            "RFC 9700 §2.2.1",
            "RFC 9700 §4.10",
            "OAuth 2.1 §7.1.3.5",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-04", "PR.AA-01"],
        fix: "Enable token expiry/rotation at the provider (Slack token rotation gives 12-hour tokens; GitHub offers 8-hour expiring tokens) or lower the configured lifetime.",
        check: Check::App(token_002),
    },
    Rule {
        id: "TOKEN-003",
        family: Family::Token,
        title: "Public client refresh tokens neither rotated nor sender-constrained",
        severity: Severity::High,
        checks: "`client_type == public` (or native/spa); refresh tokens issued; `TokenPolicy.rotation == false`; no DPoP/mTLS binding.",
        rationale: "A stolen refresh token from a public client can mint access tokens indefinitely with nothing to detect reuse.",
        cites: &[
            "RFC 9700 §2.2.2",
            "RFC 9700 §4.14.2",
            "OAuth 2.1 §4.3",
            "browser-based apps draft (MUST rotate or sender-constrain)",
        ],
        nhi: &["NHI7", "NHI4"],
        csf: &["PR.AA-04"],
        fix: "Turn on refresh token rotation with reuse detection (or DPoP-bound refresh tokens) for this client.",
        check: Check::App(token_003),
    },
    Rule {
        id: "TOKEN-004",
        family: Family::Token,
        title: "Refresh tokens never expire",
        severity: Severity::High,
        checks: "refresh tokens issued and both `refresh_absolute_lifetime == None` and `refresh_idle_lifetime == None` (Salesforce \"valid until revoked\", Auth0 infinite lifetimes, Okta \"unlimited\").",
        rationale: "A refresh token stolen from the client or its vendor stays valid until someone revokes it; this is the property the Drift actor exploited across hundreds of tenants.",
        cites: &[
            "RFC 9700 §4.14.2 (expire after inactivity)",
            "OAuth 2.1 §4.3.3",
            "browser-based apps draft (MUST set a maximum or idle lifetime)",
            "RFC 6819 §5.2.2.4",
            "OWASP NHI7",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-04", "PR.AA-05"],
        fix: "Set an idle expiry (30 days or less) and an absolute lifetime on the client's refresh-token policy.",
        check: Check::App(token_004),
    },
    Rule {
        id: "TOKEN-005",
        family: Family::Token,
        title: "Refresh token lifetime above baseline",
        severity: Severity::Medium,
        checks: "any of: `refresh_absolute_lifetime` > 90 days; `refresh_idle_lifetime` > 30 days; for `app_kind == spa`, `refresh_absolute_lifetime` > 24 h.",
        rationale: "Longer windows than the common baselines (Okta org AS and Entra: 90 days; Entra SPA: 24 h; Salesforce optional 30-day idle limit) without a documented reason.",
        cites: &[
            "RFC 9700 §4.14.2",
            "browser-based apps draft (rotation MUST NOT extend beyond the initial lifetime; example of 10-minute access and 8-hour refresh tokens)",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-04"],
        fix: "Shorten the absolute and idle lifetimes to the baseline, and for SPAs keep the session-bound lifetime within a working day.",
        check: Check::App(token_005),
    },
    Rule {
        id: "TOKEN-006",
        family: Family::Token,
        title: "Rotation reuse window above 60 seconds",
        severity: Severity::Low,
        checks: "rotation enabled and grace/leeway/reuse interval > 60 s (Auth0 `leeway`, Okta grace period, Keycloak `refreshTokenMaxReuse` > 0 with long windows).",
        rationale: "A long reuse window lets a thief use the old refresh token without tripping reuse detection.",
        cites: &["RFC 9700 §4.14.2 (detection depends on invalidating the old token)"],
        nhi: &["NHI7"],
        csf: &["PR.AA-04"],
        fix: "Keep the reuse window at the minimum the client's retry behaviour needs (0-30 s).",
        check: Check::App(token_006),
    },
    Rule {
        id: "TOKEN-007",
        family: Family::Token,
        title: "High-privilege third-party bearer tokens usable from anywhere",
        severity: Severity::Medium,
        checks: "`ownership == third_party`; privilege tier T0 or T1; refresh tokens issued; no sender-constraining (mTLS/DPoP) and no network restriction on the grant (Salesforce IP relaxation \"relax\" or no login IP ranges for the integration user, Entra without a workload-identity conditional-access policy, Okta API token without network zone).",
        rationale: "A token stolen from the vendor works from attacker infrastructure (Tor, VPS) exactly as from the vendor; reports say Okta's IP allow-list stopped the Drift tokens while others were exfiltrated.",
        cites: &[
            "RFC 9700 §2.2.1",
            "RFC 9700 §4.10.1",
            "RFC 9449",
            "RFC 8705",
            "Salesforce advisory 005226734 (enforce IP restrictions on connected apps)",
            "GTIG UNC6395 recommendations",
        ],
        nhi: &["NHI3", "NHI4"],
        csf: &["PR.IR-01", "PR.AA-04"],
        fix: "Restrict the integration to the vendor's published egress IPs (or require sender-constrained tokens) and alert on use from other addresses.",
        check: Check::App(token_007),
    },
    Rule {
        id: "TOKEN-008",
        family: Family::Token,
        title: "Authorization code lifetime above 10 minutes",
        severity: Severity::Low,
        checks: "configured code lifetime (Keycloak client login timeout / code lifespan, custom AS settings) > 600 s.",
        rationale: "Longer-lived codes widen the window for code replay and injection.",
        cites: &["RFC 6749 §4.1.2", "OAuth 2.1 §4.1.2"],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Set the code lifetime to one minute or less where the provider allows it, never above ten.",
        check: Check::App(token_008),
    },
];

/// A lifetime setting as evidence: seconds and days (or `unlimited`), and its source.
fn lifetime(s: &Setting<Lifetime>) -> Value {
    match s.value {
        Lifetime::Seconds(n) => json!({
            "seconds": n,
            "days": (n as f64 / DAY as f64 * 100.0).round() / 100.0,
            "source": s.source.as_str(),
        }),
        Lifetime::Unlimited => json!({"unlimited": true, "source": s.source.as_str()}),
    }
}

/// Whether a lifetime is above `max` seconds (`Unlimited` always is).
fn above(s: &Setting<Lifetime>, max: u64) -> bool {
    match s.value {
        Lifetime::Seconds(n) => n > max,
        Lifetime::Unlimited => true,
    }
}

/// Mark the hit inferred when any of `fields` was inferred, or `extra` names another
/// inference the finding rests on.
fn mark(hit: Hit, ctx: &AppContext<'_>, fields: &[&str], extra: Option<&str>) -> Hit {
    let mut sources: Vec<String> = inferred_from(ctx.app, fields).into_iter().collect();
    sources.extend(extra.map(str::to_string));
    if sources.is_empty() {
        hit
    } else {
        hit.inferred(sources.join("; "))
    }
}

/// When refresh tokens are known to be issued: how that is known (the policy value and its
/// source), and the inference when it comes from the grant types or scopes instead.
fn refresh_issued(ctx: &AppContext<'_>) -> Option<(Value, Option<&'static str>)> {
    if ctx.refresh_tokens_issued() != Some(true) {
        return None;
    }
    Some(match &ctx.app.token_policy.refresh_tokens_issued {
        Some(s) => (json!({"value": true, "source": s.source.as_str()}), None),
        None => (
            json!({"value": true}),
            Some(
                "refresh tokens: the client may use the refresh_token grant or holds an offline scope",
            ),
        ),
    })
}
