//! Crash safety: `kill -9` in the middle of a scan, and SIGTERM with a scan still running.
//! Each tenant is replaced in one transaction, so after a crash every tenant holds either the
//! inventory of the scan before or that of the interrupted one, never a mix; the interrupted
//! scan is marked as such, and the next scan succeeds.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use connectors::Provider;
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use support::{TestDb, backends, oauth_audit, stderr};

const TENANTS: usize = 3;

/// Three small Entra tenants; a different `seed` is a different estate (other app names).
fn simulator(rt: &tokio::runtime::Runtime, seed: u64, latency: Duration) -> RunningSimulator {
    let _entered = rt.enter();
    Simulator::start(SimulatorConfig {
        seed,
        preset: Preset::Generated(EstateSize {
            tenants: TENANTS,
            apps_per_tenant: 20,
            grants_per_app: 2,
            users_per_tenant: 10,
            redirect_mix: RedirectMix::default(),
        }),
        faults: Faults {
            latency,
            ..Faults::none()
        },
        ..SimulatorConfig::default()
    })
    .unwrap()
}

/// Tenants collected one at a time, five items per page; `extra` is appended.
fn write_config(dir: &Path, db_url: &str, sim: &RunningSimulator, extra: &str) {
    let mut toml = format!("[database]\nurl = {db_url:?}\n[collector]\nconcurrency = 1\n{extra}\n");
    for t in 0..TENANTS {
        let c = sim.credentials(Provider::Entra, t);
        toml.push_str(&format!(
            "\n[[tenants]]\nname = \"t{t}\"\nprovider = \"entra\"\nbase_url = {:?}\ntoken_url = {:?}\n\
             tenant_id = {:?}\nclient_id = {:?}\ntoken_file = {:?}\npage_size = 5\n",
            sim.base_url(Provider::Entra, t),
            sim.token_url(Provider::Entra, t).unwrap(),
            c.tenant_id.unwrap(),
            c.client_id,
            {
                let f = dir.join(format!("t{t}.token"));
                std::fs::write(&f, &c.static_token).unwrap();
                f.display().to_string()
            },
        ));
    }
    std::fs::write(dir.join("oauth-audit.toml"), toml).unwrap();
}

/// Each tenant's stored app names.
fn names(db: &TestDb) -> Vec<BTreeSet<String>> {
    let store = db.store();
    (0..TENANTS)
        .map(|t| {
            let row = store.tenant_by_name(&format!("t{t}")).unwrap().unwrap();
            let ids = store.tenant_app_ids(row.id).unwrap();
            store
                .apps_by_ids(&ids)
                .unwrap()
                .into_iter()
                .map(|a| a.app.name)
                .collect()
        })
        .collect()
}

fn last_scan_status(db: &TestDb) -> String {
    db.store().recent_scans(1).unwrap().remove(0).status
}

/// Start `serve` in `dir`; returns the child once it listens.
fn serve(dir: &Path) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
    cmd.current_dir(dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OAUTH_AUDIT_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "{line}");
    child
}

fn wait_exit(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the process did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_mid_scan_leaves_no_tenant_half_replaced_and_the_next_scan_succeeds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let old_sim = simulator(&rt, 1, Duration::ZERO);
        write_config(dir.path(), &db.url, &old_sim, "");
        let out = oauth_audit(dir.path(), &["scan"]);
        assert_eq!(out.status.code(), Some(0), "[{backend:?}] {}", stderr(&out));
        let old = names(&db);
        rt.block_on(old_sim.shutdown());

        // A new estate behind slow answers: a scan takes seconds; kill it in the middle.
        let sim = simulator(&rt, 2, Duration::from_millis(120));
        write_config(dir.path(), &db.url, &sim, "");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
        cmd.current_dir(dir.path())
            .arg("scan")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OAUTH_AUDIT_")) {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().unwrap();
        // Wait until one tenant of the new estate is stored, then kill.
        let deadline = Instant::now() + Duration::from_secs(60);
        while names(&db) == old {
            assert!(
                Instant::now() < deadline,
                "[{backend:?}] the first tenant was never stored"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let after_kill = names(&db);
        assert_eq!(
            last_scan_status(&db),
            "running",
            "[{backend:?}] nobody marked it yet"
        );

        // The next start marks the scan interrupted; then a scan succeeds.
        let mut server = serve(dir.path());
        assert_eq!(last_scan_status(&db), "interrupted", "[{backend:?}]");
        let _ = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status();
        wait_exit(&mut server, Duration::from_secs(30));
        let out = oauth_audit(dir.path(), &["scan"]);
        assert_eq!(out.status.code(), Some(0), "[{backend:?}] {}", stderr(&out));
        let new = names(&db);
        for t in 0..TENANTS {
            assert_ne!(old[t], new[t], "[{backend:?}] t{t}: the estates differ");
            assert!(
                after_kill[t] == old[t] || after_kill[t] == new[t],
                "[{backend:?}] t{t} was left half-replaced: {:?}",
                after_kill[t]
            );
        }
        let stored = (0..TENANTS).filter(|&t| after_kill[t] == new[t]).count();
        assert!(
            (1..TENANTS).contains(&stored),
            "[{backend:?}] the kill came mid-scan: {stored} of {TENANTS} tenants stored"
        );
        rt.block_on(sim.shutdown());
    }
}

#[test]
fn sigterm_lets_a_scan_finish_within_the_grace_period_else_marks_it_interrupted() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (grace, expected) in [(1, "interrupted"), (60, "succeeded")] {
        let db = TestDb::new(support::Backend::Sqlite);
        let dir = tempfile::tempdir().unwrap();
        let sim = simulator(&rt, 3, Duration::from_millis(60));
        let extra = format!("shutdown_grace_secs = {grace}\n[schedule]\nrun_on_start = true\n");
        write_config(dir.path(), &db.url, &sim, &extra);
        let mut server = serve(dir.path());
        // SIGTERM once the start-up scan is under way.
        let deadline = Instant::now() + Duration::from_secs(30);
        while db.store().recent_scans(1).unwrap().is_empty() {
            assert!(Instant::now() < deadline, "no start-up scan");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status();
        assert!(wait_exit(&mut server, Duration::from_secs(120)).success());
        assert_eq!(last_scan_status(&db), expected, "grace {grace} s");
        rt.block_on(sim.shutdown());
    }
}
