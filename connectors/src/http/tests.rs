//! The HTTP layer against a loopback server: retries, waits, limits, caps and error text.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::auth::{Scheme, StaticToken};

const TOKEN: &str = "static-token-value-123";

/// Fast retries, so failing tests finish quickly.
fn settings() -> HttpSettings {
    HttpSettings {
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        max_retries: 3,
        requests_per_second: None,
        ..HttpSettings::default()
    }
}

fn client(settings: HttpSettings) -> HttpClient {
    HttpClient::new("acme", Provider::Okta, settings).unwrap()
}

fn token() -> StaticToken {
    StaticToken::new(Scheme::Bearer, SecretString::from(TOKEN))
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

#[tokio::test]
async fn sends_the_token_asks_for_gzip_and_parses_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept-encoding", "gzip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "a"}])))
        .expect(1)
        .mount(&server)
        .await;
    let http = client(settings());
    let (body, response) = http
        .get_json(url(&server, "/api/v1/apps"), &token())
        .await
        .unwrap();
    assert_eq!(body, json!([{"id": "a"}]));
    assert_eq!(response.status, 200);
    assert_eq!(http.stats().requests, 1);
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_it_names() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let http = client(settings());
    let start = Instant::now();
    let (body, _) = http.get_json(url(&server, "/x"), &token()).await.unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        start.elapsed()
    );
    let stats = http.stats();
    assert_eq!((stats.requests, stats.retries, stats.failures), (2, 1, 0));
}

#[tokio::test]
async fn a_wait_longer_than_allowed_fails_at_once_as_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(settings())
        .get_json(url(&server, "/x"), &token())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.status, Some(429));
    assert!(err.message.contains("3600 s"), "{err}");
}

#[tokio::test]
async fn server_errors_are_retried_then_fail_cleanly_naming_tenant_path_and_status() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.0/applications"))
        .respond_with(ResponseTemplate::new(503).set_body_json(
            json!({"error": {"code": "serviceNotAvailable", "message": "try later"}}),
        ))
        .expect(4)
        .mount(&server)
        .await;
    let http = client(settings());
    let mut target = url(&server, "/v1.0/applications");
    target.set_query(Some("$top=999&secretish=abc"));
    let err = http.get_json(target, &token()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert_eq!(err.status, Some(503));
    let text = err.to_string();
    assert!(text.contains("tenant acme"), "{text}");
    assert!(text.contains("GET /v1.0/applications"), "{text}");
    assert!(text.contains("serviceNotAvailable: try later"), "{text}");
    assert!(
        !text.contains("secretish") && !text.contains(TOKEN),
        "{text}"
    );
    let stats = http.stats();
    assert_eq!((stats.requests, stats.retries, stats.failures), (4, 3, 1));
}

#[tokio::test]
async fn a_500_and_client_errors_are_not_retried_and_are_classified() {
    let server = MockServer::start().await;
    for (p, status) in [
        ("/500", 500),
        ("/403", 403),
        ("/404", 404),
        ("/401", 401),
        ("/400", 400),
    ] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(status).set_body_json(
                json!({"errorCode": "E0000006", "errorSummary": "You do not have permission"}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let http = client(settings());
    for (p, kind) in [
        ("/500", ErrorKind::Server),
        ("/403", ErrorKind::Permission),
        ("/404", ErrorKind::NotFound),
        ("/401", ErrorKind::Auth),
        ("/400", ErrorKind::Malformed),
    ] {
        let err = http.get_json(url(&server, p), &token()).await.unwrap_err();
        assert_eq!(err.kind, kind, "{p}: {err}");
        assert!(
            err.message.contains("E0000006: You do not have permission"),
            "{p}: {err}"
        );
    }
}

#[tokio::test]
async fn provider_rate_limit_signals_on_403_are_retried() {
    let server = MockServer::start().await;
    // Google: 403 with reason rateLimitExceeded.
    Mock::given(path("/google"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403,
            "errors": [{"reason": "rateLimitExceeded"}], "message": "Rate Limit Exceeded"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // GitHub: 403 with the primary budget spent.
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1)
    .to_string();
    Mock::given(path("/github"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.as_str())
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    for p in ["/google", "/github"] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": p})))
            .mount(&server)
            .await;
        let (body, _) = client(settings())
            .get_json(url(&server, p), &token())
            .await
            .unwrap();
        assert_eq!(body, json!({"ok": p}));
    }
}

#[tokio::test]
async fn salesforce_daily_quota_exhaustion_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/q"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!([{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let http = HttpClient::new("sf", Provider::Salesforce, settings()).unwrap();
    let err = http
        .get_json(url(&server, "/q"), &token())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.message.contains("daily API quota"), "{err}");
}

#[tokio::test]
async fn a_response_over_the_size_cap_is_refused() {
    let server = MockServer::start().await;
    let big = format!("[\"{}\"]", "x".repeat(4096));
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string(big))
        .mount(&server)
        .await;
    let http = client(HttpSettings {
        max_response_bytes: 1024,
        ..settings()
    });
    let err = http
        .get_json(url(&server, "/big"), &token())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed);
    assert!(err.message.contains("larger than"), "{err}");
}

#[tokio::test]
async fn truncated_json_is_malformed_and_says_so() {
    let server = MockServer::start().await;
    Mock::given(path("/t"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"value\": [{\"id\": 1}"))
        .mount(&server)
        .await;
    let err = client(settings())
        .get_json(url(&server, "/t"), &token())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed);
    assert!(err.to_string().contains("truncated"), "{err}");
    assert!(err.to_string().contains("tenant acme"), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_a_server_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = client(settings());
    let target = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
    let err = http.get_json(target, &token()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert!(err.message.contains("connection failed"), "{err}");
    assert_eq!(http.stats().requests, 4);
}

#[tokio::test]
async fn the_concurrency_limit_bounds_requests_in_flight() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let http = client(HttpSettings {
        concurrency: 2,
        ..settings()
    });
    let start = Instant::now();
    let calls = (0..6).map(|_| {
        let http = http.clone();
        let target = url(&server, "/slow");
        async move { http.get_json(target, &token()).await.map(|_| ()) }
    });
    for result in futures_join(calls).await {
        result.unwrap();
    }
    // Six 200 ms requests, two at a time: three rounds.
    assert!(
        start.elapsed() >= Duration::from_millis(590),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn the_request_rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let http = client(HttpSettings {
        requests_per_second: NonZeroU32::new(5),
        ..settings()
    });
    let start = Instant::now();
    for _ in 0..10 {
        http.get_json(url(&server, "/r"), &token()).await.unwrap();
    }
    // A burst of 5, then one every 200 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"stolen": true})))
        .expect(0)
        .mount(&other)
        .await;
    Mock::given(path("/r"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let err = client(settings())
        .get_json(url(&server, "/r"), &token())
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(302), "{err}");
}

/// Run futures concurrently on the current task and collect their results in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn every_client_adds_to_its_provider_totals() {
    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    // No connector collects RFC 7591 metadata over HTTP, so these totals are this test's alone.
    let before = provider_totals(Provider::Rfc7591);
    let http = HttpClient::new("t", Provider::Rfc7591, settings()).unwrap();
    http.get_json(url(&server, "/ok"), &token()).await.unwrap();
    http.get_json(url(&server, "/ok"), &token()).await.unwrap();
    let after = provider_totals(Provider::Rfc7591);
    assert_eq!(after.requests - before.requests, 2);
}
