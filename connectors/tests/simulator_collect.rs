//! Every live connector collects the simulator end to end: each provider in each auth mode the
//! simulator accepts yields exactly the generated estate, through the real HTTP layer, auth and
//! paging; and the simulator's faults fail or slow the real connectors as they should.

mod simulator_support;

use connectors::Provider;
use connectors::file::Inventory;
use connectors::simulator::demo::{HTML_PAYLOAD_NAME, featured_names};
use connectors::simulator::estate::{Kind, Reach};
use connectors::simulator::{
    EstateSize, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig, UNROUTED,
};
use simulator_support::live::{auth_modes, collect_live, settings};
use std::collections::HashSet;

/// Items per page the connectors ask for: every listing spans several pages.
const PAGE: u32 = 7;

fn small(seed: u64) -> SimulatorConfig {
    SimulatorConfig {
        seed,
        preset: Preset::Generated(EstateSize {
            tenants: 2,
            apps_per_tenant: 19,
            grants_per_app: 3,
            users_per_tenant: 8,
            redirect_mix: RedirectMix::default(),
        }),
        page_size: PAGE as usize,
        ..SimulatorConfig::default()
    }
}

/// The listing that holds the inventory itself, by the simulator's endpoint name; for
/// Salesforce its follow-up pages (`queryMore`).
fn main_listing(p: Provider) -> &'static str {
    match p {
        Provider::Entra => "servicePrincipals",
        Provider::Okta => "apps",
        Provider::Google => "users",
        Provider::Github => "installations",
        Provider::Salesforce => "queryMore",
        Provider::Slack => "admin.apps.approved.list",
        _ => "clients",
    }
}

/// The (apps, grants) the estate holds for a tenant, as the provider's API shows them.
fn expected(sim: &RunningSimulator, p: Provider, t: usize) -> (usize, usize) {
    let e = sim.estate();
    let (n, g, users) = (e.app_count(), e.grants_per_app(), e.user_count());
    let apps: Vec<_> = (0..n).map(|i| e.app(p, t, i)).collect();
    let m2m = apps.iter().filter(|a| a.kind == Kind::Service).count();
    let broad = apps.iter().filter(|a| a.reach == Reach::Broad).count();
    match p {
        // The resource every app-only grant is for (Microsoft Graph) is listed too.
        Provider::Entra => (n + 1, n * g + m2m),
        Provider::Okta => (n, g * (n - broad) + 3 * g * broad),
        // Each member's SSO-authorized token is an app and a grant of its own.
        Provider::Github => (n + users, n + users),
        Provider::Slack => (n, n + broad),
        Provider::Auth0 => (n, n * g + m2m),
        _ => (n, n * g),
    }
}

/// Record a problem instead of stopping at the first, so one run shows every mismatch.
macro_rules! ensure {
    ($problems:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            $problems.push(format!($($arg)+));
        }
    };
}

/// Collect every tenant of `sim` with every provider in every auth mode and check each
/// inventory against the estate.
async fn collect_everything(sim: &RunningSimulator, demo: bool) {
    let mut problems = Vec::new();
    for p in Provider::SAAS {
        for t in 0..sim.tenants() {
            for mode in auth_modes(p) {
                let at = format!("{p:?} tenant {t} {mode:?}");
                let pages_before = sim.requests(p, t, main_listing(p));
                let (result, inv) = collect_live(settings(sim, p, t, mode, PAGE)).await;
                let pages = sim.requests(p, t, main_listing(p)) - pages_before;
                let unserved = sim.requests(p, t, UNROUTED) + sim.requests(p, t, "unknown_method");
                ensure!(
                    problems,
                    unserved == 0,
                    "{at}: {unserved} requests for endpoints the simulator does not serve"
                );
                match result {
                    Ok(summary) => {
                        ensure!(
                            problems,
                            summary.gaps.is_empty(),
                            "{at}: gaps {:?}",
                            summary.gaps
                        );
                        // Every listing spans several pages (Salesforce's follow-ups
                        // are counted on their own).
                        let paged = if p == Provider::Salesforce { 1 } else { 2 };
                        ensure!(
                            problems,
                            pages >= paged,
                            "{at}: {pages} requests to {}",
                            main_listing(p)
                        );
                    }
                    Err(e) => {
                        problems.push(format!("{at}: {e}"));
                        continue;
                    }
                }
                check(sim, p, t, &inv, &at, &mut problems);
                if demo {
                    check_demo(p, &inv, &at, &mut problems);
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check(
    sim: &RunningSimulator,
    p: Provider,
    t: usize,
    inv: &Inventory,
    at: &str,
    problems: &mut Vec<String>,
) {
    let (apps, grants) = expected(sim, p, t);
    let ids: HashSet<&str> = inv.apps.iter().map(|a| a.external_id.as_str()).collect();
    ensure!(
        problems,
        ids.len() == inv.apps.len(),
        "{at}: an app was sent twice"
    );
    ensure!(
        problems,
        inv.apps.len() == apps,
        "{at}: {} apps, want {apps}",
        inv.apps.len()
    );
    ensure!(
        problems,
        inv.grants.len() == grants,
        "{at}: {} grants, want {grants}",
        inv.grants.len()
    );
    for g in &inv.grants {
        ensure!(
            problems,
            ids.contains(g.app_external_id.as_str()),
            "{at}: grant of unknown app {}",
            g.app_external_id
        );
    }
    // Every generated app is there by name.
    {
        let names: HashSet<&str> = inv.apps.iter().map(|a| a.name.as_str()).collect();
        for i in 0..sim.estate().app_count() {
            let want = sim.estate().app(p, t, i).name;
            ensure!(
                problems,
                names.contains(want.as_str()),
                "{at}: {want} missing"
            );
        }
    }
    // Each app holds the grants the estate gives it: grants are linked to the right app.
    let e = sim.estate();
    if matches!(
        p,
        Provider::Google | Provider::Salesforce | Provider::Keycloak
    ) {
        for i in 0..e.app_count() {
            let name = e.app(p, t, i).name;
            let Some(app) = inv.apps.iter().find(|a| a.name == name) else {
                continue;
            };
            let held = inv
                .grants
                .iter()
                .filter(|g| g.app_external_id == app.external_id)
                .count();
            ensure!(
                problems,
                held == e.grants_per_app(),
                "{at}: {held} grants of {name}"
            );
        }
    }
}

fn check_demo(p: Provider, inv: &Inventory, at: &str, problems: &mut Vec<String>) {
    let names: Vec<&str> = inv.apps.iter().map(|a| a.name.as_str()).collect();
    for featured in featured_names(p) {
        ensure!(
            problems,
            names.contains(&featured),
            "{at}: {featured} missing"
        );
    }
    // The payload is data: it arrives verbatim, neither escaped nor stripped.
    ensure!(
        problems,
        names.contains(&HTML_PAYLOAD_NAME),
        "{at}: the HTML payload name is missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connector_collects_the_demo_estate_in_every_auth_mode() {
    let sim = Simulator::start(SimulatorConfig {
        page_size: PAGE as usize,
        ..SimulatorConfig::demo(7)
    })
    .unwrap();
    collect_everything(&sim, true).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connector_collects_a_generated_estate_in_every_auth_mode() {
    let sim = Simulator::start(small(42)).unwrap();
    collect_everything(&sim, false).await;
    sim.shutdown().await;
}
