//! The real `oauth-audit serve` binary on a loopback port, with a config written by the test,
//! and what sign-in tests need around it: a free port, skip-or-fail for optional tools, and
//! reading forms and cookies out of responses.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `oauth-audit serve`, killed when dropped.
pub struct Serve {
    child: Child,
    pub base: String,
}

impl Serve {
    /// Start the binary in `dir` with `config` (TOML) on `bind` and extra environment `env`.
    pub fn start(dir: &Path, config: &str, bind: &str, env: &[(&str, &str)]) -> Serve {
        let file = dir.join("oauth-audit.toml");
        std::fs::write(&file, config).unwrap();
        Serve::spawn(
            dir,
            &["--config", file.to_str().unwrap(), "--bind", bind],
            env,
        )
    }

    /// Run `oauth-audit serve <args>` in `dir` (where an `oauth-audit.toml` is found by
    /// default), without the test's own `OAUTH_AUDIT_*` environment, plus `env`.
    pub fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
        cmd.current_dir(dir)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OAUTH_AUDIT_")) {
            cmd.env_remove(k);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading: a closed pipe would fail (or kill) the process at its next write.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let base = line
            .trim()
            .strip_prefix("oauth-audit listening on ")
            .unwrap_or_else(|| panic!("oauth-audit serve did not start: {line:?}"))
            .to_string();
        Serve { child, base }
    }

    /// `serve --demo` in `dir` on a random port, once its first scan has finished.
    pub fn demo(dir: &Path) -> Serve {
        let serve = Serve::spawn(dir, &["--demo", "--bind", "127.0.0.1:0"], &[]);
        let db = dir.join("oauth-audit-demo/oauth-audit.db");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let finished = oauth_audit::store::Store::connect(&db.display().to_string(), 1)
                .and_then(|s| s.recent_scans(1))
                .is_ok_and(|scans| scans.iter().any(|s| s.finished_at.is_some()));
            if finished {
                return serve;
            }
            assert!(Instant::now() < deadline, "the demo scan did not finish");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Send SIGTERM and wait (at most 20 s) for the process to exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free at the time of asking (for servers that must know each other's URL
/// before either starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether an optional tool is there. Without it a test is skipped with a message, unless
/// `CI` is set: CI must run every test, so there it fails.
pub fn require(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{what} is required when CI is set (see .ci/run)");
    }
    eprintln!("skipped: {what} is not installed (CI installs it; see .ci/run)");
    false
}

/// The `value` of the hidden input named `name` in an HTML page.
pub fn hidden_input(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name} in {html}"))
        + marker.len();
    html[start..][..html[start..].find('"').unwrap()].to_string()
}

/// The `Set-Cookie` header for cookie `name`, if the response sets it.
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value in a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_string()
}

/// An HTTP client that follows no redirects, with or without a cookie jar.
pub fn client(jar: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(jar)
        .build()
        .unwrap()
}
