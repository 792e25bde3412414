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
