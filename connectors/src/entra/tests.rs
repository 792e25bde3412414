use std::path::PathBuf;

use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantKind, GrantType, OAuthApp, Ownership,
    PkceStatus, Principal, RedirectKind,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/entra")
        .join(name)
}

fn read(path: &Path) -> Result<(Vec<OAuthApp>, Vec<crate::model::Grant>), ConnectorError> {
    crate::file::read_all(crate::Provider::Entra, path).map(|inv| (inv.apps, inv.grants))
}

fn by_name<'a>(apps: &'a [OAuthApp], name: &str) -> &'a OAuthApp {
    apps.iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no app {name}"))
}

#[test]
fn first_party_native_app_is_public_with_its_secret_and_unknown_pkce() {
    let (apps, _) = read(&fixture("basic")).unwrap();
    let app = by_name(&apps, "Field Service Mobile");
    assert_eq!(app.external_id, "b8e1e2a4-3c5d-4e6f-8a9b-0c1d2e3f4a5b");
    assert_eq!(app.ownership, Ownership::FirstParty);
    assert_eq!(app.client_type, ClientType::Public);
    assert_eq!(app.app_kind, AppKind::Native);
    assert_eq!(app.enabled, Some(true));
    assert!(
        app.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native && !r.kind_inferred)
    );
    assert!(
        app.grant_types.contains(&GrantType::Password)
            && app.grant_types.contains(&GrantType::DeviceCode)
    );
    assert_eq!(app.pkce.status, PkceStatus::Unknown);
    assert!(
        app.note("pkce")
            .is_some_and(|n| n.reason.contains("no PKCE setting"))
    );
    assert_eq!(app.credentials.len(), 1);
    let secret = &app.credentials[0];
    assert_eq!(secret.kind, CredentialKind::Secret);
    assert_eq!(secret.hint.as_deref(), Some("Q~8"));
    assert_eq!(
        secret.expires_at.map(|d| d.to_rfc3339()),
        Some("2299-12-31T00:00:00+00:00".into())
    );
    assert_eq!(
        app.requested_scopes,
        vec!["Mail.Read".to_string(), "User.Read".to_string()]
    );
}

#[test]
fn spa_app_requires_pkce_by_platform_and_keeps_disabled_state() {
    let (apps, _) = read(&fixture("basic")).unwrap();
    let app = by_name(&apps, "Expenses SPA");
    assert_eq!(app.app_kind, AppKind::Spa);
    assert_eq!(app.pkce.status, PkceStatus::Required);
    assert!(
        app.note("pkce")
            .is_some_and(|n| n.kind == crate::model::NoteKind::Inferred)
    );
    assert_eq!(app.enabled, Some(false));
    assert_eq!(app.publisher.verified, Some(true));
    assert_eq!(app.credentials[0].kind, CredentialKind::Certificate);
}

#[test]
fn third_party_apps_come_from_service_principals_with_unknowns_recorded() {
    let (apps, _) = read(&fixture("basic")).unwrap();
    assert!(
        apps.iter().all(|a| a.name != "vm-identity"),
        "managed identities are not OAuth clients"
    );
    let app = by_name(&apps, "ChatPilot Sales Assistant");
    assert_eq!(app.ownership, Ownership::ThirdParty);
    assert_eq!(app.publisher.name.as_deref(), Some("ChatPilot Inc."));
    assert_eq!(app.publisher.verified, Some(false));
    assert_eq!(app.client_type, ClientType::Unknown);
    assert!(app.note("client_type").is_some());
    assert_eq!(app.redirect_uris[0].kind, RedirectKind::Web);
    assert!(app.redirect_uris[0].kind_inferred);
    assert_eq!(
        apps.len(),
        4,
        "two first-party apps, ChatPilot and Microsoft Graph"
    );
}

#[test]
fn grants_resolve_clients_resources_and_permission_names() {
    let (_, grants) = read(&fixture("basic")).unwrap();
    assert_eq!(grants.len(), 3, "the grant of an unknown client is skipped");
    let admin = grants
        .iter()
        .find(|g| g.consent_type == ConsentType::Admin && g.kind == GrantKind::Delegated)
        .unwrap();
    assert_eq!(
        admin.app_external_id,
        "7d3b9a10-2e4f-4c6a-9b8d-1f2e3d4c5b6a"
    );
    assert_eq!(admin.principal, Principal::Tenant);
    assert_eq!(
        admin.resource.as_deref(),
        Some("00000003-0000-0000-c000-000000000000")
    );
    assert_eq!(
        admin.scopes,
        vec!["Mail.Read", "User.Read", "offline_access"]
    );
    let user = grants
        .iter()
        .find(|g| g.consent_type == ConsentType::User)
        .unwrap();
    assert!(
        matches!(&user.principal, Principal::User { id, .. } if id == "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
    );
    let app_only = grants
        .iter()
        .find(|g| g.kind == GrantKind::Application)
        .unwrap();
    assert_eq!(app_only.scopes, vec!["Mail.Read"]);
    assert_eq!(app_only.principal, Principal::Tenant);
}

#[test]
fn a_missing_required_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = read(dir.path()).unwrap_err();
    assert_eq!(err.kind, crate::ErrorKind::Io);
    assert!(err.message.contains("applications.json"), "{err}");
}

#[test]
fn a_malformed_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "applications.json",
        "servicePrincipals.json",
        "oauth2PermissionGrants.json",
    ] {
        std::fs::copy(fixture("basic").join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("oauth2PermissionGrants.json"),
        r#"{"value": [{"id": 1}"#,
    )
    .unwrap();
    let err = read(dir.path()).unwrap_err();
    assert_eq!(err.kind, crate::ErrorKind::Malformed);
    assert!(
        err.source_name
            .as_deref()
            .is_some_and(|s| s.ends_with("oauth2PermissionGrants.json")),
        "{err}"
    );
}

#[test]
fn consent_policy_maps_to_user_consent() {
    let legacy = serde_json::json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]}});
    assert_eq!(
        parse::tenant_policy(&legacy).user_consent,
        Some(crate::model::UserConsentPolicy::AllowAll)
    );
    let none =
        serde_json::json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}});
    assert_eq!(
        parse::tenant_policy(&none).user_consent,
        Some(crate::model::UserConsentPolicy::AdminOnly)
    );
}

#[test]
fn one_certificate_on_two_apps_has_one_fingerprint() {
    let app = |app_id: &str, key_id: &str, thumbprint: Option<&str>| {
        let v = serde_json::json!({
            "appId": app_id,
            "displayName": app_id,
            "web": {"redirectUris": ["https://x.example/cb"]},
            "keyCredentials": [{"customKeyIdentifier": thumbprint, "keyId": key_id, "type": "AsymmetricX509Cert", "usage": "Verify"}]
        });
        let app = parse::first_party_app(&v, None, &parse::PermissionNames::default()).unwrap();
        app.credentials[0].fingerprint.clone()
    };
    let a = app("app-a", "key-1", Some("A1B2C3D4E5F6"));
    assert_eq!(a, app("app-b", "key-2", Some("A1B2C3D4E5F6")));
    assert_ne!(a, app("app-b", "key-2", Some("FFEEDDCCBBAA")));
    assert_ne!(
        app("app-a", "key-1", None),
        app("app-b", "key-1", None),
        "without a thumbprint the fingerprint stays scoped to the app"
    );
}

mod live {
    //! The HTTP connector against a loopback Graph serving the `basic` export's objects.

    use serde_json::{Value, json};
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::settings::TenantSettings;
    use crate::test_util::{collect_all, inventory_json};

    fn items(name: &str) -> Vec<Value> {
        let text = std::fs::read_to_string(fixture("basic").join(name)).unwrap();
        match serde_json::from_str::<Value>(&text).unwrap() {
            Value::Array(v) => v,
            mut page => page["value"].take().as_array().unwrap().clone(),
        }
    }

    async fn graph(policy_status: u16) -> MockServer {
        let server = MockServer::start().await;
        let page = |v: &[Value]| ResponseTemplate::new(200).set_body_json(json!({"value": v}));
        Mock::given(method("POST"))
            .and(path("/tenant-1/oauth2/v2.0/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "graph-token", "expires_in": 3600})),
            )
            .mount(&server)
            .await;
        let authed = |p: &str| {
            Mock::given(method("GET"))
                .and(path(p.to_string()))
                .and(header("authorization", "Bearer graph-token"))
        };
        authed("/v1.0/applications")
            .respond_with(page(&items("applications.json")))
            .mount(&server)
            .await;
        // Service principals in two pages, the second reached through @odata.nextLink.
        let sps = items("servicePrincipals.json");
        let next = format!("{}/v1.0/servicePrincipals?$skiptoken=page2", server.uri());
        authed("/v1.0/servicePrincipals")
            .and(query_param("$skiptoken", "page2"))
            .respond_with(page(&sps[2..]))
            .mount(&server)
            .await;
        authed("/v1.0/servicePrincipals")
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"value": &sps[..2], "@odata.nextLink": next})),
            )
            .mount(&server)
            .await;
        authed("/v1.0/oauth2PermissionGrants")
            .respond_with(page(&items("oauth2PermissionGrants.json")))
            .mount(&server)
            .await;
        authed("/v1.0/servicePrincipals/33333333-cccc-4ddd-8eee-000000000004/appRoleAssignedTo")
            .respond_with(page(&items("appRoleAssignments.json")))
            .mount(&server)
            .await;
        authed("/v1.0/policies/authorizationPolicy")
            .respond_with(ResponseTemplate::new(policy_status).set_body_json(json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}})))
            .mount(&server)
            .await;
        server
    }

    fn settings(server: &MockServer) -> TenantSettings {
        let mut s = TenantSettings::new("contoso", crate::Provider::Entra);
        s.base_url = Some(server.uri().parse().unwrap());
        s.token_url = Some(
            format!("{}/tenant-1/oauth2/v2.0/token", server.uri())
                .parse()
                .unwrap(),
        );
        s.client_id = Some("collector".into());
        s.client_secret = Some("secret".into());
        s
    }

    #[tokio::test]
    async fn a_live_collection_equals_the_import_of_the_same_objects() {
        let server = graph(403).await;
        let connector = fetch::EntraConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        let file = crate::file::read_all(crate::Provider::Entra, &fixture("basic")).unwrap();
        assert_eq!(
            live.apps.len(),
            4,
            "two first-party apps, two third-party ones"
        );
        assert_eq!(inventory_json(&live), inventory_json(&file));
        // The consent policy was forbidden: a gap, reported, not a failure.
        assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
        assert!(summary.gaps[0].what.contains("authorizationPolicy"));
        assert!(
            summary.gaps[0]
                .reason
                .contains("Authorization_RequestDenied")
        );
        assert_eq!(
            summary.requests, 8,
            "token, application ids, 2 SP pages, applications, grants, roles, policy"
        );
    }

    #[tokio::test]
    async fn an_endpoint_the_tenant_lacks_is_skipped_not_a_gap() {
        let server = graph(404).await;
        let connector = fetch::EntraConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
        assert!(live.policies.is_empty());
        assert_eq!(live.apps.len(), 4);
    }

    #[tokio::test]
    async fn the_consent_policy_is_collected_when_readable() {
        let server = graph(200).await;
        let connector = fetch::EntraConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert!(summary.gaps.is_empty());
        assert_eq!(live.policies.len(), 1);
    }

    #[test]
    fn missing_credentials_are_a_config_error_naming_the_key() {
        let mut s = TenantSettings::new("contoso", crate::Provider::Entra);
        s.client_id = Some("c".into());
        s.tenant_id = Some("t".into());
        let err = fetch::EntraConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("client_secret_env"), "{err}");
        s.tenant_id = None;
        s.client_secret = Some("x".into());
        let err = fetch::EntraConnector::new(s).err().unwrap();
        assert!(err.message.contains("`tenant_id` is required"), "{err}");
    }
}
