//! API authentication and authorization: `Authorization: Bearer <key>` checked against the
//! stored SHA-256 hashes (`store::api_keys`), roles reader and admin, the per-key rate limit,
//! and the audit log of admin actions.
//!
//! [`require_key`] wraps the whole `/api/v1` scope and runs before any handler parses its
//! path, query or body: no key or an unknown or revoked one is 401, a key over its rate 429
//! with `Retry-After`. Handlers then take a [`Reader`] (any valid key) or an [`Admin`]
//! extractor, which read the caller the middleware left on the request; a reader on an admin
//! endpoint is 403. Only `/healthz`, `/readyz` and `/metrics` take no key, in `--demo` too
//! (the demo's exemption is the dashboard's login).
//!
//! Valid keys are cached for [`CACHE_SECS`] by their hash, so a revocation takes effect
//! within that time; unknown keys are never cached. The key itself is never logged or
//! stored: only its hash is looked up.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::AppState;
use super::error::ApiError;
use super::ratelimit::RateLimiter;
use crate::store::api_keys::{Role, hash_key};
use crate::store::queries::audit::AuditEntry;

/// How long a validated key is trusted without asking the database again.
pub const CACHE_SECS: u64 = 5;
/// Cached keys at most (the cache is emptied when full).
const CACHE_MAX: usize = 4096;
/// Longest `Authorization` header considered (our keys are 68 characters).
const MAX_HEADER: usize = 512;

/// The key behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: i64,
    pub key_name: String,
    pub role: Role,
}

/// A request made with any valid key.
#[derive(Debug, Clone)]
pub struct Reader(pub Caller);

/// A request made with an admin key.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

/// Process-wide API state: the key cache and the rate limiter.
pub struct ApiGuard {
    limiter: RateLimiter,
    cache: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl ApiGuard {
    pub fn new(rate_per_sec: u32, burst: u32) -> ApiGuard {
        ApiGuard {
            limiter: RateLimiter::new(rate_per_sec, burst),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, hash: &str, now: Instant) -> Option<Caller> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(hash)
            .filter(|(_, at)| now.duration_since(*at) < Duration::from_secs(CACHE_SECS))
            .map(|(c, _)| c.clone())
    }

    fn remember(&self, hash: String, caller: Caller, now: Instant) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(hash, (caller, now));
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The bearer token of a request, if it has a well-formed one.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    if value.len() > MAX_HEADER {
        return None;
    }
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Authenticate `req` and charge its key's rate budget.
async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?
        .clone();
    let guard = req
        .app_data::<web::Data<ApiGuard>>()
        .ok_or_else(|| ApiError::internal("API guard missing"))?
        .clone();
    let Some(token) = bearer(&req) else {
        return Err(unauthorized(
            "an API key is required: Authorization: Bearer <key>",
        ));
    };
    let hash = hash_key(token);
    let now = Instant::now();
    let caller = match guard.cached(&hash, now) {
        Some(c) => c,
        None => {
            let store = state.store.clone();
            let presented = token.to_string();
            let found = web::block(move || store.authenticate_api_key(&presented))
                .await
                .map_err(ApiError::internal)??;
            let Some((row, role)) = found else {
                return Err(unauthorized("the API key is not valid"));
            };
            let caller = Caller {
                key_id: row.id,
                key_name: row.name,
                role,
            };
            guard.remember(hash, caller.clone(), now);
            caller
        }
    };
    if let Err(wait) = guard.limiter.check(caller.key_id, now) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests for this key; retry in {wait} s"),
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    Ok(caller)
}

/// Middleware for the API scope: authenticate, charge the rate budget, and leave the
/// [`Caller`] on the request for the [`Reader`] and [`Admin`] extractors.
pub async fn require_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let caller = authenticate(req.request().clone()).await?;
    req.extensions_mut().insert(caller);
    next.call(req).await
}

/// The caller [`require_key`] authenticated (401 if the route is not behind it).
fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
    req.extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| unauthorized("an API key is required: Authorization: Bearer <key>"))
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Ready<Result<Reader, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).map(Reader))
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).and_then(|caller| {
            if caller.role == Role::Admin {
                Ok(Admin(caller))
            } else {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this endpoint needs an admin key",
                ))
            }
        }))
    }
}

impl Admin {
    /// Record an admin action in the audit log. A failure to record fails the request: an
    /// admin action must not go unrecorded.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &'static str,
        target: String,
        details: serde_json::Value,
    ) -> Result<(), ApiError> {
        let (store, now, caller) = (state.store.clone(), state.clock.now(), self.0.clone());
        web::block(move || {
            store.record_audit(
                &AuditEntry {
                    key_id: caller.key_id,
                    key_name: &caller.key_name,
                    action,
                    target: &target,
                    details,
                },
                now,
            )
        })
        .await
        .map_err(ApiError::internal)??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_a_well_formed_bearer_header_yields_a_token() {
        let with = |v: &str| {
            TestRequest::default()
                .insert_header(("Authorization", v))
                .to_http_request()
        };
        assert_eq!(bearer(&with("Bearer oaa_abc")), Some("oaa_abc"));
        assert_eq!(bearer(&with("bearer oaa_abc")), Some("oaa_abc"));
        assert_eq!(bearer(&with("Basic b2FhOng=")), None);
        assert_eq!(bearer(&with("Bearer ")), None);
        assert_eq!(bearer(&with(&format!("Bearer {}", "x".repeat(600)))), None);
        assert_eq!(bearer(&TestRequest::default().to_http_request()), None);
    }
}
