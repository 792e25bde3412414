//! The dashboard's sign-in in a real browser: headless Chromium driven over WebDriver
//! (`support::browser`), against the real `oauth-audit serve`. Every visited page is saved as
//! a screenshot under `target/screenshots/`. Skipped with a message when chromium (or, for
//! single sign-on, node) is missing, unless `CI` is set.

mod support;

use oauth_audit::store::api_keys::Role;
use support::browser::{self, Browser};
use support::oidc::{self, Provider, SECRET_VAR};
use support::server::{Serve, free_port};
use support::{Backend, TestDb};

/// A server without `[oidc]`, and an admin key for it.
fn serve_with_key(backend: Backend) -> (Serve, String, TestDb, tempfile::TempDir) {
    let db = TestDb::new(backend);
    let (_, key) = db
        .store()
        .create_api_key(
            "browser-admin",
            Role::Admin,
            oauth_audit::clock::Clock::now(&oauth_audit::clock::SystemClock),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = format!("[database]\nurl = {:?}\n", db.url);
    let serve = Serve::start(dir.path(), &config, "127.0.0.1:0", &[]);
    (serve, key, db, dir)
}

#[tokio::test]
async fn a_signed_out_browser_is_sent_from_the_overview_to_the_login_page() {
    if !browser::available() {
        return;
    }
    let (serve, _, _db, _dir) = serve_with_key(Backend::Sqlite);
    let mut b = Browser::new("signed-out").await;
    b.goto(&serve.url("/"), "root").await;
    let url = b.url().await;
    assert!(url.ends_with("/login?next=%2F"), "{url}");
    assert_eq!(b.text("h1").await, "Sign in");
    assert!(b.has("input#api_key[type=password]").await);
    assert!(!b.has("#sso").await, "no single sign-on without [oidc]");
    assert_eq!(b.alert().await, None);
    b.close().await;
}

#[tokio::test]
async fn an_admin_key_signs_in_and_logs_out_in_the_browser() {
    if !browser::available() {
        return;
    }
    let (serve, key, _db, _dir) = serve_with_key(Backend::Sqlite);
    let mut b = Browser::new("api-key-login").await;
    b.goto(&serve.url("/login"), "form").await;
    b.fill("#api_key", "oaa_not-a-valid-key").await;
    b.click("#key-submit").await;
    assert_eq!(b.text("#login-error").await, "That API key is not valid.");
    b.screenshot("bad-key").await;

    b.fill("#api_key", &key).await;
    b.click("#key-submit").await;
    b.wait_for_url("the page after sign-in", |u| !u.ends_with("/login"))
        .await;
    b.screenshot("after-sign-in").await;
    let cookie = b
        .client
        .get_named_cookie("oauth_audit_session")
        .await
        .unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
    assert_eq!(cookie.path(), Some("/"));

    b.goto(&serve.url("/login"), "signed-in").await;
    assert_eq!(b.text(".viewer-name").await, "browser-admin");
    assert_eq!(b.text(".viewer-role").await, "admin");
    b.click("#logout").await;
    b.wait_for_url("/login after logout", |u| u.ends_with("/login"))
        .await;
    b.screenshot("logged-out").await;
    assert_eq!(b.text("h1").await, "Sign in");
    b.goto(&serve.url("/"), "root-after-logout").await;
    assert!(b.url().await.contains("/login?next="));
    assert_eq!(b.alert().await, None);
    b.close().await;
}

#[tokio::test]
async fn single_sign_on_works_in_the_browser() {
    if !browser::available() || !oidc::available() {
        return;
    }
    let db = TestDb::new(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&format!("{public}/login/oidc/callback"));
    let config = format!(
        "[database]\nurl = {:?}\n\n[server]\npublic_url = {public:?}\n\n{}",
        db.url,
        provider.config("admin_emails = [\"alice@example.com\"]")
    );
    let serve = Serve::start(
        dir.path(),
        &config,
        &format!("127.0.0.1:{port}"),
        &[(SECRET_VAR, oidc::CLIENT_SECRET)],
    );
    let mut b = Browser::new("oidc-login").await;
    b.goto(&serve.url("/login"), "form").await;
    assert_eq!(b.text("#sso").await, "Sign in with Test IdP");
    b.click("#sso").await;
    b.wait_for_url("the provider", |u| u.starts_with(&provider.issuer))
        .await;
    b.fill("input[name=login]", "alice").await;
    b.fill("input[name=password]", "any").await;
    b.screenshot("provider-login").await;
    b.click("button[type=submit]").await;
    b.wait_for_url("back at oauth-audit", |u| {
        u.starts_with(&public) && !u.contains("/login/oidc")
    })
    .await;
    b.screenshot("after-sign-in").await;
    b.goto(&serve.url("/login"), "signed-in").await;
    assert_eq!(b.text(".viewer-name").await, "Alice Admin");
    assert_eq!(b.text(".viewer-role").await, "admin");
    b.click("#logout").await;
    b.wait_for_url("/login after logout", |u| u.ends_with("/login"))
        .await;
    b.screenshot("logged-out").await;
    assert!(b.has("#sso").await);
    b.close().await;
}
