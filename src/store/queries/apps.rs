//! Apps for the API and the dashboard: the filtered list and one app with its credentials,
//! grants and risk.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::store::schema::{apps, credentials, grants, tenants};
use crate::store::{Store, StoreError};
use crate::with_conn;

/// Which apps to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    /// Tenant name.
    pub tenant: Option<String>,
    pub provider: Option<String>,
    /// Risk score at least this.
    pub min_risk: Option<i16>,
    /// Publisher name or domain, case-insensitive.
    pub publisher: Option<String>,
    /// Include apps no longer present in their tenant.
    pub include_removed: bool,
}

/// An app as listed.
#[derive(Debug, Clone, Queryable)]
pub struct AppSummary {
    pub id: i64,
    pub tenant: String,
    pub provider: String,
    pub external_id: String,
    pub client_id: Option<String>,
    pub name: String,
    pub publisher_name: Option<String>,
    pub publisher_domain: Option<String>,
    pub publisher_verified: Option<bool>,
    pub ownership: String,
    pub client_type: String,
    pub app_kind: String,
    pub enabled: Option<bool>,
    pub first_seen: NaiveDateTime,
    pub last_seen: Option<NaiveDateTime>,
    pub removed_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub risk_score: Option<i16>,
    pub risk_band: Option<String>,
    pub risk_model: Option<String>,
    pub max_tier: Option<String>,
}

/// A credential of an app (never a secret: kind, key id, hint, fingerprint, dates).
#[derive(Debug, Clone, Queryable)]
pub struct CredentialView {
    pub id: i64,
    pub kind: String,
    pub key_id: Option<String>,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub fingerprint: String,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub never_expires: bool,
    pub first_seen: NaiveDateTime,
}

/// A current grant of an app.
#[derive(Debug, Clone, Queryable)]
pub struct GrantView {
    pub id: i64,
    pub app_id: i64,
    pub principal_type: String,
    pub principal_id: Option<String>,
    pub principal_email: Option<String>,
    pub principal_name: Option<String>,
    pub resource: Option<String>,
    /// Space-separated.
    pub scopes: String,
    pub consent_type: String,
    pub kind: String,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub first_seen: NaiveDateTime,
}

/// One app in full: the summary, its risk explanation, credentials and a bounded page of
/// grants with their total.
#[derive(Debug, Clone)]
pub struct AppDetail {
    pub summary: AppSummary,
    pub risk_explanation: Option<String>,
    pub credentials: Vec<CredentialView>,
    pub grants: Vec<GrantView>,
    pub grants_total: i64,
}

macro_rules! app_columns {
    () => {
        (
            apps::id,
            tenants::name,
            tenants::provider,
            apps::external_id,
            apps::client_id,
            apps::name,
            apps::publisher_name,
            apps::publisher_domain,
            apps::publisher_verified,
            apps::ownership,
            apps::client_type,
            apps::app_kind,
            apps::enabled,
            apps::first_seen,
            apps::last_seen,
            apps::removed_at,
            apps::last_used_at,
            apps::risk_score,
            apps::risk_band,
            apps::risk_model,
            apps::max_tier,
        )
    };
}
pub(super) use app_columns;

macro_rules! grant_columns {
    () => {
        (
            grants::id,
            grants::app_id,
            grants::principal_type,
            grants::principal_id,
            grants::principal_email,
            grants::principal_name,
            grants::resource,
            grants::scopes,
            grants::consent_type,
            grants::kind,
            grants::created_at,
            grants::expires_at,
            grants::last_used_at,
            grants::first_seen,
        )
    };
}
pub(super) use grant_columns;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

impl Store {
    /// Apps matching `filter` with ids above `after_id`, in id order, at most `limit`.
    pub fn list_apps(
        &self,
        filter: &AppFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AppSummary>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = apps::table
                .inner_join(tenants::table)
                .select(app_columns!())
                .filter(apps::id.gt(after_id))
                .into_boxed();
            if !filter.include_removed {
                q = q.filter(apps::removed_at.is_null());
            }
            if let Some(t) = &filter.tenant {
                q = q.filter(tenants::name.eq(t.clone()));
            }
            if let Some(p) = &filter.provider {
                q = q.filter(tenants::provider.eq(p.clone()));
            }
            if let Some(r) = filter.min_risk {
                q = q.filter(apps::risk_score.ge(r));
            }
            if let Some(p) = &filter.publisher {
                let p = p.to_lowercase();
                q = q.filter(
                    lower(apps::publisher_name)
                        .eq(p.clone())
                        .or(lower(apps::publisher_domain).eq(p)),
                );
            }
            q.order(apps::id.asc()).limit(limit).load::<AppSummary>(c)
        })?;
        Ok(rows)
    }

    /// One app (current or removed) with at most `max_grants` of its current grants.
    pub fn app_detail(&self, id: i64, max_grants: i64) -> Result<Option<AppDetail>, StoreError> {
        let mut conn = self.conn()?;
        let detail = with_conn!(&mut conn, c => {
            let found: Option<(AppSummary, Option<String>)> = apps::table
                .inner_join(tenants::table)
                .filter(apps::id.eq(id))
                .select((app_columns!(), apps::risk_explanation))
                .first(c)
                .optional()?;
            let Some((summary, risk_explanation)) = found else {
                return Ok(None);
            };
            let credentials = credentials::table
                .filter(credentials::app_id.eq(id))
                .filter(credentials::removed_at.is_null())
                .order(credentials::id.asc())
                .select((
                    credentials::id,
                    credentials::kind,
                    credentials::key_id,
                    credentials::hint,
                    credentials::display_name,
                    credentials::fingerprint,
                    credentials::created_at,
                    credentials::expires_at,
                    credentials::never_expires,
                    credentials::first_seen,
                ))
                .load::<CredentialView>(c)?;
            let current = grants::table
                .filter(grants::app_id.eq(id))
                .filter(grants::removed_at.is_null());
            let grants_total: i64 = current.count().get_result(c)?;
            let grants = current
                .order(grants::id.asc())
                .limit(max_grants)
                .select(grant_columns!())
                .load::<GrantView>(c)?;
            Ok::<_, diesel::result::Error>(Some(AppDetail {
                summary,
                risk_explanation,
                credentials,
                grants,
                grants_total,
            }))
        })?;
        Ok(detail)
    }
}
