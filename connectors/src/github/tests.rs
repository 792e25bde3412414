use super::*;
use crate::model::{
    ClientType, ConsentType, CredentialKind, GrantKind, GrantType, NoteKind, Ownership, PkceMethod,
    PkceStatus, Principal, RedirectKind,
};
use crate::test_util::{assert_no_secret, by_name, fixture, has_note, with_digest_key};

#[test]
fn installations_are_apps_with_optional_s256_pkce_and_application_grants() {
    let inv = read_document(&fixture("github/installations.json")).unwrap();
    assert_eq!(inv.apps.len(), 3);
    let chat = by_name(&inv.apps, "chatpilot-sync");
    assert_eq!(chat.client_id.as_deref(), Some("Iv23liChatPilotSync01"));
    assert_eq!(chat.enabled, Some(true));
    assert_eq!(
        chat.requested_scopes,
        vec![
            "administration:write",
            "contents:write",
            "members:read",
            "metadata:read"
        ]
    );
    assert_eq!(chat.pkce.status, PkceStatus::Optional);
    assert_eq!(chat.pkce.methods, vec![PkceMethod::S256]);
    assert!(has_note(chat, "pkce", NoteKind::Inferred));
    assert_eq!(chat.client_type, ClientType::Unknown);
    for field in [
        "client_type",
        "redirect_uris",
        "credentials",
        "token_policy",
        "ownership",
    ] {
        assert!(has_note(chat, field, NoteKind::Unknown), "{field}");
    }
    assert_eq!(chat.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(
        by_name(&inv.apps, "old-ci").enabled,
        Some(false),
        "suspended"
    );

    assert_eq!(inv.grants.len(), 3);
    let g = inv
        .grants
        .iter()
        .find(|g| g.app_external_id == "chatpilot-sync")
        .unwrap();
    assert_eq!(g.external_id.as_deref(), Some("51234567"));
    assert_eq!(
        (g.kind, g.consent_type, &g.principal),
        (
            GrantKind::Application,
            ConsentType::Admin,
            &Principal::Tenant
        )
    );
    assert_eq!(g.resource.as_deref(), Some("acme-demo"));
    assert!(g.scopes.contains(&"repository_selection:all".to_string()));
}

#[test]
fn an_app_with_its_one_time_secrets_keeps_only_a_digest_and_key_identity() {
    with_digest_key();
    let inv = read_document(&fixture("github/app-from-manifest.json")).unwrap();
    let app = &inv.apps[0];
    assert_eq!(app.external_id, "acme-deploy-helper");
    assert_eq!(app.name, "Acme Deploy Helper");
    assert_eq!(app.publisher.name.as_deref(), Some("acme-demo"));
    assert_eq!(
        app.publisher.domain.as_deref(),
        Some("deploy.acme-demo.com")
    );
    let kinds: Vec<CredentialKind> = app.credentials.iter().map(|c| c.kind).collect();
    assert!(
        kinds.contains(&CredentialKind::Secret) && kinds.contains(&CredentialKind::PrivateKeyJwt)
    );
    let secret = app
        .credentials
        .iter()
        .find(|c| c.kind == CredentialKind::Secret)
        .unwrap();
    assert_eq!(
        secret.secret_digest,
        crate::secret_digest::digest("github-app-client-secret-1f2e3d4c5b6a")
    );
    assert_no_secret(
        &inv.apps,
        &[
            "github-app-client-secret-1f2e3d4c5b6a",
            "github-webhook-secret-778899",
            "demoPrivateKeyThatMustNeverBeStored",
        ],
    );
}

#[test]
fn an_installation_of_an_app_in_the_same_document_adds_only_its_grant() {
    let mut items = vec![fixture("github/app-from-manifest.json")];
    items.extend(
        fixture("github/installations.json")["installations"]
            .as_array()
            .unwrap()
            .clone(),
    );
    let inv = read_document(&serde_json::Value::Array(items)).unwrap();
    assert_eq!(inv.apps.len(), 3);
    assert_eq!(by_name(&inv.apps, "Acme Deploy Helper").enabled, Some(true));
    assert_eq!(inv.grants.len(), 3);
}

#[test]
fn a_manifest_lists_its_callback_urls_including_loopback() {
    let inv = read_document(&fixture("github/manifest.json")).unwrap();
    let app = &inv.apps[0];
    assert_eq!(app.external_id, "manifest:Acme Review Bot");
    assert_eq!(app.ownership, Ownership::FirstParty);
    assert_eq!(app.redirect_uris.len(), 2);
    let loopback = app
        .redirect_uris
        .iter()
        .find(|r| r.uri.starts_with("http://localhost"))
        .unwrap();
    assert_eq!(loopback.kind, RedirectKind::Native);
    assert!(
        app.requested_scopes
            .contains(&"pull_requests:write".to_string())
    );
}

#[test]
fn an_oauth_app_callback_is_noted_as_subdirectory_matched_and_tokens_never_survive() {
    let inv = read_document(&fixture("github/oauth-apps.json")).unwrap();
    assert_eq!(inv.apps.len(), 2);
    let wiki = by_name(&inv.apps, "Legacy Wiki Sync");
    assert_eq!(wiki.redirect_uris[0].uri, "http://wiki.acme-demo.com/oauth");
    let note = wiki.note("redirect_uris").unwrap();
    assert_eq!(note.kind, NoteKind::Inferred);
    assert!(note.reason.contains("subdirectory"));
    let xss = by_name(&inv.apps, "<script>alert(\"oauth-audit-xss\")</script>");
    assert_eq!(xss.external_id, "Ov23liXssNotes000002");
    assert!(has_note(xss, "redirect_uris", NoteKind::Unknown));
    assert_eq!(inv.grants.len(), 1);
    let g = &inv.grants[0];
    assert_eq!(g.scopes, vec!["admin:org", "repo", "workflow"]);
    assert!(matches!(&g.principal, Principal::User { id, .. } if id == "dana-dev"));
    let json = serde_json::to_string(&inv.apps).unwrap();
    assert!(!json.contains("gho_16C7e42F292c6912E7710c838347Ae178B4a"));
}

#[test]
fn credential_authorizations_of_tokens_are_api_token_apps_and_ssh_keys_are_skipped() {
    let inv = read_document(&fixture("github/credential-authorizations.json")).unwrap();
    assert_eq!(inv.apps.len(), 2, "the SSH key is not an OAuth credential");
    let release = by_name(&inv.apps, "release automation");
    assert_eq!(release.external_id, "credential:161195");
    assert_eq!(release.owners, vec!["octo-admin"]);
    let token = &release.credentials[0];
    assert_eq!(token.kind, CredentialKind::ApiToken);
    assert!(token.never_expires, "a null expiry is a token without one");
    assert!(token.hint.is_none());
    assert!(release.last_used_at.is_some());
    let ci = by_name(&inv.apps, "ci read-only");
    assert!(!ci.credentials[0].never_expires && ci.credentials[0].expires_at.is_some());
    assert_eq!(inv.grants.len(), 2);
    assert!(inv.grants.iter().all(|g| g.kind == GrantKind::Delegated));
}

#[test]
fn a_fine_grained_token_is_an_api_token_app_with_grouped_permissions() {
    let inv = read_document(&fixture("github/fine-grained-pats.json")).unwrap();
    let app = by_name(&inv.apps, "Deploy to prod");
    assert_eq!(app.enabled, Some(true));
    assert_eq!(
        app.requested_scopes,
        vec![
            "organization:members:read",
            "repository:contents:write",
            "repository:metadata:read"
        ]
    );
    assert_eq!(app.credentials[0].kind, CredentialKind::ApiToken);
    assert!(inv.grants[0].expires_at.is_some());
}

#[test]
fn an_unrecognised_item_is_malformed_and_named() {
    let e = read_document(&serde_json::json!({"installations": [{"foo": 1}]})).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("installations[0]:"), "{e}");
}

mod live;
