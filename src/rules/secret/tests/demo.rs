//! The demo estate (`tests/fixtures/contoso`, the former demo estate, whose README maps each app to the rules it shows) run
//! through the SECRET and TOKEN rules at the demo's "today", 2026-11-24: every SECRET/TOKEN
//! finding the README names appears, and SECRET-012 stays silent on data that holds no secret
//! in its metadata (HTML payloads and a secret in a secret-named field included).
//!
//! Two README claims are not asserted: TOKEN-007 on Entra's ChatPilot needs the tier table and
//! a connector that reads network restrictions (unknown never fires), and TOKEN-004 on
//! Keycloak offline sessions does not hold under the catalog's definition, since the realm
//! keeps a 30-day offline idle timeout (TOKEN-005 reports the unlimited absolute lifetime).

use chrono::TimeZone;
use std::collections::BTreeMap;

use super::*;
use crate::rules::{AppContext, EstateBuilder, Settings, TenantContext, watchlist::Watchlist};

/// Findings of the SECRET and TOKEN families per app name, for one provider's demo export.
fn demo_findings(provider: Provider, path: &str) -> BTreeMap<String, Vec<&'static str>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contoso");
    let inv = connectors::file::read_all(provider, &dir.join(path)).unwrap();
    let settings = Settings::default();
    let watchlist = Watchlist::builtin();
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .unwrap();
    let tenant = |estate| TenantContext {
        name: "demo",
        provider,
        policy: None,
        now,
        settings: &settings,
        estate,
        watchlist: &watchlist,
        resolver: None,
    };
    let empty = Estate::default();
    let mut builder = EstateBuilder::new();
    for a in &inv.apps {
        let t = tenant(&empty);
        let privilege = AppContext::new(&t, a, None, None).privilege;
        builder.add(
            "demo",
            provider,
            &a.external_id,
            &a.name,
            &EstateFacts::of(a, &privilege),
        );
    }
    let estate = builder.build();
    let t = tenant(&estate);
    let mut out = BTreeMap::new();
    for a in &inv.apps {
        let grants: Vec<Grant> = inv
            .grants
            .iter()
            .filter(|g| g.app_external_id == a.external_id)
            .cloned()
            .collect();
        let ctx = AppContext::new(&t, a, Some(&grants), None);
        let ids = crate::rules::evaluate_app(&ctx)
            .iter()
            .map(|f| f.rule.id)
            .filter(|id| id.starts_with("SECRET") || id.starts_with("TOKEN"))
            .collect();
        out.insert(a.name.clone(), ids);
    }
    out
}

fn assert_named(found: &BTreeMap<String, Vec<&'static str>>, app: &str, ids: &[&str]) {
    let got = found
        .get(app)
        .unwrap_or_else(|| panic!("{app} not in the demo"));
    for id in ids {
        assert!(got.contains(id), "{app}: expected {id}, got {got:?}");
    }
}

#[test]
fn demo_estate_shows_the_secret_and_token_findings_its_readme_names() {
    let entra = demo_findings(Provider::Entra, "entra");
    assert_named(
        &entra,
        "Field Service Mobile",
        &["SECRET-001", "SECRET-002"],
    );
    assert_named(&entra, "Contoso Intranet", &["SECRET-004", "SECRET-006"]);
    assert_named(&entra, "Sales Dashboard", &["SECRET-007"]);
    assert_named(&entra, "HR Sync Daemon", &["SECRET-003", "SECRET-005"]);
    assert_named(&entra, "Legacy CRM Connector", &["SECRET-006"]);
    let okta = demo_findings(Provider::Okta, "okta");
    assert_named(&okta, "Field Tech Mobile", &["SECRET-001", "TOKEN-003"]);
    let keycloak = demo_findings(Provider::Keycloak, "keycloak/realm.json");
    assert_named(&keycloak, "CRM Backend", &["TOKEN-001", "SECRET-005"]);
    assert_named(&keycloak, "Reporting Service", &["SECRET-005"]);
    assert_named(
        &keycloak,
        "Field Inspections (mobile)",
        &["TOKEN-003", "TOKEN-005"],
    );

    for (app, ids) in entra.iter().chain(&okta).chain(&keycloak) {
        assert!(!ids.contains(&"SECRET-012"), "{app}: {ids:?}");
    }
    // The 12-month Sales Dashboard secret (exactly 365 days) is not "above 12 months", and HR
    // Sync Daemon's certificate means it does not authenticate with a secret alone.
    assert!(!entra["Sales Dashboard"].contains(&"SECRET-004"));
    assert!(!entra["HR Sync Daemon"].contains(&"SECRET-009"));
}
