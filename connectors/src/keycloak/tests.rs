use std::path::PathBuf;

use super::*;
use crate::model::{
    AppKind, ClientType, CredentialKind, GrantType, Lifetime, OAuthApp, PkceStatus, PolicySource,
    Principal,
};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keycloak/realm-export.json")
}

fn read(path: &Path) -> Result<crate::file::Inventory, ConnectorError> {
    crate::file::read_all(crate::Provider::Keycloak, path)
}

fn client<'a>(apps: &'a [OAuthApp], id: &str) -> &'a OAuthApp {
    apps.iter()
        .find(|a| a.client_id.as_deref() == Some(id))
        .unwrap()
}

#[test]
fn a_confidential_client_has_its_flows_secret_date_and_lifetimes_but_never_the_secret() {
    let apps = read(&fixture()).unwrap().apps;
    assert_eq!(apps.len(), 4);
    let crm = client(&apps, "crm-backend");
    assert_eq!(
        (crm.client_type, crm.app_kind),
        (ClientType::Confidential, AppKind::Web)
    );
    for g in [
        GrantType::AuthorizationCode,
        GrantType::Password,
        GrantType::ClientCredentials,
        GrantType::RefreshToken,
    ] {
        assert!(crm.grant_types.contains(&g), "{g:?}");
    }
    assert_eq!(crm.pkce.status, PkceStatus::Optional);
    assert_eq!(crm.credentials.len(), 1);
    assert_eq!(crm.credentials[0].kind, CredentialKind::Secret);
    assert_eq!(
        crm.credentials[0].created_at.map(|t| t.timestamp()),
        Some(1695977117)
    );
    let tp = &crm.token_policy;
    assert_eq!(
        tp.access_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        Some((Lifetime::Seconds(86400), PolicySource::Client))
    );
    assert_eq!(
        tp.refresh_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Unlimited),
        "offline tokens without a max lifespan"
    );
    assert_eq!(
        tp.refresh_token_rotation.as_ref().map(|s| s.value),
        Some(false)
    );
    assert!(
        !serde_json::to_string(crm)
            .unwrap()
            .contains("\"secret\":\"**"),
        "the secret field is redacted in evidence"
    );
}

#[test]
fn public_clients_are_native_or_spa_with_pkce_from_the_attribute() {
    let apps = read(&fixture()).unwrap().apps;
    let console = client(&apps, "account-console");
    assert_eq!(
        (console.client_type, console.pkce.status),
        (ClientType::Public, PkceStatus::Required)
    );
    assert_eq!(
        console.redirect_uris[0].uri, "${authBaseUrl}/realms/acme/account/*",
        "relative redirects resolve against rootUrl"
    );
    assert_eq!(
        console
            .token_policy
            .access_token_lifetime
            .as_ref()
            .map(|s| s.source),
        Some(PolicySource::TenantDefault)
    );
    let field = client(&apps, "field-app");
    assert_eq!(
        (field.client_type, field.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert_eq!(field.pkce.status, PkceStatus::Optional);
    assert!(field.grant_types.contains(&GrantType::DeviceCode));
    assert!(
        field.credentials.is_empty(),
        "public clients hold no secret"
    );
    assert_eq!(client(&apps, "realm-management").app_kind, AppKind::Service);
}

#[test]
fn a_client_policy_with_pkce_enforcer_makes_pkce_required() {
    let mut realm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    realm["clientPolicies"] = serde_json::json!({"policies": [{"name": "public-pkce", "enabled": true,
        "conditions": [{"condition": "client-access-type", "configuration": {"type": ["public"]}}], "profiles": ["oauth-2-1-for-public-client"]}]});
    let settings = parse::RealmSettings::from_realm(&realm);
    let field = parse::parse_client(&realm["clients"][2], &settings).unwrap();
    assert_eq!(field.pkce.status, PkceStatus::Required);
    assert!(
        field
            .note("pkce")
            .is_some_and(|n| n.reason.contains("public-pkce"))
    );
    let crm = parse::parse_client(&realm["clients"][1], &settings).unwrap();
    assert_eq!(
        crm.pkce.status,
        PkceStatus::Optional,
        "the policy matches public clients only"
    );
}

#[test]
fn consents_and_registration_policy_are_read() {
    let crate::file::Inventory {
        apps,
        grants,
        policies,
    } = read(&fixture()).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].app_external_id,
        client(&apps, "field-app").external_id
    );
    assert_eq!(grants[0].scopes, vec!["offline_access", "profile"]);
    assert!(
        matches!(&grants[0].principal, Principal::User { email: Some(e), .. } if e == "alice@acme.com")
    );
    assert_eq!(
        policies[0].open_dynamic_registration,
        Some(true),
        "anonymous registration without trusted-hosts"
    );
}

#[test]
fn a_file_that_is_not_a_realm_export_is_rejected_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("realm.json");
    std::fs::write(&path, r#"{"realm": "x"}"#).unwrap();
    let e = read(&path).unwrap_err();
    assert!(
        e.message.contains("clients")
            && e.source_name
                .as_deref()
                .is_some_and(|s| s.ends_with("realm.json")),
        "{e}"
    );
}

#[test]
fn one_key_on_two_clients_has_one_fingerprint() {
    let fp = |id: &str, authenticator: &str, attributes: serde_json::Value| {
        let v = serde_json::json!({
            "id": id, "clientId": id, "publicClient": false, "serviceAccountsEnabled": true,
            "clientAuthenticatorType": authenticator, "attributes": attributes
        });
        parse::parse_client(&v, &parse::RealmSettings::default())
            .unwrap()
            .credentials[0]
            .fingerprint
            .clone()
    };
    let cert = |c: &str| serde_json::json!({"jwt.credential.certificate": c});
    assert_eq!(
        fp("a", "client-jwt", cert("MIIBkTCB+wIJAL")),
        fp(
            "b",
            "client-jwt",
            cert("-----BEGIN CERTIFICATE-----\nMIIBkTCB\n+wIJAL\n-----END CERTIFICATE-----")
        )
    );
    assert_ne!(
        fp("a", "client-jwt", cert("MIIBkTCB+wIJAL")),
        fp("b", "client-jwt", cert("MIIother"))
    );
    let url = serde_json::json!({"use.jwks.url": "true", "jwks.url": "https://keys.example/jwks"});
    assert_eq!(
        fp("a", "client-jwt", url.clone()),
        fp("b", "client-jwt", url)
    );
    let jwks = |n: &str| serde_json::json!({"use.jwks.string": "true", "jwks.string": format!(r#"{{"keys":[{{"kty":"RSA","e":"AQAB","n":"{n}"}}]}}"#)});
    assert_eq!(
        fp("a", "client-jwt", jwks("m1")),
        fp("b", "client-jwt", jwks("m1"))
    );
    assert_ne!(
        fp("a", "client-jwt", jwks("m1")),
        fp("b", "client-jwt", jwks("m2"))
    );
    let dn = serde_json::json!({"x509.subjectdn": "CN=payments"});
    assert_eq!(
        fp("a", "client-x509", dn.clone()),
        fp("b", "client-x509", dn)
    );
    assert_ne!(
        fp("a", "client-jwt", serde_json::json!({})),
        fp("b", "client-jwt", serde_json::json!({})),
        "without key material the fingerprint stays scoped to the client"
    );
    assert_ne!(
        fp("a", "client-secret", serde_json::json!({})),
        fp("b", "client-secret", serde_json::json!({}))
    );
}
