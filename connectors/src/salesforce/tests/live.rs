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
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"totalSize": 3, "done": true, "records": &t[2..]})),
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
