//! Reads only the dashboard makes: the browsable app list (filters, search, sort, a bounded
//! offset), an app's grants one keyset page at a time, its stored versions, and per-app and
//! per-tenant counts (the overview's aggregates are in `overview.rs`). Sorts and counts use the
//! partial indexes of migration `2026-11-26-000003_dashboard`.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::apps::{AppSummary, GrantView, app_columns, grant_columns};
use crate::store::scans::TenantRunRow;
use crate::store::schema::{app_versions, apps, findings, grants, scan_tenants, tenants};
use crate::store::{Store, StoreError};
use crate::with_conn;

/// How the app list is ordered (ties by id, in the same direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppSort {
    /// Highest risk first, unscored last.
    #[default]
    Risk,
    Name,
    /// Most recently used first (never used last).
    LastUsed,
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
pub(super) const RISK_ORDER: &str = "COALESCE(apps.risk_score, -1)";

/// The last-used sort key: never used as the epoch, so both backends put those last.
const LAST_USED_ORDER: &str = "COALESCE(apps.last_used_at, '1970-01-01 00:00:00')";

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
                AppSort::LastUsed => q.order((
                    diesel::dsl::sql::<diesel::sql_types::Timestamp>(LAST_USED_ORDER).desc(),
                    apps::id.desc(),
                )),
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

    /// Each tenant's latest run (of any scan): two queries whatever the number of tenants.
    pub fn last_tenant_runs(&self) -> Result<Vec<TenantRunRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let latest: Vec<Option<i64>> = scan_tenants::table
                .group_by(scan_tenants::tenant_id)
                .select(diesel::dsl::max(scan_tenants::id))
                .load(c)?;
            let ids: Vec<i64> = latest.into_iter().flatten().collect();
            scan_tenants::table
                .filter(scan_tenants::id.eq_any(ids))
                .select(TenantRunRow::as_select())
                .load(c)
        })?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards_and_lowercases() {
        assert_eq!(like_pattern("A%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
