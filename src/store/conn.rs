//! Connections: one pool per backend behind an enum, SQLite pragmas on every connection,
//! and `with_conn!`, which runs the same diesel code against whichever backend is open.
//!
//! Every query is compiled once per backend (the macro expands its body twice), so backend
//! differences show up at compile time and no query pays for dynamic dispatch.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use std::time::Duration;

use super::StoreError;

/// How long a SQLite writer waits for the lock before giving up.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

/// Which database a URL names: `postgres://` / `postgresql://` is PostgreSQL, anything else a
/// SQLite file path (an optional `sqlite://` prefix is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A pool for one backend.
#[derive(Clone)]
pub enum DbPool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// A pooled connection for one backend.
pub enum DbConn {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Postgres(PooledConnection<ConnectionManager<PgConnection>>),
}

/// Run `$body` with `$c` bound to the concrete connection (`&mut SqliteConnection` or
/// `&mut PgConnection`).
#[macro_export]
#[doc(hidden)]
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::conn::DbConn::Sqlite(pooled) => {
                let $c: &mut ::diesel::sqlite::SqliteConnection = &mut *pooled;
                $body
            }
            $crate::store::conn::DbConn::Postgres(pooled) => {
                let $c: &mut ::diesel::pg::PgConnection = &mut *pooled;
                $body
            }
        }
    };
}

/// Run `$body` in one write transaction of `$store`, with `$c` bound to the concrete connection.
///
/// On SQLite the transaction first waits its turn behind this process's other writers
/// ([`Store::sqlite_turn`](crate::store::Store::sqlite_turn)), then begins IMMEDIATE, taking the
/// write lock up front. A deferred transaction that reads and then writes cannot wait: when
/// another connection committed after its read, SQLite refuses to upgrade the stale snapshot and
/// fails at once with "database is locked", whereas BEGIN IMMEDIATE waits on the busy timeout.
/// On PostgreSQL it is a plain transaction.
#[macro_export]
#[doc(hidden)]
macro_rules! with_write_transaction {
    ($store:expr, $c:ident => $body:expr) => {{
        let store: &$crate::store::Store = $store;
        match &mut store.conn()? {
            $crate::store::conn::DbConn::Sqlite(pooled) => {
                let _turn = store.sqlite_turn();
                let c: &mut ::diesel::sqlite::SqliteConnection = &mut *pooled;
                c.immediate_transaction(|$c| $body)
            }
            $crate::store::conn::DbConn::Postgres(pooled) => {
                let c: &mut ::diesel::pg::PgConnection = &mut *pooled;
                ::diesel::Connection::transaction(c, |$c| $body)
            }
        }
    }};
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // NORMAL sync is durable across application crashes in WAL mode (set once per file in
        // `DbPool::open`); foreign keys are off by default in SQLite. Temporary storage on
        // FILE: the statement journals SQLite still keeps (a multi-row insert into a table with
        // an expression index, a savepoint) stay in memory up to 64 KiB, then spill to an
        // unlinked temp file; with MEMORY they grow in 1 KiB chunks allocated and freed per
        // statement. Each connection caches up to 32 MiB of pages; the soft heap limit
        // (process-wide) has SQLite hold fewer cached pages once all its connections together
        // use 96 MiB, so a pool of eight does not grow to eight full caches.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA temp_store = FILE; \
             PRAGMA cache_size = -32768; PRAGMA soft_heap_limit = 100663296;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl DbPool {
    /// Open a pool of at most `size` connections for `url`.
    pub fn open(url: &str, size: u32) -> Result<DbPool, StoreError> {
        let timeout = Duration::from_secs(30);
        match Backend::of_url(url) {
            Backend::Postgres => Pool::builder()
                .max_size(size.max(1))
                .connection_timeout(timeout)
                .build(ConnectionManager::<PgConnection>::new(url))
                .map(DbPool::Postgres)
                .map_err(|e| StoreError::Connect(redact_url(&e.to_string(), url))),
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                if let Some(dir) = std::path::Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Connect(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                // WAL lets the dashboard read while a scan writes. The journal mode is stored in
                // the file, so it is switched once here rather than by every pooled connection
                // (which would race for the lock on a new file).
                use diesel::Connection;
                let mut first = SqliteConnection::establish(path)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                first
                    .batch_execute(&format!(
                        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL;"
                    ))
                    .map_err(|e| {
                        StoreError::Connect(format!("cannot switch {path} to WAL mode: {e}"))
                    })?;
                drop(first);
                Pool::builder()
                    .max_size(size.max(1))
                    .min_idle(Some(1))
                    .connection_timeout(timeout)
                    // A SQLite connection is a file handle, not a socket that can drop: no
                    // `SELECT 1` round trip on every checkout.
                    .test_on_check_out(false)
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(ConnectionManager::<SqliteConnection>::new(path))
                    .map(DbPool::Sqlite)
                    .map_err(|e| StoreError::Connect(e.to_string()))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn get(&self) -> Result<DbConn, StoreError> {
        match self {
            DbPool::Sqlite(p) => p.get().map(DbConn::Sqlite),
            DbPool::Postgres(p) => p.get().map(DbConn::Postgres),
        }
        .map_err(|e| StoreError::Connect(e.to_string()))
    }
}

/// Remove a password from any copy of the URL inside an error message.
fn redact_url(message: &str, url: &str) -> String {
    match url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(cred, _)| cred)
    {
        Some(cred) if cred.contains(':') => message.replace(cred, "***"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(Backend::of_url("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("oauth-audit.db"), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite:///tmp/x.db"), Backend::Sqlite);
    }

    #[test]
    fn passwords_are_cut_from_connection_errors() {
        let msg = redact_url(
            "could not connect to u:hunter2@h",
            "postgres://u:hunter2@h/db",
        );
        assert!(!msg.contains("hunter2"), "{msg}");
    }
}
