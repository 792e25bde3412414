//! Embedded migrations, one set per backend (`migrations/sqlite`, `migrations/postgres`).

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConn, Store, StoreError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// The advisory lock class migrations run under ("oa" + 4; see `store::replica`).
const MIGRATE_LOCK: i32 = 0x6f61_0004;

impl Store {
    /// Apply every pending migration; returns how many ran. On PostgreSQL, replicas starting
    /// together take turns under an advisory lock, so one migrates and the others find nothing
    /// pending.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let applied = match &mut self.conn()? {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
            DbConn::Postgres(c) => {
                diesel::sql_query("SELECT pg_advisory_lock($1, 0)")
                    .bind::<diesel::sql_types::Integer, _>(MIGRATE_LOCK)
                    .execute(&mut **c)?;
                let applied = c.run_pending_migrations(POSTGRES).map(|v| v.len());
                diesel::sql_query("SELECT pg_advisory_unlock($1, 0)")
                    .bind::<diesel::sql_types::Integer, _>(MIGRATE_LOCK)
                    .execute(&mut **c)?;
                applied
            }
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Whether the database answers and has every migration applied.
    pub fn ready(&self) -> Result<(), StoreError> {
        let pending = match &mut self.conn()? {
            DbConn::Sqlite(c) => {
                diesel::sql_query("SELECT 1").execute(&mut **c)?;
                c.has_pending_migration(SQLITE)
            }
            DbConn::Postgres(c) => {
                diesel::sql_query("SELECT 1").execute(&mut **c)?;
                c.has_pending_migration(POSTGRES)
            }
        };
        match pending {
            Ok(false) => Ok(()),
            Ok(true) => Err(StoreError::Migration("migrations are pending".into())),
            Err(e) => Err(StoreError::Migration(e.to_string())),
        }
    }
}
