//! The HTTP server: one actix-web app on a loopback listener whose single handler reads
//! `/{provider}/{tenant}/...`, counts the request, applies latency and the fault draws, checks
//! auth, and hands the rest of the path to the provider's module.

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

use super::estate::Estate;
use super::faults::{self, Injected, Ledger};
use super::reply::{Ctx, Reply};
use super::{
    SimulatorConfig, auth, auth0, entra, github, google, keycloak, okta, salesforce, slack, token,
};
use crate::Provider;

/// Everything the handler shares.
pub struct State {
    pub config: SimulatorConfig,
    pub estate: Estate,
    pub ledger: Ledger,
    pub tokens: auth::TokenStore,
    pub root: String,
}

impl State {
    pub fn new(config: SimulatorConfig, root: String) -> State {
        State {
            estate: Estate::new(config.seed, config.preset),
            tokens: auth::TokenStore::new(config.seed, config.token_lifetime),
            ledger: Ledger::default(),
            config,
            root,
        }
    }
}

/// Start serving `listener` on actix's own worker threads; the returned handle stops it.
pub fn spawn(
    listener: TcpListener,
    state: Arc<State>,
) -> std::io::Result<actix_web::dev::ServerHandle> {
    let workers = state.config.workers.max(1);
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(64 * 1024))
            .default_service(web::to(handle))
    })
    .workers(workers)
    // A gzip answer goes out as a chunked stream (head, then body): with Nagle's algorithm on,
    // the body would wait for the client's delayed ACK of the head, about 40 ms a response.
    .tcp_nodelay(true)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(handle)
}

/// A tenant's API root.
pub fn base_url(root: &str, provider: Provider, tenant: usize) -> String {
    match provider {
        Provider::Slack => format!("{root}/slack/{tenant}/api"),
        p => format!("{root}/{}/{tenant}", p.as_str()),
    }
}

/// The request counter of a tenant's paths that match no simulated endpoint.
pub const UNROUTED: &str = "unrouted";

fn not_found() -> Reply {
    Reply::json(
        StatusCode::NOT_FOUND,
        &json!({"error": {"code": "NotFound", "message": "no such resource"}}),
    )
}

fn query_map(query: &str) -> HashMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let mut reply = respond(&req, &body, &state).await;
    // The providers gzip their answers when asked to; so does the simulator.
    if accepts_gzip(&req) {
        reply.body = super::gzip::compress(&reply.body);
        reply
            .headers
            .push(("content-encoding".into(), "gzip".into()));
    }
    reply.into_response()
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("accept-encoding")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            // `gzip;q=0` means "not gzip" (RFC 9110 §12.5.3).
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    == Some(0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

async fn respond(req: &HttpRequest, body: &[u8], state: &State) -> Reply {
    let mut segs: Vec<String> = req
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    if segs.len() < 2 {
        return not_found();
    }
    let rest = segs.split_off(2);
    let Some(provider) = segs[0].parse::<Provider>().ok().filter(|p| p.is_saas()) else {
        return not_found();
    };
    let Some(tenant) = segs[1]
        .parse::<usize>()
        .ok()
        .filter(|t| *t < state.estate.size().tenants)
    else {
        return not_found();
    };
    let mut rest = rest;
    if provider == Provider::Slack {
        if rest.first().map(String::as_str) != Some("api") {
            return not_found();
        }
        rest.remove(0);
    }
    let faults = state.config.faults_for(provider, tenant);
    let ctx = Ctx {
        provider,
        tenant,
        segs: rest,
        query: query_map(req.query_string()),
        body,
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        base_url: base_url(&state.root, provider, tenant),
        estate: &state.estate,
        faults,
        page_size: state.config.page_size.max(1),
    };
    let token_endpoint = auth::is_token_endpoint(&ctx);
    let endpoint = if token_endpoint {
        Some("token")
    } else {
        endpoint_of(&ctx)
    };
    let Some(endpoint) = endpoint else {
        // Counted, so a test can tell that a client asked for something not simulated.
        state.ledger.count(provider, tenant, UNROUTED);
        tracing::debug!(%provider, tenant, path = %req.path(), "simulator: no such endpoint");
        return not_found();
    };
    state.ledger.count(provider, tenant, endpoint);
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if token_endpoint {
        return token::issue(&ctx, &state.tokens);
    }
    let target = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    match state
        .ledger
        .draw(state.config.seed, faults, provider, tenant, &target)
    {
        Some(Injected::RateLimited) => return rate_limited(provider, faults.retry_after_seconds),
        Some(Injected::ServerError) => return server_error(provider),
        None => {}
    }
    if !state.tokens.accepts(&ctx) {
        return auth::unauthorized(provider);
    }
    let mut reply = route(&ctx, endpoint).unwrap_or_else(not_found);
    reply.headers.extend(usage_headers(provider));
    if let Some(page) = reply.page {
        if faults.truncated_page == Some(page) {
            faults::truncate(&mut reply.body);
        }
        if faults.oversized_page == Some(page) {
            faults::oversize(&mut reply.body, faults.oversized_bytes);
        }
    }
    reply
}

fn endpoint_of(ctx: &Ctx<'_>) -> Option<&'static str> {
    match ctx.provider {
        Provider::Entra => entra::endpoint(ctx),
        Provider::Okta => okta::endpoint(ctx),
        Provider::Google => google::endpoint(ctx),
        Provider::Github => github::endpoint(ctx),
        Provider::Salesforce => salesforce::endpoint(ctx),
        Provider::Slack => slack::endpoint(ctx),
        Provider::Auth0 => auth0::endpoint(ctx),
        Provider::Keycloak => keycloak::endpoint(ctx),
        Provider::Rfc7591 => None,
    }
}

fn route(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    match ctx.provider {
        Provider::Entra => entra::respond(ctx, endpoint),
        Provider::Okta => okta::respond(ctx, endpoint),
        Provider::Google => google::respond(ctx, endpoint),
        Provider::Github => github::respond(ctx, endpoint),
        Provider::Salesforce => salesforce::respond(ctx, endpoint),
        Provider::Slack => slack::respond(ctx, endpoint),
        Provider::Auth0 => auth0::respond(ctx, endpoint),
        Provider::Keycloak => keycloak::respond(ctx, endpoint),
        Provider::Rfc7591 => None,
    }
}

/// The budget headers some providers put on every answer.
fn usage_headers(provider: Provider) -> Vec<(String, String)> {
    let h = |n: &str, v: &str| (n.to_string(), v.to_string());
    match provider {
        Provider::Okta => vec![
            h("X-Rate-Limit-Limit", "600"),
            h("X-Rate-Limit-Remaining", "599"),
            h("X-Rate-Limit-Reset", "1767225660"),
        ],
        Provider::Github => vec![
            h("x-ratelimit-limit", "5000"),
            h("x-ratelimit-remaining", "4999"),
            h("x-ratelimit-used", "1"),
            h("x-ratelimit-reset", "1767229200"),
            h("x-ratelimit-resource", "core"),
        ],
        Provider::Salesforce => vec![h("Sforce-Limit-Info", "api-usage=1/15000")],
        Provider::Auth0 => vec![
            h("x-ratelimit-limit", "50"),
            h("x-ratelimit-remaining", "49"),
            h("x-ratelimit-reset", "1767225601"),
        ],
        _ => Vec::new(),
    }
}

/// 429 in the provider's shape, with `Retry-After` and its exhausted budget headers.
fn rate_limited(provider: Provider, retry_after: u64) -> Reply {
    let body = match provider {
        Provider::Entra => {
            json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}})
        }
        Provider::Okta => {
            json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests.", "errorLink": "E0000047", "errorId": "sim-rate-limit", "errorCauses": []})
        }
        Provider::Google => {
            json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED", "errors": [{"reason": "rateLimitExceeded", "domain": "usageLimits"}]}})
        }
        Provider::Github => {
            json!({"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"})
        }
        Provider::Salesforce => {
            json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        }
        Provider::Slack => json!({"ok": false, "error": "ratelimited"}),
        Provider::Auth0 => {
            json!({"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached"})
        }
        _ => json!({"error": "too many requests"}),
    };
    let mut reply = Reply::json(StatusCode::TOO_MANY_REQUESTS, &body)
        .header("Retry-After", retry_after.to_string());
    let zero = |n: &str| (n.to_string(), "0".to_string());
    match provider {
        Provider::Entra => reply.headers.push((
            "x-ms-throttle-scope".to_string(),
            "Tenant_Application/ReadWrite/sim".to_string(),
        )),
        Provider::Okta => reply.headers.push(zero("X-Rate-Limit-Remaining")),
        Provider::Github | Provider::Auth0 => reply.headers.push(zero("x-ratelimit-remaining")),
        _ => {}
    }
    reply
}

fn server_error(provider: Provider) -> Reply {
    let body = match provider {
        Provider::Salesforce => {
            json!([{"message": "Service Unavailable", "errorCode": "SERVER_UNAVAILABLE"}])
        }
        Provider::Slack => json!({"ok": false, "error": "service_unavailable"}),
        _ => {
            json!({"error": {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable"}})
        }
    };
    Reply::json(StatusCode::SERVICE_UNAVAILABLE, &body)
}

impl Reply {
    fn into_response(self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        resp.content_type("application/json");
        for (name, value) in &self.headers {
            resp.insert_header((name.as_str(), value.as_str()));
        }
        resp.body(self.body)
    }
}
