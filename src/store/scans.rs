//! Scans and their per-tenant runs.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{scan_tenants, scans};
use super::{Store, StoreError, to_db};
use crate::with_conn;

/// A scan's status (fixed values: the API returns them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStatus {
    Running,
    Succeeded,
    /// Some tenants failed; the others were stored.
    Partial,
    Failed,
    /// The process stopped before the scan finished.
    Interrupted,
}

impl ScanStatus {
    /// The status a stored string names.
    pub fn parse(s: &str) -> Option<ScanStatus> {
        [
            ScanStatus::Running,
            ScanStatus::Succeeded,
            ScanStatus::Partial,
            ScanStatus::Failed,
            ScanStatus::Interrupted,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Succeeded => "succeeded",
            ScanStatus::Partial => "partial",
            ScanStatus::Failed => "failed",
            ScanStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scans)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ScanRow {
    pub id: i64,
    pub trigger: String,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub tenants_total: i32,
    pub tenants_failed: i32,
    pub error: Option<String>,
}

/// One tenant's part of a scan.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scan_tenants)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TenantRunRow {
    pub id: i64,
    pub scan_id: i64,
    pub tenant_id: i64,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub apps_seen: i64,
    pub grants_seen: i64,
    pub requests: i64,
    pub rows_written: i64,
    pub events: i64,
    pub duration_ms: i64,
    pub error: Option<String>,
}

/// How a tenant's run ended.
#[derive(Debug, Clone, Default)]
pub struct TenantRunOutcome {
    pub apps_seen: i64,
    pub grants_seen: i64,
    pub requests: i64,
    pub rows_written: i64,
    pub events: i64,
    pub duration_ms: i64,
    pub error: Option<String>,
}

impl Store {
    /// Record a new running scan.
    pub fn start_scan(
        &self,
        trigger: &str,
        tenants_total: i32,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        let id = with_conn!(&mut conn, c => diesel::insert_into(scans::table)
            .values((
                scans::trigger.eq(trigger),
                scans::status.eq(ScanStatus::Running.as_str()),
                scans::started_at.eq(to_db(now)),
                scans::tenants_total.eq(tenants_total),
            ))
            .returning(scans::id)
            .get_result(c))?;
        Ok(id)
    }

    pub fn finish_scan(
        &self,
        id: i64,
        status: ScanStatus,
        tenants_failed: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => diesel::update(scans::table.find(id))
            .set((
                scans::status.eq(status.as_str()),
                scans::tenants_failed.eq(tenants_failed),
                scans::finished_at.eq(Some(to_db(now))),
            ))
            .execute(c))?;
        Ok(())
    }

    /// When the last scan that succeeded (every tenant collected) finished, if any.
    pub fn last_successful_scan_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut conn = self.conn()?;
        let at: Option<Option<chrono::NaiveDateTime>> = with_conn!(&mut conn, c => scans::table
            .filter(scans::status.eq(ScanStatus::Succeeded.as_str()))
            .select(diesel::dsl::max(scans::finished_at))
            .first(c)
            .optional())?;
        Ok(at.flatten().map(|t| t.and_utc()))
    }

    /// Record that a tenant's run in a scan starts. A run started before by a replica that
    /// died (its job re-claimed) is started over: one row per tenant and scan.
    pub fn start_tenant_run(
        &self,
        scan_id: i64,
        tenant_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        let earlier = scan_tenants::table
            .filter(scan_tenants::scan_id.eq(scan_id))
            .filter(scan_tenants::tenant_id.eq(tenant_id));
        let restarted: Option<i64> = with_conn!(&mut conn, c => diesel::update(earlier)
            .set((
                scan_tenants::status.eq(ScanStatus::Running.as_str()),
                scan_tenants::started_at.eq(to_db(now)),
                scan_tenants::finished_at.eq(None::<NaiveDateTime>),
                scan_tenants::error.eq(None::<String>),
            ))
            .returning(scan_tenants::id)
            .get_result(c)
            .optional())?;
        if let Some(id) = restarted {
            return Ok(id);
        }
        let id = with_conn!(&mut conn, c => diesel::insert_into(scan_tenants::table)
            .values((
                scan_tenants::scan_id.eq(scan_id),
                scan_tenants::tenant_id.eq(tenant_id),
                scan_tenants::status.eq(ScanStatus::Running.as_str()),
                scan_tenants::started_at.eq(to_db(now)),
            ))
            .returning(scan_tenants::id)
            .get_result(c))?;
        Ok(id)
    }

    pub fn finish_tenant_run(
        &self,
        run_id: i64,
        status: ScanStatus,
        o: &TenantRunOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => diesel::update(scan_tenants::table.find(run_id))
            .set((
                scan_tenants::status.eq(status.as_str()),
                scan_tenants::finished_at.eq(Some(to_db(now))),
                scan_tenants::apps_seen.eq(o.apps_seen),
                scan_tenants::grants_seen.eq(o.grants_seen),
                scan_tenants::requests.eq(o.requests),
                scan_tenants::rows_written.eq(o.rows_written),
                scan_tenants::events.eq(o.events),
                scan_tenants::duration_ms.eq(o.duration_ms),
                scan_tenants::error.eq(o.error.as_deref()),
            ))
            .execute(c))?;
        Ok(())
    }

    pub fn scan(&self, id: i64) -> Result<Option<ScanRow>, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => scans::table.find(id).select(ScanRow::as_select()).first(c).optional())?;
        Ok(row)
    }

    /// The newest scans first.
    pub fn recent_scans(&self, limit: i64) -> Result<Vec<ScanRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => scans::table
            .order(scans::id.desc())
            .limit(limit)
            .select(ScanRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    pub fn tenant_runs(&self, scan_id: i64) -> Result<Vec<TenantRunRow>, StoreError> {
        self.tenant_runs_of(&[scan_id])
    }

    /// The tenant runs of several scans in one query, in run order.
    pub fn tenant_runs_of(&self, scan_ids: &[i64]) -> Result<Vec<TenantRunRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => scan_tenants::table
            .filter(scan_tenants::scan_id.eq_any(scan_ids))
            .order(scan_tenants::id.asc())
            .select(TenantRunRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    /// A scan's tenant runs with their tenants' names.
    pub fn tenant_runs_by_name(
        &self,
        scan_id: i64,
    ) -> Result<Vec<(String, TenantRunRow)>, StoreError> {
        use super::schema::tenants;
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => scan_tenants::table
            .inner_join(tenants::table)
            .filter(scan_tenants::scan_id.eq(scan_id))
            .order(scan_tenants::id.asc())
            .select((tenants::name, TenantRunRow::as_select()))
            .load(c))?;
        Ok(rows)
    }
}
