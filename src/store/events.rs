//! Reading the change feed and inventory counts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{app_versions, apps, credentials, events, grants};
use super::{Store, StoreError};
use crate::with_conn;

/// A stored change event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EventRecord {
    pub id: i64,
    pub tenant_id: i64,
    pub scan_id: i64,
    pub app_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    /// JSON object.
    pub details: String,
}

/// How much of a tenant's inventory is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InventoryCounts {
    pub apps: i64,
    pub apps_removed: i64,
    pub app_versions: i64,
    pub credentials: i64,
    pub grants: i64,
    pub grants_removed: i64,
    pub events: i64,
}

impl Store {
    /// Events of one tenant after `after_id`, oldest first.
    pub fn tenant_events(
        &self,
        tenant_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => events::table
            .filter(events::tenant_id.eq(tenant_id).and(events::id.gt(after_id)))
            .order(events::id.asc())
            .limit(limit)
            .select(EventRecord::as_select())
            .load(c))?;
        Ok(rows)
    }

    pub fn inventory_counts(&self, tenant_id: i64) -> Result<InventoryCounts, StoreError> {
        let mut conn = self.conn()?;
        let counts = with_conn!(&mut conn, c => {
            let apps_of = apps::table.filter(apps::tenant_id.eq(tenant_id));
            let grants_of = grants::table.filter(grants::tenant_id.eq(tenant_id));
            Ok::<_, diesel::result::Error>(InventoryCounts {
                apps: apps_of.filter(apps::removed_at.is_null()).count().get_result(c)?,
                apps_removed: apps_of.filter(apps::removed_at.is_not_null()).count().get_result(c)?,
                app_versions: app_versions::table
                    .inner_join(apps::table)
                    .filter(apps::tenant_id.eq(tenant_id))
                    .count()
                    .get_result(c)?,
                credentials: credentials::table
                    .filter(credentials::tenant_id.eq(tenant_id).and(credentials::removed_at.is_null()))
                    .count()
                    .get_result(c)?,
                grants: grants_of.filter(grants::removed_at.is_null()).count().get_result(c)?,
                grants_removed: grants_of.filter(grants::removed_at.is_not_null()).count().get_result(c)?,
                events: events::table.filter(events::tenant_id.eq(tenant_id)).count().get_result(c)?,
            })
        })?;
        Ok(counts)
    }
}
