//! The HTTP connector against a loopback Management API serving the fixtures' objects.

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::ErrorKind;
use crate::settings::TenantSettings;
use crate::test_util::{
    assert_no_secret, by_name, collect_all, fixture, inventory_json, with_digest_key,
};

const TOKEN: &str = "auth0-mgmt-token";

fn items(name: &str, key: &str) -> Vec<Value> {
    fixture(&format!("auth0/{name}"))[key]
        .as_array()
        .unwrap()
        .clone()
}

/// Serve `all` under `p` in pages of `per_page`, as Auth0 does with `include_totals=true`.
async fn listing(server: &MockServer, p: &str, key: &str, all: &[Value], per_page: usize) {
    let pages = all.len().div_ceil(per_page).max(1);
    for page in 0..pages {
        let start = page * per_page;
        let chunk = &all[start..all.len().min(start + per_page)];
        Mock::given(method("GET"))
            .and(path(p.to_string()))
            .and(header("authorization", format!("Bearer {TOKEN}")))
            .and(query_param("page", page.to_string()))
            .and(query_param("per_page", per_page.to_string()))
            .and(query_param("include_totals", "true"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "total": all.len(), "start": start, "limit": per_page, key: chunk,
            })))
            .mount(server)
            .await;
    }
}

async fn token_endpoint(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86400}),
        ))
        .mount(server)
        .await;
}

/// A tenant with the fixtures' clients over two pages (of 3), and grants; the user-grant
/// listing answers `grants_status`.
async fn tenant(grants_status: u16) -> MockServer {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    listing(
        &server,
        "/api/v2/clients",
        "clients",
        &items("clients.json", "clients"),
        3,
    )
    .await;
    let client_grants = items("client-grants.json", "client_grants");
    listing(
        &server,
        "/api/v2/client-grants",
        "client_grants",
        &client_grants,
        3,
    )
    .await;
    if grants_status == 200 {
        listing(
            &server,
            "/api/v2/grants",
            "grants",
            &items("grants.json", "grants"),
            3,
        )
        .await;
    } else {
        Mock::given(method("GET"))
            .and(path("/api/v2/grants"))
            .respond_with(ResponseTemplate::new(grants_status).set_body_json(json!({
                "statusCode": 403, "error": "Forbidden",
                "message": "Insufficient scope, expected any of: read:grants",
                "errorCode": "insufficient_scope"})))
            .mount(&server)
            .await;
    }
    server
}

fn settings(server: &MockServer) -> TenantSettings {
    let mut s = TenantSettings::new("acme", crate::Provider::Auth0);
    s.base_url = Some(server.uri().parse().unwrap());
    s.client_id = Some("m2m-collector".into());
    s.client_secret = Some("m2m-collector-secret".into());
    s.page_size = Some(3);
    s
}

#[tokio::test]
async fn a_live_collection_equals_the_import_of_the_same_objects() {
    with_digest_key();
    let server = tenant(200).await;
    let connector = fetch::Auth0Connector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let mut file = read_document(&fixture("auth0/clients.json")).unwrap();
    for name in ["client-grants.json", "grants.json"] {
        let more = read_document(&fixture(&format!("auth0/{name}"))).unwrap();
        file.grants.extend(more.grants);
    }
    assert_eq!(live.apps.len(), 5, "the clients of both pages");
    assert_eq!(live.grants.len(), 4);
    assert_eq!(inventory_json(&live), inventory_json(&file));
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(
        summary.requests, 5,
        "token, 2 client pages, 1 page of each grant list"
    );
    let portal = by_name(&live.apps, "Customer Portal");
    assert!(portal.credentials[0].secret_digest.is_some());
    assert_no_secret(&live.apps, &["auth0-returned-this-secret-value-0042"]);
}

#[tokio::test]
async fn the_token_is_asked_for_the_management_api_audience() {
    let server = tenant(200).await;
    let connector = fetch::Auth0Connector::new(settings(&server)).unwrap();
    collect_all(&connector).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.path(), "/oauth/token");
    let form: HashMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "m2m-collector");
    assert_eq!(form["client_secret"], "m2m-collector-secret");
    assert_eq!(form["audience"], format!("{}/api/v2/", server.uri()));
    assert!(!form.contains_key("scope"));
}

#[tokio::test]
async fn forbidden_user_grants_are_a_coverage_gap() {
    let server = tenant(403).await;
    let connector = fetch::Auth0Connector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 5);
    assert_eq!(live.grants.len(), 2, "the client grants are still read");
    assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
    assert!(summary.gaps[0].what.contains("/api/v2/grants"));
    assert!(
        summary.gaps[0].reason.contains("read:grants"),
        "{}",
        summary.gaps[0].reason
    );
}

#[tokio::test]
async fn a_server_repeating_a_page_is_a_malformed_listing() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    let clients = items("clients.json", "clients");
    // The page parameter is ignored: every page is the first one, with a larger total.
    Mock::given(method("GET"))
        .and(path("/api/v2/clients"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"total": 50, "start": 0, "limit": 3, "clients": &clients[..3]}),
            ),
        )
        .mount(&server)
        .await;
    let connector = fetch::Auth0Connector::new(settings(&server)).unwrap();
    let err = collect_all(&connector).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed);
    assert!(err.to_string().contains("loops"), "{err}");
    assert!(err.to_string().contains("GET /api/v2/clients"), "{err}");
}

#[tokio::test]
async fn a_ready_token_is_used_as_is() {
    let server = tenant(200).await;
    let mut s = settings(&server);
    s.client_id = None;
    s.client_secret = None;
    s.token = Some(TOKEN.into());
    let connector = crate::fetch::http_connector(s).unwrap();
    let (live, _) = collect_all(connector.as_ref()).await.unwrap();
    assert_eq!(live.apps.len(), 5);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.path() != "/oauth/token"));
}

#[test]
fn missing_config_is_an_error_naming_the_key() {
    let mut s = TenantSettings::new("acme", crate::Provider::Auth0);
    s.client_id = Some("c".into());
    s.client_secret = Some("x".into());
    let err = fetch::Auth0Connector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`base_url` is required"), "{err}");
    s.base_url = Some("https://acme.eu.auth0.com".parse().unwrap());
    s.client_secret = None;
    let err = fetch::Auth0Connector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`client_secret_env`"), "{err}");
    s.client_id = None;
    let err = fetch::Auth0Connector::new(s).err().unwrap();
    assert!(err.message.contains("`client_id` is required"), "{err}");
}

#[tokio::test]
async fn once_the_total_is_known_the_pages_are_asked_several_at_a_time_and_kept_in_order() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    let clients: Vec<Value> = (0..16)
        .map(|i| json!({"client_id": format!("client-{i:02}"), "name": format!("App {i:02}")}))
        .collect();
    let delay = std::time::Duration::from_millis(300);
    for page in 0..8usize {
        Mock::given(method("GET"))
            .and(path("/api/v2/clients"))
            .and(query_param("page", page.to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"total": 16, "start": page * 2, "limit": 2,
                        "clients": &clients[page * 2..page * 2 + 2]}))
                    .set_delay(delay),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    for p in ["/api/v2/client-grants", "/api/v2/grants"] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
    }
    let mut s = settings(&server);
    s.page_size = Some(2);
    s.http.concurrency = 4;
    s.http.requests_per_second = None;
    let connector = fetch::Auth0Connector::new(s).unwrap();
    let started = std::time::Instant::now();
    let (live, _) = collect_all(&connector).await.unwrap();
    let elapsed = started.elapsed();
    let names: Vec<String> = live.apps.iter().map(|a| a.name.clone()).collect();
    let expected: Vec<String> = (0..16).map(|i| format!("App {i:02}")).collect();
    assert_eq!(names, expected, "pages are handed out in order");
    // One at a time: 8 × 300 ms; the first page, then the other 7 four at a time: 3 × 300 ms.
    assert!(elapsed < delay * 6, "{elapsed:?}");
}
