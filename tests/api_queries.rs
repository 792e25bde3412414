//! The JSON API's read side on every backend: the finding shape of DESIGN §4, every
//! filter, errors in the envelope, app detail, apps, vendors and tenants.

mod support;

use serde_json::json;
use std::collections::HashSet;
use support::api::seeded;
use support::backends;

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
