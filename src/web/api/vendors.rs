//! `GET /api/v1/vendors/{publisher}`: one vendor's blast radius across tenants and
//! providers (apps, grants, scopes, users, first seen, token policy).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

use super::apps::AppDoc;
use super::openapi::ErrorBody;
use super::with_store;
use crate::store::from_db;
use crate::web::AppState;
use crate::web::auth::Reader;
use crate::web::error::ApiError;

/// Longest publisher accepted in the path.
pub(crate) const MAX_PUBLISHER: usize = 256;

/// An app of the vendor with its token policy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VendorAppDoc {
    #[serde(flatten)]
    pub app: AppDoc,
    /// Token lifetimes, rotation and reuse detection, each with its source.
    #[schema(value_type = Object)]
    pub token_policy: serde_json::Value,
}

/// One vendor across the estate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VendorDoc {
    pub publisher: String,
    pub tenants: Vec<String>,
    pub providers: Vec<String>,
    pub first_seen: Option<DateTime<Utc>>,
    /// At most 1000 apps; `apps_truncated` says when there are more.
    pub apps: Vec<VendorAppDoc>,
    pub apps_truncated: bool,
    /// Current grants of the listed apps.
    pub grants: i64,
    /// Tenant-wide (admin-consented) grants among them.
    pub tenant_wide_grants: i64,
    /// Each granted scope and how many grants hold it.
    pub scopes: BTreeMap<String, i64>,
    /// Users with a grant (email or id), at most 1000.
    pub users: Vec<String>,
    pub users_total: i64,
}

/// A vendor's blast radius.
#[utoipa::path(
    get, path = "/api/v1/vendors/{publisher}", tag = "vendors",
    params(("publisher" = String, Path, description = "Publisher name or domain (case-insensitive)")),
    responses(
        (status = 200, description = "The vendor's apps and reach", body = VendorDoc),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 404, description = "No current app of this publisher", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_vendor(
    _key: Reader,
    state: web::Data<AppState>,
    publisher: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let publisher = publisher.into_inner();
    if publisher.is_empty() || publisher.len() > MAX_PUBLISHER {
        return Err(ApiError::not_found("vendor"));
    }
    let p = publisher.clone();
    let Some(v) = with_store(&state, move |s| s.vendor_exposure(&p)).await? else {
        return Err(ApiError::not_found("vendor"));
    };
    let mut policies = v.token_policies;
    let apps = v
        .apps
        .into_iter()
        .map(|a| {
            let token_policy = policies
                .remove(&a.id)
                .and_then(|p| serde_json::to_value(p).ok())
                .unwrap_or(serde_json::Value::Null);
            VendorAppDoc {
                app: a.into(),
                token_policy,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(VendorDoc {
        publisher,
        tenants: v.tenants.into_iter().collect(),
        providers: v.providers.into_iter().collect(),
        first_seen: v.first_seen.map(from_db),
        apps,
        apps_truncated: v.apps_truncated,
        grants: v.grants,
        tenant_wide_grants: v.tenant_wide_grants,
        scopes: v.scopes,
        users: v.users.into_iter().collect(),
        users_total: v.users_total,
    }))
}
