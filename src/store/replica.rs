//! Which processes are alive: every process that runs scans registers as a replica with a
//! random key, which it writes as `owner` on the scans and jobs it holds.
//!
//! On PostgreSQL a replica holds session-level advisory locks on one pooled connection for its
//! whole life: `(OWNER_CLASS, key)` always and `(WORKER_CLASS, key)` when it also takes other
//! processes' jobs (`serve`). The server drops the locks when the connection ends, so a process
//! killed with `kill -9` is seen dead at once (`pg_locks`), without waiting for a lease.
//!
//! SQLite has one process working a database: no registry; only the caller itself is alive.
//! This module only answers "who is alive"; what to do with a dead owner's work is
//! `store::jobs`'s business.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer};
use std::collections::HashSet;
use std::sync::Mutex;

use super::conn::DbConn;
use super::{Store, StoreError};

/// Advisory lock classes (the first key of the two-key form): "oa" + 1, 2, 3.
const OWNER_CLASS: i32 = 0x6f61_0001;
const WORKER_CLASS: i32 = 0x6f61_0002;
/// Held (per transaction) while a new scan is recorded, so two replicas never both start one.
pub(crate) const NEW_SCAN_CLASS: i32 = 0x6f61_0003;

/// This process's registration. Dropping it ends the liveness locks (the connection goes back
/// to the pool only after the locks are released).
pub struct Replica {
    key: i32,
    worker: bool,
    /// PostgreSQL: the connection holding the advisory locks.
    held: Mutex<Option<DbConn>>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("key", &self.key)
            .field("worker", &self.worker)
            .finish()
    }
}

impl Replica {
    /// The key written as `owner` on the scans and jobs this process holds.
    pub fn key(&self) -> i32 {
        self.key
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Ok(mut held) = self.held.lock()
            && let Some(DbConn::Postgres(c)) = held.as_mut()
        {
            let _ = diesel::sql_query("SELECT pg_advisory_unlock_all()").execute(&mut **c);
        }
    }
}

/// The replicas alive now, as seen from the database.
#[derive(Debug, Clone, Default)]
pub struct Liveness {
    /// Every registered process (serve replicas and one-off `scan` commands).
    pub owners: HashSet<i32>,
    /// The processes that take other processes' jobs (`serve` on PostgreSQL).
    pub workers: HashSet<i32>,
}

impl Liveness {
    /// Whether `key` is alive.
    pub fn alive(&self, key: Option<i32>) -> bool {
        key.is_some_and(|k| self.owners.contains(&k))
    }

    /// The same view with `key` counted as dead (a replica that is shutting down).
    pub fn without(mut self, key: i32) -> Liveness {
        self.owners.remove(&key);
        self.workers.remove(&key);
        self
    }
}

#[derive(QueryableByName)]
struct Got {
    #[diesel(sql_type = Bool)]
    got: bool,
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = BigInt)]
    class: i64,
    #[diesel(sql_type = BigInt)]
    key: i64,
}

impl Store {
    /// Register this process. `worker`: it also takes other processes' jobs.
    pub fn register_replica(&self, worker: bool) -> Result<Replica, StoreError> {
        let mut conn = self.conn()?;
        if let DbConn::Postgres(c) = &mut conn {
            // A random key; on the rare clash with a live replica's key, draw again.
            for _ in 0..16 {
                let key = rand::random_range(1..i32::MAX);
                let got: Got = diesel::sql_query("SELECT pg_try_advisory_lock($1, $2) AS got")
                    .bind::<Integer, _>(OWNER_CLASS)
                    .bind::<Integer, _>(key)
                    .get_result(&mut **c)?;
                if !got.got {
                    continue;
                }
                if worker {
                    diesel::sql_query("SELECT pg_advisory_lock($1, $2)")
                        .bind::<Integer, _>(WORKER_CLASS)
                        .bind::<Integer, _>(key)
                        .execute(&mut **c)?;
                }
                return Ok(Replica {
                    key,
                    worker,
                    held: Mutex::new(Some(conn)),
                });
            }
            return Err(StoreError::Conflict(
                "no free replica key after 16 draws".into(),
            ));
        }
        Ok(Replica {
            key: rand::random_range(1..i32::MAX),
            worker,
            held: Mutex::new(None),
        })
    }

    /// Who is alive. On SQLite only `me`: one process works a SQLite database.
    pub fn liveness(&self, me: &Replica) -> Result<Liveness, StoreError> {
        let mut conn = self.conn()?;
        let DbConn::Postgres(c) = &mut conn else {
            let mut live = Liveness::default();
            live.owners.insert(me.key);
            return Ok(live);
        };
        let held: Vec<Held> = diesel::sql_query(
            "SELECT classid::text::bigint AS class, objid::text::bigint AS key FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid::text::bigint IN ($1, $2)",
        )
        .bind::<BigInt, _>(i64::from(OWNER_CLASS))
        .bind::<BigInt, _>(i64::from(WORKER_CLASS))
        .load(&mut **c)?;
        let mut live = Liveness::default();
        for h in held {
            let Ok(key) = i32::try_from(h.key) else {
                continue;
            };
            if h.class == i64::from(OWNER_CLASS) {
                live.owners.insert(key);
            } else {
                live.workers.insert(key);
            }
        }
        Ok(live)
    }
}
