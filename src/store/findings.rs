//! Findings, risk scores and suppressions: what the rules engine reads and writes.
//!
//! A finding is one rule firing on one subject (`app:<id>` or `tenant`) of a tenant; the row
//! lives from the first evaluation that fires it, is updated only when its severity, evidence
//! or status change, and is resolved (never deleted) when its condition is gone. An open
//! finding's `last_seen` is its tenant's `last_evaluated_at`, written on the row when the
//! finding resolves, so an unchanged rescan writes no finding rows.

use chrono::{DateTime, NaiveDateTime, Utc};
use connectors::model::{ConsentType, Grant, GrantKind, OAuthApp, Principal};
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::{
    app_versions, apps, credentials, findings, grants, risk_snapshots, suppressions, tenants,
};
use super::{Store, StoreError, from_db, to_db};
use crate::{with_conn, with_write_transaction};

/// Finding statuses (fixed values: the API returns them).
pub mod status {
    pub const OPEN: &str = "open";
    pub const RESOLVED: &str = "resolved";
    pub const SUPPRESSED: &str = "suppressed";
}

/// A current app with its stored document and evaluation state.
#[derive(Debug, Clone)]
pub struct StoredApp {
    pub id: i64,
    pub app: OAuthApp,
    pub version: i32,
    /// The scan that stored the current version.
    pub version_scan_id: i64,
    pub risk_score: Option<i16>,
    pub risk_explanation: Option<String>,
    pub max_tier: Option<String>,
}

/// An app whose permissions reached T0/T1 when last judged, with its publisher: the vendor
/// rules' view of every tenant.
#[derive(Debug, Clone, Queryable)]
pub struct EstateVendorRow {
    pub tenant_id: i64,
    pub tenant: String,
    pub provider: String,
    pub external_id: String,
    pub name: String,
    pub publisher_name: Option<String>,
    pub publisher_domain: Option<String>,
    pub max_tier: Option<String>,
}

/// A current key credential, or a secret with a keyed digest: the reuse rules' view of every
/// tenant.
#[derive(Debug, Clone, Queryable)]
pub struct EstateCredentialRow {
    pub tenant_id: i64,
    pub tenant: String,
    pub provider: String,
    pub external_id: String,
    pub name: String,
    pub kind: String,
    pub fingerprint: String,
    pub secret_digest: Option<String>,
}

/// A stored finding's state, for the diff against a new evaluation.
#[derive(Debug, Clone, Queryable)]
pub struct FindingState {
    pub id: i64,
    pub subject: String,
    pub rule_id: String,
    pub severity: String,
    pub evidence: String,
    pub status: String,
    pub suppression_id: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// A finding produced by an evaluation, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    pub app_id: Option<i64>,
    pub rule_id: String,
    pub severity: String,
    pub severity_rank: i16,
    pub title: String,
    /// Canonical JSON.
    pub evidence: String,
    pub suppression_id: Option<i64>,
}

impl NewFinding {
    pub fn subject(&self) -> String {
        subject(self.app_id)
    }

    fn status(&self) -> &'static str {
        if self.suppression_id.is_some() {
            status::SUPPRESSED
        } else {
            status::OPEN
        }
    }
}

/// `app:<id>` or `tenant`.
pub fn subject(app_id: Option<i64>) -> String {
    match app_id {
        Some(id) => format!("app:{id}"),
        None => "tenant".to_string(),
    }
}

/// An app's new score and facts; written only where they differ from the stored ones.
#[derive(Debug, Clone)]
pub struct AppEvaluation {
    pub app_id: i64,
    pub risk_score: i16,
    pub risk_band: &'static str,
    pub risk_model: &'static str,
    pub risk_explanation: String,
    pub max_tier: Option<&'static str>,
    pub changed: bool,
}

/// One page of a tenant's evaluation: the findings of these apps (all of them: a finding of
/// one of these apps that is not listed has resolved) and their scores.
#[derive(Debug, Clone)]
pub struct PageEvaluation<'a> {
    pub tenant_id: i64,
    pub now: DateTime<Utc>,
    /// When the tenant was last judged: the last sighting of what resolves now.
    pub previous: Option<NaiveDateTime>,
    pub app_ids: &'a [i64],
    pub findings: &'a [NewFinding],
    pub apps: &'a [AppEvaluation],
}

/// The end of a tenant's evaluation: its tenant-level findings, the risk snapshot, and the
/// findings of apps that are no longer current, which resolve.
#[derive(Debug, Clone)]
pub struct TenantEvaluationEnd {
    pub tenant_id: i64,
    pub scan_id: i64,
    pub now: DateTime<Utc>,
    pub previous: Option<NaiveDateTime>,
    pub findings: Vec<NewFinding>,
    pub snapshot: RiskSnapshot,
}

/// The tenant's risk distribution after the evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskSnapshot {
    pub model: String,
    pub apps: i64,
    pub bands: [i64; 4],
    pub mean_score: f64,
    pub open_findings: i64,
}

/// What an evaluation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationStats {
    pub opened: u64,
    pub reopened: u64,
    pub updated: u64,
    pub resolved: u64,
    pub scores_written: u64,
}

impl std::ops::AddAssign for EvaluationStats {
    fn add_assign(&mut self, o: Self) {
        self.opened += o.opened;
        self.reopened += o.reopened;
        self.updated += o.updated;
        self.resolved += o.resolved;
        self.scores_written += o.scores_written;
    }
}

/// A suppression as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = suppressions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SuppressionRow {
    pub id: i64,
    pub rule_id: String,
    pub tenant: Option<String>,
    pub app: Option<String>,
    pub publisher: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires_at: Option<NaiveDateTime>,
    pub source: String,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// A suppression to store.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = suppressions)]
pub struct NewSuppression {
    pub rule_id: String,
    pub tenant: Option<String>,
    pub app: Option<String>,
    pub publisher: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires_at: Option<NaiveDateTime>,
    pub source: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = findings, treat_none_as_default_value = false)]
pub(crate) struct FindingInsert<'a> {
    tenant_id: i64,
    app_id: Option<i64>,
    subject: String,
    rule_id: &'a str,
    severity: &'a str,
    severity_rank: i16,
    title: &'a str,
    evidence: &'a str,
    status: &'static str,
    suppression_id: Option<i64>,
    first_seen: NaiveDateTime,
    last_seen: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = risk_snapshots)]
struct SnapshotInsert<'a> {
    scan_id: i64,
    tenant_id: i64,
    model: &'a str,
    apps: i64,
    band_low: i64,
    band_medium: i64,
    band_high: i64,
    band_critical: i64,
    mean_score: f64,
    open_findings: i64,
    created_at: NaiveDateTime,
}

type AppPageRow = (
    i64,
    i32,
    Option<NaiveDateTime>,
    Option<i16>,
    Option<String>,
    Option<String>,
    String,
    i64,
);

type GrantDbRow = (
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<String>,
    String,
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

impl Store {
    /// The ids of a tenant's current apps, in order.
    pub fn tenant_app_ids(&self, tenant_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn()?;
        let ids = with_conn!(&mut conn, c => apps::table
            .filter(apps::tenant_id.eq(tenant_id))
            .filter(apps::removed_at.is_null())
            .order(apps::id.asc())
            .select(apps::id)
            .load(c))?;
        Ok(ids)
    }

    /// These current apps (by row id, as from [`Store::tenant_app_ids`]), with their current
    /// version documents, in id order. Looked up by primary key, so paging a large tenant
    /// costs each page only its own rows.
    pub fn apps_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredApp>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<AppPageRow> = with_conn!(&mut conn, c => apps::table
            .inner_join(
                app_versions::table.on(app_versions::app_id
                    .eq(apps::id)
                    .and(app_versions::version.eq(apps::version))),
            )
            .filter(apps::id.eq_any(ids))
            .filter(apps::removed_at.is_null())
            .order(apps::id.asc())
            .select((
                apps::id,
                apps::version,
                apps::last_used_at,
                apps::risk_score,
                apps::risk_explanation,
                apps::max_tier,
                app_versions::document,
                app_versions::scan_id,
            ))
            .load(c))?;
        rows.into_iter()
            .map(
                |(id, version, last_used, score, expl, facts, doc, scan_id)| {
                    let mut app: OAuthApp = serde_json::from_str(&doc).map_err(|e| {
                        StoreError::Corrupt(format!("app {id} version {version}: {e}"))
                    })?;
                    app.last_used_at = last_used.map(from_db);
                    Ok(StoredApp {
                        id,
                        app,
                        version,
                        version_scan_id: scan_id,
                        risk_score: score,
                        risk_explanation: expl,
                        max_tier: facts,
                    })
                },
            )
            .collect()
    }

    /// Stored versions of apps, by `(app_id, version)` pairs, in one query; pairs with no
    /// stored version are absent from the result.
    pub fn app_versions(
        &self,
        wanted: &[(i64, i32)],
    ) -> Result<HashMap<i64, OAuthApp>, StoreError> {
        let mut out = HashMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let ids: Vec<i64> = wanted.iter().map(|w| w.0).collect();
        let mut conn = self.conn()?;
        let rows: Vec<(i64, i32, String)> = with_conn!(&mut conn, c => app_versions::table
            .filter(app_versions::app_id.eq_any(&ids))
            .filter(app_versions::version.eq_any(wanted.iter().map(|w| w.1).collect::<Vec<_>>()))
            .select((app_versions::app_id, app_versions::version, app_versions::document))
            .load(c))?;
        for (app_id, version, doc) in rows {
            if !wanted.contains(&(app_id, version)) {
                continue;
            }
            let app = serde_json::from_str(&doc)
                .map_err(|e| StoreError::Corrupt(format!("app {app_id} version {version}: {e}")))?;
            out.insert(app_id, app);
        }
        Ok(out)
    }

    /// The current grants of these apps, as `(app_id, grant)`; `app_external_id` is left empty
    /// for the caller to fill.
    pub fn grants_of_apps(&self, app_ids: &[i64]) -> Result<Vec<(i64, Grant)>, StoreError> {
        let mut out = Vec::new();
        let mut conn = self.conn()?;
        for chunk in app_ids.chunks(500) {
            let rows: Vec<GrantDbRow> = with_conn!(&mut conn, c => grants::table
                .filter(grants::app_id.eq_any(chunk))
                .filter(grants::removed_at.is_null())
                .select((
                    grants::app_id,
                    grants::external_id,
                    grants::principal_type,
                    grants::principal_id,
                    grants::principal_email,
                    grants::principal_name,
                    grants::principal_active,
                    grants::resource,
                    grants::scopes,
                    grants::consent_type,
                    grants::kind,
                    grants::created_at,
                    grants::expires_at,
                    grants::last_used_at,
                ))
                .load(c))?;
            out.extend(rows.into_iter().map(grant_from_row));
        }
        Ok(out)
    }

    /// Every current app that held T0/T1 permissions when last judged and names a publisher.
    pub fn estate_vendor_rows(&self) -> Result<Vec<EstateVendorRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => apps::table
            .inner_join(tenants::table)
            .filter(apps::removed_at.is_null())
            .filter(apps::max_tier.eq_any(["T0", "T1"]))
            .filter(apps::publisher_name.is_not_null().or(apps::publisher_domain.is_not_null()))
            .select((
                apps::tenant_id,
                tenants::name,
                apps::provider,
                apps::external_id,
                apps::name,
                apps::publisher_name,
                apps::publisher_domain,
                apps::max_tier,
            ))
            .load(c))?;
        Ok(rows)
    }

    /// Every current certificate or key credential, and every secret with a keyed digest.
    pub fn estate_credential_rows(&self) -> Result<Vec<EstateCredentialRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => credentials::table
            .inner_join(apps::table.inner_join(tenants::table))
            .filter(credentials::removed_at.is_null())
            .filter(apps::removed_at.is_null())
            .filter(
                credentials::kind
                    .eq_any(["certificate", "private_key_jwt"])
                    .or(credentials::secret_digest.is_not_null()),
            )
            .select((
                apps::tenant_id,
                tenants::name,
                apps::provider,
                apps::external_id,
                apps::name,
                credentials::kind,
                credentials::fingerprint,
                credentials::secret_digest,
            ))
            .load(c))?;
        Ok(rows)
    }

    /// When the tenant was last judged.
    pub fn last_evaluated_at(&self, tenant_id: i64) -> Result<Option<NaiveDateTime>, StoreError> {
        let mut conn = self.conn()?;
        let t = with_conn!(&mut conn, c => tenants::table
            .find(tenant_id)
            .select(tenants::last_evaluated_at)
            .first(c))?;
        Ok(t)
    }

    /// The tenant's findings that are not resolved, plus resolved ones (so they can reopen).
    pub fn finding_states(&self, tenant_id: i64) -> Result<Vec<FindingState>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => findings::table
            .filter(findings::tenant_id.eq(tenant_id))
            .select((
                findings::id,
                findings::subject,
                findings::rule_id,
                findings::severity,
                findings::evidence,
                findings::status,
                findings::suppression_id,
                findings::updated_at,
            ))
            .order(findings::id.asc())
            .load(c))?;
        Ok(rows)
    }

    /// Store one page of an evaluation in one transaction: new, changed, reopened and resolved
    /// findings of its apps, and their changed scores.
    pub fn apply_evaluation_page(
        &self,
        page: &PageEvaluation<'_>,
    ) -> Result<EvaluationStats, StoreError> {
        self.write_transaction(|w| w.write_page(page))
    }

    /// Finish a tenant's evaluation in one transaction (see [`TenantEvaluationEnd`]).
    pub fn finish_evaluation(
        &self,
        end: &TenantEvaluationEnd,
    ) -> Result<EvaluationStats, StoreError> {
        self.write_transaction(|w| w.write_end(end))
    }

    /// Run `f` in one write transaction (on SQLite, in turn with the other writers).
    fn write_transaction<T>(
        &self,
        f: impl Fn(&mut dyn WriteEval) -> QueryResult<T>,
    ) -> Result<T, StoreError> {
        Ok(with_write_transaction!(self, c => f(c))?)
    }

    /// Suppressions not deleted and not expired at `now`.
    pub fn active_suppressions(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<SuppressionRow>, StoreError> {
        let now = to_db(now);
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => suppressions::table
            .filter(suppressions::deleted_at.is_null())
            .filter(suppressions::expires_at.is_null().or(suppressions::expires_at.gt(now)))
            .order(suppressions::id.asc())
            .select(SuppressionRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    /// Make the stored config suppressions equal `wanted`: keep identical ones (so finding
    /// rows keep their suppression ids), soft-delete the rest, add new ones.
    pub fn sync_config_suppressions(
        &self,
        wanted: &[NewSuppression],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = to_db(now);
        // Read, then write: a write transaction from the start (see `with_write_transaction!`).
        with_write_transaction!(self, c => {
            let current: Vec<SuppressionRow> = suppressions::table
                .filter(suppressions::source.eq("config"))
                .filter(suppressions::deleted_at.is_null())
                .select(SuppressionRow::as_select())
                .load(c)?;
            let same = |row: &SuppressionRow, w: &NewSuppression| {
                row.rule_id == w.rule_id
                    && row.tenant == w.tenant
                    && row.app == w.app
                    && row.publisher == w.publisher
                    && row.reason == w.reason
                    && row.owner == w.owner
                    && row.expires_at == w.expires_at
            };
            for row in &current {
                if !wanted.iter().any(|w| same(row, w)) {
                    diesel::update(suppressions::table.find(row.id))
                        .set(suppressions::deleted_at.eq(Some(now)))
                        .execute(c)?;
                }
            }
            for w in wanted {
                if !current.iter().any(|row| same(row, w)) {
                    diesel::insert_into(suppressions::table).values(w).execute(c)?;
                }
            }
            diesel::QueryResult::Ok(())
        })?;
        Ok(())
    }
}

fn grant_from_row(r: GrantDbRow) -> (i64, Grant) {
    let (
        app_id,
        external_id,
        ptype,
        pid,
        email,
        name,
        active,
        resource,
        scopes,
        consent,
        kind,
        created,
        expires,
        used,
    ) = r;
    let principal = match (ptype.as_str(), pid) {
        ("user", Some(id)) => Principal::User {
            id,
            email,
            display_name: name,
            active,
        },
        ("other", Some(id)) => Principal::Other {
            id,
            display_name: name,
        },
        _ => Principal::Tenant,
    };
    let grant = Grant {
        external_id,
        app_external_id: String::new(),
        principal,
        resource,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        consent_type: match consent.as_str() {
            "user" => ConsentType::User,
            "admin" => ConsentType::Admin,
            _ => ConsentType::Unknown,
        },
        kind: if kind == "application" {
            GrantKind::Application
        } else {
            GrantKind::Delegated
        },
        created_at: created.map(from_db),
        expires_at: expires.map(from_db),
        last_used_at: used.map(from_db),
    };
    (app_id, grant)
}

/// The evaluation writes, for both backends (diesel compiles each query per backend).
pub(crate) trait WriteEval {
    fn write_page(&mut self, page: &PageEvaluation<'_>) -> QueryResult<EvaluationStats>;
    fn write_end(&mut self, end: &TenantEvaluationEnd) -> QueryResult<EvaluationStats>;
}

/// Rows per multi-row INSERT (13 columns: far below both backends' bind limits).
const INSERT_CHUNK: usize = 500;

macro_rules! write_eval_impl {
    ($conn:ty) => {
        impl WriteEval for $conn {
            fn write_page(&mut self, page: &PageEvaluation<'_>) -> QueryResult<EvaluationStats> {
                let ids: Vec<Option<i64>> = page.app_ids.iter().map(|&i| Some(i)).collect();
                let mut existing = Vec::new();
                for chunk in ids.chunks(500) {
                    let rows: Vec<FindingState> = findings::table
                        .filter(findings::app_id.eq_any(chunk))
                        .select(STATE_COLUMNS)
                        .load(self)?;
                    existing.extend(rows);
                }
                let mut stats = diff(
                    self,
                    page.tenant_id,
                    page.now,
                    page.previous,
                    existing,
                    page.findings,
                )?;
                for a in page.apps.iter().filter(|a| a.changed) {
                    diesel::update(apps::table.find(a.app_id))
                        .set((
                            apps::risk_score.eq(Some(a.risk_score)),
                            apps::risk_band.eq(Some(a.risk_band)),
                            apps::risk_model.eq(Some(a.risk_model)),
                            apps::risk_explanation.eq(Some(&a.risk_explanation)),
                            apps::max_tier.eq(a.max_tier),
                        ))
                        .execute(self)?;
                    stats.scores_written += 1;
                }
                Ok(stats)
            }

            fn write_end(&mut self, end: &TenantEvaluationEnd) -> QueryResult<EvaluationStats> {
                let now = to_db(end.now);
                let existing: Vec<FindingState> = findings::table
                    .filter(findings::tenant_id.eq(end.tenant_id))
                    .filter(findings::subject.eq("tenant"))
                    .select(STATE_COLUMNS)
                    .load(self)?;
                let mut stats = diff(
                    self,
                    end.tenant_id,
                    end.now,
                    end.previous,
                    existing,
                    &end.findings,
                )?;
                // Findings of apps that are gone from the tenant resolve with them.
                let removed = apps::table
                    .filter(apps::tenant_id.eq(end.tenant_id))
                    .filter(apps::removed_at.is_not_null())
                    .select(apps::id.nullable());
                stats.resolved += diesel::update(
                    findings::table
                        .filter(findings::tenant_id.eq(end.tenant_id))
                        .filter(findings::status.ne(status::RESOLVED))
                        .filter(findings::app_id.eq_any(removed)),
                )
                .set((
                    findings::status.eq(status::RESOLVED),
                    findings::resolved_at.eq(Some(now)),
                    findings::last_seen.eq(end.previous.unwrap_or(now)),
                    findings::updated_at.eq(now),
                ))
                .execute(self)? as u64;
                let s = &end.snapshot;
                diesel::insert_into(risk_snapshots::table)
                    .values(SnapshotInsert {
                        scan_id: end.scan_id,
                        tenant_id: end.tenant_id,
                        model: &s.model,
                        apps: s.apps,
                        band_low: s.bands[0],
                        band_medium: s.bands[1],
                        band_high: s.bands[2],
                        band_critical: s.bands[3],
                        mean_score: s.mean_score,
                        open_findings: s.open_findings,
                        created_at: now,
                    })
                    .on_conflict((risk_snapshots::scan_id, risk_snapshots::tenant_id))
                    .do_nothing()
                    .execute(self)?;
                diesel::update(tenants::table.find(end.tenant_id))
                    .set(tenants::last_evaluated_at.eq(Some(now)))
                    .execute(self)?;
                Ok(stats)
            }
        }

        impl Diff for $conn {
            fn insert_findings(&mut self, rows: &[FindingInsert<'_>]) -> QueryResult<usize> {
                let mut n = 0;
                for chunk in rows.chunks(INSERT_CHUNK) {
                    n += diesel::insert_into(findings::table)
                        .values(chunk)
                        .execute(self)?;
                }
                Ok(n)
            }

            fn update_finding(
                &mut self,
                id: i64,
                f: &NewFinding,
                now: NaiveDateTime,
            ) -> QueryResult<()> {
                diesel::update(findings::table.find(id))
                    .set((
                        findings::severity.eq(&f.severity),
                        findings::severity_rank.eq(f.severity_rank),
                        findings::title.eq(&f.title),
                        findings::evidence.eq(&f.evidence),
                        findings::status.eq(f.status()),
                        findings::suppression_id.eq(f.suppression_id),
                        findings::resolved_at.eq(None::<NaiveDateTime>),
                        findings::last_seen.eq(now),
                        findings::updated_at.eq(now),
                    ))
                    .execute(self)
                    .map(drop)
            }

            fn resolve(
                &mut self,
                ids: &[i64],
                now: NaiveDateTime,
                last_seen: NaiveDateTime,
            ) -> QueryResult<usize> {
                let mut n = 0;
                for chunk in ids.chunks(500) {
                    n += diesel::update(findings::table.filter(findings::id.eq_any(chunk)))
                        .set((
                            findings::status.eq(status::RESOLVED),
                            findings::resolved_at.eq(Some(now)),
                            findings::last_seen.eq(last_seen),
                            findings::updated_at.eq(now),
                        ))
                        .execute(self)?;
                }
                Ok(n)
            }
        }
    };
}

/// The columns of [`FindingState`].
const STATE_COLUMNS: (
    findings::id,
    findings::subject,
    findings::rule_id,
    findings::severity,
    findings::evidence,
    findings::status,
    findings::suppression_id,
    findings::updated_at,
) = (
    findings::id,
    findings::subject,
    findings::rule_id,
    findings::severity,
    findings::evidence,
    findings::status,
    findings::suppression_id,
    findings::updated_at,
);

/// The row writes a diff needs.
pub(crate) trait Diff {
    fn insert_findings(&mut self, rows: &[FindingInsert<'_>]) -> QueryResult<usize>;
    fn update_finding(&mut self, id: i64, f: &NewFinding, now: NaiveDateTime) -> QueryResult<()>;
    fn resolve(
        &mut self,
        ids: &[i64],
        now: NaiveDateTime,
        last_seen: NaiveDateTime,
    ) -> QueryResult<usize>;
}

/// Bring the stored findings `existing` in line with `new`: insert the new ones, update the
/// changed and reopened ones, resolve those no longer present.
fn diff<C: Diff>(
    c: &mut C,
    tenant_id: i64,
    now: DateTime<Utc>,
    previous: Option<NaiveDateTime>,
    existing: Vec<FindingState>,
    new: &[NewFinding],
) -> QueryResult<EvaluationStats> {
    let now = to_db(now);
    let mut stats = EvaluationStats::default();
    let mut by_key: HashMap<(&str, &str), &FindingState> = existing
        .iter()
        .map(|f| ((f.subject.as_str(), f.rule_id.as_str()), f))
        .collect();
    let subjects: Vec<String> = new.iter().map(NewFinding::subject).collect();
    let mut inserts = Vec::new();
    for (f, subject) in new.iter().zip(&subjects) {
        match by_key.remove(&(subject.as_str(), f.rule_id.as_str())) {
            None => inserts.push(FindingInsert {
                tenant_id,
                app_id: f.app_id,
                subject: subject.clone(),
                rule_id: &f.rule_id,
                severity: &f.severity,
                severity_rank: f.severity_rank,
                title: &f.title,
                evidence: &f.evidence,
                status: f.status(),
                suppression_id: f.suppression_id,
                first_seen: now,
                last_seen: now,
                updated_at: now,
            }),
            Some(old) => {
                let reopening = old.status == status::RESOLVED;
                if reopening
                    || old.status != f.status()
                    || old.severity != f.severity
                    || old.evidence != f.evidence
                    || old.suppression_id != f.suppression_id
                {
                    c.update_finding(old.id, f, now)?;
                    if reopening {
                        stats.reopened += 1;
                    } else {
                        stats.updated += 1;
                    }
                }
            }
        }
    }
    stats.opened += c.insert_findings(&inserts)? as u64;
    let gone: Vec<i64> = by_key
        .values()
        .filter(|f| f.status != status::RESOLVED)
        .map(|f| f.id)
        .collect();
    stats.resolved += c.resolve(&gone, now, previous.unwrap_or(now))? as u64;
    Ok(stats)
}

write_eval_impl!(diesel::sqlite::SqliteConnection);
write_eval_impl!(diesel::pg::PgConnection);
