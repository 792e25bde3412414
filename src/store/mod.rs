//! Persistence: tenants, scans, the inventory with its history, findings and API keys, on
//! SQLite (embedded default) or PostgreSQL, from one codebase.
//!
//! Only this module sees diesel. Its methods are blocking; async callers run them on
//! `tokio::task::spawn_blocking`. Times are stored as UTC without zone and converted at this
//! boundary ([`to_db`], [`from_db`]).

pub mod api_keys;
pub mod conn;
pub mod dbtime;
pub mod events;
pub mod findings;
pub mod gauges;
pub mod inventory;
mod inventory_sql;
pub mod jobs;
pub mod migrate;
pub mod queries;
pub mod replica;
pub mod retention;
pub mod scans;
pub mod schema;
pub mod sessions;
pub mod tenants;

use chrono::{DateTime, NaiveDateTime, Utc};

pub use conn::{Backend, DbConn, DbPool};

/// Errors from the store. Messages are for operators' logs; the API maps them to a generic
/// client message and never shows SQL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// Another process changed the data this operation was based on.
    #[error("{0}")]
    Conflict(String),
    #[error("spool file: {0}")]
    Spool(String),
}

/// The database: a connection pool for one backend.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    /// SQLite has one writer at a time: this process's write transactions (inventory applies,
    /// evaluation pages, retention batches) take turns here instead of timing out on the
    /// database's busy handler.
    sqlite_writer: std::sync::Arc<std::sync::Mutex<()>>,
}

impl Store {
    /// Connect to `url` (a SQLite path or a `postgres://` URL) and apply pending migrations.
    pub fn open(url: &str, pool_size: u32) -> Result<Store, StoreError> {
        let store = Store::connect(url, pool_size)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connect without migrating (for `readyz`-style checks of an existing database).
    pub fn connect(url: &str, pool_size: u32) -> Result<Store, StoreError> {
        Ok(Store {
            pool: DbPool::open(url, pool_size)?,
            sqlite_writer: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    pub(crate) fn conn(&self) -> Result<DbConn, StoreError> {
        self.pool.get()
    }

    /// This process's turn to write to SQLite (see [`with_write_transaction!`](crate::with_write_transaction)).
    pub(crate) fn sqlite_turn(&self) -> std::sync::MutexGuard<'_, ()> {
        self.sqlite_writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A UTC instant as stored: microsecond precision, which both backends keep exactly, so a
/// value read back compares equal to the value written.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    use chrono::SubsecRound;
    t.trunc_subsecs(6).naive_utc()
}

/// A stored instant as UTC.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
