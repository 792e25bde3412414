//! The overview's aggregates: grouped counts over indexed columns (current apps by risk
//! score, current grants, open findings by severity and rule) and the risk trend from the
//! per-scan risk snapshots, and the version that says when they may have changed (the
//! dashboard keeps the last overview until it does).

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::dashboard::RISK_ORDER;
use crate::store::schema::{apps, findings, grants, risk_snapshots, tenants};
use crate::store::{Store, StoreError};
use crate::with_conn;

/// Scans shown in the overview's risk trend at most.
pub const TREND_SCANS: i64 = 30;

/// The overview's counts.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub tenants: i64,
    /// Current grants.
    pub grants: i64,
    /// Current apps per risk score (`None`: not scored yet).
    pub scores: Vec<(Option<i16>, i64)>,
    /// Open findings per (severity, rule id).
    pub open_findings: Vec<(String, String, i64)>,
    /// Oldest first.
    pub trend: Vec<TrendPoint>,
}

/// The estate's risk as one scan's evaluation left it (summed over tenants).
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub scan_id: i64,
    pub at: NaiveDateTime,
    pub apps: i64,
    pub high: i64,
    pub critical: i64,
    /// Mean app score, weighted by each tenant's apps.
    pub mean_score: f64,
    pub open_findings: i64,
}

/// See [`Store::overview_version`].
pub type OverviewVersion = (i64, i64, i64);

impl Store {
    /// What the overview depends on, as one comparable value: the last change sequence
    /// (findings and inventory events), the newest scan and the newest risk snapshot. Equal
    /// versions mean equal overviews, so a computed one can be reused.
    pub fn overview_version(&self) -> Result<OverviewVersion, StoreError> {
        let changes = self.change_position()?;
        let mut conn = self.conn()?;
        let (scan, snapshot) = with_conn!(&mut conn, c => {
            let scan: Option<i64> = crate::store::schema::scans::table
                .select(diesel::dsl::max(crate::store::schema::scans::id))
                .first(c)?;
            let snapshot: Option<i64> = risk_snapshots::table
                .select(diesel::dsl::max(risk_snapshots::id))
                .first(c)?;
            Ok::<_, diesel::result::Error>((scan, snapshot))
        })?;
        Ok((changes, scan.unwrap_or(0), snapshot.unwrap_or(0)))
    }

    /// The overview's counts and the risk trend of the last [`TREND_SCANS`] evaluated scans.
    pub fn overview(&self) -> Result<Overview, StoreError> {
        let mut conn = self.conn()?;
        let out = with_conn!(&mut conn, c => {
            let tenants: i64 = tenants::table.count().get_result(c)?;
            let grants: i64 = grants::table
                .filter(grants::removed_at.is_null())
                .count()
                .get_result(c)?;
            let risk = || diesel::dsl::sql::<diesel::sql_types::Integer>(RISK_ORDER);
            let scores = apps::table
                .filter(apps::removed_at.is_null())
                .group_by(risk())
                .select((risk(), count_star()))
                .load::<(i32, i64)>(c)?
                .into_iter()
                .map(|(s, n)| (i16::try_from(s).ok().filter(|s| *s >= 0), n))
                .collect();
            let open_findings = findings::table
                .filter(findings::status.eq("open"))
                .group_by((findings::severity, findings::rule_id))
                .select((findings::severity, findings::rule_id, count_star()))
                .load::<(String, String, i64)>(c)?;
            let scan_ids: Vec<i64> = risk_snapshots::table
                .select(risk_snapshots::scan_id)
                .distinct()
                .order(risk_snapshots::scan_id.desc())
                .limit(TREND_SCANS)
                .load(c)?;
            let rows = risk_snapshots::table
                .filter(risk_snapshots::scan_id.eq_any(&scan_ids))
                .order(risk_snapshots::scan_id.asc())
                .select((
                    risk_snapshots::scan_id,
                    risk_snapshots::created_at,
                    risk_snapshots::apps,
                    risk_snapshots::band_high,
                    risk_snapshots::band_critical,
                    risk_snapshots::mean_score,
                    risk_snapshots::open_findings,
                ))
                .load::<(i64, NaiveDateTime, i64, i64, i64, f64, i64)>(c)?;
            Ok::<_, diesel::result::Error>(Overview {
                tenants,
                grants,
                scores,
                open_findings,
                trend: sum_trend(rows),
            })
        })?;
        Ok(out)
    }
}

/// Snapshot rows (one per tenant and scan, ordered by scan) summed per scan.
fn sum_trend(rows: Vec<(i64, NaiveDateTime, i64, i64, i64, f64, i64)>) -> Vec<TrendPoint> {
    let mut out: Vec<TrendPoint> = Vec::new();
    let mut weighted = 0.0;
    for (scan_id, at, apps, high, critical, mean, open) in rows {
        match out.last_mut() {
            Some(p) if p.scan_id == scan_id => {
                p.apps += apps;
                p.high += high;
                p.critical += critical;
                p.open_findings += open;
                p.at = p.at.min(at);
            }
            _ => {
                if let Some(p) = out.last_mut() {
                    p.mean_score = if p.apps > 0 {
                        weighted / p.apps as f64
                    } else {
                        0.0
                    };
                }
                weighted = 0.0;
                out.push(TrendPoint {
                    scan_id,
                    at,
                    apps,
                    high,
                    critical,
                    mean_score: 0.0,
                    open_findings: open,
                });
            }
        }
        weighted += mean * apps as f64;
    }
    if let Some(p) = out.last_mut() {
        p.mean_score = if p.apps > 0 {
            weighted / p.apps as f64
        } else {
            0.0
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_sums_tenants_per_scan_and_weights_the_mean_by_apps() {
        let t = NaiveDateTime::default();
        let rows = vec![
            (1, t, 10, 1, 0, 20.0, 5),
            (1, t, 30, 2, 1, 40.0, 7),
            (2, t, 4, 0, 0, 50.0, 1),
        ];
        let trend = sum_trend(rows);
        assert_eq!(trend.len(), 2);
        assert_eq!(
            (trend[0].apps, trend[0].high, trend[0].critical),
            (40, 3, 1)
        );
        assert_eq!(trend[0].open_findings, 12);
        assert!((trend[0].mean_score - 35.0).abs() < 1e-9);
        assert!((trend[1].mean_score - 50.0).abs() < 1e-9);
    }
}
