//! The test OpenID provider: `tests/oidc/provider.mjs` (the npm package `oidc-provider`)
//! run with the machine's node, and a scripted sign-in through its login form.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::server::require;

pub const CLIENT_ID: &str = "oauth-audit-test";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789";
/// The environment variable the served config names for the client secret.
pub const SECRET_VAR: &str = "OIDC_TEST_CLIENT_SECRET";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Whether node and `npm ci --prefix tests/oidc` are there (skip or, under CI, fail).
pub fn available() -> bool {
    let installed = dir()
        .join("node_modules/oidc-provider/package.json")
        .exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    require(
        "node with tests/oidc/node_modules (npm ci --prefix tests/oidc)",
        installed,
    )
}

/// A running provider, killed when dropped.
pub struct Provider {
    child: Child,
    pub issuer: String,
}

impl Provider {
    /// Start the provider with one client whose only redirect URI is `redirect_uri`.
    pub fn start(redirect_uri: &str) -> Provider {
        let mut child = Command::new("node")
            .arg(dir().join("provider.mjs"))
            .env("PORT", "0")
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading: a closed pipe would fail (or kill) the process at its next write.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let issuer = line
            .trim()
            .strip_prefix("oidc-provider listening on ")
            .unwrap_or_else(|| panic!("the OpenID provider did not start: {line:?}"))
            .to_string();
        Provider { child, issuer }
    }

    /// The `[oidc]` section for a server whose public URL is `public_url`.
    pub fn config(&self, extra: &str) -> String {
        format!(
            "[oidc]\nissuer_url = {:?}\nclient_id = {CLIENT_ID:?}\nclient_secret_env = {SECRET_VAR:?}\n\
             scopes = [\"openid\", \"email\", \"profile\", \"groups\"]\ndisplay_name = \"Test IdP\"\n{extra}\n",
            self.issuer
        )
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn resolve(base: &str, location: &str) -> String {
    reqwest::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// Follow the sign-in from `start` (our `/login/oidc?...`) through the provider's login form
/// as `login`, with `http` (a cookie jar, no automatic redirects); returns the callback URL
/// the provider sends the browser to (not yet requested) and the flow cookie's value.
pub async fn sign_in(
    http: &reqwest::Client,
    start: &str,
    login: &str,
    callback: &str,
) -> (String, String) {
    let resp = http.get(start).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303, "start of the flow");
    let flow = super::server::cookie_value(
        &super::server::set_cookie(&resp, "oauth_audit_oidc_flow").expect("flow cookie"),
    );
    let mut url = resolve(start, resp.headers()["location"].to_str().unwrap());
    for _ in 0..20 {
        if url.starts_with(callback) {
            return (url, flow);
        }
        let resp = http.get(&url).send().await.unwrap();
        if resp.status().is_redirection() {
            url = resolve(&url, resp.headers()["location"].to_str().unwrap());
            continue;
        }
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("name=\"login\""),
            "expected the provider's login form: {page}"
        );
        let start = page.find("action=\"").unwrap() + "action=\"".len();
        let action = &page[start..][..page[start..].find('"').unwrap()];
        let resp = http
            .post(resolve(&url, action))
            .form(&[("prompt", "login"), ("login", login), ("password", "any")])
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_redirection(),
            "login form answered {}",
            resp.status()
        );
        url = resolve(&url, resp.headers()["location"].to_str().unwrap());
    }
    panic!("the provider never redirected to {callback}");
}
