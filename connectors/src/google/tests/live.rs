//! The HTTP connector against a loopback Directory API serving the fixture's tokens, split
//! by user.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wiremock::matchers::{
    body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::ErrorKind;
use crate::settings::TenantSettings;
use crate::test_util::{collect_all, sorted_json, test_key, verified_claims};

const USERS: &str = "/admin/directory/v1/users";

/// The fixture's tokens by user, in user order.
fn tokens_by_user() -> BTreeMap<String, Vec<Value>> {
    let mut by_user: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for t in fixture("google/tokens.json")["items"].as_array().unwrap() {
        by_user
            .entry(t["userKey"].as_str().unwrap().to_string())
            .or_default()
            .push(t.clone());
    }
    by_user
}

fn email(id: &str) -> String {
    format!("{id}@acme.example")
}

/// Users over two pages (plus one user without tokens); `forbidden` answers 403 to its
/// tokens.
async fn directory(forbidden: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "ya29.live", "expires_in": 3599})),
        )
        .mount(&server)
        .await;
    let mut users: Vec<Value> = tokens_by_user()
        .keys()
        .map(|id| json!({"id": id, "primaryEmail": email(id), "suspended": false}))
        .collect();
    users.push(json!({"id": "100000000000000000000", "primaryEmail": "new@acme.example", "suspended": true}));
    let get = |p: String| {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", "Bearer ya29.live"))
    };
    get(USERS.into())
        .and(query_param("customer", "C03az79cb"))
        .and(query_param("maxResults", "2"))
        .and(query_param("pageToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": &users[2..]})))
        .mount(&server)
        .await;
    get(USERS.into())
        .and(query_param("customer", "C03az79cb"))
        .and(query_param_is_missing("pageToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"users": &users[..2], "nextPageToken": "page-2"})),
        )
        .mount(&server)
        .await;
    for (id, items) in tokens_by_user() {
        let answer = if Some(id.as_str()) == forbidden {
            ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": "Not Authorized to access this resource/api", "errors": [{"reason": "forbidden"}]}}))
        } else {
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "admin#directory#tokenList", "items": items}))
        };
        get(format!("{USERS}/{id}/tokens"))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    get(format!("{USERS}/100000000000000000000/tokens"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"kind": "admin#directory#tokenList"})),
        )
        .mount(&server)
        .await;
    server
}

fn settings(server: &MockServer) -> TenantSettings {
    let mut s = TenantSettings::new("acme-google", crate::Provider::Google);
    s.base_url = Some(server.uri().parse().unwrap());
    let account = json!({
        "type": "service_account",
        "client_email": "collector@acme-audit.iam.gserviceaccount.com",
        "private_key_id": "k1",
        "private_key": String::from_utf8(test_key("test-rsa.pem")).unwrap(),
        "token_uri": format!("{}/token", server.uri()),
    });
    s.service_account_json = Some(account.to_string().into());
    s.subject = Some("admin@acme.example".into());
    s.customer_id = Some("C03az79cb".into());
    s.page_size = Some(2);
    s
}

/// The file import's grants, with what the user listing adds (email, active).
fn imported() -> Inventory {
    let mut inv = read_document(&fixture("google/tokens.json")).unwrap();
    for g in &mut inv.grants {
        if let Principal::User {
            id,
            email: e,
            active,
            ..
        } = &mut g.principal
        {
            *e = Some(email(id));
            *active = Some(true);
        }
    }
    inv
}

#[tokio::test]
async fn a_live_collection_equals_the_import_of_the_same_tokens() {
    let server = directory(None).await;
    let connector = fetch::GoogleConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let file = imported();
    assert_eq!(live.apps.len(), 3);
    assert_eq!(live.grants.len(), 4);
    assert_eq!(sorted_json(&live.apps), sorted_json(&file.apps));
    assert_eq!(sorted_json(&live.grants), sorted_json(&file.grants));
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(summary.requests, 7, "token, 2 user pages, 4 users' tokens");

    // The token request: a JWT bearer assertion for the admin, audience the token URL.
    let requests = server.received_requests().await.unwrap();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
        .into_owned()
        .collect();
    let (header, claims) = verified_claims(&form["assertion"]);
    assert_eq!(header.kid.as_deref(), Some("k1"));
    assert_eq!(
        claims["iss"],
        "collector@acme-audit.iam.gserviceaccount.com"
    );
    assert_eq!(claims["sub"], "admin@acme.example");
    assert_eq!(claims["aud"], format!("{}/token", server.uri()));
    assert_eq!(claims["scope"], fetch::SCOPES);
}

#[tokio::test]
async fn a_user_whose_tokens_are_forbidden_is_a_gap_not_a_failure() {
    let server = directory(Some("114522983456789012345")).await;
    let connector = fetch::GoogleConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.grants.len(), 3);
    assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
    assert!(summary.gaps[0].what.contains("tokens.list"));
    assert!(
        summary.gaps[0].reason.contains("1 user(s)"),
        "{:?}",
        summary.gaps
    );
}

#[tokio::test]
async fn a_forbidden_user_listing_fails_the_collection() {
    let server = MockServer::start().await;
    Mock::given(path(USERS))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": "Not Authorized to access this resource/api"}})))
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = Some("ya29.ready".into());
    let err = collect_all(&fetch::GoogleConnector::new(s).unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Permission, "{err}");
    assert!(err.to_string().contains(USERS), "{err}");
}

#[tokio::test]
async fn a_page_token_that_comes_back_is_a_malformed_listing() {
    let server = MockServer::start().await;
    Mock::given(path(USERS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"users": [], "nextPageToken": "again"})),
        )
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = Some("ya29.ready".into());
    let err = collect_all(&fetch::GoogleConnector::new(s).unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.message.contains("loops"), "{err}");
}

#[tokio::test]
async fn a_user_id_cannot_climb_out_of_the_tokens_path() {
    let server = MockServer::start().await;
    Mock::given(path(USERS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"users": [{"id": "../../x?y#z"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(path(format!("{USERS}/..%2F..%2Fx%3Fy%23z/tokens")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = Some("ya29.ready".into());
    let (live, _) = collect_all(&fetch::GoogleConnector::new(s).unwrap())
        .await
        .unwrap();
    assert!(live.grants.is_empty());
}

#[tokio::test]
async fn users_tokens_are_read_several_at_once() {
    let server = MockServer::start().await;
    let users: Vec<Value> = (0..8).map(|i| json!({"id": format!("u{i}")})).collect();
    Mock::given(path(USERS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": users})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/admin/directory/v1/users/u[0-9]/tokens$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_millis(400))
                .set_body_json(json!({"items": []})),
        )
        .expect(8)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = Some("ya29.ready".into());
    s.http.concurrency = 4;
    let started = std::time::Instant::now();
    collect_all(&fetch::GoogleConnector::new(s).unwrap())
        .await
        .unwrap();
    let took = started.elapsed();
    // One at a time would take 8 × 400 ms; four at a time about 800 ms.
    assert!(
        took < std::time::Duration::from_millis(2400),
        "took {took:?}"
    );
}

#[test]
fn missing_keys_are_config_errors_naming_them() {
    let s = TenantSettings::new("acme-google", crate::Provider::Google);
    let err = fetch::GoogleConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`service_account_file`"), "{err}");
    let mut s2 = s.clone();
    s2.service_account_json = Some("{}".into());
    let err = fetch::GoogleConnector::new(s2.clone()).err().unwrap();
    assert!(err.message.contains("`subject` is required"), "{err}");
    s2.subject = Some("admin@acme.example".into());
    let err = fetch::GoogleConnector::new(s2).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("`service_account_file`"), "{err}");
}
