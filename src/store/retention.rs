//! Pruning history older than a cutoff, one small batch per call, so each delete is a short
//! transaction and readers (the dashboard, API pages, SIEM feeds) are never blocked for long.
//!
//! Pruned: app versions other than each app's current one, change events, resolved findings,
//! risk snapshots, and finished scans with their tenant runs and jobs once no remaining history
//! row points at them. Never pruned: the current inventory (apps, credentials, grants), open or
//! suppressed findings, suppressions, API keys and the admin audit log (an accountability record
//! whose retention is a compliance decision, not a history-size one), the latest successful
//! scan, and any scan a tenant's last good inventory came from.
//!
//! Change feeds resume strictly after a `(change_seq, id)` cursor and the counter lives in its
//! own row, so deleting old rows never reuses a sequence number or invalidates a cursor: a
//! client whose cursor points into pruned history simply continues with the oldest kept change.
//! The caller sequences the batches ([`crate::collector::retention`]).

use chrono::{DateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::scans::ScanStatus;
use super::schema::{
    app_versions, apps, events, findings, risk_snapshots, scan_jobs, scan_tenants, scans, tenants,
};
use super::{Store, StoreError, to_db};
use crate::with_write_transaction;

/// The kinds of history, in the order they are pruned (scans last: the others point at them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    AppVersions,
    Events,
    ResolvedFindings,
    RiskSnapshots,
    Scans,
}

impl History {
    pub const ALL: [History; 5] = [
        History::AppVersions,
        History::Events,
        History::ResolvedFindings,
        History::RiskSnapshots,
        History::Scans,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            History::AppVersions => "app_versions",
            History::Events => "events",
            History::ResolvedFindings => "resolved_findings",
            History::RiskSnapshots => "risk_snapshots",
            History::Scans => "scans",
        }
    }
}

impl Store {
    /// Delete at most `batch` rows of `what` older than `cutoff` (for scans: at most `batch`
    /// rows of tenant runs and jobs, then the scans emptied). Returns the rows deleted; fewer
    /// than `batch` means nothing older is left.
    pub fn prune_batch(
        &self,
        what: History,
        cutoff: DateTime<Utc>,
        batch: i64,
    ) -> Result<usize, StoreError> {
        let cutoff = to_db(cutoff);
        // A write transaction from the start: the batch reads the rows to go, then deletes them,
        // and a scan writing in between must make it wait, not fail.
        let n: usize = with_write_transaction!(self, c => {
            match what {
                History::AppVersions => {
                    let ids: Vec<i64> = app_versions::table
                        .inner_join(apps::table)
                        .filter(app_versions::created_at.lt(cutoff))
                        .filter(app_versions::version.lt(apps::version))
                        .select(app_versions::id)
                        .limit(batch)
                        .load(c)?;
                    diesel::delete(app_versions::table.filter(app_versions::id.eq_any(ids)))
                        .execute(c)
                }
                History::Events => {
                    let ids: Vec<i64> = events::table
                        .filter(events::occurred_at.lt(cutoff))
                        .select(events::id)
                        .limit(batch)
                        .load(c)?;
                    diesel::delete(events::table.filter(events::id.eq_any(ids))).execute(c)
                }
                History::ResolvedFindings => {
                    let ids: Vec<i64> = findings::table
                        .filter(findings::status.eq(super::findings::status::RESOLVED))
                        .filter(findings::resolved_at.lt(cutoff))
                        .select(findings::id)
                        .limit(batch)
                        .load(c)?;
                    diesel::delete(findings::table.filter(findings::id.eq_any(ids))).execute(c)
                }
                History::RiskSnapshots => {
                    let ids: Vec<i64> = risk_snapshots::table
                        .filter(risk_snapshots::created_at.lt(cutoff))
                        .select(risk_snapshots::id)
                        .limit(batch)
                        .load(c)?;
                    diesel::delete(risk_snapshots::table.filter(risk_snapshots::id.eq_any(ids)))
                        .execute(c)
                }
                History::Scans => {
                    let newest_success: Option<i64> = scans::table
                        .filter(scans::status.eq(ScanStatus::Succeeded.as_str()))
                        .select(diesel::dsl::max(scans::id))
                        .first(c)?;
                    let scan_ids: Vec<i64> = scans::table
                        .filter(scans::status.ne(ScanStatus::Running.as_str()))
                        .filter(scans::finished_at.lt(cutoff))
                        .filter(scans::id.lt(newest_success.unwrap_or(0)))
                        .filter(not(exists(
                            app_versions::table.filter(app_versions::scan_id.eq(scans::id)),
                        )))
                        .filter(not(exists(events::table.filter(events::scan_id.eq(scans::id)))))
                        .filter(not(exists(
                            risk_snapshots::table.filter(risk_snapshots::scan_id.eq(scans::id)),
                        )))
                        .filter(not(exists(
                            tenants::table.filter(tenants::last_success_scan_id.eq(scans::id.nullable())),
                        )))
                        .select(scans::id)
                        .order(scans::id.asc())
                        .limit(batch)
                        .load(c)?;
                    let runs: Vec<i64> = scan_tenants::table
                        .filter(scan_tenants::scan_id.eq_any(&scan_ids))
                        .select(scan_tenants::id)
                        .limit(batch)
                        .load(c)?;
                    let mut n = diesel::delete(scan_tenants::table.filter(scan_tenants::id.eq_any(runs)))
                        .execute(c)?;
                    let jobs: Vec<i64> = scan_jobs::table
                        .filter(scan_jobs::scan_id.eq_any(&scan_ids))
                        .select(scan_jobs::id)
                        .limit(batch - n as i64)
                        .load(c)?;
                    n += diesel::delete(scan_jobs::table.filter(scan_jobs::id.eq_any(jobs)))
                        .execute(c)?;
                    // Only scans whose runs and jobs are all gone; the rest come next batch.
                    let emptied = scans::table
                        .filter(scans::id.eq_any(&scan_ids))
                        .filter(not(exists(scan_tenants::table.filter(scan_tenants::scan_id.eq(scans::id)))))
                        .filter(not(exists(scan_jobs::table.filter(scan_jobs::scan_id.eq(scans::id)))))
                        .select(scans::id)
                        .load::<i64>(c)?;
                    n += diesel::delete(scans::table.filter(scans::id.eq_any(emptied))).execute(c)?;
                    Ok::<usize, diesel::result::Error>(n)
                }
            }
        })?;
        Ok(n)
    }
}
