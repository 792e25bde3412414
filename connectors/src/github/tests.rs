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

mod live {
    //! The HTTP connector against a loopback GitHub Enterprise Server API (`/api/v3`) serving
    //! the fixtures' installations and member credentials.

    use serde_json::json;
    use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::ErrorKind;
    use crate::settings::TenantSettings;
    use crate::test_util::{collect_all, sorted_json, test_key, verified_claims};

    const ORG: &str = "/api/v3/orgs/acme-demo";

    fn get(p: &str) -> wiremock::MockBuilder {
        Mock::given(method("GET"))
            .and(path(format!("{ORG}/{p}")))
            .and(header("authorization", "token ghs_installation"))
            .and(header("x-github-api-version", "2022-11-28"))
            .and(query_param("per_page", "2"))
    }

    /// Installations over two pages (`Link` header); PATs answer `pats`.
    async fn github(pats: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/v3/app/installations/4242/access_tokens"))
            .respond_with(ResponseTemplate::new(201).set_body_json(
                json!({"token": "ghs_installation", "expires_at": "2999-01-01T00:00:00Z"}),
            ))
            .mount(&server)
            .await;
        let installs = fixture("github/installations.json")["installations"]
            .as_array()
            .unwrap()
            .clone();
        let next = format!("{}{ORG}/installations?per_page=2&page=2", server.uri());
        get("installations")
            .and(query_param("page", "2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"total_count": 3, "installations": &installs[2..]})),
            )
            .mount(&server)
            .await;
        get("installations")
            .and(query_param_is_missing("page"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header(
                        "link",
                        format!(r#"<{next}>; rel="next", <{next}>; rel="last""#),
                    )
                    .set_body_json(json!({"total_count": 3, "installations": &installs[..2]})),
            )
            .mount(&server)
            .await;
        get("credential-authorizations")
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(fixture("github/credential-authorizations.json")),
            )
            .mount(&server)
            .await;
        get("personal-access-tokens")
            .respond_with(pats)
            .mount(&server)
            .await;
        server
    }

    fn settings(server: &MockServer) -> TenantSettings {
        let mut s = TenantSettings::new("acme-gh", crate::Provider::Github);
        s.base_url = Some(format!("{}/api/v3", server.uri()).parse().unwrap());
        s.org = Some("acme-demo".into());
        s.app_id = Some("12345".into());
        s.installation_id = Some("4242".into());
        s.private_key_pem = Some(String::from_utf8(test_key("test-rsa.pem")).unwrap().into());
        s.page_size = Some(2);
        s
    }

    fn import(names: &[&str]) -> crate::file::Inventory {
        let mut inv = crate::file::Inventory::default();
        for name in names {
            let part = read_document(&fixture(&format!("github/{name}"))).unwrap();
            inv.apps.extend(part.apps);
            inv.grants.extend(part.grants);
        }
        inv
    }

    #[tokio::test]
    async fn a_live_collection_equals_the_import_of_the_same_objects() {
        let pats =
            ResponseTemplate::new(200).set_body_json(fixture("github/fine-grained-pats.json"));
        let server = github(pats).await;
        let connector = fetch::GitHubConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        let file = import(&[
            "installations.json",
            "credential-authorizations.json",
            "fine-grained-pats.json",
        ]);
        assert_eq!(
            live.apps.len(),
            6,
            "3 installations, 2 SSO tokens, 1 fine-grained token"
        );
        assert_eq!(sorted_json(&live.apps), sorted_json(&file.apps));
        assert_eq!(sorted_json(&live.grants), sorted_json(&file.grants));
        assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
        assert_eq!(
            summary.requests, 5,
            "token, 2 installation pages, SSO, PATs"
        );

        // The installation token came from a JWT signed with the app's key.
        let requests = server.received_requests().await.unwrap();
        let jwt = requests[0].headers["authorization"].to_str().unwrap();
        let (_, claims) = verified_claims(jwt.strip_prefix("Bearer ").unwrap());
        assert_eq!(claims["iss"], "12345");
    }

    #[tokio::test]
    async fn personal_access_tokens_forbidden_to_a_classic_token_are_a_gap() {
        let denied = ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/rest"
        }));
        let server = github(denied).await;
        let connector = fetch::GitHubConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert_eq!(live.apps.len(), 5);
        assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
        assert!(summary.gaps[0].what.contains("personal-access-tokens"));
        assert!(
            summary.gaps[0].reason.contains("not accessible"),
            "{:?}",
            summary.gaps
        );
    }

    #[tokio::test]
    async fn a_forbidden_installation_list_fails_the_collection() {
        let server = MockServer::start().await;
        Mock::given(path(format!("{ORG}/installations")))
            .and(header("authorization", "Bearer ghp_classic"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"message": "Must have admin rights"})),
            )
            .mount(&server)
            .await;
        let mut s = settings(&server);
        s.token = Some("ghp_classic".into());
        let err = collect_all(&fetch::GitHubConnector::new(s).unwrap())
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind, ErrorKind::Permission, "{err}");
        assert!(
            err.to_string().contains("/orgs/acme-demo/installations"),
            "{err}"
        );
        assert!(!err.to_string().contains("ghp_classic"));
    }

    #[tokio::test]
    async fn a_next_link_back_to_a_read_page_is_a_malformed_listing() {
        let server = MockServer::start().await;
        let again = format!("{}{ORG}/installations?per_page=2&page=2", server.uri());
        Mock::given(path(format!("{ORG}/installations")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", format!(r#"<{again}>; rel="next""#))
                    .set_body_json(json!({"total_count": 0, "installations": []})),
            )
            .mount(&server)
            .await;
        let mut s = settings(&server);
        s.token = Some("ghp_classic".into());
        let err = collect_all(&fetch::GitHubConnector::new(s).unwrap())
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.message.contains("loops"), "{err}");
    }

    #[tokio::test]
    async fn a_next_link_to_another_host_is_refused() {
        let server = MockServer::start().await;
        Mock::given(path(format!("{ORG}/installations")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", r#"<https://evil.example/steal?page=2>; rel="next""#)
                    .set_body_json(json!({"total_count": 0, "installations": []})),
            )
            .mount(&server)
            .await;
        let mut s = settings(&server);
        s.token = Some("ghp_classic".into());
        let err = collect_all(&fetch::GitHubConnector::new(s).unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.message.contains("origin"), "{err}");
    }

    #[test]
    fn missing_or_bad_keys_are_config_errors_naming_the_key() {
        let base = TenantSettings::new("acme-gh", crate::Provider::Github);
        let err = fetch::GitHubConnector::new(base.clone()).err().unwrap();
        assert!(err.message.contains("`org` is required"), "{err}");

        let mut s = base.clone();
        s.org = Some("acme-demo".into());
        let err = fetch::GitHubConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("`token_env`"), "{err}");

        s.app_id = Some("12345".into());
        s.installation_id = Some("4242".into());
        let err = fetch::GitHubConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("`private_key_file`"), "{err}");

        s.org = Some("acme/../../user".into());
        s.token = Some("t".into());
        let err = fetch::GitHubConnector::new(s).err().unwrap();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("`org`"), "{err}");
    }
}
