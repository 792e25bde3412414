use super::*;
use crate::model::{
    AppKind, ClientType, CredentialKind, GrantType, NoteKind, PkceStatus, RedirectKind,
};
use crate::test_util::{assert_no_secret, by_name, fixture, has_note, with_digest_key};

#[test]
fn a_registration_response_keeps_identity_dates_and_a_secret_digest_only() {
    with_digest_key();
    let inv = read_document(&fixture("rfc7591/registration-response.json")).unwrap();
    let app = &inv.apps[0];
    assert_eq!(app.provider, crate::Provider::Rfc7591);
    assert_eq!(app.external_id, "s6BhdRkqt3");
    assert_eq!(app.created_at.map(|t| t.timestamp()), Some(1_718_000_000));
    assert_eq!(app.dynamically_registered, Some(true));
    assert_eq!(
        (app.client_type, app.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert_eq!(
        app.token_endpoint_auth_method.as_deref(),
        Some("client_secret_basic")
    );
    let secret = &app.credentials[0];
    assert_eq!(secret.kind, CredentialKind::Secret);
    assert!(
        secret.never_expires,
        "client_secret_expires_at 0 means never"
    );
    assert!(secret.secret_digest.is_some());
    assert!(app.grant_types.contains(&GrantType::Password));
    assert!(
        app.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native)
    );
    assert_eq!(app.owners, vec!["ops@sync-tool.example"]);
    assert_eq!(app.publisher.domain.as_deref(), Some("sync-tool.example"));
    assert!(app.requested_scopes.contains(&"offline_access".to_string()));
    assert_eq!(app.pkce.status, PkceStatus::Unknown);
    assert!(has_note(app, "pkce", NoteKind::Unknown));
    assert!(has_note(app, "token_policy", NoteKind::Unknown));
    assert_no_secret(
        &inv.apps,
        &[
            "cf136dc3c1fc93f31185e5885805d-rfc7591-secret",
            "this.is.an.access.token.value.ffx83",
        ],
    );
}

#[test]
fn an_implicit_browser_client_is_a_public_spa_with_token_response_types() {
    let inv = read_document(&fixture("rfc7591/clients.json")).unwrap();
    assert_eq!(inv.apps.len(), 3);
    let spa = by_name(&inv.apps, "<img src=x onerror=alert('oauth-audit-xss')>");
    assert_eq!(
        (spa.client_type, spa.app_kind),
        (ClientType::Public, AppKind::Spa)
    );
    assert_eq!(spa.grant_types, vec![GrantType::Implicit]);
    assert_eq!(spa.response_types, vec!["id_token token"]);
    assert!(spa.credentials.is_empty());
    assert!(
        spa.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Spa)
    );
}

#[test]
fn a_private_key_jwt_worker_is_a_sender_constrained_service_without_private_key_material() {
    let inv = read_document(&fixture("rfc7591/clients.json")).unwrap();
    let worker = by_name(&inv.apps, "Reporting Worker");
    assert_eq!(
        (worker.client_type, worker.app_kind),
        (ClientType::Confidential, AppKind::Service)
    );
    assert_eq!(worker.credentials.len(), 1);
    assert_eq!(worker.credentials[0].kind, CredentialKind::PrivateKeyJwt);
    assert_eq!(worker.credentials[0].key_id.as_deref(), Some("worker-2025"));
    assert_eq!(
        worker
            .token_policy
            .sender_constrained
            .as_ref()
            .map(|s| s.value),
        Some(true)
    );
    assert_no_secret(
        &inv.apps,
        &["X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH"],
    );
}

#[test]
fn a_draft_request_gets_the_rfc_defaults_with_notes() {
    let inv = read_document(&fixture("rfc7591/clients.json")).unwrap();
    let draft = by_name(&inv.apps, "Partner Portal (draft registration request)");
    assert_eq!(draft.client_id, None);
    assert!(has_note(draft, "client_id", NoteKind::Unknown));
    assert_eq!(
        draft.token_endpoint_auth_method.as_deref(),
        Some("client_secret_basic")
    );
    assert!(has_note(
        draft,
        "token_endpoint_auth_method",
        NoteKind::Inferred
    ));
    assert_eq!(draft.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(draft.response_types, vec!["code"]);
    assert_eq!(
        (draft.client_type, draft.app_kind),
        (ClientType::Confidential, AppKind::Web)
    );
    assert_eq!(draft.credentials.len(), 1);
    assert!(draft.credentials[0].secret_digest.is_none());
    assert!(
        draft
            .redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Web)
    );
}

#[test]
fn metadata_naming_no_client_is_malformed() {
    let e = read_document(&serde_json::json!([{"redirect_uris": ["https://a.example/cb"]}]))
        .unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("[0]:"), "{e}");
}
