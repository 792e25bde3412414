//! `oauth-audit serve`: the real binary on a random loopback port.

mod support;

use std::time::{Duration, Instant};
use support::server::Serve;
use support::{TestDb, backends, write_config};

/// `oauth-audit serve` in `dir` (with the `oauth-audit.toml` written there) on a random
/// port, with `args`.
fn serve(dir: &std::path::Path, args: &[&str]) -> Serve {
    let mut all = vec!["--bind", "127.0.0.1:0"];
    all.extend_from_slice(args);
    Serve::spawn(dir, &all, &[])
}

fn get(url: &str) -> (u16, serde_json::Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let resp = reqwest::get(url).await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    })
}

#[test]
fn health_and_readiness_answer_and_sigterm_stops_the_server_cleanly() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, &[]);
        let server = serve(dir.path(), &[]);
        assert_eq!(
            get(&format!("{}/healthz", server.base)),
            (200, serde_json::json!({"status": "ok"})),
            "[{backend:?}]"
        );
        let (status, body) = get(&format!("{}/readyz", server.base));
        assert_eq!(status, 200, "[{backend:?}] {body}");
        assert_eq!(body["status"], "ready");
        // Signed out, an unknown dashboard path is sent to the login page like any other
        // (which pages exist is not shown before sign-in).
        assert_eq!(
            no_redirect(&format!("{}/no/such/page", server.base)),
            (303, "/login?next=%2Fno%2Fsuch%2Fpage".to_owned()),
            "[{backend:?}] an unrouted page"
        );
        let (status, body) = get(&format!("{}/api/no/such/thing", server.base));
        assert_eq!(status, 404);
        assert_eq!(
            body["error"]["code"], "not_found",
            "[{backend:?}] the error envelope: {body}"
        );
        assert!(
            server.stop().success(),
            "[{backend:?}] a clean exit on SIGTERM"
        );
    }
}

#[test]
fn demo_mode_collects_every_provider_from_the_simulator_at_start() {
    use connectors::simulator::demo::{HTML_PAYLOAD_NAME, SALES_CHAT};
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--demo"]);
    assert_eq!(get(&format!("{}/readyz", server.base)).0, 200);
    // The demo needs no sign-in: /login goes straight on, and pages are not redirected.
    assert_eq!(
        no_redirect(&format!("{}/login?next=/apps", server.base)),
        (303, "/apps".to_owned())
    );
    assert_eq!(no_redirect(&format!("{}/no/such/page", server.base)).0, 404);
    let store = oauth_audit::store::Store::connect(
        &dir.path()
            .join("oauth-audit-demo/oauth-audit.db")
            .display()
            .to_string(),
        1,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let scan = loop {
        if let Some(scan) = store
            .recent_scans(1)
            .unwrap()
            .into_iter()
            .find(|s| s.finished_at.is_some())
        {
            break scan;
        }
        assert!(Instant::now() < deadline, "the demo scan did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    let runs = store.tenant_runs(scan.id).unwrap();
    assert_eq!(runs.len(), 8, "one demo tenant per provider: {runs:?}");
    assert_eq!(scan.status, "succeeded", "{runs:?}");
    let mut vendor_in = Vec::new();
    let mut payload_seen = false;
    for tenant in store.list_tenants().unwrap() {
        assert_eq!(
            tenant.source, "api",
            "{}: collected through its connector",
            tenant.name
        );
        let counts = store.inventory_counts(tenant.id).unwrap();
        assert!(
            counts.apps >= 5 && counts.grants >= 1,
            "{}: {counts:?}",
            tenant.name
        );
        let apps = store
            .apps_by_ids(&store.tenant_app_ids(tenant.id).unwrap())
            .unwrap();
        if apps.iter().any(|a| a.app.name == SALES_CHAT) {
            vendor_in.push(tenant.provider.clone());
        }
        payload_seen |= apps.iter().any(|a| a.app.name == HTML_PAYLOAD_NAME);
    }
    vendor_in.sort();
    assert_eq!(
        vendor_in,
        ["google", "salesforce", "slack"],
        "the sales-chat vendor's reach"
    );
    assert!(
        payload_seen,
        "the app named with an HTML payload is stored verbatim"
    );
    drop(server);
}

fn get_text(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

/// The finished scans, oldest first, as (trigger, started, finished).
fn finished_scans(
    store: &oauth_audit::store::Store,
) -> Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime)> {
    let mut scans: Vec<_> = store
        .recent_scans(100)
        .unwrap()
        .into_iter()
        .filter_map(|s| Some((s.trigger, s.started_at, s.finished_at?)))
        .collect();
    scans.sort_by_key(|s| s.1);
    scans
}

#[test]
fn the_schedule_fires_without_overlap_and_start_up_catches_up_only_when_due() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("entra");
        support::copy_dir(&support::fixture("entra/basic"), &export);
        let config = write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
        let mut toml = std::fs::read_to_string(&config).unwrap();
        toml.push_str("\n[schedule]\ncron = \"*/2 * * * * *\"\n");
        std::fs::write(&config, toml).unwrap();

        // Never scanned: a catch-up scan at start, then one every 2 s.
        let server = serve(dir.path(), &[]);
        let (status, body) = get(&format!("{}/readyz", server.base));
        assert_eq!(status, 200, "[{backend:?}] {body}");
        assert!(body["next_scan"].as_str().is_some(), "[{backend:?}] {body}");
        let store = db.store();
        let deadline = Instant::now() + Duration::from_secs(60);
        while finished_scans(&store)
            .iter()
            .filter(|s| s.0 == "schedule")
            .count()
            < 2
        {
            assert!(
                Instant::now() < deadline,
                "[{backend:?}] no scheduled scans: {:?}",
                finished_scans(&store)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let metrics = get_text(&format!("{}/metrics", server.base));
        for line in [
            r#"oauth_audit_apps{provider="entra",tenant="contoso"} 4"#,
            r#"oauth_audit_tenant_stale{tenant="contoso"} 0"#,
            r#"oauth_audit_open_findings{severity="high"} "#,
        ] {
            assert!(
                metrics.contains(line),
                "[{backend:?}] /metrics lacks {line}:\n{metrics}"
            );
        }
        assert!(server.stop().success());
        let scans = finished_scans(&store);
        assert_eq!(
            scans[0].0, "startup",
            "[{backend:?}] the catch-up scan comes first: {scans:?}"
        );
        for pair in scans.windows(2) {
            assert!(
                pair[1].1 >= pair[0].2,
                "[{backend:?}] overlapping scans: {pair:?}"
            );
        }

        // A daily schedule with a success minutes ago: no catch-up at start.
        let mut toml = std::fs::read_to_string(&config).unwrap();
        toml = toml.replace("*/2 * * * * *", "0 0 2 * * *");
        std::fs::write(&config, toml).unwrap();
        let before = finished_scans(&store).len();
        let server = serve(dir.path(), &[]);
        let (_, body) = get(&format!("{}/readyz", server.base));
        assert!(
            body["next_scan"].as_str().unwrap().contains("T02:00:00"),
            "[{backend:?}] {body}"
        );
        std::thread::sleep(Duration::from_secs(2));
        assert!(server.stop().success());
        let runs = store.recent_scans(100).unwrap().len();
        assert_eq!(
            runs, before,
            "[{backend:?}] no scan at start when the last success is recent"
        );
    }
}

/// The status and `Location` of a GET, redirects not followed.
fn no_redirect(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = http.get(url).send().await.unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (resp.status().as_u16(), location)
    })
}
