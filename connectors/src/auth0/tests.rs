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
