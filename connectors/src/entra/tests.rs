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
