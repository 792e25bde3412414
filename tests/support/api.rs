//! The real web app on a random loopback port over an isolated database, seeded by real
//! scans of Entra exports, with an admin and a reader key, and HTTP helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oauth_audit::clock::{Clock, SystemClock};
use oauth_audit::collector::{self, Trigger};
use oauth_audit::config::Config;
use oauth_audit::store::Store;
use oauth_audit::store::api_keys::Role;
use oauth_audit::web::AppState;
use serde_json::Value;

use super::{Backend, TestDb, copy_dir, fixture};

/// A running app and what it was given.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub store: Store,
    pub config: Config,
    pub admin_key: String,
    pub reader_key: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub db: TestDb,
}

/// An Entra export of the `entra/basic` fixture with `extra` generated apps appended
/// (copies of its first app under new ids and names), written to `dest`.
pub fn entra_export(dest: &Path, extra: usize, name_prefix: &str) {
    copy_dir(&fixture("entra/basic"), dest);
    let file = dest.join("applications.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let template = doc["value"][0].clone();
    let apps = doc["value"].as_array_mut().unwrap();
    for i in 0..extra {
        let mut app = template.clone();
        app["id"] = format!("00000000-0000-4000-8000-{i:012}").into();
        app["appId"] = format!("10000000-0000-4000-8000-{i:012}").into();
        app["displayName"] = format!("{name_prefix} {i}").into();
        if let Some(creds) = app["passwordCredentials"].as_array_mut() {
            for c in creds {
                c["keyId"] = format!("20000000-0000-4000-8000-{i:012}").into();
            }
        }
        apps.push(app);
    }
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();
}

impl TestApp {
    /// Start the app with file tenants `(name, export dir)` and extra `[server]` lines.
    pub async fn start(
        backend: Backend,
        tenants: &[(&str, PathBuf)],
        server_toml: &str,
    ) -> TestApp {
        let db = TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let mut toml = format!(
            "[database]\nurl = {:?}\n\n[server]\n{server_toml}\n",
            db.url
        );
        for (name, path) in tenants {
            toml.push_str(&format!(
                "\n[[tenants]]\nname = {name:?}\nprovider = \"file\"\nformat = \"entra\"\npath = {:?}\n",
                path.display().to_string()
            ));
        }
        let file = dir.path().join("oauth-audit.toml");
        std::fs::write(&file, toml).unwrap();
        let config = Config::load_with_env(Some(&file), std::iter::empty()).unwrap();
        let _ = oauth_audit::digest_key::install(&dir.path().join("digest.key"));
        let store = db.store();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let now = clock.now();
        let (_, admin_key) = store
            .create_api_key("siem-admin", Role::Admin, now)
            .unwrap();
        let (_, reader_key) = store
            .create_api_key("siem-reader", Role::Reader, now)
            .unwrap();
        let state = AppState {
            store: store.clone(),
            clock,
            demo: false,
            config: Arc::new(config.clone()),
            scan_gate: Default::default(),
            scheduler: Default::default(),
        };
        let (server, addr) =
            oauth_audit::web::start(state, "127.0.0.1:0".parse().unwrap()).unwrap();
        tokio::spawn(server);
        TestApp {
            backend,
            base: format!("http://{addr}"),
            store,
            config,
            admin_key,
            reader_key,
            http: reqwest::Client::new(),
            dir,
            db,
        }
    }

    /// Scan every configured tenant in-process (as the CLI would) and return the scan id.
    pub async fn scan(&self) -> i64 {
        let report = collector::run_scan(
            &self.store,
            &self.config,
            Arc::new(SystemClock),
            Trigger::Cli,
            self.config.tenants.clone(),
        )
        .await
        .unwrap();
        report.scan_id
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with a key (or none); the status and the body as JSON (Null when not JSON).
    pub async fn get(&self, path: &str, key: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Every item of a list, following `next_cursor` from `path` (which has a `?`).
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_string(),
            };
            let (status, body) = self.get(&url, Some(&self.reader_key)).await;
            assert_eq!(status, 200, "[{:?}] {url}: {body}", self.backend);
            out.extend(body["data"].as_array().unwrap().iter().cloned());
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
    }
}

/// A seeded app: the `entra/basic` fixture plus `extra` generated apps in tenant `contoso`.
/// The export lives as long as the returned directory.
pub async fn seeded(backend: Backend, extra: usize, server: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    entra_export(&export, extra, "Generated");
    let app = TestApp::start(backend, &[("contoso", export)], server).await;
    app.scan().await;
    (app, dir)
}

impl TestApp {
    /// Every item of a feed (until an empty page).
    pub async fn all_feed(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = path.to_string();
        loop {
            let (status, body) = self.get(&url, Some(&self.reader_key)).await;
            assert_eq!(status, 200, "{url}: {body}");
            let data = body["data"].as_array().unwrap();
            if data.is_empty() {
                return out;
            }
            out.extend(data.iter().cloned());
            url = format!("{path}&cursor={}", body["next_cursor"].as_str().unwrap());
        }
    }
}
