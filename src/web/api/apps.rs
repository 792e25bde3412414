//! `GET /api/v1/apps` (filtered, keyset-paginated) and `GET /api/v1/apps/{id}` (the app with
//! its credentials, grants, findings, and its risk score with the explanation).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Page, with_store};
use crate::export::finding::FindingDoc;
use crate::store::from_db;
use crate::store::queries::After;
use crate::store::queries::apps::{AppFilter, AppSummary, CredentialView, GrantView};
use crate::store::queries::findings::FindingFilter;
use crate::web::AppState;
use crate::web::auth::Reader;
use crate::web::error::ApiError;

/// Grants shown with an app at most (`grants_total` counts all).
pub const MAX_APP_GRANTS: i64 = 1000;
/// Findings shown with an app at most.
pub const MAX_APP_FINDINGS: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppsQuery {
    /// Tenant name.
    pub tenant: Option<String>,
    pub provider: Option<String>,
    /// Risk score at least this (0-100).
    #[param(minimum = 0, maximum = 100)]
    pub min_risk: Option<i16>,
    /// Publisher name or domain (case-insensitive).
    pub publisher: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// An app as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppDoc {
    pub id: i64,
    pub tenant: String,
    pub provider: String,
    pub external_id: String,
    pub client_id: Option<String>,
    pub name: String,
    pub publisher: Publisher,
    /// first_party or third_party (or unknown).
    pub ownership: String,
    pub client_type: String,
    pub app_kind: String,
    pub enabled: Option<bool>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub risk_score: Option<i16>,
    pub risk_band: Option<String>,
    pub risk_model: Option<String>,
    /// Highest privilege tier of its permissions (T0 … T3).
    pub max_tier: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Publisher {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub verified: Option<bool>,
}

impl From<AppSummary> for AppDoc {
    fn from(a: AppSummary) -> AppDoc {
        AppDoc {
            id: a.id,
            tenant: a.tenant,
            provider: a.provider,
            external_id: a.external_id,
            client_id: a.client_id,
            name: a.name,
            publisher: Publisher {
                name: a.publisher_name,
                domain: a.publisher_domain,
                verified: a.publisher_verified,
            },
            ownership: a.ownership,
            client_type: a.client_type,
            app_kind: a.app_kind,
            enabled: a.enabled,
            first_seen: from_db(a.first_seen),
            last_seen: a.last_seen.map(from_db),
            removed_at: a.removed_at.map(from_db),
            last_used_at: a.last_used_at.map(from_db),
            risk_score: a.risk_score,
            risk_band: a.risk_band,
            risk_model: a.risk_model,
            max_tier: a.max_tier,
        }
    }
}

/// A credential (never a secret value).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialDoc {
    pub id: i64,
    /// secret, certificate, private_key_jwt or api_token.
    pub kind: String,
    pub key_id: Option<String>,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    /// SHA-256 over the public identity.
    pub fingerprint: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub never_expires: bool,
    pub first_seen: DateTime<Utc>,
}

impl From<CredentialView> for CredentialDoc {
    fn from(c: CredentialView) -> Self {
        CredentialDoc {
            id: c.id,
            kind: c.kind,
            key_id: c.key_id,
            hint: c.hint,
            display_name: c.display_name,
            fingerprint: c.fingerprint,
            created_at: c.created_at.map(from_db),
            expires_at: c.expires_at.map(from_db),
            never_expires: c.never_expires,
            first_seen: from_db(c.first_seen),
        }
    }
}

/// A current grant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantDoc {
    pub id: i64,
    /// user, tenant (admin consent for everyone) or other.
    pub principal_type: String,
    pub principal_id: Option<String>,
    pub principal_email: Option<String>,
    pub principal_name: Option<String>,
    pub resource: Option<String>,
    pub scopes: Vec<String>,
    /// user, admin or unknown.
    pub consent_type: String,
    /// delegated or application.
    pub kind: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub first_seen: DateTime<Utc>,
}

impl From<GrantView> for GrantDoc {
    fn from(g: GrantView) -> Self {
        GrantDoc {
            id: g.id,
            principal_type: g.principal_type,
            principal_id: g.principal_id,
            principal_email: g.principal_email,
            principal_name: g.principal_name,
            resource: g.resource,
            scopes: g
                .scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            consent_type: g.consent_type,
            kind: g.kind,
            created_at: g.created_at.map(from_db),
            expires_at: g.expires_at.map(from_db),
            last_used_at: g.last_used_at.map(from_db),
            first_seen: from_db(g.first_seen),
        }
    }
}

/// One app in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppDetailDoc {
    #[serde(flatten)]
    pub app: AppDoc,
    /// How the risk score was reached (the scoring model's explanation).
    #[schema(value_type = Object)]
    pub risk_explanation: serde_json::Value,
    pub credentials: Vec<CredentialDoc>,
    /// At most 1000 current grants, oldest first.
    pub grants: Vec<GrantDoc>,
    pub grants_total: i64,
    /// At most 1000 of its findings (every status).
    pub findings: Vec<FindingDoc>,
}

/// List apps.
#[utoipa::path(
    get, path = "/api/v1/apps", tag = "apps", params(AppsQuery),
    responses(
        (status = 200, description = "A page of apps", body = Page<AppDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_apps(
    _key: Reader,
    state: web::Data<AppState>,
    q: web::Query<AppsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let after = super::after_id(q.cursor.as_deref())?;
    let filter = AppFilter {
        tenant: q.tenant.clone(),
        provider: q.provider.clone(),
        min_risk: q.min_risk,
        publisher: q.publisher.clone(),
        include_removed: false,
    };
    let rows = with_store(&state, move |s| s.list_apps(&filter, after, limit)).await?;
    let next_cursor = super::next_after(&rows, limit, |a| a.id);
    let data: Vec<AppDoc> = rows.into_iter().map(AppDoc::from).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}

/// One app with its credentials, grants, findings and risk.
#[utoipa::path(
    get, path = "/api/v1/apps/{id}", tag = "apps",
    params(("id" = i64, Path, description = "App id")),
    responses(
        (status = 200, description = "The app", body = AppDetailDoc),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_app(
    _key: Reader,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = with_store(&state, move |s| {
        let Some(detail) = s.app_detail(id, MAX_APP_GRANTS)? else {
            return Ok(None);
        };
        let filter = FindingFilter {
            app_id: Some(id),
            ..FindingFilter::default()
        };
        let findings = s.list_findings(&filter, After::Start, MAX_APP_FINDINGS)?;
        Ok(Some((detail, findings)))
    })
    .await?;
    let Some((d, findings)) = found else {
        return Err(ApiError::not_found("app"));
    };
    Ok(HttpResponse::Ok().json(AppDetailDoc {
        app: d.summary.into(),
        risk_explanation: d
            .risk_explanation
            .as_deref()
            .map(super::json_object)
            .unwrap_or(serde_json::Value::Null),
        credentials: d.credentials.into_iter().map(Into::into).collect(),
        grants: d.grants.into_iter().map(Into::into).collect(),
        grants_total: d.grants_total,
        findings: findings.iter().map(FindingDoc::from_view).collect(),
    }))
}
