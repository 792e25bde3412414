use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantKind, GrantType, Lifetime, NoteKind,
    Ownership, PkceStatus, PolicySource, RedirectKind,
};
use crate::test_util::{by_name, fixture, has_note};

#[test]
fn approved_third_party_apps_show_scopes_and_approval_but_no_oauth_configuration() {
    let inv = read_document(&fixture("slack/approved.json")).unwrap();
    assert_eq!(inv.apps.len(), 3);
    let chat = by_name(&inv.apps, "ChatPilot for Slack");
    assert_eq!(chat.external_id, "A0CHATPILOT1");
    assert_eq!(chat.ownership, Ownership::ThirdParty);
    assert_eq!(chat.enabled, Some(true));
    assert_eq!(chat.publisher.domain.as_deref(), Some("chatpilot-demo.io"));
    assert_eq!(chat.publisher.verified, Some(true));
    assert_eq!(
        chat.requested_scopes,
        vec![
            "channels:history",
            "chat:write",
            "im:history",
            "users:read.email"
        ]
    );
    assert_eq!(
        (chat.client_type, chat.app_kind),
        (ClientType::Unknown, AppKind::Unknown)
    );
    assert_eq!(chat.pkce.status, PkceStatus::Unknown);
    for field in [
        "client_type",
        "redirect_uris",
        "pkce",
        "token_policy.access_token_lifetime",
    ] {
        assert!(has_note(chat, field, NoteKind::Unknown), "{field}");
    }
    assert_eq!(chat.token_policy.access_token_lifetime, None);
    let internal = by_name(&inv.apps, "Deploy Bot");
    assert_eq!(internal.ownership, Ownership::FirstParty);
}

#[test]
fn an_approval_is_an_admin_grant_of_the_bot_and_user_scopes() {
    let inv = read_document(&fixture("slack/approved.json")).unwrap();
    let chat: Vec<_> = inv
        .grants
        .iter()
        .filter(|g| g.app_external_id == "A0CHATPILOT1")
        .collect();
    assert_eq!(chat.len(), 2);
    let bot = chat
        .iter()
        .find(|g| g.kind == GrantKind::Application)
        .unwrap();
    assert_eq!(bot.scopes, vec!["channels:history", "chat:write"]);
    assert_eq!(bot.consent_type, ConsentType::Admin);
    assert_eq!(bot.resource.as_deref(), Some("slack:bot"));
    let user = chat
        .iter()
        .find(|g| g.kind == GrantKind::Delegated)
        .unwrap();
    assert_eq!(user.scopes, vec!["im:history", "users:read.email"]);
    assert_ne!(bot.natural_key(), user.natural_key());
}

#[test]
fn restricted_apps_are_disabled_and_hold_no_grants() {
    let inv = read_document(&fixture("slack/restricted.json")).unwrap();
    assert_eq!(inv.apps[0].enabled, Some(false));
    assert_eq!(inv.apps[0].requested_scopes, vec!["client"]);
    assert!(inv.grants.is_empty());
}

#[test]
fn an_exported_manifest_without_rotation_has_never_expiring_tokens_and_a_secret() {
    let inv = read_document(&fixture("slack/manifest-export.json")).unwrap();
    let app = &inv.apps[0];
    assert_eq!(app.name, "Standup Helper");
    assert_eq!(app.external_id, "manifest:Standup Helper");
    assert_eq!(app.ownership, Ownership::FirstParty);
    assert_eq!(
        (app.client_type, app.app_kind),
        (ClientType::Confidential, AppKind::Web)
    );
    assert_eq!(app.credentials.len(), 1);
    assert_eq!(app.credentials[0].kind, CredentialKind::Secret);
    assert_eq!(app.redirect_uris.len(), 2);
    assert!(
        app.redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Web)
    );
    let tp = &app.token_policy;
    assert_eq!(
        tp.access_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        Some((Lifetime::Unlimited, PolicySource::Client))
    );
    assert_eq!(
        tp.refresh_tokens_issued.as_ref().map(|s| s.value),
        Some(false)
    );
    assert_eq!(app.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(app.network_restricted, Some(false));
    assert_eq!(app.pkce.status, PkceStatus::Unknown);
    assert!(
        app.requested_scopes
            .contains(&"channels:history".to_string())
    );
}

#[test]
fn a_pkce_desktop_manifest_is_public_with_forced_rotation_and_an_ip_allow_list() {
    let inv = read_document(&fixture("slack/manifest-pkce.json")).unwrap();
    let app = &inv.apps[0];
    assert_eq!(
        (app.client_type, app.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert_eq!(app.pkce.status, PkceStatus::Required);
    assert!(app.credentials.is_empty());
    assert_eq!(app.redirect_uris[0].kind, RedirectKind::Native);
    let tp = &app.token_policy;
    assert_eq!(
        tp.access_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        Some((Lifetime::Seconds(12 * 3600), PolicySource::ProviderDefault)),
        "custom-scheme redirects of PKCE apps always rotate"
    );
    assert_eq!(
        tp.refresh_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(30 * 24 * 3600))
    );
    assert!(app.grant_types.contains(&GrantType::RefreshToken));
    assert_eq!(app.network_restricted, Some(true));
}

#[test]
fn an_error_response_and_an_item_without_an_app_id_are_malformed() {
    let e = read_document(&serde_json::json!({"ok": false, "error": "not_an_admin"})).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.contains("not_an_admin"), "{e}");
    let e =
        read_document(&serde_json::json!({"ok": true, "app_requests": [{"app": {"name": "x"}}]}))
            .unwrap_err();
    assert!(e.message.starts_with("app_requests[0]:"), "{e}");
}

#[test]
fn a_pending_request_is_neither_enabled_nor_disabled() {
    let doc = serde_json::json!({"ok": true, "app_requests": [{
        "id": "Ar0REQ1", "app": {"id": "A0REQUEST05", "name": "Polls", "is_internal": false},
        "user": {"id": "U02", "name": "bob", "email": "bob@acme-demo.com"},
        "scopes": [{"name": "chat:write", "token_type": "bot"}], "message": "please", "date_created": 1712000000
    }]});
    let inv = read_document(&doc).unwrap();
    assert_eq!(inv.apps[0].enabled, None);
    assert!(has_note(&inv.apps[0], "enabled", NoteKind::Unknown));
    assert!(inv.grants.is_empty());
}

mod live;
