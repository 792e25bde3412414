//! The simulator pages like each provider, and what it serves parses with that provider's
//! existing parser into exactly the generated estate.

mod simulator_support;

use chrono::{TimeZone, Utc};
use connectors::Provider;
use connectors::file::Inventory;
use connectors::model::{GrantKind, GrantType, UserConsentPolicy};
use connectors::simulator::demo::{HTML_PAYLOAD_NAME, SALES_CHAT, featured_names};
use connectors::simulator::estate::{Kind, Reach};
use connectors::simulator::{
    EstateSize, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use simulator_support::{collect, get, static_auth};
use std::collections::{BTreeSet, HashSet};

const APPS: usize = 23;
const GRANTS: usize = 3;
const USERS: usize = 7;

fn generated(seed: u64) -> SimulatorConfig {
    SimulatorConfig {
        seed,
        preset: Preset::Generated(EstateSize {
            tenants: 2,
            apps_per_tenant: APPS,
            grants_per_app: GRANTS,
            users_per_tenant: USERS,
            redirect_mix: RedirectMix::default(),
        }),
        page_size: 10,
        ..SimulatorConfig::default()
    }
}

fn dedupe_apps(inv: &mut Inventory) {
    let mut seen = HashSet::new();
    inv.apps.retain(|a| seen.insert(a.external_id.clone()));
}

/// The counts each provider's parser must yield for a tenant of the estate.
fn expected(sim: &RunningSimulator, p: Provider, t: usize) -> (usize, usize) {
    let e = sim.estate();
    let apps: Vec<_> = (0..APPS).map(|i| e.app(p, t, i)).collect();
    let m2m = apps.iter().filter(|a| a.kind == Kind::Service).count();
    let broad = apps.iter().filter(|a| a.reach == Reach::Broad).count();
    let ug = APPS * GRANTS;
    match p {
        Provider::Entra => (APPS + 1, ug + m2m),
        Provider::Okta => (APPS, GRANTS * (APPS - broad) + 3 * GRANTS * broad),
        Provider::Github => (APPS + USERS, APPS + USERS),
        Provider::Slack => (APPS, APPS + broad),
        Provider::Auth0 => (APPS, ug + m2m),
        _ => (APPS, ug),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_pages_into_its_parser_and_yields_the_generated_estate() {
    let sim = Simulator::start(generated(42)).unwrap();
    for p in Provider::SAAS {
        for t in 0..2 {
            let mut inv = collect(&sim, p, t).await;
            dedupe_apps(&mut inv);
            let (apps, grants) = expected(&sim, p, t);
            assert_eq!(inv.apps.len(), apps, "{p:?} tenant {t}: apps");
            assert_eq!(inv.grants.len(), grants, "{p:?} tenant {t}: grants");
            let ids: HashSet<&str> = inv.apps.iter().map(|a| a.external_id.as_str()).collect();
            for g in &inv.grants {
                assert!(
                    ids.contains(g.app_external_id.as_str()),
                    "{p:?} tenant {t}: grant of unknown app {}",
                    g.app_external_id
                );
            }
            if p == Provider::Keycloak {
                let open = inv
                    .policies
                    .first()
                    .and_then(|p| p.open_dynamic_registration);
                assert_eq!(
                    open,
                    Some(true),
                    "anonymous registration without trusted hosts"
                );
            }
            if p == Provider::Entra {
                let policy = inv.policies.first().and_then(|p| p.user_consent);
                assert_eq!(policy, Some(UserConsentPolicy::AllowAll));
                let app_only = inv
                    .grants
                    .iter()
                    .filter(|g| g.kind == GrantKind::Application);
                assert!(app_only.clone().all(|g| g.scopes == ["Directory.Read.All"]));
                assert_eq!(app_only.count(), expected(&sim, p, t).1 - APPS * GRANTS);
            }
            if p != Provider::Github {
                let got: BTreeSet<String> = inv
                    .apps
                    .iter()
                    .map(|a| a.name.clone())
                    .filter(|n| n != "Microsoft Graph")
                    .collect();
                let want: BTreeSet<String> =
                    (0..APPS).map(|i| sim.estate().app(p, t, i).name).collect();
                assert_eq!(got, want, "{p:?} tenant {t}: names");
            }
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_estate_has_its_risky_apps_in_every_provider() {
    let sim = Simulator::start(SimulatorConfig::demo(7)).unwrap();
    let stale_before = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    for p in Provider::SAAS {
        let mut inv = collect(&sim, p, 0).await;
        dedupe_apps(&mut inv);
        let names: Vec<&str> = inv.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(sim.tenants(), 1);
        if p == Provider::Github {
            assert!(
                names.iter().any(|n| n.starts_with("img-src-x-onerror")),
                "{names:?}"
            );
            continue;
        }
        for featured in featured_names(p) {
            assert!(
                names.contains(&featured),
                "{p:?}: {featured} missing from {names:?}"
            );
        }
        // The payload is data: it arrives verbatim, neither escaped nor stripped.
        assert!(names.contains(&HTML_PAYLOAD_NAME), "{p:?}");
        let app = |name: &str| inv.apps.iter().find(|a| a.name == name).unwrap();
        let grants_of = |name: &str| {
            let id = app(name).external_id.clone();
            inv.grants
                .iter()
                .filter(move |g| g.app_external_id == id)
                .collect::<Vec<_>>()
        };
        // Google, Salesforce's sObjects and Slack's admin lists show no redirect URIs.
        if !matches!(p, Provider::Google | Provider::Salesforce | Provider::Slack) {
            let redirects = &app("Partner Portal").redirect_uris;
            assert!(
                redirects.iter().any(|r| r.uri.contains("herokuapp.com")),
                "{p:?}"
            );
            assert!(redirects.iter().any(|r| r.uri.contains('*')), "{p:?}");
        }
        match p {
            Provider::Salesforce => {
                assert_eq!(
                    grants_of(SALES_CHAT).len(),
                    Preset::DEMO_SIZE.grants_per_app
                );
                for g in grants_of("Legacy Report Exporter") {
                    assert!(g.last_used_at.unwrap() < stale_before, "{g:?}");
                }
            }
            Provider::Google => {
                let grants = grants_of(SALES_CHAT);
                assert!(!grants.is_empty());
                assert!(
                    grants
                        .iter()
                        .all(|g| g.scopes.iter().any(|s| s == "https://mail.google.com/"))
                );
            }
            Provider::Slack => assert!(
                grants_of(SALES_CHAT)
                    .iter()
                    .any(|g| g.scopes.iter().any(|s| s == "channels:history"))
            ),
            Provider::Okta | Provider::Auth0 => assert!(
                app("Expense Tracker SPA")
                    .grant_types
                    .contains(&GrantType::Implicit),
                "{p:?}"
            ),
            Provider::Entra => assert!(!app("Field Service Mobile").credentials.is_empty()),
            _ => {}
        }
    }
    sim.shutdown().await;
}

/// First pages of every provider's listings, fetched with the static token.
async fn first_pages(sim: &RunningSimulator) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for p in Provider::SAAS {
        let base = sim.base_url(p, 1);
        let c = sim.credentials(p, 1);
        let paths = match p {
            Provider::Entra => vec![
                "/v1.0/servicePrincipals".to_string(),
                "/v1.0/oauth2PermissionGrants".to_string(),
            ],
            Provider::Okta => vec!["/api/v1/apps".to_string()],
            Provider::Google => vec!["/admin/directory/v1/users?customer=my_customer".to_string()],
            Provider::Github => vec![format!("/orgs/{}/installations", c.org.unwrap())],
            Provider::Salesforce => {
                vec!["/services/data/v62.0/query?q=SELECT+Id+FROM+OauthToken".to_string()]
            }
            Provider::Slack => vec!["/admin.apps.approved.list".to_string()],
            Provider::Auth0 => vec!["/api/v2/clients?include_totals=true".to_string()],
            _ => vec![format!("/admin/realms/{}/clients", c.realm.unwrap())],
        };
        for path in paths {
            let answer = get(&format!("{base}{path}"), &static_auth(sim, p, 1)).await;
            assert_eq!(answer.status, 200, "{p:?} {path}");
            bodies.push(answer.body);
        }
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_serves_the_same_bytes_and_another_seed_does_not() {
    let a = Simulator::start(generated(5)).unwrap();
    let b = Simulator::start(generated(5)).unwrap();
    let c = Simulator::start(generated(6)).unwrap();
    let (pa, pb, pc) = (
        first_pages(&a).await,
        first_pages(&b).await,
        first_pages(&c).await,
    );
    // Next links carry each server's own port; compare what does not.
    let strip = |pages: &[Vec<u8>], sim: &RunningSimulator| -> Vec<String> {
        pages
            .iter()
            .map(|p| String::from_utf8_lossy(p).replace(sim.root(), "ROOT"))
            .collect()
    };
    assert_eq!(strip(&pa, &a), strip(&pb, &b));
    for (x, y) in strip(&pa, &a).iter().zip(strip(&pc, &c)) {
        assert_ne!(*x, y);
    }
    for sim in [a, b, c] {
        sim.shutdown().await;
    }
}
