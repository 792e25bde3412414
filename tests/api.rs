//! The JSON API's access control over HTTP on every backend: the auth matrix of every
//! route (no key, unknown key, reader, admin), revocation, and the per-key rate limit.

mod support;

use serde_json::{Value, json};
use support::api::{TestApp, seeded};
use support::backends;

/// Every route with a representative request: (method, path, needs admin).
fn routes(app_id: i64, scan_id: i64) -> Vec<(&'static str, String, bool)> {
    vec![
        ("GET", "/api/v1/findings".into(), false),
        ("GET", "/api/v1/findings?format=ocsf".into(), false),
        ("GET", "/api/v1/apps".into(), false),
        ("GET", format!("/api/v1/apps/{app_id}"), false),
        ("GET", "/api/v1/tenants".into(), false),
        ("GET", "/api/v1/scans".into(), false),
        ("GET", format!("/api/v1/scans/{scan_id}"), false),
        ("GET", "/api/v1/events".into(), false),
        ("GET", "/api/v1/vendors/contoso.com".into(), false),
        ("GET", "/api/v1/suppressions".into(), false),
        ("POST", "/api/v1/suppressions".into(), true),
        ("DELETE", "/api/v1/suppressions/999999".into(), true),
        ("POST", "/api/v1/scans".into(), true),
        ("GET", "/api/v1/audit-log".into(), true),
    ]
}

async fn call(app: &TestApp, method: &str, path: &str, key: Option<&str>) -> u16 {
    let url = app.url(path);
    let mut req = match method {
        "GET" => app.http.get(&url),
        "POST" if path.ends_with("suppressions") => app.http.post(&url).json(&json!({
            "rule_id": "PKCE-001", "tenant": "contoso", "reason": "accepted", "owner": "secops"
        })),
        "POST" => app.http.post(&url),
        "DELETE" => app.http.delete(&url),
        other => panic!("{other}"),
    };
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_401_403_or_serves_by_key_and_role() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 0, "api_rate_limit = 0").await;
        let apps = app.all("/api/v1/apps?limit=1").await;
        let app_id = apps[0]["id"].as_i64().unwrap();
        let (_, scans) = app.get("/api/v1/scans", Some(&app.admin_key)).await;
        let scan_id = scans["data"][0]["id"].as_i64().unwrap();
        for (method, path, admin_only) in routes(app_id, scan_id) {
            let what = format!("[{backend:?}] {method} {path}");
            assert_eq!(
                call(&app, method, &path, None).await,
                401,
                "{what} without a key"
            );
            assert_eq!(
                call(&app, method, &path, Some("oaa_not-a-key")).await,
                401,
                "{what} with an unknown key"
            );
            let reader = call(&app, method, &path, Some(&app.reader_key)).await;
            if admin_only {
                assert_eq!(reader, 403, "{what} as a reader");
            } else {
                assert_eq!(reader, 200, "{what} as a reader");
            }
            let admin = call(&app, method, &path, Some(&app.admin_key)).await;
            assert!(
                [200, 201, 202, 404, 409].contains(&admin),
                "{what} as an admin: {admin}"
            );
        }
        // The key is checked before anything else about the request.
        for path in [
            "/api/v1/apps/abc",
            "/api/v1/findings?limit=0",
            "/api/v1/nowhere",
        ] {
            assert_eq!(
                call(&app, "GET", path, None).await,
                401,
                "[{backend:?}] {path}"
            );
        }
        // Health and the API description need no key.
        for open in ["/healthz", "/readyz", "/api/openapi.json"] {
            assert_eq!(
                call(&app, "GET", open, None).await,
                200,
                "[{backend:?}] {open}"
            );
        }
        // A revoked key stops working once the short key cache lapses.
        let keys = app.store.list_api_keys().unwrap();
        let reader = keys.iter().find(|k| k.role == "reader").unwrap();
        app.store
            .revoke_api_key(
                reader.id,
                oauth_audit::clock::Clock::now(&oauth_audit::clock::SystemClock),
            )
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(
            oauth_audit::web::auth::CACHE_SECS + 1,
        ))
        .await;
        assert_eq!(
            call(&app, "GET", "/api/v1/findings", Some(&app.reader_key)).await,
            401,
            "[{backend:?}] revoked key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 0, "api_rate_limit = 1\napi_rate_burst = 3").await;
        let mut last = None;
        for _ in 0..4 {
            let resp = app
                .http
                .get(app.url("/api/v1/tenants"))
                .bearer_auth(&app.reader_key)
                .send()
                .await
                .unwrap();
            last = Some(resp);
        }
        let resp = last.unwrap();
        assert_eq!(resp.status().as_u16(), 429, "[{backend:?}]");
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (1..=2).contains(&retry),
            "[{backend:?}] Retry-After {retry}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited", "[{backend:?}]");
        // Another key has its own budget.
        let (status, _) = app.get("/api/v1/tenants", Some(&app.admin_key)).await;
        assert_eq!(status, 200, "[{backend:?}]");
    }
}
