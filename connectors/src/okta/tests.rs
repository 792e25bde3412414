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
