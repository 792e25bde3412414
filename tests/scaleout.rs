//! Scale-out: three real `serve` processes on one PostgreSQL database share each run of 20
//! simulator tenants, collect every tenant exactly once per run, and finish a run whose
//! replica was killed with `kill -9` in the middle of a tenant. PostgreSQL only (SQLite runs
//! in one process): skipped with a message when `OAUTH_AUDIT_TEST_PG_URL` is unset.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use connectors::Provider;
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use oauth_audit::store::Store;
use oauth_audit::store::scans::ScanRow;
use support::{Backend, TestDb, backends};

const TENANTS: usize = 20;

/// A `serve` process and the replica key it registered.
struct Replica {
    child: Child,
    key: i32,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `serve` in `dir` with JSON logs; its replica key comes from the log.
fn start_replica(dir: &Path) -> Replica {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
    cmd.current_dir(dir)
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OAUTH_AUDIT_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                eprintln!("{line}");
                continue;
            };
            let fields = &v["fields"];
            if fields["message"] == "registered replica" {
                let _ = tx.send(fields["replica"].as_i64().unwrap() as i32);
            }
            if v["level"] == "WARN" || v["level"] == "ERROR" {
                eprintln!("{line}");
            }
        }
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "{line}");
    let key = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Replica { child, key }
}

fn simulator(rt: &tokio::runtime::Runtime) -> RunningSimulator {
    let _entered = rt.enter();
    Simulator::start(SimulatorConfig {
        seed: 5,
        preset: Preset::Generated(EstateSize {
            tenants: TENANTS,
            apps_per_tenant: 12,
            grants_per_app: 1,
            users_per_tenant: 5,
            redirect_mix: RedirectMix::default(),
        }),
        // Slow answers, like a SaaS API: a tenant takes about a second.
        faults: Faults {
            latency: Duration::from_millis(80),
            ..Faults::none()
        },
        ..SimulatorConfig::default()
    })
    .unwrap()
}

/// Twenty Entra tenants, two at a time per replica, short leases, a run every 10 s.
fn write_config(dir: &Path, db_url: &str, sim: &RunningSimulator) {
    let mut toml = format!(
        "[database]\nurl = {db_url:?}\npool_size = 6\n\
         [collector]\nconcurrency = 2\nlease_secs = 3\nheartbeat_secs = 1\npoll_secs = 1\n\
         [schedule]\ncron = \"*/10 * * * * *\"\n"
    );
    for t in 0..TENANTS {
        let c = sim.credentials(Provider::Entra, t);
        let token = dir.join(format!("t{t}.token"));
        std::fs::write(&token, &c.static_token).unwrap();
        toml.push_str(&format!(
            "\n[[tenants]]\nname = \"t{t:02}\"\nprovider = \"entra\"\nbase_url = {:?}\n\
             token_url = {:?}\ntenant_id = {:?}\nclient_id = {:?}\ntoken_file = {:?}\npage_size = 4\n",
            sim.base_url(Provider::Entra, t),
            sim.token_url(Provider::Entra, t).unwrap(),
            c.tenant_id.unwrap(),
            c.client_id,
            token.display().to_string(),
        ));
    }
    std::fs::write(dir.join("oauth-audit.toml"), toml).unwrap();
}

/// Wait until `done` holds, polling the store.
fn wait_for<T>(what: &str, within: Duration, mut done: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = done() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn finished(store: &Store) -> Vec<ScanRow> {
    let mut scans: Vec<ScanRow> = store
        .recent_scans(100)
        .unwrap()
        .into_iter()
        .filter(|s| s.finished_at.is_some())
        .collect();
    scans.sort_by_key(|s| s.id);
    scans
}

/// Every tenant has exactly one run in the scan, and it succeeded; returns the jobs' owners.
fn assert_each_tenant_collected_once(store: &Store, scan: &ScanRow) -> Vec<Option<i32>> {
    assert_eq!(scan.status, "succeeded", "{scan:?}");
    let runs = store.tenant_runs_by_name(scan.id).unwrap();
    let tenants: BTreeSet<&str> = runs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(runs.len(), TENANTS, "scan {}: one run per tenant", scan.id);
    assert_eq!(tenants.len(), TENANTS, "scan {}: every tenant", scan.id);
    assert!(
        runs.iter().all(|(_, r)| r.status == "succeeded"),
        "scan {}: {runs:?}",
        scan.id
    );
    let jobs = store.scan_jobs(scan.id).unwrap();
    assert_eq!(jobs.len(), TENANTS);
    for job in &jobs {
        assert_eq!(
            (job.status.as_str(), job.outcome.as_deref()),
            ("done", Some("succeeded")),
            "scan {}: {job:?}",
            scan.id
        );
    }
    jobs.iter().map(|j| j.owner).collect()
}

#[test]
fn three_replicas_share_each_run_and_finish_it_when_one_is_killed() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!(
            "skipped: set {} to run the scale-out test",
            support::PG_URL_VAR
        );
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = simulator(&rt);
    let db = TestDb::new(Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, &sim);
    let mut replicas: Vec<Replica> = (0..3).map(|_| start_replica(dir.path())).collect();
    let keys: BTreeSet<i32> = replicas.iter().map(|r| r.key).collect();
    assert_eq!(keys.len(), 3, "three distinct replicas");
    let store = db.store();

    // The catch-up run at start (nothing was ever scanned) and a scheduled run.
    let scans = wait_for("two finished runs", Duration::from_secs(90), || {
        let f = finished(&store);
        (f.len() >= 2).then_some(f)
    });
    let mut owners = BTreeSet::new();
    for scan in &scans {
        for owner in assert_each_tenant_collected_once(&store, scan) {
            owners.insert(owner.unwrap());
        }
        let jobs = store.scan_jobs(scan.id).unwrap();
        assert!(
            jobs.iter().all(|j| j.attempts == 1),
            "scan {}: no tenant ran twice: {jobs:?}",
            scan.id
        );
    }
    assert!(
        owners.len() >= 2 && owners.is_subset(&keys),
        "the replicas shared the work: {owners:?} of {keys:?}"
    );
    assert!(
        scans.iter().any(|s| s.trigger == "schedule"),
        "the schedule fired: {scans:?}"
    );
    // No two runs overlapped.
    for pair in scans.windows(2) {
        assert!(
            pair[1].started_at >= pair[0].finished_at.unwrap(),
            "{pair:?}"
        );
    }

    // The next run: kill -9 a replica while it holds a tenant.
    let last = scans.last().unwrap().id;
    let (scan_id, victim, held) = wait_for("a replica mid-tenant", Duration::from_secs(60), || {
        let scan = store.running_scan().unwrap().filter(|id| *id > last)?;
        let jobs = store.scan_jobs(scan).unwrap();
        let job = jobs.iter().find(|j| j.status == "running")?;
        let owner = job.owner?;
        let held: Vec<i64> = jobs
            .iter()
            .filter(|j| j.status == "running" && j.owner == Some(owner))
            .map(|j| j.id)
            .collect();
        Some((scan, owner, held))
    });
    let index = replicas.iter().position(|r| r.key == victim).unwrap();
    let mut killed = replicas.remove(index);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();

    let scan = wait_for(
        "the run to finish without the killed replica",
        Duration::from_secs(60),
        || {
            store
                .scan(scan_id)
                .unwrap()
                .filter(|s| s.finished_at.is_some())
        },
    );
    assert_each_tenant_collected_once(&store, &scan);
    let jobs = store.scan_jobs(scan_id).unwrap();
    let rerun: Vec<_> = jobs.iter().filter(|j| held.contains(&j.id)).collect();
    assert!(
        rerun
            .iter()
            .any(|j| j.attempts == 2 && j.owner != Some(victim)),
        "another replica ran the killed replica's tenant again: {rerun:?}"
    );
    drop(replicas);
    rt.block_on(sim.shutdown());
}
