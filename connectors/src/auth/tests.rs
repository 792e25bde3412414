//! Token sources against a loopback token endpoint: the requests they send, the assertions
//! they sign (verified with the test key's public half), caching, renewal and failures.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::Provider;
use crate::http::{HttpClient, HttpSettings};
use crate::test_util::{test_key, verified_claims};

fn http() -> HttpClient {
    HttpClient::new(
        "acme",
        Provider::Entra,
        HttpSettings {
            backoff_base: Duration::from_millis(10),
            requests_per_second: None,
            ..HttpSettings::default()
        },
    )
    .unwrap()
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

/// The form fields of the `n`th request the server received.
async fn form(server: &MockServer, n: usize) -> HashMap<String, String> {
    let requests = server.received_requests().await.unwrap();
    url::form_urlencoded::parse(&requests[n].body)
        .into_owned()
        .collect()
}

async fn token_endpoint(server: &MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn client_credentials_are_posted_once_and_the_token_is_cached() {
    let server = MockServer::start().await;
    token_endpoint(
        &server,
        json!({"access_token": "at-1", "expires_in": 3600, "token_type": "Bearer"}),
    )
    .await;
    let source = OAuthToken::new(Grant::ClientSecret {
        token_url: url(&server, "/token"),
        client_id: "collector".into(),
        secret: SecretString::from("s3cret"),
        scope: Some("https://graph.microsoft.com/.default".into()),
        audience: None,
    });
    let http = http();
    for _ in 0..3 {
        let value = source.authorization(&http).await.unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer at-1");
        assert!(value.is_sensitive());
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "cached after the first"
    );
    let fields = form(&server, 0).await;
    assert_eq!(fields["grant_type"], "client_credentials");
    assert_eq!(fields["client_id"], "collector");
    assert_eq!(fields["client_secret"], "s3cret");
    assert_eq!(fields["scope"], "https://graph.microsoft.com/.default");
    assert!(
        !format!("{source:?}").contains("s3cret"),
        "Debug shows no secret"
    );
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires_and_after_invalidation() {
    let server = MockServer::start().await;
    token_endpoint(&server, json!({"access_token": "short", "expires_in": 1})).await;
    let source = OAuthToken::new(Grant::ClientSecret {
        token_url: url(&server, "/token"),
        client_id: "c".into(),
        secret: SecretString::from("s"),
        scope: None,
        audience: Some("https://acme.eu.auth0.com/api/v2/".into()),
    });
    let http = http();
    source.authorization(&http).await.unwrap();
    source.authorization(&http).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    source.authorization(&http).await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "renewed near expiry"
    );
    source.invalidate().await;
    source.authorization(&http).await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "renewed after invalidation"
    );
    assert_eq!(
        form(&server, 0).await["audience"],
        "https://acme.eu.auth0.com/api/v2/"
    );
}

#[tokio::test]
async fn an_api_401_fetches_a_new_token_once_and_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "old", "expires_in": 3600})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    token_endpoint(&server, json!({"access_token": "new", "expires_in": 3600})).await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer old"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .mount(&server)
        .await;
    let source = OAuthToken::new(Grant::ClientSecret {
        token_url: url(&server, "/token"),
        client_id: "c".into(),
        secret: SecretString::from("s"),
        scope: None,
        audience: None,
    });
    let (body, _) = http()
        .get_json(url(&server, "/api"), &source)
        .await
        .unwrap();
    assert_eq!(body, json!({"ok": 1}));
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/token"))
        .and(body_string_contains("client_secret=wrong-secret"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "Invalid client secret provided."}),
        ))
        .mount(&server)
        .await;
    let source = OAuthToken::new(Grant::ClientSecret {
        token_url: url(&server, "/token"),
        client_id: "c".into(),
        secret: SecretString::from("wrong-secret"),
        scope: None,
        audience: None,
    });
    let err = source.authorization(&http()).await.unwrap_err();
    assert_eq!(err.kind, crate::ErrorKind::Auth);
    let text = err.to_string();
    assert!(
        text.contains("invalid_client: Invalid client secret provided."),
        "{text}"
    );
    assert!(text.contains("tenant acme, POST /token"), "{text}");
    assert!(!text.contains("wrong-secret"), "{text}");
}

#[tokio::test]
async fn private_key_jwt_signs_a_fresh_client_assertion_for_the_token_url() {
    let server = MockServer::start().await;
    token_endpoint(
        &server,
        json!({"access_token": "okta-at", "expires_in": 3600}),
    )
    .await;
    let token_url = url(&server, "/token");
    let source = OAuthToken::new(Grant::ClientAssertion {
        token_url: token_url.clone(),
        client_id: "0oa-service".into(),
        key: SigningKey::from_rsa_pem(&test_key("test-rsa.pem"))
            .unwrap()
            .with_kid(Some("k1".into())),
        scope: Some("okta.apps.read okta.users.read".into()),
    });
    source.authorization(&http()).await.unwrap();
    let fields = form(&server, 0).await;
    assert_eq!(
        fields["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(fields["scope"], "okta.apps.read okta.users.read");
    assert!(!fields.contains_key("client_secret"));
    let (header, claims) = verified_claims(&fields["client_assertion"]);
    assert_eq!(header.kid.as_deref(), Some("k1"));
    assert_eq!(claims["iss"], "0oa-service");
    assert_eq!(claims["sub"], "0oa-service");
    assert_eq!(claims["aud"], token_url.as_str());
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() == 32));
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert!(lifetime <= 300, "short-lived assertion: {lifetime} s");
}

#[tokio::test]
async fn a_certificate_credential_names_its_certificate_by_thumbprint() {
    let server = MockServer::start().await;
    token_endpoint(
        &server,
        json!({"access_token": "graph-at", "expires_in": 3600}),
    )
    .await;
    let source = OAuthToken::new(Grant::ClientAssertion {
        token_url: url(&server, "/token"),
        client_id: "app-id".into(),
        key: SigningKey::from_certificate_pem(&test_key("test-cert-and-key.pem")).unwrap(),
        scope: Some("https://graph.microsoft.com/.default".into()),
    });
    source.authorization(&http()).await.unwrap();
    let (header, _) = verified_claims(&form(&server, 0).await["client_assertion"]);
    // base64url of the certificate's SHA-1 fingerprint AE:6D:7E:DC:…:6C:0B (openssl x509 -fingerprint).
    assert_eq!(header.x5t.as_deref(), Some("rm1-3Ewwq6QdKskuN96e7tIbbAs"));
    assert!(header.x5t_s256.is_some());
}

#[tokio::test]
async fn google_domain_wide_delegation_uses_the_jwt_bearer_grant() {
    let server = MockServer::start().await;
    token_endpoint(
        &server,
        json!({"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"}),
    )
    .await;
    let pem = String::from_utf8(test_key("test-rsa.pem")).unwrap();
    let token_uri = url(&server, "/token");
    let file = json!({
        "type": "service_account", "client_email": "audit@proj.iam.gserviceaccount.com",
        "private_key_id": "abc123", "private_key": pem, "token_uri": token_uri.as_str(),
    });
    let account = ServiceAccount::from_json(file.to_string().as_bytes()).unwrap();
    assert!(!format!("{account:?}").contains("PRIVATE KEY"));
    let source = OAuthToken::new(Grant::JwtBearer {
        token_url: token_uri.clone(),
        issuer: account.client_email.clone(),
        subject: Some("admin@acme.example".into()),
        audience: token_uri.to_string(),
        scope: Some("https://www.googleapis.com/auth/admin.directory.user.readonly".into()),
        key: account.signing_key().unwrap(),
    });
    let value = source.authorization(&http()).await.unwrap();
    assert_eq!(value.to_str().unwrap(), "Bearer ya29.x");
    let fields = form(&server, 0).await;
    assert_eq!(
        fields["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (header, claims) = verified_claims(&fields["assertion"]);
    assert_eq!(header.kid.as_deref(), Some("abc123"));
    assert_eq!(claims["iss"], "audit@proj.iam.gserviceaccount.com");
    assert_eq!(claims["sub"], "admin@acme.example");
    assert_eq!(claims["aud"], token_uri.as_str());
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/admin.directory.user.readonly"
    );
}

#[test]
fn a_file_that_is_not_a_service_account_is_refused() {
    let err =
        ServiceAccount::from_json(br#"{"type": "authorized_user", "client_id": "x"}"#).unwrap_err();
    assert!(err.message.contains("service_account"), "{err}");
    assert!(ServiceAccount::from_json(b"not json").is_err());
}

#[tokio::test]
async fn a_github_app_exchanges_its_jwt_for_an_installation_token() {
    let server = MockServer::start().await;
    let in_an_hour = std::time::SystemTime::now() + Duration::from_secs(3600);
    let expires = chrono::DateTime::<chrono::Utc>::from(in_an_hour).to_rfc3339();
    Mock::given(method("POST"))
        .and(path("/api/v3/app/installations/42/access_tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"token": "ghs_inst", "expires_at": expires})),
        )
        .mount(&server)
        .await;
    let source = OAuthToken::new(Grant::GitHubApp {
        api_base: url(&server, "/api/v3"),
        app_id: "12345".into(),
        installation_id: "42".into(),
        key: SigningKey::from_rsa_pem(&test_key("test-rsa.pem")).unwrap(),
    });
    let value = source.authorization(&http()).await.unwrap();
    assert_eq!(value.to_str().unwrap(), "token ghs_inst");
    let requests = server.received_requests().await.unwrap();
    let auth = requests[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let (_, claims) = verified_claims(auth.strip_prefix("Bearer ").unwrap());
    assert_eq!(claims["iss"], "12345");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert!(
        lifetime <= 600,
        "GitHub caps app JWTs at 10 minutes: {lifetime}"
    );
}

#[tokio::test]
async fn static_tokens_use_their_scheme_and_are_not_renewable() {
    let http = http();
    let okta = StaticToken::new(Scheme::Ssws, SecretString::from("00abc"));
    assert_eq!(
        okta.authorization(&http).await.unwrap().to_str().unwrap(),
        "SSWS 00abc"
    );
    assert!(!okta.renewable());
    assert!(!format!("{okta:?}").contains("00abc"));
    let bearer = StaticToken::new(Scheme::Bearer, SecretString::from("xoxp-1\n"));
    assert_eq!(
        bearer.authorization(&http).await.unwrap().to_str().unwrap(),
        "Bearer xoxp-1"
    );
}
