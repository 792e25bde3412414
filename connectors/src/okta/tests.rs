use std::path::PathBuf;

use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantType, OAuthApp, Ownership, PkceStatus,
    Principal, RedirectKind,
};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta/basic")
}

fn read(path: &Path) -> Result<(Vec<OAuthApp>, Vec<crate::model::Grant>), ConnectorError> {
    crate::file::read_all(crate::Provider::Okta, path).map(|inv| (inv.apps, inv.grants))
}

#[test]
fn only_oauth_apps_are_read_and_secrets_are_never_kept() {
    let (apps, _) = read(&fixture()).unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Payroll Sync", "Field Mobile", "Zoom"],
        "SAML and bookmark apps are skipped"
    );
    let payroll = &apps[0];
    assert_eq!(payroll.client_id.as_deref(), Some("0oabskvc6442nkvQO0h7"));
    assert_eq!(
        (payroll.client_type, payroll.app_kind, payroll.ownership),
        (
            ClientType::Confidential,
            AppKind::Web,
            Ownership::FirstParty
        )
    );
    assert_eq!(payroll.credentials.len(), 1);
    assert_eq!(payroll.credentials[0].kind, CredentialKind::Secret);
    assert_eq!(payroll.pkce.status, PkceStatus::Unknown);
    let json = serde_json::to_string(&apps).unwrap();
    assert!(
        !json.contains("okta-returned-this-secret-value-0001"),
        "the secret value must not survive parsing"
    );
    assert_eq!(
        payroll
            .token_policy
            .refresh_token_rotation
            .as_ref()
            .map(|s| s.value),
        Some(false)
    );
}

#[test]
fn a_native_app_is_public_with_optional_pkce_implicit_and_password() {
    let (apps, _) = read(&fixture()).unwrap();
    let mobile = apps.iter().find(|a| a.name == "Field Mobile").unwrap();
    assert_eq!(
        (mobile.client_type, mobile.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert_eq!(mobile.enabled, Some(false));
    assert_eq!(mobile.pkce.status, PkceStatus::Optional);
    for g in [
        GrantType::AuthorizationCode,
        GrantType::Implicit,
        GrantType::Password,
    ] {
        assert!(mobile.grant_types.contains(&g), "{g:?}");
    }
    assert!(
        mobile
            .redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native && r.kind_inferred)
    );
    assert!(mobile.credentials.is_empty());
}

#[test]
fn catalog_apps_are_third_party_with_their_jwks_keys() {
    let (apps, _) = read(&fixture()).unwrap();
    let zoom = apps.iter().find(|a| a.name == "Zoom").unwrap();
    assert_eq!(zoom.ownership, Ownership::ThirdParty);
    assert_eq!(zoom.publisher.name.as_deref(), Some("zoomus"));
    assert_eq!(zoom.publisher.domain.as_deref(), Some("zoom.us"));
    assert_eq!(zoom.pkce.status, PkceStatus::Required);
    assert_eq!(zoom.credentials[0].kind, CredentialKind::PrivateKeyJwt);
    assert_eq!(zoom.credentials[0].key_id.as_deref(), Some("zoom-key-1"));
}

#[test]
fn grants_map_users_admins_and_skip_revoked_ones() {
    let (_, grants) = read(&fixture()).unwrap();
    assert_eq!(grants.len(), 2);
    let user = &grants[0];
    assert_eq!(
        user.app_external_id, "0oa9i6uhuuNoIeZza1d7",
        "client ids resolve to app ids"
    );
    assert_eq!(user.scopes, vec!["offline_access"]);
    assert_eq!(user.consent_type, ConsentType::User);
    assert!(
        matches!(&user.principal, Principal::User { email: Some(e), .. } if e == "alice@acme.com")
    );
    let admin = &grants[1];
    assert_eq!(
        (admin.consent_type, &admin.principal),
        (ConsentType::Admin, &Principal::Tenant)
    );
    assert_eq!(admin.scopes, vec!["okta.users.read"]);
}

#[test]
fn missing_and_malformed_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = read(dir.path()).unwrap_err();
    assert!(e.message.contains("apps.json"), "{e}");
    std::fs::write(
        dir.path().join("apps.json"),
        r#"[{"id": "0oa1", "signOnMode": "OPENID_CONNECT", "label": 7}]"#,
    )
    .unwrap();
    let e = read(dir.path()).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(
        e.source_name
            .as_deref()
            .is_some_and(|s| s.ends_with("apps.json"))
            && e.message.contains("0oa1"),
        "{e}"
    );
}

fn oidc_app(id: &str, oauth_client: serde_json::Value, jwks: serde_json::Value) -> OAuthApp {
    let v = serde_json::json!({
        "id": id, "name": "oidc_client", "label": id, "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": oauth_client},
        "settings": {"oauthClient": {"application_type": "service", "grant_types": ["client_credentials"], "jwks": jwks}}
    });
    parse::parse_app(&v).unwrap().unwrap()
}

#[test]
fn one_jwk_on_two_apps_has_one_fingerprint() {
    let key =
        |n: &str| serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "e": "AQAB", "n": n}]});
    let auth = serde_json::json!({"token_endpoint_auth_method": "private_key_jwt"});
    let fp = |id: &str, n: &str| {
        oidc_app(id, auth.clone(), key(n)).credentials[0]
            .fingerprint
            .clone()
    };
    assert_eq!(fp("0oa1", "modulus-1"), fp("0oa2", "modulus-1"));
    assert_ne!(fp("0oa1", "modulus-1"), fp("0oa2", "modulus-2"));
    let no_material = serde_json::json!({"keys": [{"kid": "k1"}]});
    assert_ne!(
        oidc_app("0oa1", auth.clone(), no_material.clone()).credentials[0].fingerprint,
        oidc_app("0oa2", auth, no_material).credentials[0].fingerprint,
        "a JWK without key material stays scoped to its app"
    );
}

#[test]
fn a_returned_client_secret_becomes_a_keyed_digest_and_nothing_else() {
    crate::secret_digest::install_key([7; 32]);
    let secret = "okta-secret-value-for-the-digest-test";
    let auth = serde_json::json!({"client_secret": secret, "token_endpoint_auth_method": "client_secret_basic"});
    let app = oidc_app("0oa1", auth.clone(), serde_json::json!({"keys": []}));
    let digest = app.credentials[0].secret_digest.clone();
    assert!(digest.is_some());
    assert_eq!(digest, crate::secret_digest::digest(secret));
    assert_eq!(
        digest,
        oidc_app("0oa2", auth, serde_json::json!({"keys": []})).credentials[0].secret_digest,
        "the same secret on two apps has the same digest"
    );
    assert!(!serde_json::to_string(&app).unwrap().contains(secret));
    let masked = serde_json::json!({"client_secret": "******", "token_endpoint_auth_method": "client_secret_basic"});
    let app = oidc_app("0oa3", masked, serde_json::json!({"keys": []}));
    assert_eq!(app.credentials[0].secret_digest, None);
}

mod live {
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
        assert_eq!(summary.requests, 5, "2 app pages, 3 OAuth apps' grants");
        crate::test_util::assert_no_secret(&live.apps, &["okta-returned-this-secret-value-0001"]);
    }

    #[tokio::test]
    async fn forbidden_grants_are_a_coverage_gap_and_the_apps_are_kept() {
        let server = org(&format!("SSWS {API_TOKEN}"), 403).await;
        let connector = fetch::OktaConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert_eq!(live.apps.len(), 3);
        assert!(live.grants.is_empty());
        assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
        assert!(summary.gaps[0].what.contains("grants"));
        assert!(
            summary.gaps[0].reason.contains("E0000006"),
            "{}",
            summary.gaps[0].reason
        );
        assert_eq!(
            summary.requests, 3,
            "the grant calls stop at the first refusal"
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
}
