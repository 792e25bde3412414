//! Tenants: one row per configured tenant, with its collection health.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::tenants;
use super::{Store, StoreError, to_db};
use crate::with_conn;

/// A stored tenant and its collection health.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TenantRow {
    pub id: i64,
    pub name: String,
    /// The SaaS whose data the tenant holds (for a file tenant, its format).
    pub provider: String,
    /// `api` (collected over the provider's API) or `file` (an offline export).
    pub source: String,
    pub created_at: NaiveDateTime,
    pub last_scan_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_success_scan_id: Option<i64>,
    pub baselined_at: Option<NaiveDateTime>,
    /// The last collection failed or was partial: the stored inventory is from an earlier scan.
    pub stale: bool,
    pub last_error: Option<String>,
    pub policy_document: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = tenants)]
struct NewTenantRow<'a> {
    name: &'a str,
    provider: &'a str,
    source: &'a str,
    created_at: NaiveDateTime,
    stale: bool,
}

impl Store {
    /// The tenant named `name`, created if new; its provider and source follow the config.
    ///
    /// Two single statements rather than a read-then-write transaction: on SQLite in WAL mode a
    /// read transaction cannot take the write lock once another writer has committed, while
    /// each statement here simply waits its turn.
    pub fn ensure_tenant(
        &self,
        name: &str,
        provider: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<TenantRow, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => {
            diesel::insert_into(tenants::table)
                .values(NewTenantRow { name, provider, source, created_at: to_db(now), stale: false })
                .on_conflict(tenants::name)
                .do_nothing()
                .execute(c)?;
            diesel::update(tenants::table.filter(tenants::name.eq(name)))
                .set((tenants::provider.eq(provider), tenants::source.eq(source)))
                .returning(TenantRow::as_returning())
                .get_result(c)
        })?;
        Ok(row)
    }

    pub fn tenant_by_name(&self, name: &str) -> Result<Option<TenantRow>, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => tenants::table
            .filter(tenants::name.eq(name))
            .select(TenantRow::as_select())
            .first(c)
            .optional())?;
        Ok(row)
    }

    pub fn list_tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => tenants::table
            .order(tenants::name.asc())
            .select(TenantRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    /// Record a failed or partial collection: the tenant keeps its inventory and is stale.
    pub fn mark_tenant_stale(
        &self,
        tenant_id: i64,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => diesel::update(tenants::table.find(tenant_id))
            .set((
                tenants::stale.eq(true),
                tenants::last_error.eq(Some(error)),
                tenants::last_scan_at.eq(Some(to_db(now))),
            ))
            .execute(c))?;
        Ok(())
    }
}
