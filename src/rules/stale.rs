//! STALE rules (RULES §3.7): life cycle and offboarding of apps and grants.

use chrono::{DateTime, Duration, Utc};
use connectors::model::{Grant, Principal};
use serde_json::json;

use super::datefmt::date_json;
use super::{AppContext, Check, Family, Hit, Rule, Severity};

/// Most grants listed by name in one finding's evidence; the count says how many in all.
const MAX_LISTED: usize = 10;

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "STALE-001",
        family: Family::Stale,
        title: "Grant unused for more than 90 days",
        severity: Severity::Medium,
        checks: "`Grant.last_used` older than 90 days (config `stale_grant_days`), grant not expired. Grants without usage data are not judged.",
        rationale: "A dormant grant still works for an attacker; a reported Drift victim's token stayed valid weeks after it stopped using the integration.",
        cites: &["OWASP NHI1", "RFC 9700 §4.14.2", "RFC 7009"],
        nhi: &["NHI1"],
        csf: &["PR.AA-05", "ID.AM-08"],
        fix: "Revoke the grant (and its refresh tokens); the user can re-consent if still needed.",
        check: Check::App(stale_001),
    },
    Rule {
        id: "STALE-002",
        family: Family::Stale,
        title: "App inactive for more than 90 days but still holding credentials or grants",
        severity: Severity::Medium,
        checks: "App `last_used` (sign-ins, token issuance) older than 90 days (config `stale_app_days`) and it has active credentials or active grants.",
        rationale: "Abandoned apps keep working credentials that nobody watches.",
        cites: &[
            "OWASP NHI1",
            "Microsoft Entra recommendations (remove unused applications)",
        ],
        nhi: &["NHI1"],
        csf: &["ID.AM-08", "PR.AA-01"],
        fix: "Disable the app, revoke its grants and credentials, and delete it after a grace period.",
        check: Check::App(stale_002),
    },
    Rule {
        id: "STALE-003",
        family: Family::Stale,
        title: "Disabled or uninstalled app whose grants or tokens still work",
        severity: Severity::High,
        checks: "`enabled == false` (or removed from the marketplace / uninstalled) while active grants or refresh tokens remain (Salesforce OauthToken rows for an uninstalled connected app, Google tokens for a blocked app).",
        rationale: "Teams believe access ended when the app was disabled, but tokens remain usable on some platforms until revoked (Salesforce changed its default in September 2025 to block uninstalled connected apps).",
        cites: &["OWASP NHI1", "RFC 7009", "RFC 6819 §5.2.2.4"],
        nhi: &["NHI1"],
        csf: &["GV.SC-10", "PR.AA-05"],
        fix: "Revoke every token and grant of the app explicitly, then delete the app.",
        check: Check::App(stale_003),
    },
    Rule {
        id: "STALE-004",
        family: Family::Stale,
        title: "App without an accountable owner",
        severity: Severity::Medium,
        checks: "`owners` empty, or every owner is disabled/deleted in the directory. Judged only where the provider exposes owners (Entra, GitHub, RFC 7591 `contacts`) and the collection read them.",
        rationale: "Nobody will rotate, review or retire the app.",
        cites: &["OWASP NHI1", "NIST CSF 2.0 PR.AA-01"],
        nhi: &["NHI1"],
        csf: &["PR.AA-01", "ID.AM-08"],
        fix: "Assign at least two active owners (a team, not one person) or retire the app.",
        check: Check::App(stale_004),
    },
    Rule {
        id: "STALE-005",
        family: Family::Stale,
        title: "Grant created by a deactivated user still active",
        severity: Severity::Medium,
        checks: "`Grant.principal` is a user who is disabled, suspended or deleted, and the grant is active.",
        rationale: "Delegated access outlives the person who delegated it.",
        cites: &["OWASP NHI1", "RFC 9700 §4.14.2"],
        nhi: &["NHI1"],
        csf: &["PR.AA-05"],
        fix: "Revoke the user's grants and tokens as part of offboarding.",
        check: Check::App(stale_005),
    },
    Rule {
        id: "STALE-006",
        family: Family::Stale,
        title: "Long-standing grant never recertified",
        severity: Severity::Low,
        checks: "`Grant.created` older than 365 days (config `recertify_days`), `expires == None`, no recorded review.",
        rationale: "Consent given years ago may no longer match what the business wants.",
        cites: &["NIST CSF 2.0 PR.AA-05", "OWASP NHI1"],
        nhi: &["NHI1"],
        csf: &["PR.AA-05"],
        fix: "Put the grant into an access review and record the decision.",
        check: Check::App(stale_006),
    },
];

fn older_than(t: Option<DateTime<Utc>>, now: DateTime<Utc>, days: i64) -> bool {
    t.is_some_and(|t| now - t > Duration::days(days))
}

/// [`older_than`] for many dates against one clock and threshold: the cutoff is computed once
/// and each date is compared with it (`now - t > d` is `t < now - d`).
fn older_than_fn(now: DateTime<Utc>, days: i64) -> impl Fn(Option<DateTime<Utc>>) -> bool {
    let cutoff = Duration::try_days(days).and_then(|d| now.checked_sub_signed(d));
    move |t| match cutoff {
        Some(c) => t.is_some_and(|t| t < c),
        None => older_than(t, now, days),
    }
}

/// Who holds a grant, as one short string: `user:<id or email>`, `tenant` or `other:<id>`.
fn principal_label(g: &Grant) -> String {
    let labelled = |kind: &str, id: &str| {
        // `bound` leaves a short id as it is: copy it once, straight into the label.
        let mut out = String::with_capacity(kind.len() + id.len().min(MAX_ID + 4));
        out.push_str(kind);
        if id.len() <= MAX_ID {
            out.push_str(id);
        } else {
            out.push_str(&bound(id));
        }
        out
    };
    match &g.principal {
        Principal::Tenant => "tenant".to_string(),
        Principal::User { id, email, .. } => labelled("user:", email.as_deref().unwrap_or(id)),
        Principal::Other { id, .. } => labelled("other:", id),
    }
}

/// Longest principal id or scope shown before it is cut.
const MAX_ID: usize = 256;

fn bound(s: &str) -> String {
    connectors::redact::bound_str(s, MAX_ID)
}

/// A hit for the grants that fired: how many, the oldest date, who holds the first
/// [`MAX_LISTED`], and the scopes they carry (each listed once).
fn grants_hit<'a>(
    grants: impl Iterator<Item = &'a Grant>,
    date_field: &str,
    date: impl Fn(&Grant) -> Option<DateTime<Utc>>,
) -> Option<Hit> {
    let mut principals: Vec<String> = Vec::new();
    let mut scopes: Vec<&str> = Vec::new();
    let mut count = 0usize;
    let mut oldest: Option<DateTime<Utc>> = None;
    for g in grants {
        count += 1;
        oldest = match (oldest, date(g)) {
            (Some(o), Some(d)) => Some(o.min(d)),
            (o, d) => o.or(d),
        };
        if principals.len() < MAX_LISTED {
            principals.push(principal_label(g));
        }
        for s in &g.scopes {
            if scopes.len() < 2 * MAX_LISTED && !scopes.contains(&s.as_str()) {
                scopes.push(s);
            }
        }
    }
    (count > 0).then(|| {
        Hit::new()
            .with("grant_count", count)
            .with(&format!("oldest_{date_field}"), date_json(oldest))
            .with("principals", principals)
            .with(
                "scopes",
                scopes.iter().map(|s| bound(s)).collect::<Vec<_>>(),
            )
    })
}

fn stale_001(ctx: &AppContext<'_>) -> Option<Hit> {
    let (now, days) = (ctx.now(), ctx.thresholds().stale_grant_days);
    let old = older_than_fn(now, days);
    grants_hit(
        ctx.active_grants().filter(|g| old(g.last_used_at)),
        "last_used_at",
        |g| g.last_used_at,
    )
    .map(|h| h.with("threshold_days", days))
}

fn stale_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let (now, days) = (ctx.now(), ctx.thresholds().stale_app_days);
    if !older_than(ctx.app.last_used_at, now, days) {
        return None;
    }
    let credentials = ctx.active_credentials().count();
    let grants = ctx.active_grants().count();
    (credentials + grants > 0).then(|| {
        Hit::new()
            .with("last_used_at", date_json(ctx.app.last_used_at))
            .with("threshold_days", days)
            .with("active_credentials", credentials)
            .with("active_grants", grants)
    })
}

fn stale_003(ctx: &AppContext<'_>) -> Option<Hit> {
    if ctx.app.enabled != Some(false) {
        return None;
    }
    let grants = ctx.active_grants().count();
    (grants > 0).then(|| {
        Hit::new()
            .with("enabled", false)
            .with("active_grants", grants)
            .with("refresh_tokens_issued", ctx.refresh_tokens_issued())
    })
}

/// Whether the provider's API names app owners at all. Elsewhere an empty owner list means
/// "not exposed", not "nobody", and STALE-004 stays quiet (unknown is not unsafe).
fn provider_exposes_owners(p: connectors::Provider) -> bool {
    use connectors::Provider::*;
    // Entra: application owners; GitHub: the app's owner; RFC 7591: `contacts`.
    matches!(p, Entra | Github | Rfc7591)
}

fn stale_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    if !provider_exposes_owners(app.provider)
        || app
            .note("owners")
            .is_some_and(|n| n.kind == connectors::model::NoteKind::Unknown)
    {
        return None;
    }
    if app.owners.is_empty() {
        return Some(Hit::new().with("owners", json!([])));
    }
    let all_inactive = app.owners.iter().all(|o| app.inactive_owners.contains(o));
    all_inactive.then(|| {
        Hit::new()
            .with(
                "owners",
                app.owners.iter().map(|o| bound(o)).collect::<Vec<_>>(),
            )
            .with(
                "inactive_owners",
                app.inactive_owners
                    .iter()
                    .map(|o| bound(o))
                    .collect::<Vec<_>>(),
            )
    })
}

fn stale_005(ctx: &AppContext<'_>) -> Option<Hit> {
    grants_hit(
        ctx.active_grants().filter(|g| {
            matches!(
                g.principal,
                Principal::User {
                    active: Some(false),
                    ..
                }
            )
        }),
        "created_at",
        |g| g.created_at,
    )
}

fn stale_006(ctx: &AppContext<'_>) -> Option<Hit> {
    let (now, days) = (ctx.now(), ctx.thresholds().recertify_days);
    let old = older_than_fn(now, days);
    grants_hit(
        ctx.grants()
            .iter()
            .filter(|g| g.expires_at.is_none() && old(g.created_at)),
        "created_at",
        |g| g.created_at,
    )
    .map(|h| h.with("threshold_days", days))
}

#[cfg(test)]
mod tests;
