//! SCOPE rules (RULES §3.6): what the app's permissions reach, by privilege tier (`scopes`).
//!
//! The permissions are the app's active grants ([`Privilege`]); when grants were not collected
//! (the offline `check`), they are the requested scopes, and the evidence says so with
//! `inferred: true`. Evidence names each permission with its tier, how it is held (app-only,
//! tenant-wide, or user consent with a user count) and, where relevant, dates.
//!
//! Judgment calls:
//! - SCOPE-001/002 follow the catalog's checks literally: ownership `third_party` or
//!   `first_party`. An app of unknown ownership fires neither (RULES §2: unknown never fires as
//!   if unsafe); its T0 permission still sets its impact to 1.0 in the score.
//! - SCOPE-003 fires on T1 permissions, as written; T0 permissions held tenant-wide are the
//!   business of SCOPE-001/002.
//! - SCOPE-004's "offline access" is [`AppContext::refresh_tokens_issued`]: an offline scope
//!   (`offline_access`, Salesforce `refresh_token`), the refresh-token grant type, or the token
//!   policy. Google has no offline scope, so its connector's token policy is the only signal.
//! - SCOPE-005 works at the granularity providers report: a grant's `last_used_at`. A
//!   permission counts as unused only when every active grant carrying it reports a last use
//!   older than the threshold (whole days, `unused_permission_days`, default 90: 90 days does not
//!   fire, 91 does); a grant without usage data keeps its permissions out of the rule.
//! - SCOPE-006 cannot judge GitHub `repo` "when only public repositories are touched" (no
//!   repository-level usage is collected), so `repo` is not reported; Entra `.default` is
//!   reported only when the app holds more than 10 permissions.
//! - SCOPE-007 compares requested scopes with the previous stored version (case-insensitively);
//!   the previous version's grants are not part of the context.

use chrono::{DateTime, Duration, Utc};
use connectors::model::{GrantType, Ownership};
use serde_json::{Map, Value};

use super::context::ScopeUse;
use super::scopes::{self, Tier};
use super::{AppContext, Check, Family, Hit, Rule, Severity};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "SCOPE-001",
        family: Family::Scope,
        title: "Third-party app holds tenant-control permissions",
        severity: Severity::Critical,
        checks: "`ownership == third_party` and any granted permission in T0.",
        rationale: "Compromise of the vendor equals compromise of the tenant (app-role and directory-write permissions are paths to global admin without MFA).",
        cites: &[
            "RFC 9700 §2.3",
            "RFC 6819 §5.1.5.1",
            "OWASP NHI5",
            "OWASP NHI3",
        ],
        nhi: &["NHI5", "NHI3"],
        csf: &["PR.AA-05", "GV.SC-07"],
        fix: "Remove the T0 permission or replace the vendor integration with a scoped alternative; if unavoidable, document the exception with an owner and review date.",
        check: Check::App(scope_001),
    },
    Rule {
        id: "SCOPE-002",
        family: Family::Scope,
        title: "First-party app holds tenant-control permissions",
        severity: Severity::High,
        checks: "`ownership == first_party` and any granted permission in T0.",
        rationale: "Any leak of this app's credential is a full-tenant compromise.",
        cites: &["RFC 9700 §2.3", "OWASP NHI5"],
        nhi: &["NHI5"],
        csf: &["PR.AA-05"],
        fix: "Narrow to the least-privileged permission that does the job and protect the credential with a certificate or federated identity.",
        check: Check::App(scope_002),
    },
    Rule {
        id: "SCOPE-003",
        family: Family::Scope,
        title: "Broad data access across the tenant",
        severity: Severity::High,
        checks: "Any T1 permission granted app-only (application permission) or with admin/tenant-wide consent (`consent_type == admin`, Entra `AllPrincipals`, Salesforce \"admin approved users are pre-authorized\" for all profiles).",
        rationale: "The app can read every mailbox, drive, CRM record or channel, so one stolen token becomes an organisation-wide data breach.",
        cites: &["RFC 9700 §2.3", "RFC 6819 §5.1.5.1", "OWASP NHI5"],
        nhi: &["NHI5"],
        csf: &["PR.AA-05", "PR.DS-01"],
        fix: "Limit the grant to the users, sites, mailboxes or objects the integration needs (Exchange application access policies, Sites.Selected, Salesforce permission sets on a dedicated integration user).",
        check: Check::App(scope_003),
    },
    Rule {
        id: "SCOPE-004",
        family: Family::Scope,
        title: "Offline access combined with high-impact data scopes (third party)",
        severity: Severity::Medium,
        checks: "`ownership == third_party`; scopes include a refresh-token scope (`offline_access`, Salesforce `refresh_token`/`offline_access`, Google offline access); any T0/T1 permission.",
        rationale: "Long-term unattended access to sensitive data is exactly what a vendor-side token theft monetises.",
        cites: &["RFC 9700 §4.14.2", "OWASP NHI3", "OWASP NHI5"],
        nhi: &["NHI3", "NHI5"],
        csf: &["PR.AA-05", "GV.SC-07"],
        fix: "Confirm the vendor needs unattended access; otherwise remove the offline scope, or pair it with TOKEN-004/TOKEN-007 controls.",
        check: Check::App(scope_004),
    },
    Rule {
        id: "SCOPE-005",
        family: Family::Scope,
        title: "Granted permissions unused for 90 days",
        severity: Severity::Medium,
        checks: "Provider usage data available (Defender app governance `OAuthAppInfo` usage, Google token audit events, Salesforce OauthToken `LastUsedDate`, GitHub token `last_used`) and a granted permission shows no use for > 90 days (`unused_permission_days`).",
        rationale: "Unused privilege is pure risk; Microsoft's app governance calls such apps over-privileged.",
        cites: &["RFC 9700 §2.3", "OWASP NHI5", "NIST CSF 2.0 PR.AA-05"],
        nhi: &["NHI5"],
        csf: &["PR.AA-05"],
        fix: "Remove the unused permissions and re-consent with the reduced set.",
        check: Check::App(scope_005),
    },
    Rule {
        id: "SCOPE-006",
        family: Family::Scope,
        title: "Catch-all scopes",
        severity: Severity::Medium,
        checks: "Scopes such as Salesforce `full`, GitHub `repo` when only public repositories are touched, Google `cloud-platform`, Entra `.default` resolving to more than 10 permissions, Slack `client` (legacy), any provider's \"all\" scope.",
        rationale: "Coarse scopes cannot be narrowed later without re-consent and hide what the app really does.",
        cites: &["RFC 9700 §2.3", "RFC 6749 §3.3", "OWASP NHI5"],
        nhi: &["NHI5"],
        csf: &["PR.AA-05"],
        fix: "Request the specific, narrow scopes the integration uses.",
        check: Check::App(scope_006),
    },
    Rule {
        id: "SCOPE-007",
        family: Family::Scope,
        title: "Scope expansion since the previous scan",
        severity: Severity::Medium,
        checks: "The set of granted or requested permissions grew compared with the last stored version of the app.",
        rationale: "Unexpected expansion is a classic sign of a compromised or repurposed app.",
        cites: &["RFC 9700 §4.14.2", "NIST CSF 2.0 DE.CM-06"],
        nhi: &["NHI5", "NHI3"],
        csf: &["DE.CM-06", "PR.AA-05"],
        fix: "Verify the change with the app owner or vendor and revoke the new permissions if it is not expected.",
        check: Check::App(scope_007),
    },
];

/// Entra `.default` is reported by SCOPE-006 when it stands for more than this many permissions.
const DEFAULT_SCOPE_MAX: usize = 10;

fn scope_001(ctx: &AppContext<'_>) -> Option<Hit> {
    (ctx.app.ownership == Ownership::ThirdParty)
        .then(|| tier_hit(ctx, |s| s.tier == Some(Tier::T0)))
        .flatten()
}

fn scope_002(ctx: &AppContext<'_>) -> Option<Hit> {
    (ctx.app.ownership == Ownership::FirstParty)
        .then(|| tier_hit(ctx, |s| s.tier == Some(Tier::T0)))
        .flatten()
}

fn scope_003(ctx: &AppContext<'_>) -> Option<Hit> {
    tier_hit(ctx, |s| {
        s.tier == Some(Tier::T1) && (s.app_only || s.tenant_wide)
    })
}

fn scope_004(ctx: &AppContext<'_>) -> Option<Hit> {
    if ctx.app.ownership != Ownership::ThirdParty
        || !ctx.privilege.high_impact()
        || ctx.refresh_tokens_issued() != Some(true)
    {
        return None;
    }
    let offline: Vec<Value> = ctx
        .privilege
        .scopes
        .iter()
        .filter(|s| s.offline)
        .map(|s| Value::from(s.scope.as_str()))
        .collect();
    let source: Value = if let Some(s) = &ctx.app.token_policy.refresh_tokens_issued {
        let from = serde_json::to_value(s.source).unwrap_or(Value::Null);
        serde_json::json!({ "token_policy": from })
    } else if ctx.has_grant_type(&GrantType::RefreshToken) {
        "refresh_token grant type".into()
    } else {
        "offline scope".into()
    };
    let hit = tier_hit(ctx, |s| s.tier.is_some_and(|t| t <= Tier::T1))?;
    Some(
        hit.with("offline_scopes", offline)
            .with("refresh_tokens_issued", true)
            .with("refresh_tokens_source", source),
    )
}

fn scope_005(ctx: &AppContext<'_>) -> Option<Hit> {
    let grants = ctx.grants?;
    let now = ctx.now();
    let days = ctx.thresholds().unused_permission_days;
    let idle_days = |t: DateTime<Utc>| (now - t).num_days();
    // `idle_days(t) > days` for a threshold of zero days or more: idle for `days + 1` whole
    // days, that is on or before one cutoff, computed once.
    let cutoff = (days >= 0)
        .then(|| Duration::try_days(days + 1).and_then(|d| now.checked_sub_signed(d)))
        .flatten();
    let unused = |t: DateTime<Utc>| match cutoff {
        Some(c) => t <= c,
        None => idle_days(t) > days,
    };
    // Quick exits: no usage data from this provider, or every grant used recently.
    let mut usage = ctx
        .active_grants()
        .filter_map(|g| g.last_used_at)
        .peekable();
    usage.peek()?;
    if !usage.any(unused) {
        return None;
    }
    // Per permission (in privilege order): the newest use of any grant carrying it, and
    // whether every such grant reports usage.
    let held = &ctx.privilege.scopes;
    let mut last: Vec<(Option<DateTime<Utc>>, bool)> = vec![(None, true); held.len()];
    for g in ctx.active_grants() {
        for scope in &g.scopes {
            let Ok(i) = held.binary_search_by(|s| s.scope.as_str().cmp(scope)) else {
                continue;
            };
            let slot = &mut last[i];
            match g.last_used_at {
                Some(t) => slot.0 = slot.0.max(Some(t)),
                None => slot.1 = false,
            }
        }
    }
    let unused: Vec<Value> = held
        .iter()
        .zip(&last)
        .filter_map(|(s, &(newest, all_known))| {
            let t = newest.filter(|_| all_known)?;
            unused(t).then(|| {
                let idle = idle_days(t);
                let mut v = scope_json(s);
                if let Value::Object(m) = &mut v {
                    m.insert("last_used".into(), super::datefmt::rfc3339(t).into());
                    m.insert("days_unused".into(), idle.into());
                }
                v
            })
        })
        .collect();
    if unused.is_empty() {
        return None;
    }
    Some(
        Hit::new()
            .with("permissions", unused)
            .with("threshold_days", days)
            .with("usage_source", "grant last_used_at")
            .with("grants", grants.len()),
    )
}

fn scope_006(ctx: &AppContext<'_>) -> Option<Hit> {
    let provider = ctx.app.provider;
    // How many permissions an Entra `.default` stands for: computed only when one is found.
    let held = || {
        ctx.privilege
            .scopes
            .iter()
            .filter(|s| !scopes::is_entra_default(provider, &s.scope))
            .count()
    };
    // Held permissions carry their table flags; requested ones are looked up, and their tier
    // only when they are catch-alls.
    let granted = ctx
        .privilege
        .scopes
        .iter()
        .filter(|s| s.catch_all)
        .map(|s| {
            (
                s.scope.as_str(),
                Some(s.tier),
                !ctx.privilege.from_requested,
            )
        });
    let requested = ctx
        .app
        .requested_scopes
        .iter()
        .filter(|s| scopes::is_catch_all(provider, s))
        .map(|s| (s.as_str(), None, false));
    let mut found: Vec<Value> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (scope, tier, is_granted) in granted.chain(requested) {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
            continue;
        }
        let tier = tier.unwrap_or_else(|| scopes::tier(provider, scope));
        let resolves_to = scopes::is_entra_default(provider, scope).then(held);
        if resolves_to.is_some_and(|n| n <= DEFAULT_SCOPE_MAX) {
            continue;
        }
        seen.push(scope);
        let mut m = Map::new();
        m.insert("scope".into(), scope.into());
        m.insert("tier".into(), tier_str(tier).into());
        m.insert(
            "held".into(),
            if is_granted { "granted" } else { "requested" }.into(),
        );
        if let Some(n) = resolves_to {
            m.insert("resolves_to".into(), n.into());
        }
        found.push(Value::Object(m));
    }
    if found.is_empty() {
        return None;
    }
    Some(basis(ctx, Hit::new().with("catch_all", found)))
}

fn scope_007(ctx: &AppContext<'_>) -> Option<Hit> {
    let prev = ctx.previous?;
    let now = &ctx.app.requested_scopes;
    let before = &prev.requested_scopes;
    if now == before {
        return None;
    }
    let contains = |list: &[String], s: &str| list.iter().any(|x| x.eq_ignore_ascii_case(s));
    let provider = ctx.app.provider;
    let added: Vec<Value> = now
        .iter()
        .filter(|s| !contains(before, s))
        .map(|s| {
            let mut m = Map::new();
            m.insert("scope".into(), s.as_str().into());
            m.insert("tier".into(), tier_str(scopes::tier(provider, s)).into());
            Value::Object(m)
        })
        .collect();
    if added.is_empty() {
        return None;
    }
    let removed: Vec<Value> = before
        .iter()
        .filter(|s| !contains(now, s))
        .map(|s| Value::from(s.as_str()))
        .collect();
    let highest = added
        .iter()
        .filter_map(|v| v.get("tier").and_then(Value::as_str))
        .filter(|t| t.starts_with('T'))
        .min()
        .map(str::to_string);
    let mut hit = Hit::new()
        .with("added", added)
        .with("removed", removed)
        .with("previous_count", before.len())
        .with("current_count", now.len())
        .with("compared", "requested scopes");
    if let Some(t) = highest {
        hit = hit.with("highest_added_tier", t);
    }
    Some(hit)
}

// ---- evidence helpers (shared with the VENDOR rules) --------------------------------------

/// The permissions matching `pick`, with how they are held, or `None` when there are none.
pub(super) fn tier_hit(ctx: &AppContext<'_>, pick: impl Fn(&ScopeUse) -> bool) -> Option<Hit> {
    let picked: Vec<&ScopeUse> = ctx.privilege.scopes.iter().filter(|s| pick(s)).collect();
    if picked.is_empty() {
        return None;
    }
    Some(basis(ctx, permissions_hit(ctx, &picked)))
}

/// Evidence for a set of permissions: each with tier and consent, plus the app-wide breadth.
pub(super) fn permissions_hit(ctx: &AppContext<'_>, picked: &[&ScopeUse]) -> Hit {
    Hit::new()
        .with(
            "permissions",
            picked.iter().map(|s| scope_json(s)).collect::<Vec<_>>(),
        )
        .with("ownership", ctx.app.ownership.as_str())
        .with("tenant_wide", picked.iter().any(|s| s.tenant_wide))
        .with("delegated_users", ctx.privilege.delegated_users)
}

/// One permission: name, tier, how it is held, user count and last use.
pub(super) fn scope_json(s: &ScopeUse) -> Value {
    let mut m = Map::new();
    m.insert("scope".into(), s.scope.as_str().into());
    m.insert("tier".into(), tier_str(s.tier).into());
    let consent = if s.app_only {
        "app-only"
    } else if s.tenant_wide {
        "tenant-wide"
    } else if s.users > 0 {
        "user"
    } else {
        "unknown"
    };
    m.insert("consent".into(), consent.into());
    if s.users > 0 {
        m.insert("users".into(), s.users.into());
    }
    if let Some(t) = s.last_used {
        m.insert("last_used".into(), super::datefmt::rfc3339(t).into());
    }
    Value::Object(m)
}

pub(super) fn tier_str(t: Option<Tier>) -> &'static str {
    t.map_or("unknown", Tier::as_str)
}

/// Record whether the permissions are the granted ones or, without grants, the requested ones.
pub(super) fn basis(ctx: &AppContext<'_>, hit: Hit) -> Hit {
    if ctx.privilege.from_requested {
        hit.with("basis", "requested scopes")
            .inferred("grants were not collected; the app's requested scopes stand in for them")
    } else {
        hit.with("basis", "grants")
    }
}

/// Contexts for the SCOPE and VENDOR tests.
#[cfg(test)]
pub(super) mod fixture {
    use chrono::{DateTime, TimeZone, Utc};
    use connectors::Provider;
    use connectors::model::{ConsentType, Grant, GrantKind, OAuthApp, Ownership, Principal};

    use super::super::context::{Estate, TenantContext};
    use super::super::watchlist::Watchlist;
    use super::super::{AppContext, Settings};

    pub struct Fixture {
        pub now: DateTime<Utc>,
        pub settings: Settings,
        pub estate: Estate,
        pub watchlist: Watchlist,
    }

    impl Fixture {
        pub fn new() -> Self {
            Fixture {
                now: Utc
                    .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                    .single()
                    .expect("valid time"),
                settings: Settings::default(),
                estate: Estate::default(),
                watchlist: Watchlist::builtin(),
            }
        }

        pub fn app(&self, provider: Provider, ownership: Ownership) -> OAuthApp {
            let mut app = OAuthApp::new(provider, "app-1", "Test App");
            app.ownership = ownership;
            app.client_id = Some("client-1".into());
            app
        }

        fn tenant<'a>(&'a self, provider: Provider) -> TenantContext<'a> {
            TenantContext {
                name: "t",
                provider,
                policy: None,
                now: self.now,
                settings: &self.settings,
                estate: &self.estate,
                watchlist: &self.watchlist,
                resolver: None,
            }
        }

        /// Run `f` on the context of `app` with `grants` and the previous version `prev`.
        pub fn with<R>(
            &self,
            app: &OAuthApp,
            grants: &[Grant],
            prev: Option<&OAuthApp>,
            f: impl FnOnce(&AppContext<'_>) -> R,
        ) -> R {
            let tenant = self.tenant(app.provider);
            let ctx = AppContext::new(&tenant, app, Some(grants), prev);
            f(&ctx)
        }

        /// Run `f` on the context of `app` when grants were not collected.
        pub fn without_grants<R>(&self, app: &OAuthApp, f: impl FnOnce(&AppContext<'_>) -> R) -> R {
            let tenant = self.tenant(app.provider);
            let ctx = AppContext::new(&tenant, app, None, None);
            f(&ctx)
        }
    }

    fn grant(
        app: &OAuthApp,
        principal: Principal,
        scopes: &[&str],
        consent: ConsentType,
        kind: GrantKind,
    ) -> Grant {
        let mut g = Grant {
            external_id: None,
            app_external_id: app.external_id.clone(),
            principal,
            resource: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            consent_type: consent,
            kind,
            created_at: None,
            expires_at: None,
            last_used_at: None,
        };
        g.normalize();
        g
    }

    /// An application (app-only) permission.
    pub fn app_only(app: &OAuthApp, scope: &str) -> Grant {
        grant(
            app,
            Principal::Tenant,
            &[scope],
            ConsentType::Admin,
            GrantKind::Application,
        )
    }

    /// Delegated, admin-consented for every user.
    pub fn admin_grant(app: &OAuthApp, scopes: &[&str]) -> Grant {
        grant(
            app,
            Principal::Tenant,
            scopes,
            ConsentType::Admin,
            GrantKind::Delegated,
        )
    }

    /// Delegated, consented by one user.
    pub fn user_grant(app: &OAuthApp, user: &str, scopes: &[&str]) -> Grant {
        let principal = Principal::User {
            id: user.to_string(),
            email: None,
            display_name: None,
            active: None,
        };
        grant(
            app,
            principal,
            scopes,
            ConsentType::User,
            GrantKind::Delegated,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;
    use chrono::Duration;
    use connectors::Provider;

    fn fires(id: &str, ctx: &AppContext<'_>) -> Option<Hit> {
        let rule = RULES.iter().find(|r| r.id == id).expect("rule");
        let Check::App(f) = rule.check else {
            panic!("app rule")
        };
        f(ctx)
    }

    #[test]
    fn rules_are_the_catalog_entries() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "SCOPE-001",
                "SCOPE-002",
                "SCOPE-003",
                "SCOPE-004",
                "SCOPE-005",
                "SCOPE-006",
                "SCOPE-007"
            ]
        );
        let sev: Vec<Severity> = RULES.iter().map(|r| r.severity).collect();
        use Severity::*;
        assert_eq!(sev, [Critical, High, High, Medium, Medium, Medium, Medium]);
        for r in RULES {
            assert_eq!(r.family, Family::Scope);
            assert!(!r.nhi.is_empty() && !r.csf.is_empty() && !r.cites.is_empty());
        }
    }

    #[test]
    fn scope_001_third_party_t0_fires_first_party_and_t1_do_not() {
        let f = Fixture::new();
        let mut app = f.app(Provider::Entra, Ownership::ThirdParty);
        let grants = [app_only(&app, "RoleManagement.ReadWrite.Directory")];
        let hit = f
            .with(&app, &grants, None, |ctx| fires("SCOPE-001", ctx))
            .expect("fires");
        let p = &hit.evidence["permissions"][0];
        assert_eq!(p["scope"], "RoleManagement.ReadWrite.Directory");
        assert_eq!(p["tier"], "T0");
        assert_eq!(p["consent"], "app-only");
        assert_eq!(hit.evidence["basis"], "grants");
        assert!(
            f.with(&app, &grants, None, |ctx| fires("SCOPE-002", ctx))
                .is_none()
        );

        // Close cases: T1 only; first party; unknown ownership.
        let t1 = [app_only(&app, "Mail.Read")];
        assert!(
            f.with(&app, &t1, None, |ctx| fires("SCOPE-001", ctx))
                .is_none()
        );
        app.ownership = Ownership::FirstParty;
        assert!(
            f.with(&app, &grants, None, |ctx| fires("SCOPE-001", ctx))
                .is_none()
        );
        app.ownership = Ownership::Unknown;
        assert!(
            f.with(&app, &grants, None, |ctx| fires("SCOPE-001", ctx))
                .is_none()
        );
        assert!(
            f.with(&app, &grants, None, |ctx| fires("SCOPE-002", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_001_uses_requested_scopes_when_grants_are_missing_and_says_so() {
        let f = Fixture::new();
        let mut app = f.app(Provider::Okta, Ownership::ThirdParty);
        app.requested_scopes = vec!["okta.users.manage".into()];
        let hit = f
            .without_grants(&app, |ctx| fires("SCOPE-001", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["basis"], "requested scopes");
        assert_eq!(hit.evidence["inferred"], true);
    }

    #[test]
    fn scope_002_first_party_t0_fires_t1_does_not() {
        let f = Fixture::new();
        let app = f.app(Provider::Github, Ownership::FirstParty);
        let t0 = [user_grant(&app, "u1", &["admin:org"])];
        let hit = f
            .with(&app, &t0, None, |ctx| fires("SCOPE-002", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["permissions"][0]["consent"], "user");
        assert_eq!(hit.evidence["permissions"][0]["users"], 1);
        let t1 = [user_grant(&app, "u1", &["repo"])];
        assert!(
            f.with(&app, &t1, None, |ctx| fires("SCOPE-002", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_003_tenant_wide_t1_fires_user_consent_does_not() {
        let f = Fixture::new();
        let app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        let wide = [admin_grant(&app, &["api", "refresh_token"])];
        let hit = f
            .with(&app, &wide, None, |ctx| fires("SCOPE-003", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["permissions"][0]["scope"], "api");
        assert_eq!(hit.evidence["permissions"][0]["consent"], "tenant-wide");
        assert_eq!(hit.evidence["tenant_wide"], true);
        assert_eq!(
            hit.evidence["permissions"].as_array().map(Vec::len),
            Some(1)
        );

        let users = [
            user_grant(&app, "u1", &["api"]),
            user_grant(&app, "u2", &["api"]),
        ];
        assert!(
            f.with(&app, &users, None, |ctx| fires("SCOPE-003", ctx))
                .is_none()
        );
        // T2 held tenant-wide is not broad data.
        let t2 = [admin_grant(&app, &["chatter_api"])];
        assert!(
            f.with(&app, &t2, None, |ctx| fires("SCOPE-003", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_004_third_party_offline_plus_t1_fires() {
        let f = Fixture::new();
        let mut app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        let g = [admin_grant(&app, &["api", "refresh_token"])];
        let hit = f
            .with(&app, &g, None, |ctx| fires("SCOPE-004", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["offline_scopes"][0], "refresh_token");
        assert_eq!(hit.evidence["permissions"][0]["tier"], "T1");

        // No offline scope; or no T0/T1; or first party.
        let no_offline = [admin_grant(&app, &["api"])];
        assert!(
            f.with(&app, &no_offline, None, |ctx| fires("SCOPE-004", ctx))
                .is_none()
        );
        let low = [admin_grant(&app, &["chatter_api", "refresh_token"])];
        assert!(
            f.with(&app, &low, None, |ctx| fires("SCOPE-004", ctx))
                .is_none()
        );
        app.ownership = Ownership::FirstParty;
        assert!(
            f.with(&app, &g, None, |ctx| fires("SCOPE-004", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_005_fires_at_91_days_not_at_90_nor_without_usage_data() {
        let f = Fixture::new();
        let app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        let mut g = user_grant(&app, "u1", &["api"]);
        g.last_used_at = Some(f.now - Duration::days(91));
        let hit = f
            .with(&app, std::slice::from_ref(&g), None, |ctx| {
                fires("SCOPE-005", ctx)
            })
            .expect("fires");
        assert_eq!(hit.evidence["permissions"][0]["days_unused"], 91);
        assert_eq!(hit.evidence["threshold_days"], 90);

        g.last_used_at = Some(f.now - Duration::days(90));
        assert!(
            f.with(&app, std::slice::from_ref(&g), None, |ctx| fires(
                "SCOPE-005",
                ctx
            ))
            .is_none()
        );
        g.last_used_at = None;
        assert!(
            f.with(&app, std::slice::from_ref(&g), None, |ctx| fires(
                "SCOPE-005",
                ctx
            ))
            .is_none()
        );

        // One recent user keeps the permission in use.
        let mut old = user_grant(&app, "u1", &["api"]);
        old.last_used_at = Some(f.now - Duration::days(200));
        let mut recent = user_grant(&app, "u2", &["api"]);
        recent.last_used_at = Some(f.now - Duration::days(3));
        assert!(
            f.with(&app, &[old.clone(), recent], None, |ctx| fires(
                "SCOPE-005",
                ctx
            ))
            .is_none()
        );
        // A grant without usage data keeps its permission out of the rule.
        let unknown = user_grant(&app, "u3", &["api"]);
        assert!(
            f.with(&app, &[old, unknown], None, |ctx| fires("SCOPE-005", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_006_catch_all_fires_narrow_scopes_do_not() {
        let f = Fixture::new();
        let app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        let g = [admin_grant(&app, &["full", "refresh_token"])];
        let hit = f
            .with(&app, &g, None, |ctx| fires("SCOPE-006", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["catch_all"][0]["scope"], "full");
        assert_eq!(hit.evidence["catch_all"][0]["held"], "granted");
        let narrow = [admin_grant(&app, &["api", "refresh_token"])];
        assert!(
            f.with(&app, &narrow, None, |ctx| fires("SCOPE-006", ctx))
                .is_none()
        );

        let google = f.app(Provider::Google, Ownership::ThirdParty);
        let g = [user_grant(
            &google,
            "u1",
            &["https://www.googleapis.com/auth/cloud-platform"],
        )];
        assert!(
            f.with(&google, &g, None, |ctx| fires("SCOPE-006", ctx))
                .is_some()
        );
        let slack = f.app(Provider::Slack, Ownership::ThirdParty);
        let g = [user_grant(&slack, "u1", &["client"])];
        assert!(
            f.with(&slack, &g, None, |ctx| fires("SCOPE-006", ctx))
                .is_some()
        );
        let g = [user_grant(&slack, "u1", &["channels:read"])];
        assert!(
            f.with(&slack, &g, None, |ctx| fires("SCOPE-006", ctx))
                .is_none()
        );
    }

    #[test]
    fn scope_006_entra_default_needs_more_than_ten_permissions() {
        let f = Fixture::new();
        let mut app = f.app(Provider::Entra, Ownership::FirstParty);
        app.requested_scopes = vec!["https://graph.microsoft.com/.default".into()];
        let ten: Vec<String> = (0..10).map(|i| format!("Perm{i}.Read.All")).collect();
        let refs: Vec<&str> = ten.iter().map(String::as_str).collect();
        let g = [admin_grant(&app, &refs)];
        assert!(
            f.with(&app, &g, None, |ctx| fires("SCOPE-006", ctx))
                .is_none()
        );
        let mut eleven = refs.clone();
        eleven.push("Mail.Read");
        let g = [admin_grant(&app, &eleven)];
        let hit = f
            .with(&app, &g, None, |ctx| fires("SCOPE-006", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["catch_all"][0]["resolves_to"], 11);
        assert_eq!(hit.evidence["catch_all"][0]["held"], "requested");
    }

    #[test]
    fn scope_007_fires_when_requested_scopes_grow() {
        let f = Fixture::new();
        let mut prev = f.app(Provider::Entra, Ownership::ThirdParty);
        prev.requested_scopes = vec!["User.Read".into(), "Mail.Read".into()];
        let mut app = prev.clone();
        app.requested_scopes = vec!["Mail.Read".into(), "User.Read".into(), "Mail.Send".into()];
        let hit = f
            .with(&app, &[], Some(&prev), |ctx| fires("SCOPE-007", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["added"][0]["scope"], "Mail.Send");
        assert_eq!(hit.evidence["added"][0]["tier"], "T1");
        assert_eq!(hit.evidence["previous_count"], 2);
        assert_eq!(hit.evidence["highest_added_tier"], "T1");

        // Same scopes (case and order aside), fewer scopes, or no previous version.
        let mut same = prev.clone();
        same.requested_scopes = vec!["mail.read".into(), "user.read".into()];
        assert!(
            f.with(&same, &[], Some(&prev), |ctx| fires("SCOPE-007", ctx))
                .is_none()
        );
        let mut fewer = prev.clone();
        fewer.requested_scopes = vec!["User.Read".into()];
        assert!(
            f.with(&fewer, &[], Some(&prev), |ctx| fires("SCOPE-007", ctx))
                .is_none()
        );
        assert!(
            f.with(&app, &[], None, |ctx| fires("SCOPE-007", ctx))
                .is_none()
        );
    }
}
