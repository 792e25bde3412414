//! `GET /api/v1/events?since=&cursor=`: the inventory change feed for SIEM polling, in
//! commit order (see `store::queries` on change sequences). `next_cursor` is always present:
//! it is where the next poll starts, and an empty page means the client is up to date.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::{Cursor, Page, with_store};
use crate::store::from_db;
use crate::store::queries::After;
use crate::store::queries::events::EventView;
use crate::web::AppState;
use crate::web::auth::Reader;
use crate::web::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Start the feed at events that occurred at or after this RFC 3339 time (ignored with
    /// a cursor).
    pub since: Option<String>,
    /// Tenant name.
    pub tenant: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous poll.
    pub cursor: Option<String>,
}

/// A change in a tenant's inventory.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventDoc {
    pub id: i64,
    pub tenant: String,
    pub provider: String,
    pub scan_id: i64,
    pub app_id: Option<i64>,
    /// Such as app_added, app_changed, grant_removed.
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<&EventView> for EventDoc {
    fn from(e: &EventView) -> Self {
        EventDoc {
            id: e.id,
            tenant: e.tenant.clone(),
            provider: e.provider.clone(),
            scan_id: e.scan_id,
            app_id: e.app_id,
            kind: e.kind.clone(),
            occurred_at: from_db(e.occurred_at),
            details: super::json_object(&e.details),
        }
    }
}

/// The change feed.
#[utoipa::path(
    get, path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses(
        (status = 200, description = "A page of events; next_cursor is where to poll next", body = Page<EventDoc>),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No valid API key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_events(
    _key: Reader,
    state: web::Data<AppState>,
    q: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = super::limit(q.limit)?;
    let after = match q.cursor.as_deref().map(Cursor::decode).transpose()? {
        None => After::Start,
        Some(Cursor::Change(seq, id)) => After::Change(seq, id),
        Some(_) => return Err(ApiError::bad_request("cursor belongs to another list")),
    };
    let since = q
        .since
        .as_deref()
        .map(|s| super::parse_time("since", s))
        .transpose()?;
    let tenant = q.tenant.clone();
    let (rows, position) = with_store(&state, move |s| {
        // Where an empty feed resumes: read before the rows (see `store::queries`).
        let position = s.change_position()?;
        Ok((
            s.list_events(since, tenant.as_deref(), after, limit)?,
            position,
        ))
    })
    .await?;
    let next = match (rows.last(), after) {
        (Some(last), _) => Cursor::Change(last.change_seq, last.id),
        (None, After::Change(seq, id)) => Cursor::Change(seq, id),
        (None, _) => Cursor::Change(position, i64::MAX),
    };
    let data: Vec<EventDoc> = rows.iter().map(EventDoc::from).collect();
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: Some(next.encode()),
    }))
}
