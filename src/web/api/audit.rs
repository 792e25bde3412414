//! `GET /api/v1/audit-log` (admin): the admin actions taken through the API, newest first.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Page, with_store};
use crate::store::from_db;
use crate::web::AppState;
use crate::web::auth::Admin;
use crate::web::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One admin action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditDoc {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The API key that acted.
    pub key_id: i64,
    pub key_name: String,
    /// Such as scan.start, suppression.create, suppression.delete.
    pub action: String,
    /// Such as suppression:12.
    pub target: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// The audit log.
#[utoipa::path(
    get, path = "/api/v1/audit-log", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = Page<AuditDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 403, description = "Not an admin key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_audit(
    _key: Admin,
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let before = super::before_id(q.cursor.as_deref())?;
    let rows = with_store(&state, move |s| s.list_audit(before, limit)).await?;
    let next_cursor = super::next_before(&rows, limit, |r| r.id);
    let data: Vec<AuditDoc> = rows
        .into_iter()
        .map(|r| AuditDoc {
            id: r.id,
            at: from_db(r.at),
            key_id: r.key_id,
            key_name: r.key_name,
            action: r.action,
            target: r.target,
            details: super::json_object(&r.details),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}
