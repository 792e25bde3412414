use super::*;
use crate::model::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantType, Lifetime, NoteKind, Ownership,
    PkceStatus, PolicySource, Principal, RedirectKind,
};
use crate::test_util::{assert_no_secret, by_name, fixture, has_note, with_digest_key};

fn connected_apps() -> Inventory {
    read_document(&fixture("salesforce/connected-apps.json")).unwrap()
}

#[test]
fn a_packaged_app_with_full_scope_relaxed_ip_and_refresh_tokens_valid_until_revoked() {
    let inv = connected_apps();
    assert_eq!(inv.apps.len(), 4);
    let chat = by_name(&inv.apps, "ChatPilot Sales Assistant");
    assert_eq!(chat.external_id, "chatpilot__ChatPilot_Sales");
    assert_eq!(chat.ownership, Ownership::ThirdParty);
    assert_eq!(
        chat.client_id.as_deref(),
        Some("3MVG9ChatPilotDemoConsumerKey0000000000000000000000000000000000000001")
    );
    assert_eq!(chat.client_type, ClientType::Confidential);
    assert_eq!(chat.requested_scopes, vec!["api", "full", "refresh_token"]);
    assert_eq!(chat.pkce.status, PkceStatus::Optional);
    assert_eq!(chat.network_restricted, Some(false));
    let tp = &chat.token_policy;
    let client = |v| Some((v, PolicySource::Client));
    assert_eq!(
        tp.refresh_token_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        client(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime
            .as_ref()
            .map(|s| (s.value, s.source)),
        client(Lifetime::Unlimited)
    );
    assert_eq!(
        tp.refresh_tokens_issued.as_ref().map(|s| s.value),
        Some(true)
    );
    assert!(has_note(
        chat,
        "token_policy.access_token_lifetime",
        NoteKind::Unknown
    ));
    assert!(chat.grant_types.contains(&GrantType::AuthorizationCode));
    assert!(chat.grant_types.contains(&GrantType::RefreshToken));
    assert!(
        has_note(chat, "grant_types", NoteKind::Unknown),
        "implicit and ROPC are org-wide"
    );
}

#[test]
fn a_native_app_with_a_consumer_secret_keeps_only_its_digest() {
    with_digest_key();
    let inv = connected_apps();
    let mobile = by_name(&inv.apps, "Field Mobile (iOS)");
    assert_eq!(mobile.app_kind, AppKind::Native);
    assert_eq!(
        mobile.client_type,
        ClientType::Confidential,
        "the secret is required"
    );
    assert_eq!(
        mobile.redirect_uris.len(),
        2,
        "callbackUrl holds one URI per line"
    );
    assert!(
        mobile
            .redirect_uris
            .iter()
            .all(|r| r.kind == RedirectKind::Native)
    );
    assert_eq!(mobile.credentials[0].kind, CredentialKind::Secret);
    assert_eq!(
        mobile.credentials[0].secret_digest,
        crate::secret_digest::digest("sf-consumer-secret-value-0099")
    );
    let tp = &mobile.token_policy;
    assert_eq!(
        tp.refresh_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(90 * 86_400))
    );
    assert_eq!(
        tp.refresh_token_rotation.as_ref().map(|s| s.value),
        Some(true)
    );
    assert_eq!(
        mobile.network_restricted,
        Some(false),
        "ENFORCE_RELAXREFRESH relaxes refresh"
    );
    assert_no_secret(&inv.apps, &["sf-consumer-secret-value-0099"]);
}

#[test]
fn a_jwt_integration_is_a_network_restricted_service_with_pkce_and_a_certificate() {
    let inv = connected_apps();
    let jwt = by_name(&inv.apps, "Data Loader Integration");
    assert_eq!(jwt.app_kind, AppKind::Service);
    assert_eq!(jwt.pkce.status, PkceStatus::Required);
    assert_eq!(jwt.network_restricted, Some(true));
    assert!(has_note(jwt, "network_restricted", NoteKind::Inferred));
    assert_eq!(
        jwt.requested_scopes,
        vec!["api"],
        "a single scope string is a one-item list"
    );
    for g in [GrantType::ClientCredentials, GrantType::JwtBearer] {
        assert!(jwt.grant_types.contains(&g), "{g:?}");
    }
    assert!(
        jwt.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Certificate)
    );
    let tp = &jwt.token_policy;
    assert_eq!(
        tp.access_token_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(15 * 60))
    );
    assert_eq!(
        tp.refresh_token_idle_lifetime.as_ref().map(|s| s.value),
        Some(Lifetime::Seconds(30 * 86_400))
    );
    assert_eq!(
        tp.refresh_tokens_issued.as_ref().map(|s| s.value),
        Some(false)
    );
}

#[test]
fn a_public_app_with_a_script_label_has_no_secret() {
    let inv = connected_apps();
    let xss = by_name(
        &inv.apps,
        "<script>alert(\"oauth-audit-xss\")</script><img src=x onerror=alert(1)>",
    );
    assert_eq!(xss.client_type, ClientType::Public);
    assert!(xss.credentials.is_empty());
    assert_eq!(xss.pkce.status, PkceStatus::Unknown);
    assert!(
        has_note(
            xss,
            "token_policy.refresh_token_lifetime",
            NoteKind::Inferred
        ),
        "default policy"
    );
    assert_eq!(
        xss.token_policy
            .refresh_token_lifetime
            .as_ref()
            .map(|s| s.source),
        Some(PolicySource::ProviderDefault)
    );
}

#[test]
fn connected_application_rows_leave_metadata_only_fields_unknown() {
    let inv = read_document(&fixture("salesforce/connected-applications.json")).unwrap();
    assert_eq!(inv.apps.len(), 2);
    let chat = by_name(&inv.apps, "ChatPilot Sales Assistant");
    assert_eq!(chat.external_id, "0H4Hs000000ChAtAAA");
    assert_eq!(chat.pkce.status, PkceStatus::Unknown);
    assert!(has_note(chat, "pkce", NoteKind::Unknown));
    assert_eq!(
        chat.token_policy
            .refresh_token_lifetime
            .as_ref()
            .map(|s| s.value),
        Some(Lifetime::Unlimited)
    );
    let loader = by_name(&inv.apps, "Data Loader Integration");
    assert_eq!(loader.token_policy.refresh_token_idle_lifetime, None);
    assert!(has_note(
        loader,
        "token_policy.refresh_token_idle_lifetime",
        NoteKind::Unknown
    ));
}

#[test]
fn oauth_tokens_become_user_grants_and_apps_known_only_from_them() {
    let inv = read_document(&fixture("salesforce/oauth-tokens.json")).unwrap();
    assert_eq!(inv.grants.len(), 3);
    let g = &inv.grants[0];
    assert_eq!(g.app_external_id, "0H4Hs000000ChAtAAA");
    assert_eq!(g.consent_type, ConsentType::User);
    assert!(g.scopes.is_empty());
    assert!(
        matches!(&g.principal, Principal::User { display_name: Some(u), .. } if u == "alice@acme-demo.com")
    );
    assert_eq!(
        g.last_used_at.map(|t| t.to_rfc3339()),
        Some("2025-08-19T23:41:07+00:00".into())
    );
    assert!(matches!(
        &inv.grants[1].principal,
        Principal::User {
            active: Some(false),
            ..
        }
    ));
    assert_eq!(inv.apps.len(), 2);
    let legacy = by_name(&inv.apps, "Legacy Report Exporter");
    assert_eq!(legacy.external_id, "app:Legacy Report Exporter");
    assert_eq!(legacy.ownership, Ownership::Unknown);
    assert!(legacy.last_used_at.is_some());
    let json = serde_json::to_string(&(&inv.apps, &inv.grants)).unwrap();
    assert!(!json.contains("sf-delete-token-value-5566"));
}

#[test]
fn token_rows_point_at_a_connected_app_in_the_same_document() {
    let mut records = fixture("salesforce/connected-apps.json")
        .as_array()
        .unwrap()
        .clone();
    records.extend(
        fixture("salesforce/oauth-tokens.json")["result"]["records"]
            .as_array()
            .unwrap()
            .clone(),
    );
    let inv = read_document(&serde_json::Value::Array(records)).unwrap();
    assert_eq!(
        inv.apps.len(),
        5,
        "the four connected apps and the uninstalled exporter"
    );
    assert_eq!(inv.grants[0].app_external_id, "chatpilot__ChatPilot_Sales");
}

#[test]
fn an_unknown_record_is_malformed_and_named() {
    let e = read_document(
        &serde_json::json!({"records": [{"attributes": {"type": "Account"}, "Id": "001"}]}),
    )
    .unwrap_err();
    assert_eq!(e.kind, crate::ErrorKind::Malformed);
    assert!(e.message.starts_with("records[0]:"), "{e}");
}

#[test]
fn connected_app_settings_are_the_orgs_api_access_control() {
    let doc = serde_json::json!({"fullName": "ConnectedApp", "enableAdminApprovedAppsOnly": "true", "enableAdminApprovedAppsOnlyForExternalUser": "false"});
    let inv = read_document(&doc).unwrap();
    assert!(inv.apps.is_empty());
    assert_eq!(inv.policies.len(), 1);
    assert_eq!(inv.policies[0].third_party_apps_restricted, Some(true));
    assert_eq!(
        crate::detect::detect(&doc),
        Some(crate::detect::Format::Salesforce)
    );
}

mod live {
    //! The HTTP connector against a loopback Salesforce REST API serving the fixtures' rows.

    use std::collections::BTreeMap;

    use serde_json::{Value, json};
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::ErrorKind;
    use crate::settings::TenantSettings;
    use crate::test_util::{collect_all, sorted_json, test_key, verified_claims};

    const QUERY: &str = "/services/data/v62.0/query";

    fn rows(name: &str) -> Vec<Value> {
        let doc = fixture(&format!("salesforce/{name}"));
        let page = doc.get("result").cloned().unwrap_or(doc);
        page["records"].as_array().unwrap().clone()
    }

    fn soql(object: &str) -> wiremock::MockBuilder {
        let q = match object {
            "ConnectedApplication" => fetch::APPS_QUERY,
            _ => fetch::TOKENS_QUERY,
        };
        Mock::given(method("GET"))
            .and(path(QUERY))
            .and(query_param("q", q))
            .and(header("authorization", "Bearer 00Dsf!live"))
            .and(header("sforce-query-options", "batchSize=200"))
    }

    /// Apps in one page; tokens over two pages (`nextRecordsUrl`), or `tokens` when given.
    async fn org(tokens: Option<ResponseTemplate>) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/services/oauth2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "00Dsf!live", "instance_url": server.uri(), "token_type": "Bearer"
            })))
            .mount(&server)
            .await;
        let apps = rows("connected-applications.json");
        soql("ConnectedApplication")
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"totalSize": apps.len(), "done": true, "records": apps})),
            )
            .mount(&server)
            .await;
        let tokens_page = match tokens {
            Some(answer) => answer,
            None => {
                let t = rows("oauth-tokens.json");
                let next = format!("{QUERY}/01gHs00000TokensA-2000");
                Mock::given(method("GET"))
                    .and(path(next.clone()))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_json(
                            json!({"totalSize": 3, "done": true, "records": &t[2..]}),
                        ),
                    )
                    .mount(&server)
                    .await;
                ResponseTemplate::new(200).set_body_json(
                    json!({"totalSize": 3, "done": false, "nextRecordsUrl": next, "records": &t[..2]}),
                )
            }
        };
        soql("OauthToken")
            .respond_with(tokens_page)
            .mount(&server)
            .await;
        server
    }

    fn settings(server: &MockServer) -> TenantSettings {
        let mut s = TenantSettings::new("acme-sf", crate::Provider::Salesforce);
        s.base_url = Some(server.uri().parse().unwrap());
        s.token_url = Some(
            format!("{}/services/oauth2/token", server.uri())
                .parse()
                .unwrap(),
        );
        s.client_id = Some("3MVG9CollectorConsumerKey".into());
        s.username = Some("audit@acme-demo.com".into());
        s.private_key_pem = Some(String::from_utf8(test_key("test-rsa.pem")).unwrap().into());
        s.page_size = Some(50);
        s
    }

    #[tokio::test]
    async fn a_live_collection_equals_the_import_of_the_same_rows() {
        let server = org(None).await;
        let connector = fetch::SalesforceConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        let mut all = rows("connected-applications.json");
        all.extend(rows("oauth-tokens.json"));
        let file =
            read_document(&json!({"totalSize": all.len(), "done": true, "records": all})).unwrap();
        assert_eq!(
            live.apps.len(),
            3,
            "two listed apps, one known only from a token"
        );
        assert_eq!(live.grants.len(), 3);
        assert_eq!(sorted_json(&live.apps), sorted_json(&file.apps));
        assert_eq!(sorted_json(&live.grants), sorted_json(&file.grants));
        assert_no_secret(&live.apps, &["sf-delete-token-value-5566"]);
        assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
        assert_eq!(summary.requests, 4, "token, apps, 2 token pages");

        // The JWT bearer assertion: consumer key, integration user, the login host.
        let requests = server.received_requests().await.unwrap();
        let form: BTreeMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
            .into_owned()
            .collect();
        assert_eq!(
            form["grant_type"],
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        );
        let (_, claims) = verified_claims(&form["assertion"]);
        assert_eq!(claims["iss"], "3MVG9CollectorConsumerKey");
        assert_eq!(claims["sub"], "audit@acme-demo.com");
        assert_eq!(claims["aud"], server.uri());
        // The token query never asks for the token columns.
        for column in ["AccessToken", "DeleteToken", "RequestToken"] {
            assert!(!fetch::TOKENS_QUERY.contains(column), "{column}");
        }
    }

    #[tokio::test]
    async fn a_token_query_the_user_may_not_run_is_a_gap() {
        let refused = ResponseTemplate::new(400).set_body_json(json!([{
            "errorCode": "INVALID_TYPE",
            "message": "sObject type 'OauthToken' is not supported."
        }]));
        let server = org(Some(refused)).await;
        let connector = fetch::SalesforceConnector::new(settings(&server)).unwrap();
        let (live, summary) = collect_all(&connector).await.unwrap();
        assert_eq!(live.apps.len(), 2);
        assert!(live.grants.is_empty());
        assert_eq!(summary.gaps.len(), 1, "{:?}", summary.gaps);
        assert!(summary.gaps[0].what.contains("OauthToken"));
        assert!(
            summary.gaps[0].reason.contains("INVALID_TYPE"),
            "{:?}",
            summary.gaps
        );
    }

    #[tokio::test]
    async fn an_exhausted_daily_quota_fails_the_collection() {
        let quota = ResponseTemplate::new(403).set_body_json(json!([{
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "message": "TotalRequests Limit exceeded."
        }]));
        let server = org(Some(quota)).await;
        let connector = fetch::SalesforceConnector::new(settings(&server)).unwrap();
        let err = collect_all(&connector).await.err().unwrap();
        assert_eq!(err.kind, ErrorKind::RateLimited, "{err}");
    }

    #[tokio::test]
    async fn a_next_records_url_that_comes_back_is_a_malformed_listing() {
        let looping = ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 4, "done": false, "records": [],
            "nextRecordsUrl": format!("{QUERY}/01gLoop-2000")
        }));
        let server = org(Some(looping.clone())).await;
        Mock::given(path(format!("{QUERY}/01gLoop-2000")))
            .respond_with(looping)
            .mount(&server)
            .await;
        let connector = fetch::SalesforceConnector::new(settings(&server)).unwrap();
        let err = collect_all(&connector).await.err().unwrap();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.message.contains("loops"), "{err}");
    }

    #[test]
    fn missing_keys_are_config_errors_naming_them() {
        let s = TenantSettings::new("acme-sf", crate::Provider::Salesforce);
        let err = fetch::SalesforceConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("`base_url` is required"), "{err}");
        let mut s = s;
        s.base_url = Some("https://acme.my.salesforce.com".parse().unwrap());
        let err = fetch::SalesforceConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("`token_env`"), "{err}");
        s.client_id = Some("3MVG9".into());
        let err = fetch::SalesforceConnector::new(s.clone()).err().unwrap();
        assert!(err.message.contains("`username` is required"), "{err}");
        s.username = Some("audit@acme-demo.com".into());
        let err = fetch::SalesforceConnector::new(s.clone()).err().unwrap();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("`private_key_file`"), "{err}");
        s.private_key_pem = Some("not a key".into());
        let err = fetch::SalesforceConnector::new(s).err().unwrap();
        assert!(err.message.contains("`private_key_file`"), "{err}");
        assert!(!err.message.contains("not a key"));
    }
}
