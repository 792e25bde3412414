//! API load test (issue #6): 100,000 apps and 1,000,000 findings in SQLite, then
//! `GET /api/v1/findings?limit=100&severity=high` from 32 keep-alive connections for a fixed
//! time, and a page deep in the list (cursor past 900,000) against the first page.
//!
//! Run: `cargo bench --bench api` (sizes and load: `API_APPS`, `API_FINDINGS`,
//! `API_CONNECTIONS`, `API_SECS`). Prints requests per second, latency percentiles, and the
//! median latency of the first and of a deep page.
//!
//! Findings carry real catalog rule ids, so each one is answered with its remediation and
//! references as in production. The load comes from an in-process client and, when `wrk`
//! is on the PATH (Debian package `wrk`), also from wrk in a process of its own. Both share
//! the machine's cores with the server, so either figure is a floor for the server alone;
//! wrk's is the closer one, as it spends far less CPU per request than the in-process
//! client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use oauth_audit::clock::{Clock, SystemClock};
use oauth_audit::config::Config;
use oauth_audit::store::Store;
use oauth_audit::store::api_keys::Role;
use oauth_audit::web::AppState;
use oauth_audit::web::api::Cursor;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fill the database with one tenant, `apps` apps and `findings` findings spread over them
/// (severities cycle info … critical), in one transaction of set-based inserts.
fn seed(url: &str, apps: u64, findings: u64) {
    let mut c = SqliteConnection::establish(url).unwrap();
    let per_app = findings.div_ceil(apps).max(1);
    let rule_ids: Vec<String> = oauth_audit::rules::catalog()
        .iter()
        .map(|r| format!("('{}')", r.id))
        .collect();
    let rule_count = rule_ids.len();
    let rule_values = rule_ids.join(", ");
    let sql = format!(
        "BEGIN;
         INSERT INTO tenants (name, provider, source, created_at, stale, last_evaluated_at)
           VALUES ('bench', 'entra', 'file', '2026-11-25 00:00:00', 0, '2026-11-25 00:00:00');
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {apps})
         INSERT INTO apps (tenant_id, external_id, provider, client_id, name, publisher_name,
             publisher_domain, ownership, client_type, app_kind, content_hash, version,
             first_seen, updated_at, risk_score)
           SELECT 1, 'ext-' || i, 'entra', 'client-' || i, 'Bench app ' || i, 'Vendor ' || (i % 500),
             'vendor' || (i % 500) || '.example', 'third_party', 'confidential', 'web', x'00', 1,
             '2026-11-25 00:00:00', '2026-11-25 00:00:00', i % 100 FROM n;
         CREATE TEMP TABLE rule_ids (n INTEGER PRIMARY KEY, id TEXT);
         INSERT INTO rule_ids (id) VALUES {rule_values};
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {findings} - 1)
         INSERT INTO findings (tenant_id, app_id, subject, rule_id, severity, severity_rank, title,
             evidence, status, first_seen, last_seen, updated_at)
           SELECT 1, 1 + i / {per_app}, 'app:' || (1 + i / {per_app}),
             (SELECT id FROM rule_ids WHERE n = 1 + (i % {rule_count})),
             CASE i % 5 WHEN 0 THEN 'info' WHEN 1 THEN 'low' WHEN 2 THEN 'medium'
                        WHEN 3 THEN 'high' ELSE 'critical' END,
             i % 5, 'Bench finding ' || i,
             '{{\"redirect_uri\":\"https://app' || i || '.vendor.example/oauth/callback\",\"n\":' || i || '}}', 'open',
             '2026-11-25 00:00:00', '2026-11-25 00:00:00', '2026-11-25 00:00:00' FROM n;
         COMMIT;"
    );
    c.batch_execute(&sql).unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn median_latency(client: &reqwest::Client, url: &str, key: &str, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let resp = client.get(url).bearer_auth(key).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body = resp.bytes().await.unwrap();
        assert!(body.len() > 1000);
        times.push(t.elapsed());
    }
    times.sort();
    percentile(&times, 0.5)
}

fn main() {
    let apps = env_or("API_APPS", 100_000);
    let findings = env_or("API_FINDINGS", 1_000_000);
    let connections = env_or("API_CONNECTIONS", 32) as usize;
    let secs = env_or("API_SECS", 10);

    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("bench.db").display().to_string();
    let store = Store::open(&url, 16).unwrap();
    let t = Instant::now();
    seed(&url, apps, findings);
    eprintln!(
        "seeded {apps} apps and {findings} findings in {:.1?}",
        t.elapsed()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (_, key) = store.create_api_key("bench", Role::Reader, clock.now()).unwrap();
        let mut config = Config::default();
        config.server.api_rate_limit = 0;
        let state = AppState {
            store: store.clone(),
            clock,
            demo: false,
            config: Arc::new(config),
            scan_gate: Default::default(),
            scheduler: Default::default(),
        };
        let (server, addr) = oauth_audit::web::start(state, "127.0.0.1:0".parse().unwrap()).unwrap();
        tokio::spawn(server);
        let base = format!("http://{addr}/api/v1/findings?limit=100&severity=high");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()
            .unwrap();

        let deep = format!("{base}&cursor={}", Cursor::After(findings as i64 * 9 / 10).encode());
        let first_page = median_latency(&client, &base, &key, 200).await;
        let deep_page = median_latency(&client, &deep, &key, 200).await;

        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (client, url, key) = (client.clone(), base.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let resp = client.get(&url).bearer_auth(&key).send().await.unwrap();
                    assert_eq!(resp.status().as_u16(), 200);
                    resp.bytes().await.unwrap();
                    times.push(t.elapsed());
                }
                times
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        println!(
            "GET /api/v1/findings?limit=100&severity=high, {connections} connections, {secs} s: \
             {} requests, {:.0} req/s, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            all.len(),
            all.len() as f64 / elapsed,
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            all.last().copied().unwrap_or_default()
        );
        println!(
            "median latency, one connection: first page {first_page:.2?}, page past {} {deep_page:.2?}",
            findings * 9 / 10
        );
        // wrk blocks: run it off the runtime's workers, which serve its requests.
        let (url, key) = (base.clone(), key.clone());
        tokio::task::spawn_blocking(move || run_wrk(&url, &key, connections, secs))
            .await
            .unwrap();
    });
}

/// The same load from wrk in a process of its own, when wrk is installed.
fn run_wrk(url: &str, key: &str, connections: usize, secs: u64) {
    let output = std::process::Command::new("wrk")
        // One wrk thread: the load generator takes a core's share from the server as it is.
        .args(["--latency", "-t", &env_or("API_WRK_THREADS", 1).to_string()])
        .args(["-c", &connections.to_string()])
        .args(["-d", &format!("{secs}s"), "-H"])
        .arg(format!("Authorization: Bearer {key}"))
        .arg(url)
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("wrk failed: {}", String::from_utf8_lossy(&o.stderr));
            return;
        }
        Err(_) => {
            eprintln!("wrk not installed (apt-get install wrk): only the in-process load ran");
            return;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    // Non-2xx answers would make the figure meaningless.
    let errors = field("Non-2xx or 3xx responses:");
    println!(
        "wrk, {connections} connections, {secs} s: {} req/s, p50 {}, p99 {}, non-2xx {}",
        field("Requests/sec:"),
        field("50%"),
        field("99%"),
        if errors == "?" {
            "0".to_owned()
        } else {
            errors
        }
    );
}
