//! API authentication and authorization: `Authorization: Bearer <key>` checked against the
//! stored SHA-256 hashes (`store::api_keys`), roles reader and admin, the per-key rate limit,
//! and the audit log of admin actions.
//!
//! Handlers take a [`Reader`] (any valid key) or an [`Admin`] extractor as their first
//! argument: no key or an unknown or revoked one is 401, a reader on an admin endpoint 403, a
//! key over its rate 429 with `Retry-After`. Only `/healthz`, `/readyz` and `/metrics` take
//! no key, in `--demo` too (the demo's exemption is the dashboard's login).
//!
//! Valid keys are cached for [`CACHE_SECS`] by their hash, so a revocation takes effect
//! within that time; unknown keys are never cached. The key itself is never logged or
//! stored: only its hash is looked up.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
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

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Extracted<Reader>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(Reader) })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Extracted<Admin>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(req).await?;
            if caller.role != Role::Admin {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this endpoint needs an admin key",
                ));
            }
            Ok(Admin(caller))
        })
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
