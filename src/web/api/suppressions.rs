//! `GET /api/v1/suppressions` (readers), `POST /api/v1/suppressions` and
//! `DELETE /api/v1/suppressions/{id}` (admins, audited). A suppression names a rule (or `*`)
//! and optionally narrows it to a tenant, an app (external id, client id or name) and a
//! publisher; matching findings are kept but marked suppressed from the next evaluation on.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Page, with_store};
use crate::store::findings::{NewSuppression, SuppressionRow};
use crate::store::queries::suppressions::{API_SOURCE, Deleted};
use crate::store::{from_db, to_db};
use crate::web::AppState;
use crate::web::auth::{Admin, Reader};
use crate::web::error::ApiError;

/// Longest text accepted in any suppression field.
const MAX_TEXT: usize = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuppressionsQuery {
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A suppression to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuppressionDoc {
    /// A rule id such as TOKEN-001, or `*` for every rule.
    pub rule_id: String,
    /// Only in this tenant.
    pub tenant: Option<String>,
    /// Only for this app: its external id, client id or name.
    pub app: Option<String>,
    /// Only for apps of this publisher (name or domain, case-insensitive).
    pub publisher: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// When the suppression lapses (RFC 3339, in the future); none: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A suppression.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuppressionDoc {
    pub id: i64,
    pub rule_id: String,
    pub tenant: Option<String>,
    pub app: Option<String>,
    pub publisher: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// config (from the configuration file) or api.
    pub source: String,
    pub created_at: DateTime<Utc>,
}

impl From<SuppressionRow> for SuppressionDoc {
    fn from(s: SuppressionRow) -> Self {
        SuppressionDoc {
            id: s.id,
            rule_id: s.rule_id,
            tenant: s.tenant,
            app: s.app,
            publisher: s.publisher,
            reason: s.reason,
            owner: s.owner,
            expires_at: s.expires_at.map(from_db),
            source: s.source,
            created_at: from_db(s.created_at),
        }
    }
}

/// Check a new suppression and turn it into a row.
fn validate(d: NewSuppressionDoc, now: DateTime<Utc>) -> Result<NewSuppression, ApiError> {
    if d.rule_id != "*" && crate::rules::rule(&d.rule_id).is_none() {
        return Err(ApiError::bad_request(
            "rule_id must be a catalog rule id or *",
        ));
    }
    for (name, value) in [("reason", &d.reason), ("owner", &d.owner)] {
        if value.trim().is_empty() {
            return Err(ApiError::bad_request(format!("{name} must not be empty")));
        }
    }
    let texts = [
        Some(&d.reason),
        Some(&d.owner),
        d.tenant.as_ref(),
        d.app.as_ref(),
        d.publisher.as_ref(),
    ];
    if texts.iter().flatten().any(|t| t.len() > MAX_TEXT) {
        return Err(ApiError::bad_request(format!(
            "suppression fields are at most {MAX_TEXT} bytes"
        )));
    }
    if d.expires_at.is_some_and(|t| t <= now) {
        return Err(ApiError::bad_request("expires_at must be in the future"));
    }
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    Ok(NewSuppression {
        rule_id: d.rule_id,
        tenant: nonempty(d.tenant),
        app: nonempty(d.app),
        publisher: nonempty(d.publisher),
        reason: d.reason,
        owner: d.owner,
        expires_at: d.expires_at.map(to_db),
        source: API_SOURCE.into(),
        created_at: to_db(now),
    })
}

/// List suppressions in force or pending expiry (not deleted).
#[utoipa::path(
    get, path = "/api/v1/suppressions", tag = "suppressions", params(SuppressionsQuery),
    responses(
        (status = 200, description = "A page of suppressions", body = Page<SuppressionDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_suppressions(
    _key: Reader,
    state: web::Data<AppState>,
    q: web::Query<SuppressionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let after = super::after_id(q.cursor.as_deref())?;
    let rows = with_store(&state, move |s| s.list_suppressions(after, limit)).await?;
    let next_cursor = super::next_after(&rows, limit, |r| r.id);
    let data: Vec<SuppressionDoc> = rows.into_iter().map(SuppressionDoc::from).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}

/// Create a suppression (admin).
#[utoipa::path(
    post, path = "/api/v1/suppressions", tag = "suppressions",
    request_body = NewSuppressionDoc,
    responses(
        (status = 201, description = "Created", body = SuppressionDoc),
        (status = 400, description = "An invalid suppression", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 403, description = "Not an admin key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_suppression(
    key: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewSuppressionDoc>,
) -> Result<HttpResponse, ApiError> {
    let new = validate(body.into_inner(), state.clock.now())?;
    let row = with_store(&state, move |s| s.create_suppression(&new)).await?;
    let details = serde_json::json!({
        "rule_id": row.rule_id, "tenant": row.tenant, "app": row.app,
        "publisher": row.publisher, "owner": row.owner, "reason": row.reason,
    });
    key.audit(
        &state,
        "suppression.create",
        format!("suppression:{}", row.id),
        details,
    )
    .await?;
    Ok(HttpResponse::Created().json(SuppressionDoc::from(row)))
}

/// Delete a suppression created through the API (admin).
#[utoipa::path(
    delete, path = "/api/v1/suppressions/{id}", tag = "suppressions",
    params(("id" = i64, Path, description = "Suppression id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid API key", body = ErrorBody),
        (status = 403, description = "Not an admin key", body = ErrorBody),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 404, description = "No such suppression", body = ErrorBody),
        (status = 409, description = "Owned by the configuration file", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_suppression(
    key: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    match with_store(&state, move |s| s.delete_suppression(id, now)).await? {
        Deleted::Deleted => {
            key.audit(
                &state,
                "suppression.delete",
                format!("suppression:{id}"),
                serde_json::json!({}),
            )
            .await?;
            Ok(HttpResponse::NoContent().finish())
        }
        Deleted::NotFound => Err(ApiError::not_found("suppression")),
        Deleted::FromConfig => Err(ApiError::new(
            StatusCode::CONFLICT,
            "config_suppression",
            "this suppression comes from the configuration file; remove it there",
        )),
    }
}
