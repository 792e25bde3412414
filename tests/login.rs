//! Dashboard sign-in over HTTP, on every backend: the redirect to `/login`, API-key sign-in
//! and its protections (form token, Origin, attempt limit, open redirects, reader and revoked
//! keys), the session cookie's attributes, logout, and the audit log.

mod support;

use support::api::TestApp;
use support::server::{client, cookie_value, hidden_input, set_cookie};
use support::{Backend, backends};

/// A browser-like client's view of the sign-in form: its token (also in the cookie jar).
async fn form(app: &TestApp, http: &reqwest::Client) -> String {
    let resp = http.get(app.url("/login")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let c = set_cookie(&resp, "oauth_audit_login_csrf").expect("the form's cookie");
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
    assert_eq!(resp.headers()["referrer-policy"], "same-origin");
    hidden_input(&resp.text().await.unwrap(), "csrf_token")
}

async fn sign_in(
    app: &TestApp,
    http: &reqwest::Client,
    key: &str,
    next: &str,
) -> reqwest::Response {
    let csrf = form(app, http).await;
    http.post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("api_key", key),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

async fn start(backend: Backend, extra: &str) -> TestApp {
    TestApp::start(backend, &[], extra).await
}

#[tokio::test]
async fn signed_out_dashboard_paths_redirect_to_login_and_the_api_still_wants_a_key() {
    for backend in backends() {
        let app = start(backend, "").await;
        let http = client(false);
        for (path, next) in [
            ("/", "%2F"),
            ("/apps?tenant=a&q=x", "%2Fapps%3Ftenant%3Da%26q%3Dx"),
        ] {
            let resp = http.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 303, "{backend:?} {path}");
            assert_eq!(
                resp.headers()["location"],
                format!("/login?next={next}").as_str()
            );
        }
        let api = http.get(app.url("/api/v1/apps")).send().await.unwrap();
        assert_eq!(api.status().as_u16(), 401, "{backend:?}");
        let css = http.get(app.url("/assets/app.css")).send().await.unwrap();
        assert_eq!(
            css.status().as_u16(),
            200,
            "the login page's stylesheet needs no session"
        );
    }
}

#[tokio::test]
async fn an_admin_key_signs_in_is_audited_and_logout_ends_the_session() {
    for backend in backends() {
        let app = start(backend, "").await;
        let http = client(true);
        let resp = sign_in(&app, &http, &app.admin_key, "/apps?sort=risk").await;
        assert_eq!(resp.status().as_u16(), 303, "{backend:?}");
        assert_eq!(resp.headers()["location"], "/apps?sort=risk");
        let session = set_cookie(&resp, "oauth_audit_session").expect("a session cookie");
        assert!(
            session.ends_with("; Path=/; HttpOnly; SameSite=Strict"),
            "no Secure on plain http: {session}"
        );
        let page = http
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("siem-admin") && page.contains(">admin<"),
            "{page}"
        );
        assert!(
            !page.contains(&app.admin_key),
            "the key is never shown back"
        );

        let audit = app.store.list_audit(None, 10).unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "dashboard.login" && a.key_name == "siem-admin"),
            "{backend:?}: {audit:?}"
        );

        let csrf = hidden_input(&page, "csrf_token");
        let forged = http
            .post(app.url("/logout"))
            .form(&[("csrf_token", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            forged.status().as_u16(),
            403,
            "logout needs the session's token"
        );
        let out = http
            .post(app.url("/logout"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status().as_u16(), 303);
        assert_eq!(out.headers()["location"], "/login");
        assert!(
            set_cookie(&out, "oauth_audit_session")
                .unwrap()
                .contains("Max-Age=0")
        );
        let replay = client(false)
            .get(app.url("/"))
            .header(
                "cookie",
                format!("oauth_audit_session={}", cookie_value(&session)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            replay.status().as_u16(),
            303,
            "{backend:?}: the row is gone"
        );
    }
}

#[tokio::test]
async fn the_login_form_needs_its_token_and_our_origin() {
    for backend in backends() {
        let app = start(backend, "").await;
        let key = app.admin_key.as_str();
        // No form cookie at all (a cross-site form post).
        let bare = client(false)
            .post(app.url("/login"))
            .form(&[("csrf_token", "x"), ("api_key", key)])
            .send()
            .await
            .unwrap();
        assert_eq!(bare.status().as_u16(), 403, "{backend:?}");
        assert!(set_cookie(&bare, "oauth_audit_session").is_none());
        // The cookie, but another token.
        let http = client(true);
        form(&app, &http).await;
        let wrong = http
            .post(app.url("/login"))
            .form(&[("csrf_token", "x".repeat(43).as_str()), ("api_key", key)])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status().as_u16(), 403, "{backend:?}");
        // The right token from a foreign page.
        let csrf = form(&app, &http).await;
        let foreign = http
            .post(app.url("/login"))
            .header("origin", "https://evil.example")
            .form(&[("csrf_token", csrf.as_str()), ("api_key", key)])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status().as_u16(), 403, "{backend:?}");
        assert!(set_cookie(&foreign, "oauth_audit_session").is_none());
    }
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    for backend in backends() {
        let app = start(backend, "").await;
        for next in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
        ] {
            let resp = sign_in(&app, &client(true), &app.admin_key, next).await;
            assert_eq!(resp.status().as_u16(), 303, "{backend:?}");
            assert_eq!(resp.headers()["location"], "/", "{next}");
        }
        let page = client(false)
            .get(app.url("/login?next=//evil.example"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"name="next" value="/""#), "{page}");
    }
}

#[tokio::test]
async fn bad_keys_and_reader_keys_are_refused_unless_readers_are_allowed() {
    for backend in backends() {
        let app = start(backend, "").await;
        let bad = sign_in(&app, &client(true), "oaa_0000", "/").await;
        assert_eq!(bad.status().as_u16(), 401, "{backend:?}");
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("That API key is not valid.")
        );
        let reader = sign_in(&app, &client(true), &app.reader_key, "/").await;
        assert_eq!(reader.status().as_u16(), 401, "{backend:?}");
        assert!(set_cookie(&reader, "oauth_audit_session").is_none());

        let open = start(backend, "\n[login]\nreader_keys = true").await;
        let http = client(true);
        let reader = sign_in(&open, &http, &open.reader_key, "/").await;
        assert_eq!(reader.status().as_u16(), 303, "{backend:?}");
        let page = http
            .get(open.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("siem-reader") && page.contains(">reader<"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn revoking_the_key_ends_its_dashboard_sessions() {
    for backend in backends() {
        let app = start(backend, "").await;
        let http = client(true);
        assert_eq!(
            sign_in(&app, &http, &app.admin_key, "/")
                .await
                .status()
                .as_u16(),
            303
        );
        let not_found = http.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(not_found.status().as_u16(), 404, "{backend:?}: signed in");
        let id = app
            .store
            .list_api_keys()
            .unwrap()
            .into_iter()
            .find(|k| k.name == "siem-admin")
            .unwrap()
            .id;
        app.store
            .revoke_api_key(
                id,
                oauth_audit::clock::Clock::now(&oauth_audit::clock::SystemClock),
            )
            .unwrap();
        let after = http.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(
            after.status().as_u16(),
            303,
            "{backend:?}: the session ended with its key"
        );
    }
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_client_address() {
    for backend in backends() {
        let app = start(backend, "\n[login]\nattempts_per_minute = 3").await;
        let http = client(true);
        for _ in 0..3 {
            assert_eq!(
                sign_in(&app, &http, "oaa_wrong", "/")
                    .await
                    .status()
                    .as_u16(),
                401
            );
        }
        let limited = sign_in(&app, &http, &app.admin_key, "/").await;
        assert_eq!(
            limited.status().as_u16(),
            429,
            "{backend:?}: even a good key waits"
        );
        assert!(set_cookie(&limited, "oauth_audit_session").is_none());
    }
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_tls() {
    for backend in backends() {
        let app = start(backend, "public_url = \"https://audit.example\"").await;
        let resp = sign_in(&app, &client(true), &app.admin_key, "/").await;
        let session = set_cookie(&resp, "oauth_audit_session").expect("a session cookie");
        assert!(session.ends_with("; Secure"), "{backend:?}: {session}");
    }
}

#[tokio::test]
async fn an_unreachable_identity_provider_is_a_short_error_page_and_no_flow() {
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "s3cret-value").unwrap();
    let port = support::server::free_port();
    for backend in backends() {
        let extra = format!(
            "public_url = \"http://127.0.0.1:1\"\n\n[oidc]\nissuer_url = \"http://127.0.0.1:{port}\"\n\
             client_id = \"c\"\nclient_secret_file = {:?}\n",
            secret.path().display().to_string()
        );
        let app = start(backend, &extra).await;
        let page = client(false).get(app.url("/login")).send().await.unwrap();
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Sign in with single sign-on")
        );
        let resp = client(false)
            .get(app.url("/login/oidc"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 502, "{backend:?}");
        assert!(set_cookie(&resp, "oauth_audit_oidc_flow").is_none());
        let body = resp.text().await.unwrap();
        assert!(body.contains("could not complete the sign-in"), "{body}");
        assert!(
            !body.contains(&port.to_string()) && !body.contains("error sending"),
            "{body}"
        );
    }
}
