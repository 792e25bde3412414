use connectors::model::{AppKind, ClientType, GrantKind, GrantType, Ownership};

use crate::rules::testkit::*;

fn fires(app: &connectors::model::OAuthApp, id: &str) -> bool {
    ids(app).contains(&id)
}

#[test]
fn grant_001_implicit_access_tokens() {
    let mut app = web_app("legacy-spa");
    app.grant_types.push(GrantType::Implicit);
    assert!(
        fires(&app, "GRANT-001"),
        "implicit without response types issues tokens"
    );
    app.grant_types.retain(|g| *g != GrantType::Implicit);
    app.response_types = vec!["code".into(), "id_token token".into()];
    assert!(fires(&app, "GRANT-001"));
    // Close case: hybrid with an ID token only.
    app.response_types = vec!["code".into(), "code id_token".into()];
    assert!(!fires(&app, "GRANT-001"));
}

#[test]
fn grant_002_id_token_only() {
    let mut app = web_app("oidc");
    app.grant_types.push(GrantType::Implicit);
    app.response_types = vec!["code".into(), "id_token".into()];
    let fired = ids(&app);
    assert!(fired.contains(&"GRANT-002") && !fired.contains(&"GRANT-001"));
    app.response_types = vec!["code".into()];
    app.grant_types.retain(|g| *g != GrantType::Implicit);
    assert!(!fires(&app, "GRANT-002"));
}

#[test]
fn grant_003_password_grant() {
    let mut app = web_app("ropc");
    app.grant_types.push(GrantType::Password);
    assert!(fires(&app, "GRANT-003"));
    app.grant_types.retain(|g| *g != GrantType::Password);
    assert!(!fires(&app, "GRANT-003"));
}

#[test]
fn grant_004_device_grant_where_not_needed() {
    let mut app = web_app("portal");
    app.grant_types.push(GrantType::DeviceCode);
    assert!(fires(&app, "GRANT-004"), "web app with device grant");
    app.app_kind = AppKind::Device;
    assert!(!fires(&app, "GRANT-004"), "a device app needs it");
    app.ownership = Ownership::ThirdParty;
    assert!(
        fires(&app, "GRANT-004"),
        "third-party device-flow apps are scrutinised"
    );
    app.ownership = Ownership::FirstParty;
    app.app_kind = AppKind::Unknown;
    assert!(
        !fires(&app, "GRANT-004"),
        "unknown kind alone does not fire"
    );
}

#[test]
fn grant_005_client_credentials_on_public_client() {
    let mut app = native_app("cli");
    app.grant_types.push(GrantType::ClientCredentials);
    assert!(fires(&app, "GRANT-005"));
    app.client_type = ClientType::Confidential;
    assert!(!fires(&app, "GRANT-005"));
    // App-only permissions held by a public client also count.
    let mut app = native_app("cli2");
    let mut g = admin_grant(&app, &["Directory.Read.All"]);
    g.kind = GrantKind::Application;
    let f = finding(&app, &[g.clone()], "GRANT-005").expect("fires");
    assert_eq!(f.evidence["app_only_permissions"][0], "Directory.Read.All");
    app.client_type = ClientType::Confidential;
    assert!(finding(&app, &[g], "GRANT-005").is_none());
}

#[test]
fn grant_006_grants_beyond_kind() {
    let mut app = web_app("web");
    app.grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    assert!(!fires(&app, "GRANT-006"));
    app.grant_types.push(GrantType::TokenExchange);
    let f = finding(&app, &[], "GRANT-006").expect("fires");
    assert_eq!(f.evidence["unexpected_grant_types"][0], "token_exchange");
    app.app_kind = AppKind::Service;
    app.grant_types = vec![GrantType::ClientCredentials];
    assert!(!fires(&app, "GRANT-006"));
    app.app_kind = AppKind::Unknown;
    app.grant_types.push(GrantType::Password);
    assert!(!fires(&app, "GRANT-006"), "unknown kind is not judged");
}
