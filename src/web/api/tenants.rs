//! `GET /api/v1/tenants`: configured tenants and their collection health.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Page, with_store};
use crate::store::from_db;
use crate::store::tenants::TenantRow;
use crate::web::AppState;
use crate::web::auth::Reader;
use crate::web::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantsQuery {
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A tenant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantDoc {
    pub id: i64,
    pub name: String,
    pub provider: String,
    /// api or file.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub last_scan_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last collection failed: the inventory is from an earlier scan.
    pub stale: bool,
    pub last_error: Option<String>,
}

impl From<TenantRow> for TenantDoc {
    fn from(t: TenantRow) -> Self {
        TenantDoc {
            id: t.id,
            name: t.name,
            provider: t.provider,
            source: t.source,
            created_at: from_db(t.created_at),
            last_scan_at: t.last_scan_at.map(from_db),
            last_success_at: t.last_success_at.map(from_db),
            stale: t.stale,
            last_error: t.last_error,
        }
    }
}

/// List tenants in id order.
#[utoipa::path(
    get, path = "/api/v1/tenants", tag = "tenants", params(TenantsQuery),
    responses(
        (status = 200, description = "A page of tenants", body = Page<TenantDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_tenants(
    _key: Reader,
    state: web::Data<AppState>,
    q: web::Query<TenantsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let after = super::after_id(q.cursor.as_deref())?;
    let rows = with_store(&state, move |s| s.list_tenants_page(after, limit)).await?;
    let next_cursor = super::next_after(&rows, limit, |t| t.id);
    let data: Vec<TenantDoc> = rows.into_iter().map(TenantDoc::from).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}
