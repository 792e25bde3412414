//! The HTTP connector against a loopback GitHub Enterprise Server API (`/api/v3`) serving
//! the fixtures' installations and member credentials.

use serde_json::{Value, json};
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
    for (slug, app) in app_objects() {
        Mock::given(method("GET"))
            .and(path(format!("/api/v3/apps/{slug}")))
            .and(header("x-github-api-version", "2022-11-28"))
            .respond_with(ResponseTemplate::new(200).set_body_json(app))
            .mount(&server)
            .await;
    }
    // `old-ci` is not found: its installation alone describes it.
    Mock::given(path("/api/v3/apps/old-ci"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
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

/// What `GET /apps/{slug}` answers for two of the installed apps: one owned by a vendor, one
/// by the audited organization (the manifest conversion's answer without its secrets).
fn app_objects() -> Vec<(&'static str, Value)> {
    let mut own = fixture("github/app-from-manifest.json");
    for secret in ["client_secret", "webhook_secret", "pem"] {
        own.as_object_mut().unwrap().remove(secret);
    }
    let vendor = json!({
        "id": 880011, "slug": "chatpilot-sync", "client_id": "Iv23liChatPilotSync01",
        "owner": {"login": "chatpilot-inc", "id": 777, "type": "Organization"},
        "name": "ChatPilot Sync", "description": "Syncs repositories with ChatPilot",
        "external_url": "https://chatpilot-demo.io", "created_at": "2022-03-01T00:00:00Z",
        "permissions": {"administration": "write", "contents": "write", "members": "read", "metadata": "read"},
        "events": ["push"]
    });
    vec![("chatpilot-sync", vendor), ("acme-deploy-helper", own)]
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
    let pats = ResponseTemplate::new(200).set_body_json(fixture("github/fine-grained-pats.json"));
    let server = github(pats).await;
    let connector = fetch::GitHubConnector::new(settings(&server)).unwrap();
    let (live, summary) = collect_all(&connector).await.unwrap();
    let mut file = import(&["credential-authorizations.json", "fine-grained-pats.json"]);
    // The installations with the app objects looked up for them, as one document.
    let mut installed: Vec<Value> = app_objects().into_iter().map(|(_, app)| app).collect();
    installed.extend(
        fixture("github/installations.json")["installations"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let installed = read_document(&Value::Array(installed)).unwrap();
    file.grants.extend(installed.grants);
    for mut app in installed.apps {
        // The organization's login decides ownership, which the objects alone do not.
        let owned = match app.external_id.as_str() {
            "chatpilot-sync" => Some((
                Ownership::ThirdParty,
                "the app's owner is another account than the audited organization",
            )),
            "acme-deploy-helper" => Some((
                Ownership::FirstParty,
                "the app's owner is the audited organization",
            )),
            _ => None,
        };
        if let Some((ownership, why)) = owned {
            app.ownership = ownership;
            app.notes.retain(|n| n.field != "ownership");
            app.note_inferred("ownership", why);
        }
        file.apps.push(app);
    }
    assert_eq!(
        live.apps.len(),
        6,
        "3 installations, 2 SSO tokens, 1 fine-grained token"
    );
    let chat = by_name(&live.apps, "ChatPilot Sync");
    assert_eq!(chat.publisher.name.as_deref(), Some("chatpilot-inc"));
    assert_eq!(chat.ownership, Ownership::ThirdParty);
    assert_eq!(
        by_name(&live.apps, "Acme Deploy Helper").ownership,
        Ownership::FirstParty
    );
    assert_eq!(by_name(&live.apps, "old-ci").enabled, Some(false));
    assert_eq!(sorted_json(&live.apps), sorted_json(&file.apps));
    assert_eq!(sorted_json(&live.grants), sorted_json(&file.grants));
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(
        summary.requests, 8,
        "token, 2 installation pages, 3 app lookups, SSO, PATs"
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
            ResponseTemplate::new(403).set_body_json(json!({"message": "Must have admin rights"})),
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
