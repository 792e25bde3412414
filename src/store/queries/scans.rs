//! Scans and tenants for the API: scans newest first (keyset by id) and whether one is
//! running; tenants in id order.

use diesel::prelude::*;

use crate::store::scans::{ScanRow, ScanStatus};
use crate::store::schema::scans;
use crate::store::{Store, StoreError};
use crate::with_conn;

impl Store {
    /// Scans with ids below `before_id` (all when `None`), newest first, at most `limit`.
    pub fn list_scans(
        &self,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ScanRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = scans::table.select(ScanRow::as_select()).into_boxed();
            if let Some(b) = before_id {
                q = q.filter(scans::id.lt(b));
            }
            q.order(scans::id.desc()).limit(limit).load(c)
        })?;
        Ok(rows)
    }

    /// The id of a scan still marked running, if any.
    pub fn running_scan(&self) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn()?;
        let id = with_conn!(&mut conn, c => scans::table
            .filter(scans::status.eq(ScanStatus::Running.as_str()))
            .select(scans::id)
            .order(scans::id.desc())
            .first(c)
            .optional())?;
        Ok(id)
    }
}

impl Store {
    /// Tenants with ids above `after_id`, in id order, at most `limit`.
    pub fn list_tenants_page(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::store::tenants::TenantRow>, StoreError> {
        use crate::store::schema::tenants;
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => tenants::table
            .filter(tenants::id.gt(after_id))
            .order(tenants::id.asc())
            .limit(limit)
            .select(crate::store::tenants::TenantRow::as_select())
            .load(c))?;
        Ok(rows)
    }
}
