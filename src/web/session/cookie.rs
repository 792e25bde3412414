//! The sign-in cookies and the request facts they depend on.
//!
//! Every cookie is `HttpOnly` and `Path`-scoped; `Secure` is added when the service is behind
//! TLS, which is decided by configuration, never by an untrusted header: `server.public_url`
//! starting with `https://`, or `X-Forwarded-Proto: https` when
//! `server.trust_forwarded_headers = true` (a proxy that terminates TLS sets it).
//!
//! - `oauth_audit_session`: the session id, `SameSite=Strict`, no `Max-Age` (ends with the
//!   browser; the server ends it sooner).
//! - `oauth_audit_login_csrf`: the login form's double-submit token, `SameSite=Strict`.
//! - `oauth_audit_oidc_flow`: an OIDC login in flight, `SameSite=Lax` because the provider
//!   sends the browser back with a cross-site navigation, `Path=/login/oidc`, 10 minutes.

use actix_web::HttpRequest;
use actix_web::http::header;
use std::net::IpAddr;

use crate::config::ServerConfig;

pub const SESSION_COOKIE: &str = "oauth_audit_session";
pub const LOGIN_CSRF_COOKIE: &str = "oauth_audit_login_csrf";
pub const FLOW_COOKIE: &str = "oauth_audit_oidc_flow";
/// Where the flow cookie is sent.
pub const FLOW_PATH: &str = "/login/oidc";

/// Whether cookies must be `Secure`: the service is reached over TLS.
pub fn behind_tls(server: &ServerConfig, req: &HttpRequest) -> bool {
    if server
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
    {
        return true;
    }
    server.trust_forwarded_headers
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value. `max_age` of `Some(0)` deletes the cookie.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age: Option<u64>,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}");
    if let Some(secs) = max_age {
        c.push_str(&format!("; Max-Age={secs}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The session cookie for `session_id`.
pub fn session_cookie(session_id: &str, secure: bool) -> String {
    set_cookie(SESSION_COOKIE, session_id, "/", "Strict", None, secure)
}

/// The value of cookie `name` on the request, if any (the first one sent).
pub fn read_cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// The client's address for rate limiting: the last hop of `X-Forwarded-For` when forwarded
/// headers are trusted (the address the proxy saw), else the peer.
pub fn client_ip(server: &ServerConfig, req: &HttpRequest) -> Option<IpAddr> {
    if server.trust_forwarded_headers
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.peer_addr().map(|a| a.ip())
}

/// Whether a state-changing request may come from where it says: an `Origin` header, when
/// the browser sends a real one, must be ours (`server.public_url`, or the request's own
/// host). `Origin: null` (sent under our `no-referrer` policy) and no `Origin` at all are
/// left to the CSRF tokens and `SameSite=Strict`.
pub fn origin_allowed(server: &ServerConfig, req: &HttpRequest, secure: bool) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let expected = match &server.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            format!("{}://{host}", if secure { "https" } else { "http" })
        }
    };
    origin.eq_ignore_ascii_case(&expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn server(public_url: Option<&str>, trust: bool) -> ServerConfig {
        ServerConfig {
            public_url: public_url.map(String::from),
            trust_forwarded_headers: trust,
            ..ServerConfig::default()
        }
    }

    #[test]
    fn session_cookie_is_http_only_strict_and_secure_only_behind_tls() {
        let plain = TestRequest::default().to_http_request();
        let forwarded = TestRequest::default()
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request();
        assert!(!behind_tls(&server(None, false), &plain));
        assert!(!behind_tls(
            &server(Some("http://127.0.0.1:8080"), false),
            &plain
        ));
        assert!(behind_tls(
            &server(Some("https://audit.example"), false),
            &plain
        ));
        assert!(
            !behind_tls(&server(None, false), &forwarded),
            "an untrusted header must not decide"
        );
        assert!(behind_tls(&server(None, true), &forwarded));

        let c = session_cookie("abc", false);
        assert_eq!(
            c,
            "oauth_audit_session=abc; Path=/; HttpOnly; SameSite=Strict"
        );
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        let gone = set_cookie(FLOW_COOKIE, "", FLOW_PATH, "Lax", Some(0), false);
        assert!(gone.contains("Max-Age=0") && gone.contains("Path=/login/oidc"));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let req = TestRequest::default()
            .insert_header((
                "Cookie",
                "x_oauth_audit_session=no; oauth_audit_session=yes",
            ))
            .to_http_request();
        assert_eq!(read_cookie(&req, SESSION_COOKIE).as_deref(), Some("yes"));
        assert_eq!(read_cookie(&req, FLOW_COOKIE), None);
    }

    #[test]
    fn foreign_origins_are_refused() {
        let with = |origin: &str| {
            TestRequest::default()
                .insert_header(("Host", "127.0.0.1:8080"))
                .insert_header(("Origin", origin))
                .to_http_request()
        };
        let s = server(None, false);
        assert!(origin_allowed(&s, &with("http://127.0.0.1:8080"), false));
        assert!(!origin_allowed(&s, &with("http://evil.example"), false));
        assert!(!origin_allowed(&s, &with("http://127.0.0.1:8080"), true));
        assert!(origin_allowed(&s, &with("null"), false));
        let public = server(Some("https://audit.example/"), false);
        assert!(origin_allowed(
            &public,
            &with("https://audit.example"),
            true
        ));
        assert!(!origin_allowed(
            &public,
            &with("http://127.0.0.1:8080"),
            true
        ));
    }

    #[test]
    fn client_address_comes_from_the_proxy_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "1.2.3.4, 5.6.7.8"))
            .to_http_request();
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(client_ip(&server(None, false), &req), Some(peer));
        let proxied: IpAddr = "5.6.7.8".parse().unwrap();
        assert_eq!(client_ip(&server(None, true), &req), Some(proxied));
    }
}
