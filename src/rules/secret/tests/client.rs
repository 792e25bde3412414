//! SECRET-001, SECRET-002 and SECRET-009: secrets on the wrong kind of client.

use super::*;

// SECRET-001

#[test]
fn secret_001_fires_for_a_public_native_client_with_a_secret() {
    let mut a = with_creds(vec![cred(Secret, "s1", Some(days(-5)), Some(days(100)))]);
    a.client_type = ClientType::Public;
    a.app_kind = AppKind::Native;
    let hit = fires("SECRET-001", &a);
    assert_eq!(hit.evidence["public_because"]["client_type"], "public");
    assert_eq!(hit.evidence["public_because"]["app_kind"], "native");
    assert_eq!(hit.evidence["secrets"][0]["key_id"], "s1");
    assert!(!hit.evidence.contains_key("inferred"));
}

#[test]
fn secret_001_fires_on_a_secret_auth_method_when_every_redirect_is_spa() {
    let mut a = app(Provider::Auth0);
    a.redirect_uris = vec![redirect("https://app.example/cb", RedirectKind::Spa)];
    a.token_endpoint_auth_method = Some("client_secret_post".into());
    let hit = fires("SECRET-001", &a);
    assert_eq!(
        hit.evidence["public_because"]["redirect_kinds"],
        json!(["spa"])
    );
    assert_eq!(
        hit.evidence["token_endpoint_auth_method"],
        "client_secret_post"
    );
    assert!(!hit.evidence.contains_key("inferred"));
    a.redirect_uris[0].kind_inferred = true;
    assert_eq!(fires("SECRET-001", &a).evidence["inferred"], true);
}

#[test]
fn secret_001_marks_an_inferred_client_type() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.client_type = ClientType::Public;
    a.app_kind = AppKind::Unknown;
    a.note_inferred("client_type", "isFallbackPublicClient");
    let hit = fires("SECRET-001", &a);
    assert_eq!(hit.evidence["inferred"], true);
    assert!(
        hit.evidence["inference_source"]
            .as_str()
            .unwrap()
            .contains("isFallbackPublicClient")
    );
}

#[test]
fn secret_001_is_silent_for_confidential_mixed_or_secretless_clients() {
    let secret = cred(Secret, "s1", Some(days(-5)), Some(days(100)));
    silent("SECRET-001", &with_creds(vec![secret.clone()]));

    let mut mixed = with_creds(vec![secret.clone()]);
    mixed.redirect_uris = vec![
        redirect("https://app.example/cb", RedirectKind::Spa),
        redirect("https://app.example/web", RedirectKind::Web),
    ];
    silent("SECRET-001", &mixed);

    let mut public = with_creds(vec![]);
    public.client_type = ClientType::Public;
    public.token_endpoint_auth_method = Some("none".into());
    silent("SECRET-001", &public);

    let mut expired = with_creds(vec![cred(Secret, "s1", Some(days(-50)), Some(days(-1)))]);
    expired.client_type = ClientType::Public;
    silent("SECRET-001", &expired);
}

// SECRET-002

fn app_only_grant(scope: &str) -> Grant {
    Grant {
        external_id: Some("g1".into()),
        app_external_id: "app-1".into(),
        principal: Principal::Tenant,
        resource: None,
        scopes: vec![scope.into()],
        consent_type: ConsentType::Admin,
        kind: GrantKind::Application,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    }
}

#[test]
fn secret_002_fires_for_spa_redirects_a_secret_and_client_credentials() {
    let mut a = with_creds(vec![cred(Secret, "s1", Some(days(-5)), Some(days(100)))]);
    a.redirect_uris = vec![
        redirect("https://app.example/web", RedirectKind::Web),
        redirect("https://app.example/spa", RedirectKind::Spa),
    ];
    a.grant_types = vec![GrantType::ClientCredentials];
    let hit = fires("SECRET-002", &a);
    assert_eq!(
        hit.evidence["spa_redirect_uris"],
        json!(["https://app.example/spa"])
    );
    assert_eq!(hit.evidence["client_credentials_grant"], true);
}

#[test]
fn secret_002_fires_for_a_fallback_public_client_with_app_only_permissions() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.client_type = ClientType::Public;
    let grants = [app_only_grant("Mail.Read")];
    let hit = run_in("SECRET-002", &a, &grants, &Estate::default(), |_| {}).unwrap();
    assert_eq!(hit.evidence["app_only_permissions"], json!(["Mail.Read"]));
    assert_eq!(hit.evidence["client_type"], "public");
}

#[test]
fn secret_002_marks_an_inferred_client_credentials_grant() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.redirect_uris = vec![redirect("msal1234://auth", RedirectKind::Native)];
    a.grant_types = vec![GrantType::ClientCredentials];
    a.note_inferred("grant_types", "credentials");
    let hit = fires("SECRET-002", &a);
    assert_eq!(hit.evidence["inferred"], true);
}

#[test]
fn secret_002_needs_all_three_legs() {
    let secret = cred(Secret, "s1", Some(days(-5)), Some(days(100)));
    let spa = redirect("https://app.example/spa", RedirectKind::Spa);

    let mut no_public = with_creds(vec![secret.clone()]);
    no_public.redirect_uris = vec![redirect("https://app.example/web", RedirectKind::Web)];
    no_public.grant_types = vec![GrantType::ClientCredentials];
    silent("SECRET-002", &no_public);

    let mut no_secret = with_creds(vec![cred(Secret, "s1", Some(days(-50)), Some(days(-1)))]);
    no_secret.redirect_uris = vec![spa.clone()];
    no_secret.grant_types = vec![GrantType::ClientCredentials];
    silent("SECRET-002", &no_secret);

    let mut no_app_only = with_creds(vec![secret]);
    no_app_only.redirect_uris = vec![spa];
    no_app_only.grant_types = vec![GrantType::AuthorizationCode];
    silent("SECRET-002", &no_app_only);
}

// SECRET-009

#[test]
fn secret_009_fires_for_a_secret_only_confidential_client() {
    let hit = fires(
        "SECRET-009",
        &with_creds(vec![cred(Secret, "s1", None, None)]),
    );
    assert_eq!(hit.evidence["provider"], "entra");
    let mut by_method = with_creds(vec![]);
    by_method.provider = Provider::Okta;
    by_method.token_endpoint_auth_method = Some("client_secret_basic".into());
    fires("SECRET-009", &by_method);
}

#[test]
fn secret_009_is_silent_with_a_key_elsewhere_or_for_public_clients() {
    silent(
        "SECRET-009",
        &with_creds(vec![
            cred(Secret, "s1", None, None),
            cred(Certificate, "c1", None, None),
        ]),
    );
    let mut pkjwt = with_creds(vec![cred(Secret, "s1", None, None)]);
    pkjwt.token_endpoint_auth_method = Some("private_key_jwt".into());
    silent("SECRET-009", &pkjwt);
    let mut slack = with_creds(vec![cred(Secret, "s1", None, None)]);
    slack.provider = Provider::Slack;
    silent("SECRET-009", &slack);
    let mut public = with_creds(vec![cred(Secret, "s1", None, None)]);
    public.client_type = ClientType::Public;
    silent("SECRET-009", &public);
    let mut unknown = with_creds(vec![cred(Secret, "s1", None, None)]);
    unknown.client_type = ClientType::Unknown;
    silent("SECRET-009", &unknown);
}
