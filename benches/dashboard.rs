//! Dashboard speed (issue #7): 100,000 apps and 1,000,000 grants in SQLite (one app holding
//! 10,000 of them), 300,000 findings and 30 scans of risk history, then each page fetched
//! repeatedly over one keep-alive connection: median and p95 per page against the budgets
//! (`/` and `/apps` under 100 ms, `/apps/{id}` with 10,000 grants under 150 ms).
//!
//! Run: `cargo bench --bench dashboard` (sizes: `DASH_APPS`, `DASH_GRANTS`, `DASH_RUNS`).
//! The client shares the machine with the server, so the figures include its time too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use oauth_audit::clock::{Clock, SystemClock};
use oauth_audit::config::Config;
use oauth_audit::store::Store;
use oauth_audit::web::AppState;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tenants the apps are spread over.
const TENANTS: u64 = 10;
/// Grants of app 1 (the app detail page's worst case).
const BIG_APP_GRANTS: u64 = 10_000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A stored app document (the normalized app as the collector writes it), for app 1.
fn document(version: u32) -> String {
    serde_json::json!({
        "provider": "entra", "external_id": "ext-1", "client_id": "client-1",
        "name": "Bench app 1", "description": null,
        "publisher": {"name": "Vendor 1", "domain": "vendor1.example", "verified": false},
        "ownership": "third_party", "client_type": "confidential", "app_kind": "web",
        "enabled": true, "created_at": null,
        "redirect_uris": (0..20).map(|i| serde_json::json!({
            "uri": format!("https://app{i}.vendor1.example/callback/{version}"),
            "kind": "web", "kind_inferred": false})).collect::<Vec<_>>(),
        "grant_types": ["authorization_code", "refresh_token"],
        "pkce": {"status": "unknown", "methods": []},
        "credentials": [],
        "token_policy": {
            "access_token_lifetime": {"value": {"seconds": 3600}, "source": "provider_default"},
            "refresh_tokens_issued": {"value": true, "source": "provider_default"},
            "refresh_token_lifetime": {"value": "unlimited", "source": "tenant_default"},
            "refresh_token_idle_lifetime": null, "refresh_token_rotation": null,
            "refresh_token_reuse_detection": null, "session_lifetime": null},
        "requested_scopes": ["User.Read", "Mail.Read"], "owners": [], "notes": [],
        "raw": {"id": "ext-1", "v": version}
    })
    .to_string()
}

/// Fill the database in one transaction of set-based inserts.
fn seed(url: &str, apps: u64, grants: u64, runs: u64) {
    let mut c = SqliteConnection::establish(url).unwrap();
    let providers = ["entra", "okta", "google", "github", "salesforce"];
    let mut sql = String::from("BEGIN;\n");
    for t in 1..=TENANTS {
        let p = providers[(t as usize - 1) % providers.len()];
        sql.push_str(&format!(
            "INSERT INTO tenants (name, provider, source, created_at, last_scan_at, last_success_at, stale, last_evaluated_at)
               VALUES ('tenant-{t}', '{p}', 'api', '2026-11-01 00:00:00', '2026-11-25 00:00:00', '2026-11-25 00:00:00', 0, '2026-11-25 00:00:00');\n"
        ));
    }
    let rules: Vec<&str> = oauth_audit::rules::catalog()
        .iter()
        .filter(|r| !r.is_tenant_rule())
        .map(|r| r.id)
        .take(10)
        .collect();
    let rule_case = |expr: &str| {
        let mut s = format!("CASE ({expr}) % {}", rules.len());
        for (i, r) in rules.iter().enumerate() {
            s.push_str(&format!(" WHEN {i} THEN '{r}'"));
        }
        s.push_str(" END");
        s
    };
    let other_grants = grants.saturating_sub(BIG_APP_GRANTS);
    sql.push_str(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {apps})
         INSERT INTO apps (tenant_id, external_id, provider, client_id, name, publisher_name,
             publisher_domain, ownership, client_type, app_kind, content_hash, version,
             first_seen, last_used_at, updated_at, risk_score, risk_band, risk_model)
           SELECT 1 + i % {TENANTS}, 'ext-' || i, 'entra', 'client-' || i, 'Bench app ' || i,
             'Vendor ' || (i % 500), 'vendor' || (i % 500) || '.example',
             CASE i % 3 WHEN 0 THEN 'first_party' WHEN 1 THEN 'third_party' ELSE 'unknown' END,
             'confidential', 'web', x'00', CASE i WHEN 1 THEN 2 ELSE 1 END,
             datetime('2026-01-01', '+' || (i % 300) || ' days'),
             CASE i % 4 WHEN 0 THEN NULL ELSE datetime('2026-11-25', '-' || (i % 1000) || ' minutes') END,
             '2026-11-25 00:00:00',
             i % 101,
             CASE WHEN i % 101 < 25 THEN 'low' WHEN i % 101 < 50 THEN 'medium'
                  WHEN i % 101 < 75 THEN 'high' ELSE 'critical' END, 'oa-risk-v1' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {BIG_APP_GRANTS} - 1)
         INSERT INTO grants (tenant_id, app_id, key_digest, principal_type, principal_id,
             principal_email, principal_name, scopes, consent_type, kind, content_hash,
             last_used_at, first_seen)
           SELECT 2, 1, randomblob(16), 'user', 'u-' || i, 'user' || i || '@tenant.example',
             'User ' || i, 'openid profile email User.Read Mail.Read Files.Read.All',
             'user', 'delegated', x'00', '2026-11-20 00:00:00', '2026-06-01 00:00:00' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {other_grants} - 1)
         INSERT INTO grants (tenant_id, app_id, key_digest, principal_type, principal_id,
             principal_email, scopes, consent_type, kind, content_hash, first_seen, removed_at)
           SELECT 1 + (2 + i % ({apps} - 1)) % {TENANTS}, 2 + i % ({apps} - 1), randomblob(16),
             CASE i % 50 WHEN 0 THEN 'tenant' ELSE 'user' END, 'u-' || (i % 20000),
             'user' || (i % 20000) || '@tenant.example', 'openid User.Read', 'user',
             'delegated', x'00', '2026-06-01 00:00:00',
             CASE i % 20 WHEN 0 THEN '2026-11-01 00:00:00' END FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {apps} * 3 - 1)
         INSERT INTO findings (tenant_id, app_id, subject, rule_id, severity, severity_rank, title,
             evidence, status, first_seen, last_seen, updated_at)
           SELECT 1 + (1 + i / 3) % {TENANTS}, 1 + i / 3, 'app:' || (1 + i / 3),
             {rule},
             CASE i % 5 WHEN 0 THEN 'info' WHEN 1 THEN 'low' WHEN 2 THEN 'medium'
                        WHEN 3 THEN 'high' ELSE 'critical' END,
             i % 5, 'Bench finding ' || i,
             '{{\"uris\":[\"https://app' || (i % 20) || '.vendor1.example/callback/2\"]}}',
             CASE i % 7 WHEN 0 THEN 'resolved' ELSE 'open' END,
             '2026-11-01 00:00:00', '2026-11-25 00:00:00', '2026-11-25 00:00:00' FROM n;
         WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {runs})
         INSERT INTO scans (trigger, status, started_at, finished_at, tenants_total, tenants_failed)
           SELECT 'schedule', 'succeeded', datetime('2026-10-26', '+' || i || ' days'),
             datetime('2026-10-26', '+' || i || ' days', '+10 minutes'), {TENANTS}, 0 FROM s;
         INSERT INTO scan_tenants (scan_id, tenant_id, status, started_at, finished_at, apps_seen,
             grants_seen, requests, rows_written, events, duration_ms)
           SELECT s.id, t.id, 'succeeded', s.started_at, s.finished_at, {apps} / {TENANTS},
             {grants} / {TENANTS}, 500, 0, 0, 60000 FROM scans s, tenants t;
         INSERT INTO risk_snapshots (scan_id, tenant_id, model, apps, band_low, band_medium,
             band_high, band_critical, mean_score, open_findings, created_at)
           SELECT s.id, t.id, 'oa-risk-v1', {apps} / {TENANTS}, 2500, 2500, 2500 - s.id * 10,
             2500 + s.id * 10, 45.0 + s.id * 0.2, 25000, s.finished_at FROM scans s, tenants t;
         COMMIT;",
        rule = rule_case("1 + i / 3 * 7 + i % 3"),
    ));
    c.batch_execute(&sql).unwrap();
    for v in 1..=2 {
        diesel::sql_query(format!(
            "INSERT INTO app_versions (app_id, version, content_hash, document, scan_id, created_at)
             VALUES (1, {v}, x'00', ?, {v}, '2026-11-2{v} 00:00:00')"
        ))
        .bind::<diesel::sql_types::Text, _>(document(v))
        .execute(&mut c)
        .unwrap();
    }
    c.batch_execute("ANALYZE;").unwrap();
}

use diesel::RunQueryDsl;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    n: usize,
) -> (Duration, Duration, usize) {
    let url = format!("{base}{path}");
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    // One warm-up request (connection, SQLite page cache).
    client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    for _ in 0..n {
        let t = Instant::now();
        let resp = client.get(&url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let body = resp.bytes().await.unwrap();
        times.push(t.elapsed());
        size = body.len();
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95), size)
}

fn main() {
    let apps = env_or("DASH_APPS", 100_000);
    let grants = env_or("DASH_GRANTS", 1_000_000);
    let runs = env_or("DASH_RUNS", 30) as usize;

    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("bench.db").display().to_string();
    let store = Store::open(&url, 8).unwrap();
    let t = Instant::now();
    seed(&url, apps, grants, 30);
    eprintln!(
        "seeded {apps} apps, {grants} grants, {} findings in {:.1?}",
        apps * 3,
        t.elapsed()
    );

    // The overview's aggregates without the page cache (what the first request after a scan
    // pays): median and p95 of the store call alone.
    let mut times: Vec<Duration> = (0..runs.min(20))
        .map(|_| {
            let t = Instant::now();
            store.overview().unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "overview aggregates, uncached (store call): median {:.2?}, p95 {:.2?}",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let state = AppState {
            store: store.clone(),
            clock,
            demo: true,
            config: Arc::new(Config::default()),
            scan_gate: Default::default(),
            scheduler: Default::default(),
        };
        let (server, addr) =
            oauth_audit::web::start(state, "127.0.0.1:0".parse().unwrap()).unwrap();
        tokio::spawn(server);
        let base = format!("http://{addr}");
        let client = reqwest::Client::new();
        let deep_grant = 5_000; // grant ids of app 1 are 1..=10,000
        let pages: [(&str, String, u64); 12] = [
            ("overview (cached)", "/".into(), 100),
            ("apps (risk)", "/apps".into(), 100),
            ("apps sort=name", "/apps?sort=name".into(), 100),
            ("apps sort=last_used", "/apps?sort=last_used".into(), 100),
            (
                "apps tenant+severity",
                "/apps?tenant=tenant-3&severity=high".into(),
                100,
            ),
            (
                "apps ownership+provider",
                "/apps?ownership=third_party&provider=okta".into(),
                100,
            ),
            ("apps search", "/apps?q=bench%20app%209999".into(), 100),
            ("apps page 200", "/apps?page=200".into(), 100),
            ("app detail (10k grants)", "/apps/1".into(), 150),
            (
                "app detail grants page",
                format!("/apps/1?grants_after={deep_grant}"),
                150,
            ),
            (
                "findings severity=high",
                "/findings?severity=high&status=open".into(),
                100,
            ),
            ("vendor (200 apps)", "/vendors/vendor7.example".into(), 0),
        ];
        println!(
            "{:<26} {:>10} {:>10} {:>9}  budget",
            "page", "median", "p95", "bytes"
        );
        for (name, path, budget) in pages {
            let (p50, p95, size) = measure(&client, &base, &path, runs).await;
            let verdict = match budget {
                0 => "-".to_string(),
                b if p50.as_millis() < u128::from(b) => format!("< {b} ms ok"),
                b => format!("< {b} ms OVER"),
            };
            println!("{name:<26} {p50:>10.2?} {p95:>10.2?} {size:>9}  {verdict}");
        }
    });
}
