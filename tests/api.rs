//! The JSON API over HTTP on every backend: the auth matrix of every route, the rate limit,
//! the audit log, filters, the envelope and errors, keyset paging and the change feed while
//! a scan writes, suppressions, scans, vendors and the OCSF stream.

mod support;

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use support::api::{TestApp, entra_export};
use support::backends;

/// A seeded app: the `entra/basic` fixture plus `extra` generated apps in tenant `contoso`.
/// The export lives as long as the returned directory.
async fn seeded(
    backend: support::Backend,
    extra: usize,
    server: &str,
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    entra_export(&export, extra, "Generated");
    let app = TestApp::start(backend, &[("contoso", export)], server).await;
    app.scan().await;
    (app, dir)
}

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
            .revoke_api_key(reader.id, chrono::Utc::now())
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_have_the_contract_shape_and_every_filter_narrows() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 20, "api_rate_limit = 0").await;
        let all = app.all("/api/v1/findings?limit=7").await;
        assert!(all.len() > 40, "[{backend:?}] {} findings", all.len());
        let ids: HashSet<i64> = all.iter().map(|f| f["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), all.len(), "[{backend:?}] no finding twice");
        let f = all.iter().find(|f| f["app"].is_object()).unwrap();
        for key in [
            "id",
            "rule_id",
            "severity",
            "title",
            "tenant",
            "provider",
            "app",
            "evidence",
            "remediation",
            "references",
            "status",
            "first_seen",
            "last_seen",
        ] {
            assert!(!f[key].is_null(), "[{backend:?}] finding lacks {key}: {f}");
        }
        for key in ["id", "client_id", "name", "publisher"] {
            assert!(f["app"].get(key).is_some(), "[{backend:?}] app lacks {key}");
        }
        assert!(f["evidence"].is_object() && f["references"].is_array());
        assert!(
            f["first_seen"].as_str().unwrap().ends_with('Z'),
            "[{backend:?}] UTC"
        );
        assert_eq!(f["provider"], "entra");
        let rule = oauth_audit::rules::rule(f["rule_id"].as_str().unwrap()).unwrap();
        assert_eq!(
            f["remediation"], rule.fix,
            "[{backend:?}] remediation from the catalog"
        );

        let high = app.all("/api/v1/findings?severity=high&limit=1000").await;
        assert!(
            !high.is_empty() && high.len() < all.len(),
            "[{backend:?}] severity"
        );
        assert!(
            high.iter()
                .all(|f| ["high", "critical"].contains(&f["severity"].as_str().unwrap()))
        );
        let rule_id = f["rule_id"].as_str().unwrap();
        let by_rule = app
            .all(&format!("/api/v1/findings?rule={rule_id}&limit=1000"))
            .await;
        assert!(by_rule.iter().all(|x| x["rule_id"] == rule_id) && !by_rule.is_empty());
        let app_id = f["app"]["id"].as_i64().unwrap();
        let by_app = app.all(&format!("/api/v1/findings?app={app_id}")).await;
        assert!(!by_app.is_empty() && by_app.iter().all(|x| x["app"]["id"] == app_id));
        assert_eq!(app.all("/api/v1/findings?tenant=nobody").await.len(), 0);
        assert_eq!(app.all("/api/v1/findings?provider=okta").await.len(), 0);
        assert_eq!(
            app.all("/api/v1/findings?tenant=contoso&provider=entra&limit=1000")
                .await
                .len(),
            all.len()
        );
        let open = app.all("/api/v1/findings?status=open&limit=1000").await;
        assert!(open.iter().all(|x| x["status"] == "open") && !open.is_empty());
        let (_, later) = app
            .get(
                "/api/v1/findings?since=2999-01-01T00:00:00Z",
                Some(&app.reader_key),
            )
            .await;
        assert_eq!(
            later["data"],
            json!([]),
            "[{backend:?}] nothing changed in the future"
        );
        // An empty feed resumes after everything already there, not from the start.
        let cursor = later["next_cursor"].as_str().unwrap();
        let (_, after) = app
            .get(
                &format!("/api/v1/findings?cursor={cursor}"),
                Some(&app.reader_key),
            )
            .await;
        assert_eq!(after["data"], json!([]), "[{backend:?}]");

        // Bad parameters are 400 in the error envelope.
        for bad in [
            "/api/v1/findings?limit=0",
            "/api/v1/findings?severity=extreme",
            "/api/v1/findings?cursor=not-ours",
            "/api/v1/findings?since=yesterday",
            "/api/v1/apps?min_risk=lots",
            "/api/v1/apps/abc",
        ] {
            let (status, body) = app.get(bad, Some(&app.admin_key)).await;
            assert_eq!(status, 400, "[{backend:?}] {bad}: {body}");
            assert_eq!(
                body["error"]["code"], "invalid_request",
                "[{backend:?}] {bad}"
            );
        }
        let (status, body) = app.get("/api/v1/apps/987654", Some(&app.admin_key)).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (404, json!("not_found"))
        );

        // The app detail carries credentials, grants, findings and the risk explanation.
        let (status, detail) = app
            .get(&format!("/api/v1/apps/{app_id}"), Some(&app.reader_key))
            .await;
        assert_eq!(status, 200);
        assert!(detail["credentials"].is_array() && detail["grants"].is_array());
        assert!(detail["grants_total"].is_i64());
        assert!(!detail["findings"].as_array().unwrap().is_empty());
        assert!(detail["risk_score"].is_i64(), "[{backend:?}] {detail}");
        assert!(
            detail["risk_explanation"].is_object(),
            "[{backend:?}] {detail}"
        );
        assert!(detail.to_string().find("secretText").is_none());

        // Apps: filters and keyset paging.
        let apps = app.all("/api/v1/apps?limit=5").await;
        assert!(apps.len() > 20);
        let risky = app.all("/api/v1/apps?min_risk=50&limit=1000").await;
        assert!(
            risky
                .iter()
                .all(|a| a["risk_score"].as_i64().unwrap() >= 50)
        );
        let by_pub = app
            .all("/api/v1/apps?publisher=CONTOSO.COM&limit=1000")
            .await;
        assert!(
            !by_pub.is_empty()
                && by_pub
                    .iter()
                    .all(|a| a["publisher"]["domain"] == "contoso.com")
        );
        let (status, vendor) = app
            .get("/api/v1/vendors/contoso.com", Some(&app.reader_key))
            .await;
        assert_eq!(status, 200, "[{backend:?}] {vendor}");
        assert_eq!(vendor["apps"].as_array().unwrap().len(), by_pub.len());
        assert_eq!(vendor["tenants"], json!(["contoso"]));
        assert!(vendor["first_seen"].is_string() && vendor["scopes"].is_object());
        assert!(vendor["apps"][0]["token_policy"].is_object());
        let (status, _) = app
            .get("/api/v1/vendors/nobody.example", Some(&app.reader_key))
            .await;
        assert_eq!(status, 404);
        let (_, tenants) = app.get("/api/v1/tenants", Some(&app.reader_key)).await;
        assert_eq!(tenants["data"][0]["name"], "contoso");
        assert!(tenants["next_cursor"].is_null());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppressions_and_scans_are_admin_actions_in_the_audit_log() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 0, "api_rate_limit = 0").await;
        let created = app
            .http
            .post(app.url("/api/v1/suppressions"))
            .bearer_auth(&app.admin_key)
            .json(
                &json!({"rule_id": "GRANT-003", "tenant": "contoso", "app": "Field Service Mobile",
                          "reason": "legacy handhelds", "owner": "secops@contoso.example",
                          "expires_at": "2999-01-01T00:00:00Z"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201, "[{backend:?}]");
        let created: Value = created.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["source"], "api");
        // A bad rule id is refused.
        let bad = app
            .http
            .post(app.url("/api/v1/suppressions"))
            .bearer_auth(&app.admin_key)
            .json(&json!({"rule_id": "NOPE-1", "reason": "x", "owner": "y"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 400);

        // The next scan (started through the API) applies it.
        let resp = app
            .http
            .post(app.url("/api/v1/scans"))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202, "[{backend:?}]");
        let scan_id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let mut status = String::new();
        for _ in 0..600 {
            let (_, scan) = app
                .get(&format!("/api/v1/scans/{scan_id}"), Some(&app.reader_key))
                .await;
            status = scan["status"].as_str().unwrap().to_string();
            if status != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status, "succeeded", "[{backend:?}]");
        let suppressed = app
            .all("/api/v1/findings?status=suppressed&rule=GRANT-003")
            .await;
        assert_eq!(suppressed.len(), 1, "[{backend:?}]");
        assert_eq!(suppressed[0]["suppression_id"], id);

        let del = app
            .http
            .delete(app.url(&format!("/api/v1/suppressions/{id}")))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(del.status().as_u16(), 204);
        let again = app
            .http
            .delete(app.url(&format!("/api/v1/suppressions/{id}")))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 404);

        let (status, log) = app.get("/api/v1/audit-log", Some(&app.admin_key)).await;
        assert_eq!(status, 200);
        let actions: Vec<(&str, &str)> = log["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
            .collect();
        let target = format!("suppression:{id}");
        let scan_target = format!("scan:{scan_id}");
        assert_eq!(
            actions,
            vec![
                ("suppression.delete", target.as_str()),
                ("scan.start", scan_target.as_str()),
                ("suppression.create", target.as_str()),
            ],
            "[{backend:?}] newest first"
        );
        assert!(
            log["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["key_name"] == "siem-admin")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_scan_while_one_runs_is_refused() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 0, "api_rate_limit = 0").await;
        let first = app
            .http
            .post(app.url("/api/v1/scans"))
            .bearer_auth(&app.admin_key);
        let second = app
            .http
            .post(app.url("/api/v1/scans"))
            .bearer_auth(&app.admin_key);
        let (a, b) = tokio::join!(first.send(), second.send());
        let mut codes = vec![a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        codes.sort();
        assert_eq!(codes, vec![202, 409], "[{backend:?}]");
    }
}

/// Page through every finding (and poll the change feed) while a scan changes half the
/// estate: each finding that existed before appears in the list exactly once, none twice,
/// and the feed ends holding every finding's final state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_and_the_feed_during_a_scan_skip_and_repeat_nothing() {
    for backend in backends() {
        let (app, _exports) = seeded(backend, 150, "api_rate_limit = 0").await;
        let before: HashSet<i64> = app
            .all("/api/v1/findings?limit=1000")
            .await
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        // Start a feed now; it must see everything the scan changes.
        let (_, start) = app
            .get(
                "/api/v1/findings?since=2000-01-01T00:00:00Z&limit=1000",
                Some(&app.reader_key),
            )
            .await;
        let mut feed_cursor = start["next_cursor"].as_str().unwrap().to_string();
        let mut latest: HashMap<i64, Value> = HashMap::new();
        for f in start["data"].as_array().unwrap() {
            latest.insert(f["id"].as_i64().unwrap(), f.clone());
        }

        // The rescan removes a third of the generated apps and adds new ones.
        let export = app.config.tenants[0].path.clone().unwrap();
        let file = export.join("applications.json");
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let apps = doc["value"].as_array_mut().unwrap();
        apps.retain(|a| {
            !a["displayName"].as_str().unwrap().ends_with('0')
                && !a["displayName"].as_str().unwrap().ends_with('5')
        });
        for i in 0..60 {
            let mut a = apps[0].clone();
            a["id"] = format!("30000000-0000-4000-8000-{i:012}").into();
            a["appId"] = format!("40000000-0000-4000-8000-{i:012}").into();
            a["displayName"] = format!("Added {i}").into();
            apps.push(a);
        }
        std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();

        let scanning = {
            let (store, config) = (app.store.clone(), app.config.clone());
            tokio::spawn(async move {
                oauth_audit::collector::run_scan(
                    &store,
                    &config,
                    std::sync::Arc::new(oauth_audit::clock::SystemClock),
                    oauth_audit::collector::Trigger::Cli,
                    config.tenants.clone(),
                )
                .await
                .unwrap()
            })
        };
        let mut seen: Vec<i64> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages_during_scan = 0;
        loop {
            let url = match &cursor {
                Some(c) => format!("/api/v1/findings?limit=10&cursor={c}"),
                None => "/api/v1/findings?limit=10".into(),
            };
            let (status, body) = app.get(&url, Some(&app.reader_key)).await;
            assert_eq!(status, 200);
            if !scanning.is_finished() {
                pages_during_scan += 1;
            }
            seen.extend(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["id"].as_i64().unwrap()),
            );
            // Poll the feed as a SIEM would, between pages.
            let (_, polled) = app
                .get(
                    &format!("/api/v1/findings?limit=50&cursor={feed_cursor}"),
                    Some(&app.reader_key),
                )
                .await;
            for f in polled["data"].as_array().unwrap() {
                latest.insert(f["id"].as_i64().unwrap(), f.clone());
            }
            feed_cursor = polled["next_cursor"].as_str().unwrap().to_string();
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let report = scanning.await.unwrap();
        assert_eq!(report.status.as_str(), "succeeded");
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "[{backend:?}] a finding was listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "[{backend:?}] a finding was skipped"
        );
        eprintln!("[{backend:?}] {pages_during_scan} pages read while the scan wrote");

        // Drain the feed: it now holds the final state of every finding.
        loop {
            let (_, polled) = app
                .get(
                    &format!("/api/v1/findings?limit=1000&cursor={feed_cursor}"),
                    Some(&app.reader_key),
                )
                .await;
            let data = polled["data"].as_array().unwrap();
            for f in data {
                latest.insert(f["id"].as_i64().unwrap(), f.clone());
            }
            feed_cursor = polled["next_cursor"].as_str().unwrap().to_string();
            if data.is_empty() {
                break;
            }
        }
        let now = app.all("/api/v1/findings?limit=1000").await;
        assert_eq!(
            latest.len(),
            now.len(),
            "[{backend:?}] feed saw every finding"
        );
        for f in &now {
            let fed = &latest[&f["id"].as_i64().unwrap()];
            assert_eq!(
                (&fed["status"], &fed["updated_at"]),
                (&f["status"], &f["updated_at"]),
                "[{backend:?}] the feed's last word on finding {} is its state",
                f["id"]
            );
        }
        assert!(
            now.iter().any(|f| f["status"] == "resolved"),
            "[{backend:?}] the rescan resolved some"
        );
        // The inventory feed lists the rescan's changes.
        let events = app.all_feed("/api/v1/events?limit=100").await;
        assert!(
            events
                .iter()
                .any(|e| e["kind"].as_str().unwrap().contains("removed")),
            "[{backend:?}]"
        );
    }
}

impl TestApp {
    /// Every item of a feed (until an empty page).
    async fn all_feed(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = path.to_string();
        loop {
            let (status, body) = self.get(&url, Some(&self.reader_key)).await;
            assert_eq!(status, 200, "{url}: {body}");
            let data = body["data"].as_array().unwrap();
            if data.is_empty() {
                return out;
            }
            out.extend(data.iter().cloned());
            url = format!("{path}&cursor={}", body["next_cursor"].as_str().unwrap());
        }
    }
}
