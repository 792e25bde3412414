use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantKind, GrantType, Lifetime, NoteKind,
    Ownership, PkceStatus, PolicySource, Principal, RedirectKind, Setting,
};
use crate::test_util::{assert_no_secret, by_name, fixture, has_note, with_digest_key};

fn clients() -> Inventory {
    read_document(&fixture("auth0/clients.json")).unwrap()
}

#[test]
fn a_web_client_keeps_only_a_digest_of_its_secret_and_its_rotating_refresh_policy() {
    with_digest_key();
    let inv = clients();
    assert_eq!(inv.apps.len(), 5);
    let portal = by_name(&inv.apps, "Customer Portal");
    assert_eq!(
        (portal.client_type, portal.app_kind, portal.ownership),
        (
            ClientType::Confidential,
            AppKind::Web,
            Ownership::FirstParty
        )
    );
    assert_eq!(
        portal.token_endpoint_auth_method.as_deref(),
        Some("client_secret_post")
    );
    assert_eq!(portal.credentials.len(), 1);
    let secret = &portal.credentials[0];
    assert_eq!(secret.kind, CredentialKind::Secret);
    assert_eq!(
        secret.secret_digest,
        crate::secret_digest::digest("auth0-returned-this-secret-value-0042")
    );
    assert!(secret.secret_digest.is_some());
    assert_eq!(portal.pkce.status, PkceStatus::Unknown);
    assert!(has_note(portal, "pkce", NoteKind::Unknown));
    let tp = &portal.token_policy;
    fn client<T>(v: T) -> Option<Setting<T>> {
        Some(Setting::new(v, PolicySource::Client))
    }
    assert_eq!(tp.refresh_token_rotation, client(true));
    assert_eq!(
        tp.refresh_token_lifetime,
        client(Lifetime::Seconds(2_592_000))
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime,
        client(Lifetime::Seconds(1_296_000))
    );
    assert_eq!(tp.refresh_token_reuse_interval, client(0));
    assert_eq!(tp.refresh_tokens_issued, client(true));
    assert_eq!(tp.sender_constrained, client(false));
    assert_eq!(tp.access_token_lifetime, None);
    assert!(has_note(
        portal,
        "token_policy.access_token_lifetime",
        NoteKind::Unknown
    ));
}

#[test]
fn a_native_app_with_a_secret_is_public_with_ropc_and_never_expiring_refresh_tokens() {
    let inv = clients();
    let app = by_name(&inv.apps, "Field Scanner");
    assert_eq!(
        (app.client_type, app.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert_eq!(
        app.credentials.len(),
        1,
        "the shipped secret is still a credential"
    );
    assert!(
        app.grant_types.contains(&GrantType::Password),
        "password-realm is ROPC"
    );
    assert!(
        app.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native && r.kind_inferred)
    );
    let tp = &app.token_policy;
    assert_eq!(
        tp.refresh_token_rotation.as_ref().map(|s| s.value),
        Some(false)
    );
    assert_eq!(
        tp.refresh_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_token_reuse_interval, None,
        "leeway only matters when rotating"
    );
}

#[test]
fn an_spa_with_implicit_wildcard_callbacks_and_hs256_id_tokens_holds_the_secret() {
    let inv = clients();
    let spa = by_name(&inv.apps, "Marketing Site");
    assert_eq!(
        (spa.client_type, spa.app_kind),
        (ClientType::Public, AppKind::Spa)
    );
    assert!(spa.grant_types.contains(&GrantType::Implicit));
    assert_eq!(
        spa.credentials.len(),
        1,
        "HS256 ID tokens are signed with the secret"
    );
    assert_eq!(spa.credentials[0].kind, CredentialKind::Secret);
    assert!(has_note(spa, "credentials", NoteKind::Inferred));
    assert!(
        spa.redirect_uris
            .iter()
            .any(|r| r.uri == "https://*.marketing.acme-demo.com/callback")
    );
    assert!(
        spa.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Spa)
    );
    assert!(has_note(
        spa,
        "token_policy.refresh_token_lifetime",
        NoteKind::Unknown
    ));
}

#[test]
fn a_private_key_jwt_service_with_a_script_name_keeps_the_name_as_text() {
    let inv = clients();
    let name = "<script>alert(\"oauth-audit-xss\")</script><img src=x onerror=alert(1)>";
    let m2m = by_name(&inv.apps, name);
    assert_eq!(
        (m2m.client_type, m2m.app_kind),
        (ClientType::Confidential, AppKind::Service)
    );
    assert_eq!(
        m2m.token_endpoint_auth_method.as_deref(),
        Some("private_key_jwt")
    );
    assert_eq!(m2m.credentials.len(), 1);
    assert_eq!(m2m.credentials[0].kind, CredentialKind::PrivateKeyJwt);
    assert_eq!(
        m2m.credentials[0].key_id.as_deref(),
        Some("cred_1a2B3c4D5e6F7g8H")
    );
    assert_eq!(m2m.grant_types, vec![GrantType::ClientCredentials]);
    assert_eq!(
        m2m.token_policy
            .sender_constrained
            .as_ref()
            .map(|s| s.value),
        Some(true)
    );
}

#[test]
fn a_self_registered_third_party_client_is_public_with_its_publisher_domain() {
    let inv = clients();
    let tp = by_name(&inv.apps, "chatpilot-demo.io");
    assert_eq!(tp.ownership, Ownership::ThirdParty);
    assert_eq!(tp.client_type, ClientType::Public);
    assert_eq!(tp.dynamically_registered, Some(true));
    assert_eq!(tp.publisher.domain.as_deref(), Some("chatpilot-demo.io"));
    assert!(
        tp.credentials.is_empty(),
        "a `none` client does not use its secret"
    );
    assert_eq!(
        tp.token_policy
            .refresh_token_reuse_interval
            .as_ref()
            .map(|s| s.value),
        Some(120)
    );
}

#[test]
fn no_secret_value_survives_into_the_model_or_its_evidence() {
    let inv = clients();
    assert_no_secret(
        &inv.apps,
        &[
            "auth0-returned-this-secret-value-0042",
            "native-app-secret-that-ships-in-the-apk-7781",
        ],
    );
}

#[test]
fn user_grants_and_client_grants_map_to_delegated_and_application_grants() {
    let users = read_document(&fixture("auth0/grants.json")).unwrap().grants;
    assert_eq!(users.len(), 2);
    let g = &users[0];
    assert_eq!(g.app_external_id, "tpc_ChatP1lotCimd00000004");
    assert_eq!(g.resource.as_deref(), Some("https://api.acme-demo.com/"));
    assert_eq!(g.scopes, vec!["offline_access", "openid", "read:contacts"]);
    assert_eq!(
        (g.consent_type, g.kind),
        (ConsentType::User, GrantKind::Delegated)
    );
    assert!(
        matches!(&g.principal, Principal::User { id, .. } if id == "auth0|65f1a2b3c4d5e6f708091a2b")
    );

    let m2m = read_document(&fixture("auth0/client-grants.json"))
        .unwrap()
        .grants;
    assert_eq!(m2m.len(), 2);
    assert_eq!(
        (m2m[0].consent_type, m2m[0].kind, &m2m[0].principal),
        (
            ConsentType::Admin,
            GrantKind::Application,
            &Principal::Tenant
        )
    );
    assert_eq!(
        m2m[1].scopes,
        vec!["*"],
        "allow_all_scopes covers every scope"
    );
}

#[test]
fn a_client_without_an_id_is_malformed_and_names_its_item() {
    let e = read_document(&serde_json::json!({"clients": [{"name": "x"}]})).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("clients[0]:"), "{e}");
}

mod live {
    //! The HTTP connector against a loopback Management API serving the fixtures' objects.

    use std::collections::HashMap;

    use serde_json::{Value, json};
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::ErrorKind;
    use crate::settings::TenantSettings;
    use crate::test_util::{collect_all, inventory_json};

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
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"total": 50, "start": 0, "limit": 3, "clients": &clients[..3]}),
            ))
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
}
