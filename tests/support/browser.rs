//! Headless Chromium for black-box tests: chromedriver on a free loopback port per test
//! process, a fresh profile per browser, and a [`Browser`] helper that saves a screenshot of
//! every page it visits under `target/screenshots/`.
//!
//! Skipped with a message when `/usr/bin/chromedriver` (Debian's `chromium-driver`) is
//! missing, unless `CI` is set: then it fails (`.ci/run` installs it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::server::{free_port, require};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The chromedriver of this test process: started once, on loopback only, and stopped when
/// the test process ends.
struct Driver {
    url: String,
    _child: Child,
}

static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();

/// Whether the browser can run here (skip or, under CI, fail).
pub fn available() -> bool {
    require(
        "chromium and chromium-driver (/usr/bin/chromedriver)",
        Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
    )
}

fn driver() -> &'static str {
    let d = DRIVER.get_or_init(|| {
        let port = free_port();
        // chromedriver and the browsers it starts outlive this process, so a shell leading a
        // process group of its own holds them and ends the whole group when this process's
        // end closes the shell's stdin (also after a failed test left a browser open).
        let child = Command::new("setsid")
            .args([
                "sh",
                "-c",
                "\"$0\" --port=\"$1\" --allowed-ips=127.0.0.1 >/dev/null 2>&1 & read _; kill -- -$$",
                CHROMEDRIVER,
                &port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Driver { url, _child: child })
    });
    &d.as_ref().unwrap().url
}

/// Where screenshots go: `target/screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

/// One headless Chromium window with a profile of its own.
pub struct Browser {
    pub client: Client,
    /// Prefix of screenshot names (the test's name).
    name: String,
    shots: usize,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new browser; screenshots are named `<name>-<n>-<label>.png`.
    pub async fn new(name: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(driver())
            .await
            .expect("a chromedriver session");
        Browser {
            client,
            name: name.to_owned(),
            shots: 0,
            _profile: profile,
        }
    }

    /// Open `url`, then save a screenshot labelled `label`.
    pub async fn goto(&mut self, url: &str, label: &str) {
        self.client.goto(url).await.unwrap();
        self.screenshot(label).await;
    }

    /// Save a screenshot of the current page as `target/screenshots/<name>-<n>-<label>.png`.
    pub async fn screenshot(&mut self, label: &str) -> PathBuf {
        self.shots += 1;
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}-{:02}-{label}.png", self.name, self.shots));
        std::fs::write(&path, png).unwrap();
        path
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The element matching the CSS selector (waiting up to 10 s for it).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Whether an element matches the CSS selector now.
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// The visible text of the element matching the CSS selector.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The current page's HTML as the browser holds it now (after any script ran).
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Type `value` into the input matching the CSS selector.
    pub async fn fill(&self, css: &str, value: &str) {
        self.find(css).await.send_keys(value).await.unwrap();
    }

    /// Click the element matching the CSS selector.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Wait until the current URL satisfies `pred` (10 s at most), and return it.
    pub async fn wait_for_url(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if pred(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "never reached {what}; at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of an open JavaScript dialog (alert, confirm, prompt), if any: a page showing
    /// hostile data must never open one.
    pub async fn alert(&self) -> Option<String> {
        self.client.get_alert_text().await.ok()
    }

    /// End the browser session.
    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}
