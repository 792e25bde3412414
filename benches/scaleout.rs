//! Scale-out benchmark (issue #5): one run of 200 simulator tenants collected by one `serve`
//! replica, then by three, each time on a fresh PostgreSQL database with the same config. The
//! run is the catch-up scan the replicas start on an empty database; its wall time is the scan
//! record's `started_at` to `finished_at` (the replicas that join later count against it).
//!
//! The simulator adds latency to every request, so collection waits on the network like real
//! SaaS APIs, and each replica collects `collector.concurrency` tenants at once: three replicas
//! have three times the tenants in flight. The replica that finishes the last job judges all
//! tenants alone, in both runs.
//!
//! `OAUTH_AUDIT_TEST_PG_URL=postgres://… cargo bench --bench scaleout` (env: `SCALEOUT_TENANTS`,
//! `SCALEOUT_APPS`, `SCALEOUT_LATENCY_MS`, `SCALEOUT_CONCURRENCY`). Skipped without a database.
//! Target: three replicas take at most 40% of one replica's time.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use connectors::Provider;
use connectors::simulator::{
    EstateSize, Faults, Preset, RedirectMix, RunningSimulator, Simulator, SimulatorConfig,
};
use diesel::{Connection, RunQueryDsl};
use oauth_audit::store::Store;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

struct Settings {
    tenants: usize,
    concurrency: usize,
}

/// A fresh database on the server `admin` names; dropped by [`drop_database`].
fn create_database(admin: &str, name: &str) -> String {
    let mut conn = diesel::pg::PgConnection::establish(admin).expect("connect");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("a database URL");
    format!("{base}/{name}")
}

fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = diesel::pg::PgConnection::establish(admin) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn);
    }
}

fn write_config(dir: &Path, db_url: &str, sim: &RunningSimulator, s: &Settings) {
    // A daily schedule: the only run is the catch-up scan at start.
    let mut toml = format!(
        "[database]\nurl = {db_url:?}\n\
         [collector]\nconcurrency = {}\npoll_secs = 1\n\
         [schedule]\ncron = \"0 0 2 * * *\"\n[retention]\ndays = 0\n",
        s.concurrency
    );
    for t in 0..s.tenants {
        let c = sim.credentials(Provider::Entra, t);
        let token = dir.join(format!("t{t}.token"));
        std::fs::write(&token, &c.static_token).expect("token file");
        toml.push_str(&format!(
            "\n[[tenants]]\nname = \"t{t:03}\"\nprovider = \"entra\"\nbase_url = {:?}\n\
             token_url = {:?}\ntenant_id = {:?}\nclient_id = {:?}\ntoken_file = {:?}\npage_size = 10\n",
            sim.base_url(Provider::Entra, t),
            sim.token_url(Provider::Entra, t).unwrap_or_default(),
            c.tenant_id.unwrap_or_default(),
            c.client_id,
            token.display().to_string(),
        ));
    }
    std::fs::write(dir.join("oauth-audit.toml"), toml).expect("config");
}

fn serve(dir: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
    cmd.current_dir(dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("OAUTH_AUDIT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("serve");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    assert!(line.contains("listening"), "serve did not start: {line}");
    child
}

/// One run with `replicas` serve processes; the scan's wall time and tenants per replica.
fn run(
    admin: &str,
    sim: &RunningSimulator,
    s: &Settings,
    replicas: usize,
) -> (Duration, Vec<usize>) {
    let name = format!("oa_bench_{}_{replicas}", std::process::id());
    let url = create_database(admin, &name);
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &url, sim, s);
    // Migrate first, so every replica starts at once.
    let store = Store::open(&url, 2).expect("store");
    let mut children: Vec<Child> = (0..replicas).map(|_| serve(dir.path())).collect();
    let deadline = Instant::now() + Duration::from_secs(1800);
    let scan = loop {
        let done = store
            .recent_scans(1)
            .expect("scans")
            .into_iter()
            .find(|s| s.finished_at.is_some());
        if let Some(scan) = done {
            break scan;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut per_owner: BTreeMap<i32, usize> = BTreeMap::new();
    for job in store.scan_jobs(scan.id).expect("jobs") {
        *per_owner.entry(job.owner.unwrap_or(0)).or_default() += 1;
    }
    for child in &mut children {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    for mut child in children {
        let _ = child.wait();
    }
    assert_eq!(scan.status, "succeeded", "{scan:?}");
    let runs = store.tenant_runs(scan.id).expect("runs");
    assert_eq!(runs.len(), s.tenants, "every tenant ran once");
    drop(store);
    drop_database(admin, &name);
    let wall = (scan.finished_at.expect("finished") - scan.started_at)
        .to_std()
        .unwrap_or_default();
    (wall, per_owner.into_values().collect())
}

fn main() {
    let Some(admin) = std::env::var("OAUTH_AUDIT_TEST_PG_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "skipped: set OAUTH_AUDIT_TEST_PG_URL to a PostgreSQL server to run the scale-out benchmark"
        );
        return;
    };
    let settings = Settings {
        tenants: env("SCALEOUT_TENANTS", 200),
        concurrency: env("SCALEOUT_CONCURRENCY", 4),
    };
    let apps = env("SCALEOUT_APPS", 30);
    let latency = Duration::from_millis(env("SCALEOUT_LATENCY_MS", 100) as u64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = {
        let _entered = rt.enter();
        Simulator::start(SimulatorConfig {
            seed: 11,
            preset: Preset::Generated(EstateSize {
                tenants: settings.tenants,
                apps_per_tenant: apps,
                grants_per_app: 2,
                users_per_tenant: 20,
                redirect_mix: RedirectMix::default(),
            }),
            faults: Faults {
                latency,
                ..Faults::none()
            },
            ..SimulatorConfig::default()
        })
        .expect("simulator")
    };
    println!(
        "scale-out: {} Entra tenants x {apps} apps, {} ms per request, {} tenants at once per replica; load average before {}",
        settings.tenants,
        latency.as_millis(),
        settings.concurrency,
        load_average()
    );
    let (one, one_split) = run(&admin, &sim, &settings, 1);
    println!(
        "one replica:    {:>7.1} s  (tenants per replica {one_split:?}); load average {}",
        one.as_secs_f64(),
        load_average()
    );
    let (three, three_split) = run(&admin, &sim, &settings, 3);
    println!(
        "three replicas: {:>7.1} s  (tenants per replica {three_split:?}); load average {}",
        three.as_secs_f64(),
        load_average()
    );
    let ratio = three.as_secs_f64() / one.as_secs_f64();
    println!(
        "three / one = {:.0}% (target at most 40%): {}; {} requests served",
        ratio * 100.0,
        if ratio <= 0.40 { "met" } else { "NOT met" },
        sim.total_requests()
    );
    rt.block_on(sim.shutdown());
}
