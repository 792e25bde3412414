//! The HTTP connector against a loopback Keycloak (with the `/auth` prefix of older
//! servers) serving the realm export's objects through the Admin REST API.

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::ErrorKind;
use crate::model::{NoteKind, OAuthApp, PkceStatus};
use crate::settings::TenantSettings;
use crate::test_util::{assert_no_secret, collect_all, inventory_json, with_digest_key};

const TOKEN: &str = "kc-admin-token";

fn fixture() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keycloak/realm-export.json")
}

fn read(path: &Path) -> crate::file::Inventory {
    crate::file::read_all(crate::Provider::Keycloak, path).unwrap()
}

fn client<'a>(apps: &'a [OAuthApp], id: &str) -> &'a OAuthApp {
    apps.iter()
        .find(|a| a.client_id.as_deref() == Some(id))
        .unwrap()
}
const ADMIN: &str = "/auth/admin/realms/acme";
const SECRET: &str = "kc-returned-this-secret-value-0077";

fn export() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap()
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("{ADMIN}{p}")))
        .and(header("authorization", format!("Bearer {TOKEN}")))
}

fn forbidden() -> ResponseTemplate {
    ResponseTemplate::new(403).set_body_json(json!({"error": "unknown_error"}))
}

/// The realm's Admin API: clients in pages of 3; `realm_ok`/`users_ok` false answer 403 for
/// the realm settings / the user listing; `secret` replaces the masked client secret.
async fn keycloak(realm_ok: bool, users_ok: bool, secret: Option<&str>) -> MockServer {
    keycloak_with(realm_ok, users_ok, secret, json!([])).await
}

/// [`keycloak`] with these client policies.
async fn keycloak_with(
    realm_ok: bool,
    users_ok: bool,
    secret: Option<&str>,
    policies: Value,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/realms/master/protocol/openid-connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 60}),
        ))
        .mount(&server)
        .await;
    let mut realm = export();
    let map = realm.as_object_mut().unwrap();
    let mut clients = map.remove("clients").unwrap().as_array().unwrap().clone();
    if let Some(s) = secret {
        clients[1]["secret"] = json!(s);
    }
    let users = map.remove("users").unwrap();
    let components = map.remove("components").unwrap();
    let realm_page = if realm_ok {
        ResponseTemplate::new(200).set_body_json(&realm)
    } else {
        forbidden()
    };
    get("").respond_with(realm_page).mount(&server).await;
    get("/client-policies/policies")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"policies": policies})))
        .mount(&server)
        .await;
    get("/client-policies/profiles")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"profiles": [], "globalProfiles": []})),
        )
        .mount(&server)
        .await;
    get("/components")
        .and(query_param("type", REGISTRATION))
        .respond_with(ResponseTemplate::new(200).set_body_json(&components[REGISTRATION]))
        .mount(&server)
        .await;
    for (first, chunk) in [(0, &clients[..3]), (3, &clients[3..])] {
        get("/clients")
            .and(query_param("first", first.to_string()))
            .and(query_param("max", "3"))
            .respond_with(ResponseTemplate::new(200).set_body_json(chunk))
            .mount(&server)
            .await;
    }
    let mut brief = Vec::new();
    for user in users.as_array().unwrap() {
        let mut u = user.clone();
        let consents = u.as_object_mut().unwrap().remove("clientConsents").unwrap();
        get(&format!("/users/{}/consents", u["id"].as_str().unwrap()))
            .respond_with(ResponseTemplate::new(200).set_body_json(consents))
            .mount(&server)
            .await;
        brief.push(u);
    }
    let users_page = if users_ok {
        ResponseTemplate::new(200).set_body_json(brief)
    } else {
        forbidden()
    };
    get("/users")
        .and(query_param("first", "0"))
        .and(query_param("briefRepresentation", "true"))
        .respond_with(users_page)
        .mount(&server)
        .await;
    server
}

const REGISTRATION: &str =
    "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";

fn settings(server: &MockServer) -> TenantSettings {
    let mut s = TenantSettings::new("acme-kc", crate::Provider::Keycloak);
    s.base_url = Some(format!("{}/auth", server.uri()).parse().unwrap());
    s.realm = Some("acme".into());
    s.auth_realm = Some("master".into());
    s.client_id = Some("oauth-audit".into());
    s.client_secret = Some("collector-secret".into());
    s.page_size = Some(3);
    s
}

#[tokio::test]
async fn a_live_collection_equals_the_import_of_the_realm_export() {
    let server = keycloak(true, true, None).await;
    let connector = fetch::KeycloakConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let file = read(&fixture());
    assert_eq!(live.apps.len(), 4, "the clients of both pages");
    assert_eq!(live.grants.len(), 1);
    assert_eq!(inventory_json(&live), inventory_json(&file));
    assert_eq!(live.policies, file.policies);
    assert_eq!(live.policies[0].open_dynamic_registration, Some(true));
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(
        summary.requests, 9,
        "token, realm, policies, profiles, components, 2 client pages, users, consents"
    );

    // The service account's token, from the auth realm under the `/auth` prefix.
    let requests = server.received_requests().await.unwrap();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
        .into_owned()
        .collect();
    assert_eq!(
        requests[0].url.path(),
        "/auth/realms/master/protocol/openid-connect/token"
    );
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "oauth-audit");
    assert_eq!(form["client_secret"], "collector-secret");
}

#[tokio::test]
async fn a_client_secret_returned_by_the_admin_api_is_only_kept_as_a_digest() {
    with_digest_key();
    let server = keycloak(true, true, Some(SECRET)).await;
    let connector = fetch::KeycloakConnector::new(settings(&server)).unwrap();
    let (live, _) = collect_all(&connector).await.unwrap();
    let crm = client(&live.apps, "crm-backend");
    assert_eq!(
        crm.credentials[0].secret_digest,
        crate::secret_digest::digest(SECRET)
    );
    assert!(crm.credentials[0].secret_digest.is_some());
    assert_no_secret(&live.apps, &[SECRET]);
}

#[tokio::test]
async fn a_client_policy_read_from_the_realm_enforces_pkce_on_public_clients() {
    let policy = json!([{
        "name": "pkce-for-public", "enabled": true,
        "conditions": [{"condition": "client-access-type", "configuration": {"type": ["public"]}}],
        "profiles": ["oauth-2-1-for-public-client"],
    }]);
    let server = keycloak_with(true, true, None, policy).await;
    let connector = fetch::KeycloakConnector::new(settings(&server)).unwrap();
    let (live, _) = collect_all(&connector).await.unwrap();
    let file = read(&fixture());
    assert_ne!(
        client(&file.apps, "field-app").pkce.status,
        PkceStatus::Required
    );
    assert_eq!(
        client(&live.apps, "field-app").pkce.status,
        PkceStatus::Required
    );
    assert_ne!(
        client(&live.apps, "crm-backend").pkce.status,
        PkceStatus::Required
    );
}

#[tokio::test]
async fn unreadable_realm_settings_and_users_are_coverage_gaps() {
    let server = keycloak(false, false, None).await;
    let connector = fetch::KeycloakConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    assert_eq!(live.apps.len(), 4, "the clients are still collected");
    assert!(live.grants.is_empty() && live.policies.is_empty());
    let what: Vec<&str> = summary.gaps.iter().map(|g| g.what.as_str()).collect();
    assert_eq!(what.len(), 2, "{what:?}");
    assert!(what[0].contains("realm settings"), "{what:?}");
    assert!(what[1].contains("user consents"), "{what:?}");
    assert!(
        summary.gaps[0].reason.contains("HTTP 403"),
        "{}",
        summary.gaps[0].reason
    );
    assert_eq!(
        client(&live.apps, "field-app").pkce.status,
        PkceStatus::Unknown
    );
    assert!(crate::test_util::has_note(
        client(&live.apps, "field-app"),
        "pkce",
        NoteKind::Unknown
    ));
    for app in &live.apps {
        assert!(
            crate::test_util::has_note(app, "token_policy", NoteKind::Unknown),
            "{}",
            app.name
        );
    }
}

#[tokio::test]
async fn a_server_ignoring_the_offset_is_a_malformed_listing() {
    let clients = export()["clients"].clone();
    // Every offset answers the first page.
    let looping = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ADMIN}/clients")))
        .respond_with(ResponseTemplate::new(200).set_body_json(&clients.as_array().unwrap()[..3]))
        .mount(&looping)
        .await;
    Mock::given(method("GET"))
        .and(path(ADMIN))
        .respond_with(forbidden())
        .mount(&looping)
        .await;
    let mut s = settings(&looping);
    s.token = Some(TOKEN.into());
    let connector = fetch::KeycloakConnector::new(s).unwrap();
    let err = collect_all(&connector).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed);
    assert!(err.to_string().contains("loops"), "{err}");
    assert!(err.to_string().contains("tenant acme-kc"), "{err}");
}

#[test]
fn missing_config_is_an_error_naming_the_key() {
    let mut s = TenantSettings::new("acme-kc", crate::Provider::Keycloak);
    s.client_id = Some("oauth-audit".into());
    s.client_secret = Some("x".into());
    s.realm = Some("acme".into());
    let err = fetch::KeycloakConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`base_url` is required"), "{err}");
    s.base_url = Some("https://sso.acme.test".parse().unwrap());
    s.realm = None;
    let err = fetch::KeycloakConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`realm` is required"), "{err}");
    s.realm = Some("..".into());
    let err = fetch::KeycloakConnector::new(s.clone()).err().unwrap();
    assert!(
        err.message.contains("`realm` is not a valid realm name"),
        "{err}"
    );
    s.realm = Some("acme".into());
    s.client_secret = None;
    let err = fetch::KeycloakConnector::new(s.clone()).err().unwrap();
    assert!(err.message.contains("`client_secret_env`"), "{err}");
    s.token = Some("ready".into());
    assert!(
        crate::fetch::http_connector(s).is_ok(),
        "a ready token needs no client"
    );
}

#[tokio::test]
async fn users_are_asked_for_their_consents_several_at_a_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ADMIN))
        .respond_with(forbidden())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ADMIN}/clients")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let users: Vec<Value> = (0..8).map(|i| json!({"id": format!("u{i}")})).collect();
    Mock::given(method("GET"))
        .and(path(format!("{ADMIN}/users")))
        .respond_with(ResponseTemplate::new(200).set_body_json(users))
        .mount(&server)
        .await;
    let delay = std::time::Duration::from_millis(300);
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/auth/admin/realms/acme/users/u[0-7]/consents$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(delay),
        )
        .expect(8)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.token = Some(TOKEN.into());
    s.page_size = Some(100);
    s.http.concurrency = 4;
    s.http.requests_per_second = None;
    let connector = fetch::KeycloakConnector::new(s).unwrap();
    let started = std::time::Instant::now();
    collect_all(&connector).await.unwrap();
    let elapsed = started.elapsed();
    // One at a time would take 8 × 300 ms; four at a time, 2 × 300 ms.
    assert!(elapsed < delay * 6, "{elapsed:?}");
}
