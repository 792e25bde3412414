//! The HTTP connector against a loopback Slack Web API serving the fixtures' apps.

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::ErrorKind;
use crate::settings::TenantSettings;
use crate::test_util::{collect_all, sorted_json as sorted};

fn items(name: &str, key: &str) -> Vec<Value> {
    fixture(name)[key].as_array().unwrap().clone()
}

fn page(key: &str, items: &[Value], next: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"ok": true, key: items, "response_metadata": {"next_cursor": next}}))
}

fn method_at(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/api/{p}")))
        .and(header("authorization", "Bearer xoxp-org-token"))
        .and(query_param("limit", "2"))
}

/// Approved apps over two pages; the restricted list answers `restricted`.
async fn slack(restricted: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    let approved = items("slack/approved.json", "approved_apps");
    method_at("admin.apps.approved.list")
        .and(query_param("cursor", "dXNlcjpVMEc5V0ZYTlo="))
        .respond_with(page("approved_apps", &approved[2..], ""))
        .mount(&server)
        .await;
    method_at("admin.apps.approved.list")
        .and(query_param_is_missing("cursor"))
        .respond_with(page(
            "approved_apps",
            &approved[..2],
            "dXNlcjpVMEc5V0ZYTlo=",
        ))
        .mount(&server)
        .await;
    method_at("admin.apps.restricted.list")
        .respond_with(restricted)
        .mount(&server)
        .await;
    method_at("admin.apps.requests.list")
        .respond_with(ResponseTemplate::new(200).set_body_json(requests()))
        .mount(&server)
        .await;
    server
}

/// One pending install request, and one for an app already approved (sent once, as approved).
fn requests() -> Value {
    let approved = items("slack/approved.json", "approved_apps");
    json!({"ok": true, "response_metadata": {"next_cursor": ""}, "app_requests": [
        {
            "id": "Ar0REQ1", "app": {"id": "A0REQUEST05", "name": "Polls", "is_internal": false},
            "user": {"id": "U02", "name": "bob", "email": "bob@acme-demo.com"},
            "scopes": [{"name": "chat:write", "token_type": "bot"}], "message": "please",
            "date_created": 1712000000
        },
        {"id": "Ar0REQ2", "app": approved[0]["app"], "scopes": [], "date_created": 1712000001}
    ]})
}

fn settings(server: &MockServer) -> TenantSettings {
    let mut s = TenantSettings::new("acme-slack", crate::Provider::Slack);
    s.base_url = Some(format!("{}/api", server.uri()).parse().unwrap());
    s.token = Some("xoxp-org-token".into());
    s.page_size = Some(2);
    s
}

#[tokio::test]
async fn a_live_collection_equals_the_import_of_the_same_lists() {
    let restricted = fixture("slack/restricted.json");
    let server = slack(ResponseTemplate::new(200).set_body_json(&restricted)).await;
    let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let mut file = read_document(&fixture("slack/approved.json")).unwrap();
    let blocked = read_document(&restricted).unwrap();
    file.apps.extend(blocked.apps);
    file.grants.extend(blocked.grants);
    let mut pending = requests();
    pending["app_requests"].as_array_mut().unwrap().truncate(1);
    file.apps.extend(read_document(&pending).unwrap().apps);
    assert_eq!(
        live.apps.len(),
        5,
        "three approved apps, one restricted, one requested"
    );
    assert_eq!(sorted(&live.apps), sorted(&file.apps));
    assert_eq!(sorted(&live.grants), sorted(&file.grants));
    assert!(!live.grants.is_empty());
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(
        summary.requests, 4,
        "two approved pages, one restricted, one requests"
    );
}

#[tokio::test]
async fn a_missing_scope_on_the_restricted_list_is_a_gap() {
    let denied = ResponseTemplate::new(200)
        .set_body_json(json!({"ok": false, "error": "missing_scope", "needed": "admin.apps:read"}));
    let server = slack(denied).await;
    let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 4, "approved and requested");
    assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
    assert!(summary.gaps[0].what.contains("restricted"));
    assert!(summary.gaps[0].reason.contains("missing_scope"));
}

#[tokio::test]
async fn ok_false_on_the_approved_list_fails_with_its_kind() {
    for (code, kind) in [
        ("invalid_auth", ErrorKind::Auth),
        ("not_an_admin", ErrorKind::Permission),
        ("ratelimited", ErrorKind::RateLimited),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/admin.apps.approved.list"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": code})),
            )
            .mount(&server)
            .await;
        let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
        let err = collect_all(&connector).await.err().unwrap();
        assert_eq!(err.kind, kind, "{code}: {err}");
        assert!(err.message.contains(code), "{err}");
        assert!(
            err.to_string().contains("admin.apps.approved.list"),
            "{err}"
        );
        assert!(!err.to_string().contains("xoxp-org-token"));
    }
}

#[tokio::test]
async fn an_item_without_an_app_is_malformed_naming_the_item_and_method() {
    let server = MockServer::start().await;
    let mut approved = items("slack/approved.json", "approved_apps");
    approved[1] = json!({"scopes": [], "note": "x".repeat(100_000)});
    Mock::given(path("/api/admin.apps.approved.list"))
        .respond_with(page("approved_apps", &approved, ""))
        .mount(&server)
        .await;
    let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
    let err = collect_all(&connector).await.err().unwrap();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.message.contains("approved_apps[1]"), "{err}");
    assert!(
        err.to_string().contains("admin.apps.approved.list"),
        "{err}"
    );
    assert!(err.to_string().len() < 1000);
}

#[tokio::test]
async fn a_cursor_that_comes_back_is_a_malformed_listing() {
    let server = MockServer::start().await;
    let approved = items("slack/approved.json", "approved_apps");
    Mock::given(path("/api/admin.apps.approved.list"))
        .respond_with(page("approved_apps", &approved[..1], "same"))
        .mount(&server)
        .await;
    let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
    let err = collect_all(&connector).await.err().unwrap();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.message.contains("loops"), "{err}");
}

#[tokio::test]
async fn a_configured_enterprise_scopes_the_lists() {
    let server = MockServer::start().await;
    Mock::given(path("/api/admin.apps.approved.list"))
        .and(query_param("enterprise_id", "E0ACME"))
        .respond_with(page("approved_apps", &[], ""))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/admin.apps.restricted.list"))
        .and(query_param("enterprise_id", "E0ACME"))
        .respond_with(page("restricted_apps", &[], ""))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/admin.apps.requests.list"))
        .and(query_param("enterprise_id", "E0ACME"))
        .respond_with(page("app_requests", &[], ""))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.tenant_id = Some("E0ACME".into());
    let (live, summary) = collect_all(&fetch::SlackConnector::new(s).unwrap())
        .await
        .unwrap();
    assert!(live.apps.is_empty() && summary.gaps.is_empty());
}

#[test]
fn a_missing_token_is_a_config_error_naming_the_key() {
    let s = TenantSettings::new("acme-slack", crate::Provider::Slack);
    let err = fetch::SlackConnector::new(s).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("`token_env`"), "{err}");
    assert!(
        crate::fetch::http_connector(TenantSettings::new("x", crate::Provider::Slack)).is_err()
    );
}
