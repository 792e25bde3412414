//! The numbers `/metrics` reports from the database, so that every replica reports the same
//! estate: per tenant the stored apps and grants, the last success and the last run's duration,
//! and the open findings by severity. One grouped query per number, whatever the tenant count.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::{apps, findings, grants, scan_tenants, tenants};
use super::{Store, StoreError};
use crate::with_conn;

/// One tenant's gauges.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantGauges {
    pub name: String,
    pub provider: String,
    pub apps: i64,
    pub grants: i64,
    pub last_success_at: Option<NaiveDateTime>,
    /// Duration of the tenant's last finished collection, in milliseconds.
    pub last_run_ms: Option<i64>,
    pub stale: bool,
}

/// Everything `/metrics` reads from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    pub tenants: Vec<TenantGauges>,
    /// Open findings per severity.
    pub open_findings: Vec<(String, i64)>,
}

impl Store {
    pub fn gauges(&self) -> Result<Gauges, StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            let rows: Vec<(i64, String, String, Option<NaiveDateTime>, bool)> = tenants::table
                .select((tenants::id, tenants::name, tenants::provider, tenants::last_success_at, tenants::stale))
                .order(tenants::name)
                .load(c)?;
            let app_counts: HashMap<i64, i64> = apps::table
                .filter(apps::removed_at.is_null())
                .group_by(apps::tenant_id)
                .select((apps::tenant_id, count_star()))
                .load::<(i64, i64)>(c)?
                .into_iter()
                .collect();
            let grant_counts: HashMap<i64, i64> = grants::table
                .filter(grants::removed_at.is_null())
                .group_by(grants::tenant_id)
                .select((grants::tenant_id, count_star()))
                .load::<(i64, i64)>(c)?
                .into_iter()
                .collect();
            let last_runs: Vec<Option<i64>> = scan_tenants::table
                .filter(scan_tenants::finished_at.is_not_null())
                .group_by(scan_tenants::tenant_id)
                .select(max(scan_tenants::id))
                .load(c)?;
            let last_runs: Vec<i64> = last_runs.into_iter().flatten().collect();
            let durations: HashMap<i64, i64> = scan_tenants::table
                .filter(scan_tenants::id.eq_any(&last_runs))
                .select((scan_tenants::tenant_id, scan_tenants::duration_ms))
                .load::<(i64, i64)>(c)?
                .into_iter()
                .collect();
            let open_findings: Vec<(String, i64)> = findings::table
                .filter(findings::status.eq("open"))
                .group_by(findings::severity)
                .select((findings::severity, count_star()))
                .order(findings::severity)
                .load(c)?;
            Ok::<_, diesel::result::Error>(Gauges {
                tenants: rows
                    .into_iter()
                    .map(|(id, name, provider, last_success_at, stale)| TenantGauges {
                        name,
                        provider,
                        apps: app_counts.get(&id).copied().unwrap_or(0),
                        grants: grant_counts.get(&id).copied().unwrap_or(0),
                        last_success_at,
                        last_run_ms: durations.get(&id).copied(),
                        stale,
                    })
                    .collect(),
                open_findings,
            })
        })
        .map_err(StoreError::from)
    }
}
