//! The HTTP connector against a loopback Okta org serving the `basic` export's objects.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::ErrorKind;
use crate::settings::TenantSettings;
use crate::test_util::{collect_all, inventory_json};

const API_TOKEN: &str = "okta-api-token-0001";

fn fixture() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta/basic")
}

fn items(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture().join(name)).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

fn key_file(name: &str) -> String {
    let p = format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(p).unwrap()
}

/// The org: apps in two pages (the second behind a `Link: rel="next"`), each OAuth app's
/// grants from `grants.json`, grant listings answering `grants_status`.
async fn org(auth: &str, grants_status: u16) -> MockServer {
    let server = MockServer::start().await;
    let authed = |p: &str| {
        Mock::given(method("GET"))
            .and(path(p.to_string()))
            .and(header("authorization", auth))
    };
    let apps = items("apps.json");
    let next = format!("{}/api/v1/apps?after=0oa3&limit=200", server.uri());
    authed("/api/v1/apps")
        .and(query_param("after", "0oa3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&apps[3..]))
        .mount(&server)
        .await;
    authed("/api/v1/apps")
        .and(query_param("limit", "200"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&apps[..3])
                .insert_header(
                    "link",
                    format!(
                        "<{}/api/v1/apps?limit=200>; rel=\"self\", <{next}>; rel=\"next\"",
                        server.uri()
                    ),
                ),
        )
        .mount(&server)
        .await;
    let app_of_client: HashMap<String, String> = apps
        .iter()
        .filter_map(|a| {
            let client = a.pointer("/credentials/oauthClient/client_id")?.as_str()?;
            Some((client.to_string(), a["id"].as_str()?.to_string()))
        })
        .collect();
    let mut per_app: HashMap<String, Vec<Value>> = HashMap::new();
    for g in items("grants.json") {
        let app = app_of_client[g["clientId"].as_str().unwrap()].clone();
        per_app.entry(app).or_default().push(g);
    }
    for (app, grants) in per_app {
        let body = if grants_status == 200 {
            json!(grants)
        } else {
            json!({"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"})
        };
        authed(&format!("/api/v1/apps/{app}/grants"))
            .and(query_param("expand", "scope"))
            .respond_with(ResponseTemplate::new(grants_status).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/apps/[^/]+/grants$"))
        .respond_with(ResponseTemplate::new(grants_status).set_body_json(json!([])))
        .mount(&server)
        .await;
    // Users, one page; Alice's consent is listed under her too (read once all the same).
    let alice = json!({"id": "00u1alice000000000001", "status": "ACTIVE",
        "profile": {"login": "alice@acme.com", "email": "alice@acme.com"}});
    let bob = json!({"id": "00u2bob00000000000002", "status": "SUSPENDED",
        "profile": {"login": "bob@acme.com", "email": "bob@acme.com"}});
    authed("/api/v1/users")
        .and(query_param("limit", "200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([alice, bob])))
        .mount(&server)
        .await;
    let alices: Vec<Value> = items("grants.json")
        .into_iter()
        .filter(|g| g["userId"] == "00u1alice000000000001")
        .collect();
    assert_eq!(alices.len(), 1);
    let user_grants = |p: &str, body: Value| {
        let body = if grants_status == 200 {
            body
        } else {
            json!({"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"})
        };
        authed(p)
            .and(query_param("expand", "scope"))
            .respond_with(ResponseTemplate::new(grants_status).set_body_json(body))
    };
    user_grants("/api/v1/users/00u1alice000000000001/grants", json!(alices))
        .mount(&server)
        .await;
    user_grants("/api/v1/users/00u2bob00000000000002/grants", json!([]))
        .mount(&server)
        .await;
    server
}

fn settings(server: &MockServer) -> TenantSettings {
    let mut s = TenantSettings::new("acme", crate::Provider::Okta);
    s.base_url = Some(server.uri().parse().unwrap());
    s.token = Some(API_TOKEN.into());
    s
}

#[tokio::test]
async fn a_live_collection_equals_the_import_of_the_same_objects() {
    let server = org(&format!("SSWS {API_TOKEN}"), 200).await;
    let connector = fetch::OktaConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let file = crate::file::read_all(crate::Provider::Okta, &fixture()).unwrap();
    assert_eq!(live.apps.len(), 3, "the OAuth apps of both pages");
    assert_eq!(live.grants.len(), 2, "the active grants");
    assert_eq!(inventory_json(&live), inventory_json(&file));
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(
        summary.requests, 8,
        "2 app pages, 3 OAuth apps' grants, 1 user page, 2 users' grants"
    );
    crate::test_util::assert_no_secret(&live.apps, &["okta-returned-this-secret-value-0001"]);
}

#[tokio::test]
async fn forbidden_grants_are_a_coverage_gap_and_the_apps_are_kept() {
    let server = org(&format!("SSWS {API_TOKEN}"), 403).await;
    let mut s = settings(&server);
    // One request at a time, so that the requests after the first refusal can be counted.
    s.http.concurrency = 1;
    let connector = fetch::OktaConnector::new(s).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 3);
    assert!(live.grants.is_empty());
    let what: Vec<&str> = summary.gaps.iter().map(|g| g.what.as_str()).collect();
    assert_eq!(what.len(), 2, "{what:?}");
    assert!(what[0].starts_with("app grants"), "{what:?}");
    assert!(what[1].starts_with("user grants"), "{what:?}");
    assert!(
        summary.gaps[0].reason.contains("E0000006"),
        "{}",
        summary.gaps[0].reason
    );
    assert_eq!(
        summary.requests, 5,
        "2 app pages, 1 app's grants, 1 user page, 1 user's grants: each step stops at its first refusal"
    );
}

#[tokio::test]
async fn a_service_app_signs_a_client_assertion_for_the_read_scopes() {
    let server = org("Bearer okta-oauth-token", 200).await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "okta-oauth-token", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = None;
    s.client_id = Some("0oa-collector".into());
    s.private_key_pem = Some(key_file("test-rsa.pem").into());
    let connector = fetch::OktaConnector::new(s).unwrap();
    let (live, _) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 3);

    let requests = server.received_requests().await.unwrap();
    let token_calls: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/oauth2/v1/token")
        .collect();
    assert_eq!(token_calls.len(), 1, "the token is cached");
    let form: HashMap<String, String> = url::form_urlencoded::parse(&token_calls[0].body)
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], fetch::SCOPES);
    assert_eq!(
        form["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    let key = DecodingKey::from_rsa_pem(key_file("test-rsa.pub.pem").as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("{}/oauth2/v1/token", server.uri())]);
    validation.set_issuer(&["0oa-collector"]);
    let claims = jsonwebtoken::decode::<Value>(&form["client_assertion"], &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], "0oa-collector");
}

#[tokio::test]
async fn a_next_link_back_to_a_read_page_is_a_malformed_listing() {
    let server = MockServer::start().await;
    let apps = items("apps.json");
    let first = format!("{}/api/v1/apps?limit=200", server.uri());
    let second = format!("{}/api/v1/apps?after=x&limit=200", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("after", "x"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&apps[1..2])
                .insert_header("link", format!("<{first}>; rel=\"next\"")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&apps[..1])
                .insert_header("link", format!("<{second}>; rel=\"next\"")),
        )
        .mount(&server)
        .await;
    let connector = fetch::OktaConnector::new(settings(&server)).unwrap();
    let err = collect_all(&connector).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed);
    assert!(err.to_string().contains("loops"), "{err}");
    assert!(err.to_string().contains("tenant acme"), "{err}");
}

#[test]
fn missing_config_is_an_error_naming_the_key() {
    let mut s = TenantSettings::new("acme", crate::Provider::Okta);
    s.token = Some(API_TOKEN.into());
    let err = fetch::OktaConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`base_url` is required"), "{err}");
    s.base_url = Some("https://acme.okta.com".parse().unwrap());
    s.token = None;
    let err = fetch::OktaConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`token_env`"), "{err}");
    s.private_key_pem = Some(key_file("test-rsa.pem").into());
    let err = fetch::OktaConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`client_id` is required"), "{err}");
    s.client_id = Some("0oa-collector".into());
    s.private_key_pem = Some("not a key".into());
    let err = fetch::OktaConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`private_key_file`"), "{err}");
    assert!(crate::fetch::http_connector(settings_for_factory()).is_ok());
}

fn settings_for_factory() -> TenantSettings {
    let mut s = TenantSettings::new("acme", crate::Provider::Okta);
    s.base_url = Some("https://acme.okta.com".parse().unwrap());
    s.token = Some(API_TOKEN.into());
    s
}

#[test]
fn a_user_grant_without_its_user_gets_the_listed_user() {
    let user = json!({"id": "00u9", "status": "DEPROVISIONED",
        "profile": {"login": "carol@acme.com", "email": "carol@acme.com"}});
    let mut bare = json!({"id": "oag9", "status": "ACTIVE", "clientId": "0oac",
        "userId": "00u9", "scopeId": "scp9", "_embedded": {"scope": {"name": "email"}}});
    fetch::with_user(&mut bare, &user);
    let grant = parse::parse_grant(bare, |_| None).unwrap().unwrap();
    assert_eq!(grant.scopes, vec!["email".to_string()]);
    match grant.principal {
        crate::model::Principal::User {
            id,
            email,
            display_name,
            active,
        } => {
            assert_eq!(id, "00u9");
            assert_eq!(email.as_deref(), Some("carol@acme.com"));
            assert_eq!(display_name.as_deref(), Some("carol@acme.com"));
            assert_eq!(active, Some(false));
        }
        other => panic!("{other:?}"),
    }
    // A grant that embeds its user keeps that one.
    let mut embedded = json!({"id": "oag8", "clientId": "0oac", "userId": "00u9",
        "_embedded": {"user": {"profile": {"email": "kept@acme.com"}}}});
    fetch::with_user(&mut embedded, &user);
    assert_eq!(
        embedded.pointer("/_embedded/user/profile/email"),
        Some(&json!("kept@acme.com"))
    );
}

#[tokio::test]
async fn hostile_app_ids_cannot_steer_the_grant_calls() {
    let server = MockServer::start().await;
    let app = |id: &str| json!({"id": id, "name": "oidc_client", "label": id, "signOnMode": "OPENID_CONNECT"});
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([app(".."), app("x/../../users?q=#")])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let connector = fetch::OktaConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 2);
    assert!(summary.gaps.is_empty());
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        vec![
            "/api/v1/apps",
            "/api/v1/apps/x%2F..%2F..%2Fusers%3Fq%3D%23/grants",
            "/api/v1/users",
        ],
        "`..` is passed over, and the other id stays one segment"
    );
}

#[tokio::test]
async fn users_are_asked_for_their_grants_several_at_a_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let users: Vec<Value> = (0..8).map(|i| json!({"id": format!("00u{i}")})).collect();
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users))
        .mount(&server)
        .await;
    let delay = std::time::Duration::from_millis(300);
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/users/00u[0-7]/grants$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(delay),
        )
        .expect(8)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.http.concurrency = 4;
    s.http.requests_per_second = None;
    let connector = fetch::OktaConnector::new(s).unwrap();
    let started = std::time::Instant::now();
    collect_all(&connector).await.unwrap();
    let elapsed = started.elapsed();
    // One at a time would take 8 × 300 ms; four at a time, 2 × 300 ms.
    assert!(elapsed < delay * 6, "{elapsed:?}");
}
