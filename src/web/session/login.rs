//! `/login` and `/logout`.
//!
//! - `GET /login`: the sign-in page (API-key form and/or the single sign-on link), or, for a
//!   signed-in browser, who is signed in with a logout button.
//! - `POST /login`: exchange an API key for a session. The form carries a double-submit
//!   token (equal to the `oauth_audit_login_csrf` cookie set by the page); a foreign `Origin`
//!   is refused; attempts are limited per client address. Admin keys may sign in; reader keys
//!   only with `login.reader_keys = true` (read-only sessions). The login is audit-logged.
//! - `POST /logout`: with the session's CSRF token, deletes the session row, clears the cookie
//!   and sends the browser to `/login`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{LoginState, NewSession, Viewer, cookie, token};
use crate::store::api_keys::{Role, hash_key};
use crate::store::queries::audit::AuditEntry;
use crate::web::AppState;
use crate::web::dashboard::PageError;

/// The sign-in page (`templates/login.html`).
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Where to go after sign-in (already checked by [`token::safe_next`]).
    pub next: String,
    pub csrf_token: String,
    pub api_key_login: bool,
    /// The single sign-on button's label, when `[oidc]` is configured.
    pub sso_name: Option<String>,
    pub error: Option<String>,
    /// Set when a session is live: its viewer.
    pub viewer: Option<Viewer>,
    /// After single sign-on: the page refreshes to `next` (a same-site navigation, so the
    /// `SameSite=Strict` session cookie is sent).
    pub refresh: bool,
}

impl LoginPage {
    /// `/login/oidc?next=…`, escaped for the query string.
    pub fn sso_href(&self) -> String {
        format!("/login/oidc?next={}", super::url_escape(&self.next))
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// A fixed error code from our own redirects (never free text).
    error: Option<String>,
}

/// Render `page` with `status`, uncached, with a referrer policy under which the browser
/// sends our origin with the form's POST (checked by [`cookie::origin_allowed`]).
pub(crate) fn page_response(
    status: StatusCode,
    page: &LoginPage,
    cookies: &[String],
) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(PageError::internal)?;
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    for c in cookies {
        res.append_header((header::SET_COOKIE, c.as_str()));
    }
    Ok(res.body(body))
}

fn login_state(req: &HttpRequest) -> Result<&LoginState, PageError> {
    req.app_data::<web::Data<LoginState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| PageError::internal("login state missing"))
}

/// A fresh sign-in form: its page and the cookie holding the form's token.
fn form_page(
    state: &AppState,
    req: &HttpRequest,
    next: String,
    error: Option<String>,
) -> Result<(LoginPage, String), PageError> {
    let login = login_state(req)?;
    // One token per browser, not per page load: a second tab (or a favicon request sent
    // through the login redirect) must not invalidate the form already on screen.
    let csrf = cookie::read_cookie(req, cookie::LOGIN_CSRF_COOKIE)
        .filter(|v| token::well_formed(v))
        .unwrap_or_else(token::random_token);
    let secure = cookie::behind_tls(&state.config.server, req);
    let set = cookie::set_cookie(
        cookie::LOGIN_CSRF_COOKIE,
        &csrf,
        "/login",
        "Strict",
        Some(3600),
        secure,
    );
    let page = LoginPage {
        next,
        csrf_token: csrf,
        api_key_login: state.config.login.api_key_login,
        sso_name: login.oidc.as_ref().map(|o| o.display_name().to_owned()),
        error,
        viewer: None,
        refresh: false,
    };
    Ok((page, set))
}

/// The message for an error code of our own redirects.
fn error_message(code: &str) -> Option<String> {
    let m = match code {
        "expired" => "Your sign-in took too long or was already used. Please sign in again.",
        _ => return None,
    };
    Some(m.to_owned())
}

/// `GET /login`.
pub async fn login_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = token::safe_next(query.next.as_deref());
    if state.demo {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .finish());
    }
    if let Some(viewer) = super::current(&state, &req).await? {
        let page = LoginPage {
            next,
            csrf_token: viewer.csrf_token.clone(),
            api_key_login: false,
            sso_name: None,
            error: None,
            viewer: Some(viewer),
            refresh: false,
        };
        return page_response(StatusCode::OK, &page, &[]);
    }
    let error = query.error.as_deref().and_then(error_message);
    let (page, set) = form_page(&state, &req, next, error)?;
    page_response(StatusCode::OK, &page, &[set])
}

#[derive(Debug, Deserialize)]
pub struct KeyLoginForm {
    csrf_token: String,
    api_key: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`: API-key sign-in.
pub async fn login_with_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<KeyLoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = token::safe_next(form.next.as_deref());
    let login = login_state(&req)?;
    login.charge(&state, &req)?;
    let secure = cookie::behind_tls(&state.config.server, &req);
    let pre = cookie::read_cookie(&req, cookie::LOGIN_CSRF_COOKIE).unwrap_or_default();
    let token_ok = token::same(&pre, &form.csrf_token);
    let origin_ok = cookie::origin_allowed(&state.config.server, &req, secure);
    if !(token_ok && origin_ok) {
        tracing::info!(token_ok, origin_ok, "sign-in form refused");
        let (page, set) = form_page(
            &state,
            &req,
            next,
            Some("The sign-in form expired. Please try again.".into()),
        )?;
        return page_response(StatusCode::FORBIDDEN, &page, &[set]);
    }
    if !state.config.login.api_key_login {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "API-key sign-in is turned off on this server.",
        ));
    }
    let presented = form.api_key.trim().to_owned();
    let store = state.store.clone();
    let found = web::block(move || {
        if presented.is_empty() || presented.len() > 512 {
            return Ok(None);
        }
        store.authenticate_api_key(&presented)
    })
    .await
    .map_err(PageError::internal)??;
    let refused = match &found {
        None => Some("That API key is not valid."),
        Some((_, Role::Reader)) if !state.config.login.reader_keys => {
            Some("Reader keys cannot sign in to the dashboard here; use an admin key.")
        }
        Some(_) => None,
    };
    let (Some((key, role)), None) = (found, refused) else {
        let message = refused.unwrap_or("That API key is not valid.").to_owned();
        let (page, set) = form_page(&state, &req, next, Some(message))?;
        return page_response(StatusCode::UNAUTHORIZED, &page, &[set]);
    };
    let opened = super::open_session(
        &state,
        &req,
        NewSession {
            principal: format!("api_key:{}", key.id),
            display_name: key.name.clone(),
            role,
            api_key_id: Some(key.id),
        },
    )
    .await?;
    let (store, now) = (state.store.clone(), state.clock.now());
    web::block(move || {
        store.record_audit(
            &AuditEntry {
                key_id: key.id,
                key_name: &key.name,
                action: "dashboard.login",
                target: &format!("api_key:{}", key.id),
                details: serde_json::json!({ "role": role.as_str() }),
            },
            now,
        )
    })
    .await
    .map_err(PageError::internal)??;
    tracing::info!(
        key_id = key.id,
        role = role.as_str(),
        "dashboard sign-in with an API key"
    );
    let clear = cookie::set_cookie(
        cookie::LOGIN_CSRF_COOKIE,
        "",
        "/login",
        "Strict",
        Some(0),
        secure,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .append_header((header::SET_COOKIE, opened.set_cookie))
        .append_header((header::SET_COOKIE, clear))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /logout`.
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    let secure = cookie::behind_tls(&state.config.server, &req);
    if let Some(id) = cookie::read_cookie(&req, cookie::SESSION_COOKIE) {
        if !token::same(&token::csrf_token(&id), &form.csrf_token) {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "This logout request did not come from your session's page. Reload and try again.",
            ));
        }
        let (store, hash) = (state.store.clone(), hash_key(&id));
        web::block(move || store.delete_web_session(&hash))
            .await
            .map_err(PageError::internal)??;
    }
    let clear = cookie::set_cookie(cookie::SESSION_COOKIE, "", "/", "Strict", Some(0), secure);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::SET_COOKIE, clear))
        .finish())
}
