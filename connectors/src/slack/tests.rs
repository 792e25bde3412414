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

mod live {
    //! The HTTP connector against a loopback Slack Web API serving the fixtures' apps.

    use serde_json::{Value, json};
    use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::ErrorKind;
    use crate::settings::TenantSettings;
    use crate::test_util::{collect_all, sorted_json as sorted};

    fn items(name: &str, key: &str) -> Vec<Value> {
        fixture(name)[key].as_array().unwrap().clone()
    }

    fn page(key: &str, items: &[Value], next: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, key: items, "response_metadata": {"next_cursor": next}}),
        )
    }

    fn method_at(p: &str) -> wiremock::MockBuilder {
        Mock::given(method("GET"))
            .and(path(format!("/api/{p}")))
            .and(header("authorization", "Bearer xoxp-org-token"))
            .and(query_param("limit", "2"))
    }

    /// Approved apps over two pages; the restricted list answers `restricted`.
    async fn slack(restricted: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        let approved = items("slack/approved.json", "approved_apps");
        method_at("admin.apps.approved.list")
            .and(query_param("cursor", "dXNlcjpVMEc5V0ZYTlo="))
            .respond_with(page("approved_apps", &approved[2..], ""))
            .mount(&server)
            .await;
        method_at("admin.apps.approved.list")
            .and(query_param_is_missing("cursor"))
            .respond_with(page(
                "approved_apps",
                &approved[..2],
                "dXNlcjpVMEc5V0ZYTlo=",
            ))
            .mount(&server)
            .await;
        method_at("admin.apps.restricted.list")
            .respond_with(restricted)
            .mount(&server)
            .await;
        server
    }

    fn settings(server: &MockServer) -> TenantSettings {
        let mut s = TenantSettings::new("acme-slack", crate::Provider::Slack);
        s.base_url = Some(format!("{}/api", server.uri()).parse().unwrap());
        s.token = Some("xoxp-org-token".into());
        s.page_size = Some(2);
        s
    }

    #[tokio::test]
    async fn a_live_collection_equals_the_import_of_the_same_lists() {
        let restricted = fixture("slack/restricted.json");
        let server = slack(ResponseTemplate::new(200).set_body_json(&restricted)).await;
        let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        let mut file = read_document(&fixture("slack/approved.json")).unwrap();
        let blocked = read_document(&restricted).unwrap();
        file.apps.extend(blocked.apps);
        file.grants.extend(blocked.grants);
        assert_eq!(live.apps.len(), 4, "three approved apps, one restricted");
        assert_eq!(sorted(&live.apps), sorted(&file.apps));
        assert_eq!(sorted(&live.grants), sorted(&file.grants));
        assert!(!live.grants.is_empty());
        assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
        assert_eq!(summary.requests, 3, "two approved pages, one restricted");
    }

    #[tokio::test]
    async fn a_missing_scope_on_the_restricted_list_is_a_gap() {
        let denied = ResponseTemplate::new(200).set_body_json(
            json!({"ok": false, "error": "missing_scope", "needed": "admin.apps:read"}),
        );
        let server = slack(denied).await;
        let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert_eq!(live.apps.len(), 3);
        assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
        assert!(summary.gaps[0].what.contains("restricted"));
        assert!(summary.gaps[0].reason.contains("missing_scope"));
    }

    #[tokio::test]
    async fn ok_false_on_the_approved_list_fails_with_its_kind() {
        for (code, kind) in [
            ("invalid_auth", ErrorKind::Auth),
            ("not_an_admin", ErrorKind::Permission),
            ("ratelimited", ErrorKind::RateLimited),
        ] {
            let server = MockServer::start().await;
            Mock::given(path("/api/admin.apps.approved.list"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": code})),
                )
                .mount(&server)
                .await;
            let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
            let err = collect_all(&connector).await.err().unwrap();
            assert_eq!(err.kind, kind, "{code}: {err}");
            assert!(err.message.contains(code), "{err}");
            assert!(
                err.to_string().contains("admin.apps.approved.list"),
                "{err}"
            );
            assert!(!err.to_string().contains("xoxp-org-token"));
        }
    }

    #[tokio::test]
    async fn a_cursor_that_comes_back_is_a_malformed_listing() {
        let server = MockServer::start().await;
        let approved = items("slack/approved.json", "approved_apps");
        Mock::given(path("/api/admin.apps.approved.list"))
            .respond_with(page("approved_apps", &approved[..1], "same"))
            .mount(&server)
            .await;
        let connector = fetch::SlackConnector::new(settings(&server)).unwrap();
        let err = collect_all(&connector).await.err().unwrap();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.message.contains("loops"), "{err}");
    }

    #[tokio::test]
    async fn a_configured_enterprise_scopes_the_lists() {
        let server = MockServer::start().await;
        Mock::given(path("/api/admin.apps.approved.list"))
            .and(query_param("enterprise_id", "E0ACME"))
            .respond_with(page("approved_apps", &[], ""))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/api/admin.apps.restricted.list"))
            .and(query_param("enterprise_id", "E0ACME"))
            .respond_with(page("restricted_apps", &[], ""))
            .expect(1)
            .mount(&server)
            .await;
        let mut s = settings(&server);
        s.tenant_id = Some("E0ACME".into());
        let (live, summary) = collect_all(&fetch::SlackConnector::new(s).unwrap())
            .await
            .unwrap();
        assert!(live.apps.is_empty() && summary.gaps.is_empty());
    }

    #[test]
    fn a_missing_token_is_a_config_error_naming_the_key() {
        let s = TenantSettings::new("acme-slack", crate::Provider::Slack);
        let err = fetch::SlackConnector::new(s).err().unwrap();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("`token_env`"), "{err}");
        assert!(
            crate::fetch::http_connector(TenantSettings::new("x", crate::Provider::Slack)).is_err()
        );
    }
}
