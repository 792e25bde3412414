//! `GET /api/v1/scans`, `GET /api/v1/scans/{id}` and `POST /api/v1/scans` (admin: start a
//! scan of every configured tenant in the background; 202 with its id, 409 while one runs).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Page, with_store};
use crate::collector::{self, Trigger};
use crate::store::from_db;
use crate::store::scans::{ScanRow, TenantRunRow};
use crate::web::AppState;
use crate::web::auth::{Admin, Reader};
use crate::web::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScansQuery {
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A scan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanDoc {
    pub id: i64,
    /// cli, api, schedule or startup.
    pub trigger: String,
    /// running, succeeded, partial, failed or interrupted.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub tenants_total: i32,
    pub tenants_failed: i32,
    pub error: Option<String>,
}

impl From<ScanRow> for ScanDoc {
    fn from(s: ScanRow) -> Self {
        ScanDoc {
            id: s.id,
            trigger: s.trigger,
            status: s.status,
            started_at: from_db(s.started_at),
            finished_at: s.finished_at.map(from_db),
            tenants_total: s.tenants_total,
            tenants_failed: s.tenants_failed,
            error: s.error,
        }
    }
}

/// One tenant's part of a scan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantRunDoc {
    pub tenant_id: i64,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub apps_seen: i64,
    pub grants_seen: i64,
    pub requests: i64,
    pub rows_written: i64,
    pub events: i64,
    pub duration_ms: i64,
    pub error: Option<String>,
}

impl From<TenantRunRow> for TenantRunDoc {
    fn from(r: TenantRunRow) -> Self {
        TenantRunDoc {
            tenant_id: r.tenant_id,
            status: r.status,
            started_at: from_db(r.started_at),
            finished_at: r.finished_at.map(from_db),
            apps_seen: r.apps_seen,
            grants_seen: r.grants_seen,
            requests: r.requests,
            rows_written: r.rows_written,
            events: r.events,
            duration_ms: r.duration_ms,
            error: r.error,
        }
    }
}

/// A scan with its tenant runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanDetailDoc {
    #[serde(flatten)]
    pub scan: ScanDoc,
    pub tenants: Vec<TenantRunDoc>,
}

/// The answer to starting a scan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanStarted {
    pub id: i64,
    pub status: String,
}

/// List scans, newest first.
#[utoipa::path(
    get, path = "/api/v1/scans", tag = "scans", params(ScansQuery),
    responses(
        (status = 200, description = "A page of scans", body = Page<ScanDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_scans(
    _key: Reader,
    state: web::Data<AppState>,
    q: web::Query<ScansQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let before = super::before_id(q.cursor.as_deref())?;
    let rows = with_store(&state, move |s| s.list_scans(before, limit)).await?;
    let next_cursor = super::next_before(&rows, limit, |r| r.id);
    let data: Vec<ScanDoc> = rows.into_iter().map(ScanDoc::from).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}

/// One scan with its tenant runs.
#[utoipa::path(
    get, path = "/api/v1/scans/{id}", tag = "scans",
    params(("id" = i64, Path, description = "Scan id")),
    responses(
        (status = 200, description = "The scan", body = ScanDetailDoc),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 404, description = "No such scan", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_scan(
    _key: Reader,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = with_store(&state, move |s| {
        Ok(match s.scan(id)? {
            Some(scan) => Some((scan, s.tenant_runs(id)?)),
            None => None,
        })
    })
    .await?;
    let Some((scan, runs)) = found else {
        return Err(ApiError::not_found("scan"));
    };
    Ok(HttpResponse::Ok().json(ScanDetailDoc {
        scan: scan.into(),
        tenants: runs.into_iter().map(Into::into).collect(),
    }))
}

/// Start a scan of every configured tenant (admin).
#[utoipa::path(
    post, path = "/api/v1/scans", tag = "scans",
    responses(
        (status = 202, description = "The scan started", body = ScanStarted),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 403, description = "Not an admin key", body = ErrorBody),
        (status = 409, description = "A scan is already running", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_scan(key: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let scan_id = start_scan(&state).await?;
    key.audit(
        &state,
        "scan.start",
        format!("scan:{scan_id}"),
        serde_json::json!({"tenants": state.config.tenants.len()}),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(ScanStarted {
        id: scan_id,
        status: "running".into(),
    }))
}

/// Start a scan of every configured tenant in the background (the API and the dashboard's
/// "Run scan now"): its id, or a 409 `scan_running` error while one runs.
pub async fn start_scan(state: &AppState) -> Result<i64, ApiError> {
    let busy = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "scan_running",
            "a scan is already running",
        )
    };
    // The gate the scheduler and the start-up scan pass too: one scan at a time per process.
    // Held until the scan ends; every early return drops it.
    let Some(pass) = state.scan_gate.try_enter() else {
        return Err(busy());
    };
    // The process's replica (serve); an app built without one registers its own.
    let worker = collector::Worker::new(
        &state.store,
        &state.config,
        state.clock.clone(),
        state.scan_gate.replica(),
    )
    .await
    .map_err(ApiError::internal)?;
    // Another process's scan (a CLI `scan`, another replica) shows in the database.
    let tenants = state.config.tenants.clone();
    let scan_id = match collector::record_scan(&worker, Trigger::Api, &tenants).await {
        Ok(id) => id,
        Err(collector::ScanError::Busy(id)) => {
            let mut e = busy();
            e.message = format!("scan {id} is already running");
            return Err(e);
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    actix_web::rt::spawn(async move {
        if let Err(e) = worker.work_scan(scan_id).await {
            tracing::error!(scan_id, error = %e, "API-started scan failed");
        }
        drop(pass);
    });
    Ok(scan_id)
}
