//! Single sign-on end to end: the real `oauth-audit serve` against a real OpenID provider
//! (`oidc-provider` on node, started here), driven over HTTP with a cookie jar. Skipped with
//! a message when `tests/oidc/node_modules` is missing, unless `CI` is set.

mod support;

use support::oidc::{self, Provider, SECRET_VAR};
use support::server::{Serve, client, cookie_value, free_port, hidden_input, set_cookie};
use support::{Backend, TestDb, backends};

/// The provider and a server whose `[oidc]` points at it (admins by group, readers by group,
/// only example.com addresses).
struct Sso {
    serve: Serve,
    _provider: Provider,
    _db: TestDb,
    _dir: tempfile::TempDir,
    callback: String,
}

fn start(backend: Backend) -> Sso {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let callback = format!("{public}/login/oidc/callback");
    let provider = Provider::start(&callback);
    let config = format!(
        "[database]\nurl = {:?}\n\n[server]\npublic_url = {public:?}\n\n{}",
        db.url,
        provider.config(
            "admin_groups = [\"oauth-audit-admins\"]\nreader_groups = [\"staff\"]\nallowed_domains = [\"example.com\"]"
        )
    );
    let serve = Serve::start(
        dir.path(),
        &config,
        &format!("127.0.0.1:{port}"),
        &[(SECRET_VAR, oidc::CLIENT_SECRET)],
    );
    Sso {
        serve,
        _provider: provider,
        _db: db,
        _dir: dir,
        callback,
    }
}

#[tokio::test]
async fn single_sign_on_opens_a_session_with_the_mapped_role_and_logout_ends_it() {
    if !oidc::available() {
        return;
    }
    for backend in backends() {
        let sso = start(backend);
        let http = client(true);
        let page = http
            .get(sso.serve.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Sign in with Test IdP"),
            "{backend:?}: {page}"
        );

        let start_url = sso.serve.url("/login/oidc?next=/apps%3Ftenant%3Da");
        let (callback, _) = oidc::sign_in(&http, &start_url, "alice", &sso.callback).await;
        assert!(
            callback.contains("code=") && callback.contains("state="),
            "{callback}"
        );
        let resp = http.get(&callback).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{backend:?}");
        let session = set_cookie(&resp, "oauth_audit_session").expect("a session cookie");
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Strict"),
            "{session}"
        );
        assert!(
            !session.contains("Secure"),
            "plain-http public_url: {session}"
        );
        let page = resp.text().await.unwrap();
        assert!(
            page.contains(r#"<meta http-equiv="refresh" content="0;url=/apps?tenant=a">"#),
            "{page}"
        );

        let page = http
            .get(sso.serve.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Alice Admin") && page.contains(">admin<"),
            "{backend:?}: {page}"
        );
        let unknown = http
            .get(sso.serve.url("/no-such-page"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status().as_u16(), 404, "signed in: a real 404");

        let csrf = hidden_input(&page, "csrf_token");
        let out = http
            .post(sso.serve.url("/logout"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status().as_u16(), 303);
        assert_eq!(out.headers()["location"], "/login");
        // The old cookie, replayed by hand, names no session any more.
        let replay = client(false)
            .get(sso.serve.url("/no-such-page"))
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
            "{backend:?}: logout ended the session"
        );
    }
}

#[tokio::test]
async fn a_tampered_state_is_refused_and_burns_the_flow() {
    if !oidc::available() {
        return;
    }
    for backend in backends() {
        let sso = start(backend);
        let http = client(true);
        let (callback, _) =
            oidc::sign_in(&http, &sso.serve.url("/login/oidc"), "alice", &sso.callback).await;
        let mut url = reqwest::Url::parse(&callback).unwrap();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    format!("{v}x")
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let resp = http.get(url.as_str()).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{backend:?}");
        assert!(set_cookie(&resp, "oauth_audit_session").is_none());
        // The genuine callback after a tampered one: the flow is gone.
        let resp = http.get(&callback).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{backend:?}");
        assert!(set_cookie(&resp, "oauth_audit_session").is_none());
    }
}

#[tokio::test]
async fn a_replayed_callback_is_refused_and_a_callback_without_its_flow_cookie_too() {
    if !oidc::available() {
        return;
    }
    for backend in backends() {
        let sso = start(backend);
        let http = client(true);
        let (callback, flow) =
            oidc::sign_in(&http, &sso.serve.url("/login/oidc"), "bob", &sso.callback).await;
        // Someone else's browser (no flow cookie) cannot use the code.
        let stranger = client(false).get(&callback).send().await.unwrap();
        assert_eq!(stranger.status().as_u16(), 400, "{backend:?}");
        let first = http.get(&callback).send().await.unwrap();
        assert_eq!(first.status().as_u16(), 200, "{backend:?}");
        let page = first.text().await.unwrap();
        assert!(
            page.contains("Bob Reader") && page.contains(">reader<"),
            "{page}"
        );
        // The same callback again, with the same flow cookie: refused, no new session.
        let replay = client(false)
            .get(&callback)
            .header("cookie", format!("oauth_audit_oidc_flow={flow}"))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status().as_u16(), 400, "{backend:?}");
        assert!(set_cookie(&replay, "oauth_audit_session").is_none());
    }
}

#[tokio::test]
async fn users_outside_the_allowed_domains_are_refused() {
    if !oidc::available() {
        return;
    }
    for backend in backends() {
        let sso = start(backend);
        let http = client(true);
        // mallory is in the admin group, but her address is not in example.com.
        let (callback, _) = oidc::sign_in(
            &http,
            &sso.serve.url("/login/oidc"),
            "mallory",
            &sso.callback,
        )
        .await;
        let resp = http.get(&callback).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{backend:?}");
        assert!(set_cookie(&resp, "oauth_audit_session").is_none());
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("not in a domain allowed")
        );
    }
}
