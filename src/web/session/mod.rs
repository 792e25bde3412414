//! Who is looking at the dashboard. Every dashboard handler takes a [`Viewer`]: in
//! `serve --demo` everyone is the demo viewer; otherwise the request must carry the cookie of
//! a live server-side session, or it is sent to `/login` (never shown a page).
//!
//! Sessions live in the database (`store::sessions`), found by the SHA-256 of the 256-bit
//! random id in the `oauth_audit_session` cookie; they end at logout, after
//! `login.session_idle_minutes` without use, `login.session_max_hours` after sign-in, and,
//! for a session opened with an API key, as soon as that key is revoked (checked on every
//! request). Each session's CSRF token is derived from its id (`token.rs`) and every POST
//! form must carry it ([`Viewer::check_csrf`]).
//!
//! Beside this module: `login.rs` (`/login`, API-key login, `/logout`), `oidc.rs` (single
//! sign-on), `roles.rs` (who gets which role), `cookie.rs` and `token.rs`.

pub mod callback;
pub mod cookie;
pub mod login;
pub mod oidc;
pub mod roles;
pub mod token;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use crate::config::{Config, ConfigError};
use crate::store::api_keys::{Role, hash_key};
use crate::store::sessions::NewWebSession;
use crate::web::AppState;
use crate::web::dashboard::PageError;
use crate::web::ratelimit::RateLimiter;

/// A session's last-use time is written at most this often (not on every page view).
const TOUCH_EVERY_SECS: i64 = 60;

/// The signed-in person (or the demo viewer) a page is rendered for.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Display name: the OIDC `name`/`email`, the API key's name, or "demo".
    pub name: String,
    pub role: Role,
    /// The token every POST form of this session must carry (see [`Viewer::check_csrf`]).
    pub csrf_token: String,
    /// `serve --demo`: no login, a banner says so.
    pub demo: bool,
}

impl Viewer {
    fn demo() -> Viewer {
        Viewer {
            name: "demo".to_owned(),
            role: Role::Admin,
            csrf_token: String::new(),
            demo: true,
        }
    }

    /// Whether a submitted form token belongs to this session (constant time).
    pub fn check_csrf(&self, submitted: &str) -> bool {
        self.demo || token::same(&self.csrf_token, submitted)
    }
}

/// No session: the browser is sent to the login page, with the page it asked for.
#[derive(Debug)]
pub struct LoginRequired {
    next: String,
    /// A session cookie was sent but names no live session: delete it.
    stale_cookie: bool,
}

impl std::fmt::Display for LoginRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("login required")
    }
}

impl ResponseError for LoginRequired {
    fn error_response(&self) -> HttpResponse {
        let target = format!(
            "/login?next={}",
            url_escape(&token::safe_next(Some(&self.next)))
        );
        let mut res = HttpResponse::SeeOther();
        res.insert_header((header::LOCATION, target))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if self.stale_cookie {
            res.append_header((
                header::SET_COOKIE,
                cookie::set_cookie(cookie::SESSION_COOKIE, "", "/", "Strict", Some(0), false),
            ));
        }
        res.finish()
    }
}

/// The redirect to `/login` for a request without a session (remembering where it went).
pub fn login_redirect(req: &HttpRequest) -> HttpResponse {
    let next = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let stale_cookie = cookie::read_cookie(req, cookie::SESSION_COOKIE).is_some();
    LoginRequired { next, stale_cookie }.error_response()
}

pub(crate) fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Sign-in state shared by every worker: the attempt limiter and the OIDC client.
pub struct LoginState {
    pub(crate) attempts: RateLimiter<IpAddr>,
    pub(crate) oidc: Option<oidc::Oidc>,
}

impl LoginState {
    /// Build from the configuration (the OIDC client secret is read here).
    pub fn new(config: &Config) -> Result<LoginState, ConfigError> {
        let per_min = config.login.attempts_per_minute;
        let lookup = |var: &str| std::env::var(var).ok();
        let oidc = match &config.oidc {
            Some(o) => Some(oidc::Oidc::new(o, &config.server, &lookup)?),
            None => None,
        };
        Ok(LoginState {
            attempts: RateLimiter::per_minute(per_min, per_min),
            oidc,
        })
    }

    /// Charge one sign-in attempt to the client's address; `Err` with a 429 page when over.
    pub(crate) fn charge(&self, state: &AppState, req: &HttpRequest) -> Result<(), PageError> {
        let ip = cookie::client_ip(&state.config.server, req).unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.attempts
            .check(ip, std::time::Instant::now())
            .map_err(|wait| {
                PageError::new(
                    actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many sign-in attempts from your address. Try again in {wait} s."),
                )
            })
    }
}

/// The idle cutoff and absolute end for sessions opened or checked at `now`.
fn lifetimes(config: &Config, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let idle = Duration::minutes(i64::from(config.login.session_idle_minutes));
    let max = Duration::hours(i64::from(config.login.session_max_hours));
    (now - idle, now + max)
}

/// Who a new session is for.
pub(crate) struct NewSession {
    pub principal: String,
    pub display_name: String,
    pub role: Role,
    pub api_key_id: Option<i64>,
}

/// A session just opened.
pub(crate) struct Opened {
    /// The `Set-Cookie` value carrying the session id.
    pub set_cookie: String,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// Open a session (always under a new id: a session id planted before sign-in is never
/// promoted). A session the browser already had is ended.
pub(crate) async fn open_session(
    state: &AppState,
    req: &HttpRequest,
    who: NewSession,
) -> Result<Opened, PageError> {
    let id = token::random_token();
    let hash = hash_key(&id);
    let previous = cookie::read_cookie(req, cookie::SESSION_COOKIE).map(|old| hash_key(&old));
    let now = state.clock.now();
    let (idle_cutoff, expires_at) = lifetimes(&state.config, now);
    let store = state.store.clone();
    web::block(move || {
        if let Some(old) = previous {
            store.delete_web_session(&old)?;
        }
        store.create_web_session(
            &NewWebSession {
                token_hash: &hash,
                principal: &who.principal,
                display_name: &who.display_name,
                role: who.role.as_str(),
                api_key_id: who.api_key_id,
                expires_at,
            },
            now,
            idle_cutoff,
        )
    })
    .await
    .map_err(PageError::internal)??;
    let secure = cookie::behind_tls(&state.config.server, req);
    Ok(Opened {
        set_cookie: cookie::session_cookie(&id, secure),
        csrf_token: token::csrf_token(&id),
    })
}

/// The live session named by the request's cookie, as a viewer; `Ok(None)` without one.
pub(crate) async fn current(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<Viewer>, PageError> {
    let Some(id) =
        cookie::read_cookie(req, cookie::SESSION_COOKIE).filter(|v| token::well_formed(v))
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let (idle_cutoff, _) = lifetimes(&state.config, now);
    let (store, hash) = (state.store.clone(), hash_key(&id));
    let row = web::block(move || store.find_web_session(&hash, now, idle_cutoff))
        .await
        .map_err(PageError::internal)??;
    let Some(row) = row else { return Ok(None) };
    let Some(role) = Role::parse(&row.role) else {
        return Ok(None);
    };
    if (now.naive_utc() - row.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
        let store = state.store.clone();
        web::block(move || store.touch_web_session(row.id, now))
            .await
            .map_err(PageError::internal)??;
    }
    Ok(Some(Viewer {
        name: row.display_name,
        role,
        csrf_token: token::csrf_token(&id),
        demo: false,
    }))
}

impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| PageError::internal("application state missing"))?;
            if state.demo {
                return Ok(Viewer::demo());
            }
            if let Some(viewer) = current(state, &req).await? {
                return Ok(viewer);
            }
            Err(actix_web::error::InternalError::from_response(
                "login required",
                login_redirect(&req),
            )
            .into())
        })
    }
}

#[cfg(test)]
mod tests;
