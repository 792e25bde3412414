//! Shared test support: an isolated database per test on every available backend, and a way
//! to run the real `oauth-audit` binary against it.
// Test helpers fail the test by panicking, like the tests that call them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod browser;
pub mod oidc;
pub mod server;

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable naming a PostgreSQL server for tests (a URL to an existing
/// database the tests may create databases from).
pub const PG_URL_VAR: &str = "OAUTH_AUDIT_TEST_PG_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `OAUTH_AUDIT_TEST_PG_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if std::env::var(PG_URL_VAR).is_ok_and(|v| !v.is_empty()) {
        b.push(Backend::Postgres);
    }
    b
}

/// A database of its own for one test, dropped at the end.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    /// Holds the SQLite file's directory alive.
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join("test.db").display().to_string();
                TestDb {
                    backend,
                    url,
                    _dir: Some(dir),
                    pg_admin: None,
                }
            }
            Backend::Postgres => {
                let admin = std::env::var(PG_URL_VAR).unwrap();
                let name = format!(
                    "oa_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let mut conn = PgConnection::establish(&admin).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                let url = format!("{base}/{name}");
                TestDb {
                    backend,
                    url,
                    _dir: None,
                    pg_admin: Some((admin, name)),
                }
            }
        }
    }

    pub fn store(&self) -> oauth_audit::store::Store {
        oauth_audit::store::Store::open(&self.url, 4).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg_admin
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// The path of a fixture under `connectors/tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("connectors/tests/fixtures")
        .join(rel)
}

/// Copy a fixture directory into `dest`.
pub fn copy_dir(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dest.join(entry.file_name())).unwrap();
    }
}

/// Run the real binary with `args`, in `dir`, with a clean `OAUTH_AUDIT_*` environment.
pub fn oauth_audit(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-audit"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("OAUTH_AUDIT_") {
            cmd.env_remove(k);
        }
    }
    cmd.output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config file with the database and one file tenant per (name, format, path).
pub fn write_config(dir: &Path, db_url: &str, tenants: &[(&str, &str, &Path)]) -> PathBuf {
    let mut toml = format!("[database]\nurl = {db_url:?}\n");
    for (name, format, path) in tenants {
        toml.push_str(&format!(
            "\n[[tenants]]\nname = {name:?}\nprovider = \"file\"\nformat = {format:?}\npath = {:?}\n",
            path.display().to_string()
        ));
    }
    let file = dir.join("oauth-audit.toml");
    std::fs::write(&file, toml).unwrap();
    file
}
