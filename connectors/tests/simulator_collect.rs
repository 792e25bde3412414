//! Every live connector collects the simulator end to end: each provider in each auth mode the
//! simulator accepts yields exactly the generated estate, through the real HTTP layer, auth and
//! paging; and the simulator's faults fail or slow the real connectors as they should.

mod simulator_support;

use connectors::file::Inventory;
use connectors::http::HttpSettings;
use connectors::simulator::demo::{HTML_PAYLOAD_NAME, featured_names};
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig, UNROUTED,
};
use connectors::{ErrorKind, Provider};
use simulator_support::live::{
    PAGE, auth_modes, collect_all_providers, collect_live, expected, fast_http, grants_of_app,
    main_listing, settings, tenant_requests,
};
use std::collections::HashSet;
use std::time::Duration;
use url::Url;

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
    for i in 0..e.app_count() {
        let spec = e.app(p, t, i);
        let Some(app) = inv.apps.iter().find(|a| a.name == spec.name) else {
            continue;
        };
        let held = inv
            .grants
            .iter()
            .filter(|g| g.app_external_id == app.external_id)
            .count();
        let want = grants_of_app(p, e.grants_per_app(), spec.kind, spec.reach);
        ensure!(
            problems,
            held == want,
            "{at}: {held} grants of {}, want {want}",
            spec.name
        );
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

/// The generated estate with `faults` for every tenant.
fn faulty(faults: Faults) -> SimulatorConfig {
    SimulatorConfig {
        faults,
        ..small(11)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_and_every_collection_still_completes() {
    const WAIT: u64 = 1;
    let clean = Simulator::start(small(11)).unwrap();
    let limited = Simulator::start(faulty(Faults {
        rate_limited_share: 0.3,
        retry_after_seconds: WAIT,
        ..Faults::none()
    }))
    .unwrap();
    // One request at a time: the waits add up.
    let http = || HttpSettings {
        max_retries: 10,
        concurrency: 1,
        ..fast_http()
    };
    let baseline = collect_all_providers(&clean, 0, http).await;
    let runs = collect_all_providers(&limited, 0, http).await;
    for ((p, clean_result, clean_inv, _), (_, result, inv, took)) in baseline.into_iter().zip(runs)
    {
        clean_result.unwrap_or_else(|e| panic!("{p:?} without faults: {e}"));
        let summary = result.unwrap_or_else(|e| panic!("{p:?} rate limited: {e}"));
        assert!(summary.gaps.is_empty(), "{p:?}: {:?}", summary.gaps);
        assert_eq!(inv.apps.len(), clean_inv.apps.len(), "{p:?}: apps");
        assert_eq!(inv.grants.len(), clean_inv.grants.len(), "{p:?}: grants");
        // Every request beyond the clean run's was answered 429 and waited out.
        let limited_answers = tenant_requests(&limited, p, 0) - tenant_requests(&clean, p, 0);
        assert!(limited_answers > 0, "{p:?}: no request was rate limited");
        assert!(
            took >= Duration::from_secs(WAIT * limited_answers),
            "{p:?}: {limited_answers} answers of 429 waited out in {took:?}"
        );
    }
    clean.shutdown().await;
    limited.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_then_fail_only_their_tenant_naming_tenant_path_and_status() {
    let mut config = small(12);
    let broken = Faults {
        server_error_share: 1.0,
        ..Faults::none()
    };
    for p in Provider::SAAS {
        config.tenant_faults.push((p, 0, broken.clone()));
    }
    let sim = Simulator::start(config).unwrap();
    let retries = fast_http().max_retries;
    let failed = collect_all_providers(&sim, 0, fast_http).await;
    let fine = collect_all_providers(&sim, 1, fast_http).await;
    for ((p, result, _, _), (_, other, inv, _)) in failed.into_iter().zip(fine) {
        let e = match result {
            Ok(_) => panic!("{p:?}: tenant 0 collected despite its 503s"),
            Err(e) => e,
        };
        let shown = e.to_string();
        assert_eq!(e.kind, ErrorKind::Server, "{p:?}: {shown}");
        assert_eq!(e.status, Some(503), "{p:?}: {shown}");
        assert!(
            shown.contains(&format!("tenant {}-0", p.as_str())),
            "{p:?}: {shown}"
        );
        let base_path = Url::parse(&sim.base_url(p, 0)).unwrap().path().to_string();
        assert!(shown.contains(&base_path), "{p:?}: no path in {shown}");
        assert!(shown.contains("503"), "{p:?}: {shown}");
        // The failing request was sent once and retried `max_retries` times, then given up.
        let sent = tenant_requests(&sim, p, 0) - sim.requests(p, 0, "token");
        assert_eq!(sent, u64::from(retries) + 1, "{p:?}: API requests");
        let summary = other.unwrap_or_else(|e| panic!("{p:?} tenant 1: {e}"));
        assert!(
            summary.gaps.is_empty(),
            "{p:?} tenant 1: {:?}",
            summary.gaps
        );
        assert_eq!(inv.apps.len(), expected(&sim, p, 1).0, "{p:?} tenant 1");
    }
    sim.shutdown().await;
}

/// Collect tenant 0 of every provider from a simulator with `faults`, with `http`, and expect
/// each collection but those of `immune` to fail as malformed with a message containing one
/// of `words`; the immune ones never meet the fault and collect everything.
async fn each_fails_as_malformed(
    faults: Faults,
    http: fn() -> HttpSettings,
    words: &[&str],
    immune: &[Provider],
) {
    let sim = Simulator::start(faulty(faults)).unwrap();
    for (p, result, inv, _) in collect_all_providers(&sim, 0, http).await {
        if immune.contains(&p) {
            result.unwrap_or_else(|e| panic!("{p:?}: {e}"));
            assert_eq!(inv.apps.len(), expected(&sim, p, 0).0, "{p:?}");
            continue;
        }
        let e = match result {
            Ok(_) => panic!("{p:?}: collected despite the fault"),
            Err(e) => e,
        };
        let shown = e.to_string();
        assert_eq!(e.kind, ErrorKind::Malformed, "{p:?}: {shown}");
        assert!(
            shown.contains(&format!("tenant {}-0", p.as_str())),
            "{p:?}: {shown}"
        );
        assert!(
            words.iter().any(|w| shown.to_lowercase().contains(w)),
            "{p:?}: unclear: {shown}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_page_fails_the_collection_as_malformed() {
    let faults = Faults {
        truncated_page: Some(1),
        ..Faults::none()
    };
    each_fails_as_malformed(faults, fast_http, &["json", "eof", "truncated"], &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_cursor_fails_the_collection_as_malformed() {
    let faults = Faults {
        looping_page: Some(1),
        ..Faults::none()
    };
    // Auth0's listings page by number up to the reported total and Keycloak's by `first`
    // offsets: neither has a cursor to bend back.
    each_fails_as_malformed(
        faults,
        fast_http,
        &["loop", "repeat", "seen", "again"],
        &[Provider::Auth0, Provider::Keycloak],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_page_fails_the_collection_as_malformed() {
    let faults = Faults {
        oversized_page: Some(1),
        oversized_bytes: 256 * 1024,
        ..Faults::none()
    };
    let http = || HttpSettings {
        max_response_bytes: 64 * 1024,
        ..fast_http()
    };
    each_fails_as_malformed(faults, http, &["larger than the 65536 bytes cap"], &[]).await;
}
