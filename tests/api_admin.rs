//! Admin actions through the JSON API on every backend: suppressions created and deleted,
//! scans started (one at a time), and the audit log that records them.

mod support;

use serde_json::{Value, json};
use support::api::seeded;
use support::backends;

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
