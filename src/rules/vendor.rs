//! VENDOR rules (RULES §3.8): third-party integrations and supply chain.
//!
//! Judgment calls:
//! - "Unverified" means `publisher.verified == Some(false)`; a provider without a notion of
//!   verification (`None`) never fires VENDOR-001/002 (RULES §2).
//! - VENDOR-001's "admin/tenant-wide consent or app-only permissions" is any active grant held
//!   tenant-wide ([`Privilege::tenant_wide`](super::Privilege)), whatever its tier.
//! - VENDOR-002's "user consent" is a permission held through individual users' grants.
//! - VENDOR-003 fires on the apps that make up the span (the app itself holds T0/T1 and is not
//!   first party), when the vendor's T0/T1 apps reach more than one tenant or provider.
//! - VENDOR-004 fires on any ownership: a watchlist match is about the integration, not about
//!   who registered it.
//! - VENDOR-005 fires only when the connector states that no network restriction binds the app
//!   (`network_restricted == Some(false)`); unknown does not fire.

use connectors::Provider;
use connectors::model::Ownership;
use serde_json::{Map, Value};

use super::context::publisher_key;
use super::scope::{basis, permissions_hit, tier_hit};
use super::scopes::Tier;
use super::{AppContext, Check, Family, Hit, Rule, Severity};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "VENDOR-001",
        family: Family::Vendor,
        title: "Unverified publisher with tenant-wide consent",
        severity: Severity::High,
        checks: "`ownership == third_party`; `publisher.verified == false`; admin/tenant-wide consent or app-only permissions.",
        rationale: "Tenant-wide trust in an unidentified operator is the pattern behind consent phishing and malicious OAuth apps.",
        cites: &[
            "OAuth 2.1 §7.2",
            "OAuth 2.1 §7.9 (editors' copy)",
            "OWASP NHI3",
        ],
        nhi: &["NHI3"],
        csf: &["GV.SC-07", "PR.AA-05"],
        fix: "Revoke the consent unless the vendor is vetted, and require verified publishers for admin consent.",
        check: Check::App(vendor_001),
    },
    Rule {
        id: "VENDOR-002",
        family: Family::Vendor,
        title: "Unverified publisher with user consent to high-impact scopes",
        severity: Severity::Medium,
        checks: "`ownership == third_party`; `publisher.verified == false`; user consent to any T0/T1 permission.",
        rationale: "Users can hand mail or file access to unknown operators one by one.",
        cites: &["OWASP NHI3", "RFC 6819 §4.2.2"],
        nhi: &["NHI3", "NHI5"],
        csf: &["GV.SC-07", "PR.AA-05"],
        fix: "Revoke the grants and restrict user consent to verified publishers and low-impact scopes.",
        check: Check::App(vendor_002),
    },
    Rule {
        id: "VENDOR-003",
        family: Family::Vendor,
        title: "One vendor spans several providers or tenants",
        severity: Severity::Info,
        checks: "The same publisher (verified domain, or normalized name) holds grants in more than one provider or tenant with T0/T1 access (for example Salesloft in Salesforce, Google Workspace and Slack).",
        rationale: "Not a misconfiguration, but it defines the blast radius when that vendor is breached; feeds the vendor view (`/api/v1/vendors/{publisher}`).",
        cites: &[
            "OWASP NHI3",
            "NIST CSF 2.0 GV.SC-07",
            "NIST CSF 2.0 ID.AM-04",
        ],
        nhi: &["NHI3"],
        csf: &["ID.AM-04", "GV.SC-07"],
        fix: "Record the vendor as critical, document its integrations in one place and prepare a revocation runbook for all of them.",
        check: Check::App(vendor_003),
    },
    Rule {
        id: "VENDOR-004",
        family: Family::Vendor,
        title: "Integration matches a known-compromised watchlist entry",
        severity: Severity::Critical,
        checks: "Client id, app name, publisher or redirect host matches an entry in the local advisory watchlist (config file; entries carry advisory URL and date). Seed entries: Salesloft Drift (Salesforce connected app, Drift Email for Google Workspace, Drift Slack app; advisory August 2025), Gainsight connected apps (November 2025; Google disabled OAuth clients with callback hosts on `gainsightcloud.com`).",
        rationale: "Tokens held by this vendor are assumed stolen.",
        cites: &[
            "GTIG UNC6395 advisory (August 2025)",
            "Salesforce security advisories",
            "NIST CSF 2.0 ID.RA-02",
            "NIST CSF 2.0 RS.MI-01",
        ],
        nhi: &["NHI3"],
        csf: &["ID.RA-02", "RS.MI-01", "GV.SC-07"],
        fix: "Revoke all tokens and grants for the integration now, rotate any credentials stored in data it could read, and review its API activity for the advisory's indicators.",
        check: Check::App(vendor_004),
    },
    Rule {
        id: "VENDOR-005",
        family: Family::Vendor,
        title: "Third-party integration usable from any network location",
        severity: Severity::Medium,
        checks: "`ownership == third_party`, T0/T1 access, and the tenant exposes a network-restriction control for the app that is unused (Salesforce connected app IP relaxation not enforced / no login IP ranges on the integration user; Entra conditional access for workload identities absent; Okta API token network condition absent).",
        rationale: "Network binding is the cheapest containment for stolen vendor tokens.",
        cites: &[
            "RFC 9700 §2.2.1",
            "Salesforce 005226734",
            "GTIG UNC6395 recommendations",
        ],
        nhi: &["NHI3"],
        csf: &["PR.IR-01", "DE.CM-06"],
        fix: "Restrict the integration to the vendor's documented egress ranges and monitor for calls from elsewhere.",
        check: Check::App(vendor_005),
    },
];

/// VENDOR-003 lists at most this many of the vendor's apps in its evidence.
const SPAN_APPS_SHOWN: usize = 25;

fn unverified_third_party(ctx: &AppContext<'_>) -> bool {
    ctx.app.ownership == Ownership::ThirdParty && ctx.app.publisher.verified == Some(false)
}

fn publisher_json(ctx: &AppContext<'_>) -> Value {
    let p = &ctx.app.publisher;
    let mut m = Map::new();
    m.insert("name".into(), p.name.clone().into());
    m.insert("domain".into(), p.domain.clone().into());
    m.insert("verified".into(), p.verified.into());
    Value::Object(m)
}

fn vendor_001(ctx: &AppContext<'_>) -> Option<Hit> {
    if !unverified_third_party(ctx) || !ctx.privilege.tenant_wide {
        return None;
    }
    let hit = tier_hit(ctx, |s| s.tenant_wide || s.app_only)?;
    Some(hit.with("publisher", publisher_json(ctx)))
}

fn vendor_002(ctx: &AppContext<'_>) -> Option<Hit> {
    if !unverified_third_party(ctx) {
        return None;
    }
    let hit = tier_hit(ctx, |s| {
        s.users > 0 && s.tier.is_some_and(|t| t <= Tier::T1)
    })?;
    Some(hit.with("publisher", publisher_json(ctx)))
}

fn vendor_003(ctx: &AppContext<'_>) -> Option<Hit> {
    if ctx.app.ownership == Ownership::FirstParty || !ctx.privilege.high_impact() {
        return None;
    }
    let key = publisher_key(ctx.app)?;
    let span = ctx.tenant.estate.vendor(&key)?;
    if span.tenants.len() < 2 && span.providers.len() < 2 {
        return None;
    }
    let apps: Vec<Value> = span
        .apps
        .iter()
        .take(SPAN_APPS_SHOWN)
        .map(|a| {
            let mut m = Map::new();
            m.insert("tenant".into(), a.tenant.as_str().into());
            m.insert("provider".into(), a.provider.as_str().into());
            m.insert("app".into(), a.name.as_str().into());
            m.insert("external_id".into(), a.external_id.as_str().into());
            Value::Object(m)
        })
        .collect();
    let picked: Vec<_> = ctx.privilege.at_least(Tier::T1).collect();
    Some(
        basis(ctx, permissions_hit(ctx, &picked))
            .with("vendor", key)
            .with("publisher", publisher_json(ctx))
            .with(
                "tenants",
                span.tenants.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .with(
                "providers",
                span.providers
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>(),
            )
            .with("app_count", span.apps.len())
            .with("apps", apps),
    )
}

fn vendor_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let matches = ctx.tenant.watchlist.matches(ctx.app);
    let first = matches.first()?;
    let entries: Vec<Value> = matches
        .iter()
        .map(|m| {
            let mut e = Map::new();
            e.insert("name".into(), m.entry.name.as_str().into());
            e.insert("advisory".into(), m.entry.advisory.as_str().into());
            e.insert("date".into(), m.entry.date.to_string().into());
            if !m.entry.references.is_empty() {
                e.insert("references".into(), m.entry.references.clone().into());
            }
            e.insert(
                "matched_on".into(),
                serde_json::to_value(&m.on).unwrap_or(Value::Null),
            );
            Value::Object(e)
        })
        .collect();
    Some(
        Hit::new()
            .with("watchlist_entry", first.entry.name.as_str())
            .with("advisory", first.entry.advisory.as_str())
            .with("advisory_date", first.entry.date.to_string())
            .with("entries", entries),
    )
}

fn vendor_005(ctx: &AppContext<'_>) -> Option<Hit> {
    if ctx.app.ownership != Ownership::ThirdParty || ctx.app.network_restricted != Some(false) {
        return None;
    }
    let control = match ctx.app.provider {
        Provider::Salesforce => {
            "connected app IP relaxation is not enforced and no login IP ranges bind the integration user"
        }
        Provider::Entra => "no conditional access policy for workload identities covers the app",
        Provider::Okta => "no network zone condition binds the app or its API token",
        _ => "the provider's network restriction for the app is unused",
    };
    let hit = tier_hit(ctx, |s| s.tier.is_some_and(|t| t <= Tier::T1))?;
    Some(
        hit.with("network_restricted", false)
            .with("unused_control", control),
    )
}

#[cfg(test)]
mod tests {
    use super::super::context::{EstateBuilder, EstateFacts};
    use super::super::scope::fixture::*;
    use super::super::watchlist::Watchlist;
    use super::*;
    use connectors::model::{OAuthApp, RedirectKind, RedirectUri};

    fn fires(id: &str, ctx: &AppContext<'_>) -> Option<Hit> {
        let rule = RULES.iter().find(|r| r.id == id).expect("rule");
        let Check::App(f) = rule.check else {
            panic!("app rule")
        };
        f(ctx)
    }

    fn unverified(f: &Fixture, provider: Provider) -> OAuthApp {
        let mut app = f.app(provider, Ownership::ThirdParty);
        app.publisher.name = Some("Shady Tools".into());
        app.publisher.verified = Some(false);
        app
    }

    #[test]
    fn rules_are_the_catalog_entries() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "VENDOR-001",
                "VENDOR-002",
                "VENDOR-003",
                "VENDOR-004",
                "VENDOR-005"
            ]
        );
        let sev: Vec<Severity> = RULES.iter().map(|r| r.severity).collect();
        use Severity::*;
        assert_eq!(sev, [High, Medium, Info, Critical, Medium]);
    }

    #[test]
    fn vendor_001_unverified_with_admin_consent_fires() {
        let f = Fixture::new();
        let mut app = unverified(&f, Provider::Entra);
        let g = [admin_grant(&app, &["User.Read", "Calendars.Read"])];
        let hit = f
            .with(&app, &g, None, |ctx| fires("VENDOR-001", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["publisher"]["verified"], false);
        assert_eq!(hit.evidence["permissions"][0]["consent"], "tenant-wide");

        // User consent only; verified; verification unknown; first party.
        let users = [user_grant(&app, "u1", &["Mail.Read"])];
        assert!(
            f.with(&app, &users, None, |ctx| fires("VENDOR-001", ctx))
                .is_none()
        );
        app.publisher.verified = Some(true);
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-001", ctx))
                .is_none()
        );
        app.publisher.verified = None;
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-001", ctx))
                .is_none()
        );
        app.publisher.verified = Some(false);
        app.ownership = Ownership::FirstParty;
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-001", ctx))
                .is_none()
        );
    }

    #[test]
    fn vendor_002_unverified_user_consent_to_t1_fires_t2_does_not() {
        let f = Fixture::new();
        let mut app = unverified(&f, Provider::Google);
        let g = [
            user_grant(
                &app,
                "u1",
                &["https://www.googleapis.com/auth/gmail.readonly"],
            ),
            user_grant(
                &app,
                "u2",
                &["https://www.googleapis.com/auth/gmail.readonly", "openid"],
            ),
        ];
        let hit = f
            .with(&app, &g, None, |ctx| fires("VENDOR-002", ctx))
            .expect("fires");
        let p = &hit.evidence["permissions"][0];
        assert_eq!(p["tier"], "T1");
        assert_eq!(p["users"], 2);
        assert_eq!(hit.evidence["delegated_users"], 2);

        let low = [user_grant(
            &app,
            "u1",
            &["https://www.googleapis.com/auth/drive.file"],
        )];
        assert!(
            f.with(&app, &low, None, |ctx| fires("VENDOR-002", ctx))
                .is_none()
        );
        app.publisher.verified = None;
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-002", ctx))
                .is_none()
        );
        app.publisher.verified = Some(true);
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-002", ctx))
                .is_none()
        );
    }

    fn salesloft(f: &Fixture, provider: Provider, id: &str) -> OAuthApp {
        let mut app = f.app(provider, Ownership::ThirdParty);
        app.external_id = id.into();
        app.name = "Drift".into();
        app.publisher.name = Some("Salesloft, Inc.".into());
        app
    }

    /// The estate holding `apps` (tenant, app, grants).
    fn estate(
        f: &Fixture,
        apps: &[(&str, &OAuthApp, &[connectors::model::Grant])],
    ) -> super::super::Estate {
        let mut b = EstateBuilder::new();
        for (tenant, app, grants) in apps {
            let facts = f.with(app, grants, None, |ctx| {
                EstateFacts::of(app, &ctx.privilege)
            });
            b.add(tenant, app.provider, &app.external_id, &app.name, &facts);
        }
        b.build()
    }

    #[test]
    fn vendor_003_fires_when_the_vendor_spans_two_providers_or_tenants() {
        let mut f = Fixture::new();
        let sf = salesloft(&f, Provider::Salesforce, "sf-1");
        let sf_g = [admin_grant(&sf, &["api", "refresh_token"])];
        let gw = salesloft(&f, Provider::Google, "gw-1");
        let gw_g = [user_grant(
            &gw,
            "u1",
            &["https://www.googleapis.com/auth/gmail.readonly"],
        )];

        // One tenant, one provider: no span.
        f.estate = estate(&f, &[("t", &sf, &sf_g)]);
        assert!(
            f.with(&sf, &sf_g, None, |ctx| fires("VENDOR-003", ctx))
                .is_none()
        );

        // Two providers.
        f.estate = estate(&f, &[("t", &sf, &sf_g), ("t2", &gw, &gw_g)]);
        let hit = f
            .with(&sf, &sf_g, None, |ctx| fires("VENDOR-003", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["vendor"], "name:salesloft");
        assert_eq!(
            hit.evidence["providers"],
            serde_json::json!(["google", "salesforce"])
        );
        assert_eq!(hit.evidence["tenants"], serde_json::json!(["t", "t2"]));
        assert_eq!(hit.evidence["app_count"], 2);

        // Two tenants of one provider.
        let mut sf2 = sf.clone();
        sf2.external_id = "sf-2".into();
        f.estate = estate(&f, &[("t", &sf, &sf_g), ("t3", &sf2, &sf_g)]);
        assert!(
            f.with(&sf, &sf_g, None, |ctx| fires("VENDOR-003", ctx))
                .is_some()
        );

        // The other side only signs users in (T3): not part of the span.
        let gw_low = [user_grant(&gw, "u1", &["openid", "email"])];
        f.estate = estate(&f, &[("t", &sf, &sf_g), ("t2", &gw, &gw_low)]);
        assert!(
            f.with(&sf, &sf_g, None, |ctx| fires("VENDOR-003", ctx))
                .is_none()
        );
    }

    #[test]
    fn vendor_004_matches_by_client_id_redirect_host_and_name() {
        let mut f = Fixture::new();
        f.watchlist = Watchlist::parse(
            r#"
            [[entry]]
            name = "Example breach"
            advisory = "https://example.org/advisory"
            date = "2025-09-01"
            client_ids = ["3MVG9-compromised"]
            "#,
            "test",
        )
        .expect("parses");
        let mut app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        app.client_id = Some("3MVG9-compromised".into());
        let hit = f
            .with(&app, &[], None, |ctx| fires("VENDOR-004", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["watchlist_entry"], "Example breach");
        assert_eq!(hit.evidence["advisory"], "https://example.org/advisory");
        assert_eq!(hit.evidence["advisory_date"], "2025-09-01");
        assert_eq!(
            hit.evidence["entries"][0]["matched_on"][0]["field"],
            "client_id"
        );
        app.client_id = Some("3MVG9-compromised2".into());
        assert!(
            f.with(&app, &[], None, |ctx| fires("VENDOR-004", ctx))
                .is_none()
        );

        // The built-in list: Gainsight by callback host, Drift by name.
        let f = Fixture::new();
        let mut gs = f.app(Provider::Google, Ownership::Unknown);
        gs.redirect_uris = vec![RedirectUri {
            uri: "https://na2.gainsightcloud.com/v1/oauth/callback".into(),
            kind: RedirectKind::Web,
            kind_inferred: false,
        }];
        let hit = f
            .with(&gs, &[], None, |ctx| fires("VENDOR-004", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["watchlist_entry"], "Gainsight connected apps");
        assert_eq!(hit.evidence["advisory_date"], "2025-11-20");
        gs.redirect_uris[0].uri = "https://gainsightcloud.com.example.net/cb".into();
        assert!(
            f.with(&gs, &[], None, |ctx| fires("VENDOR-004", ctx))
                .is_none()
        );

        let drift = salesloft(&f, Provider::Salesforce, "sf-1");
        let hit = f
            .with(&drift, &[], None, |ctx| fires("VENDOR-004", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["watchlist_entry"], "Salesloft Drift");
        assert!(
            hit.evidence["advisory"]
                .as_str()
                .is_some_and(|a| a.contains("salesloft-drift"))
        );
        assert_eq!(hit.evidence["advisory_date"], "2025-08-26");
        let mut near = drift.clone();
        near.name = "Driftwood CRM".into();
        assert!(
            f.with(&near, &[], None, |ctx| fires("VENDOR-004", ctx))
                .is_none()
        );
    }

    #[test]
    fn vendor_005_fires_only_when_no_restriction_is_stated() {
        let f = Fixture::new();
        let mut app = f.app(Provider::Salesforce, Ownership::ThirdParty);
        app.network_restricted = Some(false);
        let g = [admin_grant(&app, &["api", "refresh_token"])];
        let hit = f
            .with(&app, &g, None, |ctx| fires("VENDOR-005", ctx))
            .expect("fires");
        assert_eq!(hit.evidence["network_restricted"], false);
        assert_eq!(hit.evidence["permissions"][0]["scope"], "api");

        app.network_restricted = None;
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-005", ctx))
                .is_none()
        );
        app.network_restricted = Some(true);
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-005", ctx))
                .is_none()
        );
        app.network_restricted = Some(false);
        let low = [admin_grant(&app, &["chatter_api"])];
        assert!(
            f.with(&app, &low, None, |ctx| fires("VENDOR-005", ctx))
                .is_none()
        );
        app.ownership = Ownership::FirstParty;
        assert!(
            f.with(&app, &g, None, |ctx| fires("VENDOR-005", ctx))
                .is_none()
        );
    }
}

/// RULES §7: how the catalog flags a typical Drift installation.
#[cfg(test)]
mod drift_case_study {
    use super::super::context::{EstateBuilder, EstateFacts};
    use super::super::evaluate_app;
    use super::super::scope::fixture::*;
    use connectors::Provider;
    use connectors::model::{OAuthApp, Ownership};

    fn drift(f: &Fixture, provider: Provider, id: &str) -> OAuthApp {
        let mut app = f.app(provider, Ownership::ThirdParty);
        app.external_id = id.into();
        app.name = "Drift".into();
        app.publisher.name = Some("Salesloft".into());
        app.network_restricted = Some(false);
        app
    }

    #[test]
    fn a_drift_like_connected_app_fires_the_case_study_rules() {
        let mut f = Fixture::new();
        let sf = drift(&f, Provider::Salesforce, "0H4-drift");
        let sf_grants = [admin_grant(&sf, &["api", "refresh_token"])];
        let gw = drift(&f, Provider::Google, "drift-email");
        let gw_grants = [user_grant(
            &gw,
            "u1",
            &["https://www.googleapis.com/auth/gmail.readonly"],
        )];
        let mut b = EstateBuilder::new();
        for (tenant, app, grants) in [("sf", &sf, &sf_grants[..]), ("gw", &gw, &gw_grants[..])] {
            let facts = f.with(app, grants, None, |ctx| {
                EstateFacts::of(app, &ctx.privilege)
            });
            b.add(tenant, app.provider, &app.external_id, &app.name, &facts);
        }
        f.estate = b.build();

        let ids: Vec<&str> = f.with(&sf, &sf_grants, None, |ctx| {
            evaluate_app(ctx).iter().map(|x| x.rule_id()).collect()
        });
        for id in [
            "SCOPE-003",
            "SCOPE-004",
            "VENDOR-003",
            "VENDOR-004",
            "VENDOR-005",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        for id in ["SCOPE-001", "SCOPE-002", "VENDOR-001", "VENDOR-002"] {
            assert!(!ids.contains(&id), "{id} unexpected in {ids:?}");
        }
    }
}
