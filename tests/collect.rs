//! `oauth-audit scan` against API tenants served by the SaaS simulator: the real binary, its
//! connectors and HTTP layer, and faults. A tenant whose collection breaks (a truncated page, a
//! looping cursor, a server that keeps failing) is marked failed and keeps the inventory an
//! earlier scan stored, while the other tenants are stored; rate limits are waited out.

mod support;

use std::path::Path;

use connectors::Provider;
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use support::{TestDb, backends, oauth_audit, stderr, stdout};

const SEED: u64 = 42;

/// A simulator with two small Entra tenants, `faults` applying to tenant 1 only.
fn simulator(rt: &tokio::runtime::Runtime, faults: Faults) -> RunningSimulator {
    let _entered = rt.enter();
    Simulator::start(SimulatorConfig {
        seed: SEED,
        preset: Preset::Generated(EstateSize {
            tenants: 2,
            apps_per_tenant: 30,
            grants_per_app: 2,
            users_per_tenant: 20,
            redirect_mix: RedirectMix::default(),
        }),
        tenant_faults: vec![(Provider::Entra, 1, faults)],
        page_size: 10,
        ..SimulatorConfig::default()
    })
    .unwrap()
}

/// A config with the two simulated tenants, `healthy` (0) and `flaky` (1).
fn write_config(dir: &Path, db_url: &str, sim: &RunningSimulator) {
    let mut toml = format!(
        "[database]\nurl = {db_url:?}\n[collector]\nrequest_timeout_secs = 10\nrequests_per_second = 0\n"
    );
    for (t, name) in [(0, "healthy"), (1, "flaky")] {
        let c = sim.credentials(Provider::Entra, t);
        let secret = dir.join(format!("{name}.secret"));
        std::fs::write(&secret, c.client_secret.unwrap()).unwrap();
        toml.push_str(&format!(
            "\n[[tenants]]\nname = {name:?}\nprovider = \"entra\"\nbase_url = {:?}\ntoken_url = {:?}\n\
             tenant_id = {:?}\nclient_id = {:?}\nclient_secret_file = {:?}\npage_size = 10\n",
            sim.base_url(Provider::Entra, t),
            sim.token_url(Provider::Entra, t).unwrap(),
            c.tenant_id.unwrap(),
            c.client_id,
            secret.display().to_string(),
        ));
    }
    std::fs::write(dir.join("oauth-audit.toml"), toml).unwrap();
}

fn counts(db: &TestDb, tenant: &str) -> oauth_audit::store::events::InventoryCounts {
    let store = db.store();
    let row = store.tenant_by_name(tenant).unwrap().unwrap();
    store.inventory_counts(row.id).unwrap()
}

#[test]
fn a_broken_tenant_fails_alone_and_keeps_its_inventory() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let breakages: [(&str, Faults, &str); 3] = [
        (
            "truncated page",
            Faults {
                truncated_page: Some(1),
                ..Faults::none()
            },
            "truncated",
        ),
        (
            "looping cursor",
            Faults {
                looping_page: Some(1),
                ..Faults::none()
            },
            "loops",
        ),
        (
            "server errors",
            Faults {
                server_error_share: 1.0,
                ..Faults::none()
            },
            "HTTP 503",
        ),
    ];
    for backend in backends() {
        for (what, faults, expected) in breakages.clone() {
            let db = TestDb::new(backend);
            let dir = tempfile::tempdir().unwrap();
            // A first, clean scan stores both tenants.
            let sim = simulator(&rt, Faults::none());
            write_config(dir.path(), &db.url, &sim);
            let out = oauth_audit(dir.path(), &["scan"]);
            assert_eq!(out.status.code(), Some(0), "[{backend:?}] {}", stderr(&out));
            let before = counts(&db, "flaky");
            assert!(
                before.apps >= 30 && before.grants >= 60,
                "[{backend:?}] {before:?}"
            );
            rt.block_on(sim.shutdown());

            // The same estate, now broken for `flaky` only.
            let sim = simulator(&rt, faults);
            write_config(dir.path(), &db.url, &sim);
            let out = oauth_audit(dir.path(), &["scan"]);
            let report = stdout(&out);
            assert_eq!(out.status.code(), Some(1), "[{backend:?}] {what}: {report}");
            let line = |name: &str| {
                report
                    .lines()
                    .find(|l| l.starts_with(name))
                    .unwrap_or_else(|| panic!("no {name} in {report}"))
                    .to_string()
            };
            assert!(
                line("healthy").contains("succeeded"),
                "[{backend:?}] {what}: {report}"
            );
            let flaky = line("flaky");
            assert!(
                flaky.contains("failed") && flaky.contains(expected),
                "[{backend:?}] {what}: {flaky}"
            );
            assert!(
                flaky.contains("tenant flaky"),
                "[{backend:?}] the error names the tenant: {flaky}"
            );
            let after = counts(&db, "flaky");
            assert_eq!(
                after, before,
                "[{backend:?}] {what}: the stored inventory is untouched"
            );
            let row = db.store().tenant_by_name("flaky").unwrap().unwrap();
            assert!(row.stale, "[{backend:?}] {what}: marked stale");
            rt.block_on(sim.shutdown());
        }
    }
}

#[test]
fn rate_limits_are_waited_out_and_the_scan_succeeds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = TestDb::new(support::Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(
        &rt,
        Faults {
            rate_limited_share: 0.3,
            retry_after_seconds: 1,
            ..Faults::none()
        },
    );
    write_config(dir.path(), &db.url, &sim);
    let started = std::time::Instant::now();
    let out = oauth_audit(dir.path(), &["scan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "at least one Retry-After was honoured"
    );
    assert_eq!(counts(&db, "flaky").apps, counts(&db, "healthy").apps);
    rt.block_on(sim.shutdown());
}
