//! Reads only the dashboard makes: the overview's grouped counts, the browsable app list
//! (filters, search, sort, a bounded offset), an app's grants one keyset page at a time, its
//! stored versions, and per-app and per-tenant counts. Every aggregate is a grouped count over
//! an indexed column (migration `2026-11-26-000003_dashboard`), so the overview stays fast at
//! 100,000 apps and 1,000,000 grants without a cache.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::apps::{AppSummary, GrantView, app_columns, grant_columns};
use crate::store::scans::TenantRunRow;
use crate::store::schema::{
    app_versions, apps, findings, grants, risk_snapshots, scan_tenants, tenants,
};
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

/// How the app list is ordered (ties by id, in the same direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppSort {
    /// Highest risk first, unscored last.
    #[default]
    Risk,
    Name,
    /// Most recently seen first.
    LastSeen,
    /// Newest first.
    FirstSeen,
}

/// Which current apps the dashboard lists. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AppBrowse {
    /// Tenant name.
    pub tenant: Option<String>,
    pub provider: Option<String>,
    /// `first_party`, `third_party` or `unknown`.
    pub ownership: Option<String>,
    /// Publisher name or domain, case-insensitive.
    pub publisher: Option<String>,
    /// Apps with an open finding of at least this severity rank (info 0 … critical 4).
    pub min_severity_rank: Option<i16>,
    /// Case-insensitive substring of the name or client id.
    pub search: Option<String>,
    pub sort: AppSort,
}

/// One stored version of an app (the normalized app as JSON).
#[derive(Debug, Clone, Queryable)]
pub struct VersionRow {
    pub version: i32,
    pub document: String,
    pub scan_id: i64,
    pub created_at: NaiveDateTime,
}

/// The risk sort key: unscored apps as -1 (a fixed SQL fragment, matched by the index
/// `apps_current_risk`).
const RISK_ORDER: &str = "COALESCE(apps.risk_score, -1)";

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(
    #[sql_name = "lower"]
    fn lower_opt(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>
);

/// `%text%` for LIKE, with `\` escaping the wildcards in `text`.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

impl Store {
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

    /// Current apps matching `f` in its order, skipping `offset`, at most `limit`.
    pub fn browse_apps(
        &self,
        f: &AppBrowse,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AppSummary>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = apps::table
                .inner_join(tenants::table)
                .select(app_columns!())
                .filter(apps::removed_at.is_null())
                .into_boxed();
            if let Some(t) = &f.tenant {
                q = q.filter(tenants::name.eq(t.clone()));
            }
            if let Some(p) = &f.provider {
                q = q.filter(tenants::provider.eq(p.clone()));
            }
            if let Some(o) = &f.ownership {
                q = q.filter(apps::ownership.eq(o.clone()));
            }
            if let Some(p) = &f.publisher {
                let p = p.to_lowercase();
                q = q.filter(
                    lower_opt(apps::publisher_name)
                        .eq(p.clone())
                        .or(lower_opt(apps::publisher_domain).eq(p)),
                );
            }
            if let Some(s) = &f.search {
                let pattern = like_pattern(s);
                q = q.filter(
                    lower(apps::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower_opt(apps::client_id).like(pattern).escape('\\')),
                );
            }
            if let Some(rank) = f.min_severity_rank {
                q = q.filter(diesel::dsl::exists(
                    findings::table
                        .filter(findings::app_id.eq(apps::id.nullable()))
                        .filter(findings::status.eq("open"))
                        .filter(findings::severity_rank.ge(rank)),
                ));
            }
            q = match f.sort {
                // Unscored apps last on both backends; the same expression is indexed.
                AppSort::Risk => q.order((
                    diesel::dsl::sql::<diesel::sql_types::Integer>(RISK_ORDER).desc(),
                    apps::id.desc(),
                )),
                AppSort::Name => q.order((apps::name.asc(), apps::id.asc())),
                AppSort::LastSeen => q.order((apps::last_seen.desc(), apps::id.desc())),
                AppSort::FirstSeen => q.order((apps::first_seen.desc(), apps::id.desc())),
            };
            q.offset(offset).limit(limit).load::<AppSummary>(c)
        })?;
        Ok(rows)
    }

    /// Current apps named exactly one of `names` whose provider reports no publisher.
    pub fn unpublished_apps_named(
        &self,
        names: &[String],
        limit: i64,
    ) -> Result<Vec<AppSummary>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => apps::table
            .inner_join(tenants::table)
            .select(app_columns!())
            .filter(apps::removed_at.is_null())
            .filter(apps::name.eq_any(names))
            .filter(apps::publisher_name.is_null())
            .filter(apps::publisher_domain.is_null())
            .order(apps::id.asc())
            .limit(limit)
            .load::<AppSummary>(c))?;
        Ok(rows)
    }

    /// Open findings of each of `app_ids` per severity rank: `(app id, rank, count)`.
    pub fn open_findings_by_app(
        &self,
        app_ids: &[i64],
    ) -> Result<Vec<(i64, i16, i64)>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => findings::table
            .filter(findings::app_id.eq_any(app_ids))
            .filter(findings::status.eq("open"))
            .group_by((findings::app_id, findings::severity_rank))
            .select((findings::app_id, findings::severity_rank, count_star()))
            .load::<(Option<i64>, i16, i64)>(c))?;
        Ok(rows
            .into_iter()
            .filter_map(|(app, rank, n)| Some((app?, rank, n)))
            .collect())
    }

    /// Current grants of an app with ids above `after_id`, in id order, at most `limit`.
    pub fn app_grants_after(
        &self,
        app_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<GrantView>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => grants::table
            .filter(grants::app_id.eq(app_id))
            .filter(grants::removed_at.is_null())
            .filter(grants::id.gt(after_id))
            .order(grants::id.asc())
            .limit(limit)
            .select(grant_columns!())
            .load::<GrantView>(c))?;
        Ok(rows)
    }

    /// Current grants of each of `app_ids`: `(app id, count)`.
    pub fn grant_counts(&self, app_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut conn = self.conn()?;
        let mut out = Vec::new();
        for chunk in app_ids.chunks(500) {
            let rows = with_conn!(&mut conn, c => grants::table
                .filter(grants::app_id.eq_any(chunk))
                .filter(grants::removed_at.is_null())
                .group_by(grants::app_id)
                .select((grants::app_id, count_star()))
                .load::<(i64, i64)>(c))?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// The newest `limit` stored versions of an app, newest first.
    pub fn app_history(&self, app_id: i64, limit: i64) -> Result<Vec<VersionRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => app_versions::table
            .filter(app_versions::app_id.eq(app_id))
            .order(app_versions::version.desc())
            .limit(limit)
            .select((
                app_versions::version,
                app_versions::document,
                app_versions::scan_id,
                app_versions::created_at,
            ))
            .load::<VersionRow>(c))?;
        Ok(rows)
    }

    /// Current apps per tenant id.
    pub fn app_counts_by_tenant(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => apps::table
            .filter(apps::removed_at.is_null())
            .group_by(apps::tenant_id)
            .select((apps::tenant_id, count_star()))
            .load::<(i64, i64)>(c))?;
        Ok(rows)
    }

    /// The latest run of a tenant, if it ever ran.
    pub fn last_tenant_run(&self, tenant_id: i64) -> Result<Option<TenantRunRow>, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => scan_tenants::table
            .filter(scan_tenants::tenant_id.eq(tenant_id))
            .order(scan_tenants::id.desc())
            .select(TenantRunRow::as_select())
            .first(c)
            .optional())?;
        Ok(row)
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
    fn like_pattern_escapes_wildcards_and_lowercases() {
        assert_eq!(like_pattern("A%b_c\\"), "%a\\%b\\_c\\\\%");
    }

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
