use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, GrantKind, Lifetime, NoteKind, Ownership, PkceStatus,
    PolicySource, Principal,
};
use crate::test_util::{by_name, fixture, has_note};

fn tokens() -> Inventory {
    read_document(&fixture("google/tokens.json")).unwrap()
}

#[test]
fn tokens_of_one_client_make_one_third_party_app_with_the_union_of_scopes() {
    let inv = tokens();
    assert_eq!(inv.apps.len(), 3);
    let chat = by_name(&inv.apps, "ChatPilot Email");
    assert_eq!(chat.provider, crate::Provider::Google);
    assert_eq!(
        chat.client_id.as_deref(),
        Some("480226412348-chatpilot0drift0email0demo00.apps.googleusercontent.com")
    );
    assert_eq!(chat.ownership, Ownership::ThirdParty);
    assert!(has_note(chat, "ownership", NoteKind::Inferred));
    assert_eq!(
        chat.requested_scopes,
        vec![
            "https://mail.google.com/",
            "https://www.googleapis.com/auth/calendar.readonly",
            "https://www.googleapis.com/auth/userinfo.email",
            "openid"
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
        "credentials",
        "pkce",
        "publisher",
    ] {
        assert!(has_note(chat, field, NoteKind::Unknown), "{field}");
    }
    assert!(chat.redirect_uris.is_empty() && chat.credentials.is_empty());
    let tp = &chat.token_policy;
    assert_eq!(
        tp.refresh_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        Some((Lifetime::Unlimited, PolicySource::ProviderDefault))
    );
    assert!(
        !chat.raw.to_string().contains("107344325841234567890"),
        "per-user fields stay out of the app's evidence"
    );
}

#[test]
fn an_installed_app_is_a_public_native_client() {
    let inv = tokens();
    let pdf = by_name(&inv.apps, "PDF Toolbox Desktop");
    assert_eq!(
        (pdf.client_type, pdf.app_kind),
        (ClientType::Public, AppKind::Native)
    );
    assert!(has_note(pdf, "client_type", NoteKind::Inferred));
}

#[test]
fn an_anonymous_client_with_a_script_name_is_kept_with_a_publisher_note() {
    let inv = tokens();
    let anon = by_name(&inv.apps, "<script>alert(\"oauth-audit-xss\")</script>");
    let note = anon.note("publisher").unwrap();
    assert!(note.reason.contains("anonymous"), "{note:?}");
}

#[test]
fn every_token_is_a_users_delegated_grant() {
    let inv = tokens();
    assert_eq!(inv.grants.len(), 4);
    let g = &inv.grants[1];
    assert_eq!(
        g.app_external_id,
        "480226412348-chatpilot0drift0email0demo00.apps.googleusercontent.com"
    );
    assert!(matches!(&g.principal, Principal::User { id, .. } if id == "114522983456789012345"));
    assert_eq!(
        (g.consent_type, g.kind),
        (ConsentType::User, GrantKind::Delegated)
    );
    assert_eq!(g.scopes.len(), 2);
}

#[test]
fn a_token_without_a_client_id_is_malformed() {
    let e = read_document(&serde_json::json!({"items": [{"displayText": "x"}]})).unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("items[0]:"), "{e}");
}

#[test]
fn an_app_is_the_same_whatever_order_its_tokens_arrive_in() {
    let doc = fixture("google/tokens.json");
    let mut tokens: Vec<parse::Token> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| parse::token(t).unwrap())
        .collect();
    tokens[1].display_text = Some("ChatPilot (old name)".into());
    let forward = parse::apps_from_tokens(&tokens);
    tokens.reverse();
    let backward = parse::apps_from_tokens(&tokens);
    assert_eq!(
        serde_json::to_string(&forward).unwrap(),
        serde_json::to_string(&backward).unwrap()
    );
}

#[test]
fn a_scope_only_a_late_user_granted_is_still_in_the_union() {
    let token = |user: usize, scopes: &[&str]| parse::Token {
        client_id: "c.apps.googleusercontent.com".into(),
        user_key: Some(format!("u{user}")),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..parse::Token::default()
    };
    let mut tokens: Vec<parse::Token> = (0..600)
        .map(|u| token(u, &["openid", "email", "profile"]))
        .collect();
    tokens.push(token(600, &["https://mail.google.com/"]));
    let apps = parse::apps_from_tokens(&tokens);
    assert_eq!(
        apps[0].requested_scopes,
        vec!["email", "https://mail.google.com/", "openid", "profile"]
    );
}

mod live;
