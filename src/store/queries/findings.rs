//! The findings list and feed: filters by minimum severity, status, tenant, provider, rule,
//! app and change time, joined with the finding's tenant and app.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::After;
use crate::store::dbtime::{DbTime, DbTimeOpt};
use crate::store::schema::{apps, findings, tenants};
use crate::store::{Store, StoreError};
use crate::with_conn;

/// Which findings to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Severity rank at least this (info 0 … critical 4).
    pub min_severity_rank: Option<i16>,
    pub status: Option<String>,
    /// Tenant name.
    pub tenant: Option<String>,
    pub provider: Option<String>,
    pub rule: Option<String>,
    /// App row id.
    pub app_id: Option<i64>,
    /// Changed at or after this instant (orders the list as a change feed).
    pub changed_since: Option<NaiveDateTime>,
}

/// A finding with its tenant and app, as the API and the dashboard show it.
#[derive(Debug, Clone, Queryable)]
pub struct FindingView {
    pub id: i64,
    pub rule_id: String,
    pub severity: String,
    pub title: String,
    pub evidence: String,
    pub status: String,
    pub suppression_id: Option<i64>,
    #[diesel(deserialize_as = DbTime)]
    pub first_seen: NaiveDateTime,
    #[diesel(deserialize_as = DbTime)]
    pub last_seen: NaiveDateTime,
    #[diesel(deserialize_as = DbTimeOpt)]
    pub resolved_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = DbTime)]
    pub updated_at: NaiveDateTime,
    pub change_seq: i64,
    pub tenant: String,
    pub provider: String,
    /// When the tenant was last judged: an open finding was seen then.
    #[diesel(deserialize_as = DbTimeOpt)]
    pub tenant_evaluated_at: Option<NaiveDateTime>,
    pub app_id: Option<i64>,
    /// The app's client id, name and publisher name, for an app finding.
    pub app: Option<(Option<String>, String, Option<String>)>,
}

impl FindingView {
    /// When the finding was last observed: an open or suppressed finding's row keeps the
    /// sighting of its last change, and every later evaluation of the tenant saw it too.
    pub fn last_observed(&self) -> NaiveDateTime {
        match self.tenant_evaluated_at {
            Some(t) if self.resolved_at.is_none() && t > self.last_seen => t,
            _ => self.last_seen,
        }
    }
}

macro_rules! finding_columns {
    () => {
        (
            findings::id,
            findings::rule_id,
            findings::severity,
            findings::title,
            findings::evidence,
            findings::status,
            findings::suppression_id,
            findings::first_seen,
            findings::last_seen,
            findings::resolved_at,
            findings::updated_at,
            findings::change_seq,
            tenants::name,
            tenants::provider,
            tenants::last_evaluated_at,
            findings::app_id,
            (apps::client_id, apps::name, apps::publisher_name).nullable(),
        )
    };
}

impl Store {
    /// Findings matching `filter` after `after`, at most `limit`. Without `changed_since`
    /// (and with an [`After::Id`] cursor) the list is in id order; with it (or an
    /// [`After::Change`] cursor) it is the change feed in `(change_seq, id)` order.
    pub fn list_findings(
        &self,
        filter: &FindingFilter,
        after: After,
        limit: i64,
    ) -> Result<Vec<FindingView>, StoreError> {
        let feed = filter.changed_since.is_some() || matches!(after, After::Change(..));
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = findings::table
                .inner_join(tenants::table.on(tenants::id.eq(findings::tenant_id)))
                .left_join(apps::table.on(findings::app_id.eq(apps::id.nullable())))
                .select(finding_columns!())
                .into_boxed();
            if let Some(rank) = filter.min_severity_rank {
                q = q.filter(findings::severity_rank.ge(rank));
            }
            if let Some(s) = &filter.status {
                q = q.filter(findings::status.eq(s.clone()));
            }
            if let Some(t) = &filter.tenant {
                q = q.filter(tenants::name.eq(t.clone()));
            }
            if let Some(p) = &filter.provider {
                q = q.filter(tenants::provider.eq(p.clone()));
            }
            if let Some(r) = &filter.rule {
                q = q.filter(findings::rule_id.eq(r.clone()));
            }
            if let Some(a) = filter.app_id {
                q = q.filter(findings::app_id.eq(a));
            }
            match after {
                After::Start => {}
                After::Id(id) => q = q.filter(findings::id.gt(id)),
                After::Change(seq, id) => {
                    q = q.filter(
                        findings::change_seq
                            .gt(seq)
                            .or(findings::change_seq.eq(seq).and(findings::id.gt(id))),
                    )
                }
            }
            if let Some(t) = filter.changed_since {
                q = q.filter(findings::updated_at.ge(t));
            }
            if feed {
                q = q.order((findings::change_seq.asc(), findings::id.asc()));
            } else {
                q = q.order(findings::id.asc());
            }
            q.limit(limit).load::<FindingView>(c)
        })?;
        Ok(rows)
    }
}
