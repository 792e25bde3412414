//! Who is looking at the dashboard. Every dashboard handler takes a [`Viewer`]: in
//! `serve --demo` everyone is the demo viewer; otherwise a request without a valid session
//! is sent to `/login` (never shown a page).
//!
//! The session store, `/login` (OIDC and API key) and `/logout` live beside this module.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use std::future::{Ready, ready};

use crate::store::api_keys::Role;
use crate::web::AppState;

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
        use subtle::ConstantTimeEq;
        if self.demo {
            return true;
        }
        !self.csrf_token.is_empty()
            && bool::from(self.csrf_token.as_bytes().ct_eq(submitted.as_bytes()))
    }
}

/// No session: the browser is sent to the login page, with the page it asked for.
#[derive(Debug)]
pub struct LoginRequired {
    next: String,
}

impl std::fmt::Display for LoginRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("login required")
    }
}

impl ResponseError for LoginRequired {
    fn error_response(&self) -> HttpResponse {
        let target = format!("/login?next={}", url_escape(&self.next));
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    }
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequest for Viewer {
    type Error = LoginRequired;
    type Future = Ready<Result<Viewer, LoginRequired>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let demo = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.demo);
        if demo {
            return ready(Ok(Viewer::demo()));
        }
        // Only same-site paths are remembered, so `next` can never point elsewhere.
        let next = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        ready(Err(LoginRequired { next }))
    }
}
