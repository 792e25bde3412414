//! `GET /api/v1/findings`: the findings list, the "changed since" feed, and its OCSF NDJSON
//! stream (`?format=ocsf` or `Accept: application/x-ndjson`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Cursor, Page, with_store};
use crate::export::finding::FindingDoc;
use crate::export::ocsf;
use crate::store::queries::After;
use crate::store::queries::findings::{FindingFilter, FindingView};
use crate::web::AppState;
use crate::web::auth::Reader;
use crate::web::error::ApiError;

/// Findings fetched per batch while streaming OCSF.
const STREAM_BATCH: i64 = 1000;

/// Filters and paging of the findings list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// Minimum severity: info, low, medium, high or critical.
    pub severity: Option<String>,
    /// open, resolved or suppressed.
    pub status: Option<String>,
    /// Tenant name.
    pub tenant: Option<String>,
    /// Provider (the SaaS; for a file tenant, its format).
    pub provider: Option<String>,
    /// Rule id, such as PKCE-001.
    pub rule: Option<String>,
    /// App id.
    pub app: Option<i64>,
    /// Changed at or after this RFC 3339 time: the list becomes a change feed ordered by
    /// change, whose `next_cursor` is always present (poll from it next, with the same
    /// filters).
    pub since: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `json` (default) or `ocsf` (NDJSON of OCSF Detection Findings, every matching
    /// finding from `cursor` on).
    pub format: Option<String>,
}

/// The store filter a query asks for.
pub fn filter_of(q: &FindingsQuery) -> Result<FindingFilter, ApiError> {
    let min_severity_rank = q
        .severity
        .as_deref()
        .map(|s| {
            s.parse::<crate::rules::Severity>()
                .map(crate::collector::evaluate::severity_rank)
                .map_err(|_| {
                    ApiError::bad_request("severity must be info, low, medium, high or critical")
                })
        })
        .transpose()?;
    if let Some(s) = &q.status
        && !["open", "resolved", "suppressed"].contains(&s.as_str())
    {
        return Err(ApiError::bad_request(
            "status must be open, resolved or suppressed",
        ));
    }
    Ok(FindingFilter {
        min_severity_rank,
        status: q.status.clone(),
        tenant: q.tenant.clone(),
        provider: q.provider.clone(),
        rule: q.rule.clone(),
        app_id: q.app,
        changed_since: q
            .since
            .as_deref()
            .map(|s| super::parse_time("since", s))
            .transpose()?,
    })
}

fn wants_ocsf(req: &HttpRequest, q: &FindingsQuery) -> Result<bool, ApiError> {
    match q.format.as_deref() {
        Some("ocsf") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::bad_request("format must be json or ocsf")),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/x-ndjson"))),
    }
}

/// The cursor after a row of a list or feed.
fn cursor_after(row: &FindingView, feed: bool) -> Cursor {
    if feed {
        Cursor::Change(row.change_seq, row.id)
    } else {
        Cursor::After(row.id)
    }
}

/// List findings (or stream them as OCSF).
#[utoipa::path(
    get,
    path = "/api/v1/findings",
    tag = "findings",
    params(FindingsQuery),
    responses(
        (status = 200, description = "A page of findings; with format=ocsf, NDJSON of OCSF Detection Findings", body = Page<FindingDoc>,
            content_type = "application/json"),
        (status = 400, description = "A bad parameter", body = super::openapi::ErrorBody),
        (status = 401, description = "No valid API key", body = super::openapi::ErrorBody),
        (status = 429, description = "Rate limited", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_findings(
    _key: Reader,
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<FindingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(&q)?;
    let limit = super::limit(q.limit)?;
    let after = super::after(q.cursor.as_deref())?;
    if filter.changed_since.is_some() && matches!(after, After::Id(_)) {
        return Err(ApiError::bad_request(
            "cursor belongs to the plain list, not to a since feed",
        ));
    }
    if wants_ocsf(&req, &q)? {
        return Ok(stream_ocsf(state, filter, after));
    }
    let feed = filter.changed_since.is_some() || matches!(after, After::Change(..));
    let (rows, position) = with_store(&state, move |s| {
        // Where an empty feed resumes: read before the rows (see `store::queries`).
        let position = match (feed, after) {
            (true, After::Start) => Some(s.change_position()?),
            _ => None,
        };
        Ok((s.list_findings(&filter, after, limit)?, position))
    })
    .await?;
    let next_cursor = match rows.last() {
        Some(last) if feed || rows.len() as i64 == limit => Some(cursor_after(last, feed).encode()),
        // An empty feed page: poll again from where the client was, or after everything
        // committed before the read.
        None if feed => Some(match after {
            After::Change(seq, id) => Cursor::Change(seq, id).encode(),
            _ => Cursor::Change(position.unwrap_or(0), i64::MAX).encode(),
        }),
        _ => None,
    };
    let data: Vec<FindingDoc> = rows.iter().map(FindingDoc::from_view).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}

/// Every matching finding from `after` on, as OCSF NDJSON, fetched in keyset batches.
fn stream_ocsf(state: web::Data<AppState>, filter: FindingFilter, after: After) -> HttpResponse {
    let feed = filter.changed_since.is_some() || matches!(after, After::Change(..));
    let stream = futures_util::stream::unfold(Some(after), move |position| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let after = position?;
            let result = with_store(&state, move |s| {
                s.list_findings(&filter, after, STREAM_BATCH)
            })
            .await;
            match result {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = (rows.len() as i64 == STREAM_BATCH)
                        .then(|| rows.last())
                        .flatten()
                        .map(|r| match cursor_after(r, feed) {
                            Cursor::Change(seq, id) => After::Change(seq, id),
                            _ => After::Id(r.id),
                        });
                    let mut body = String::new();
                    for r in &rows {
                        body.push_str(&ocsf::ndjson_line(&FindingDoc::from_view(r)));
                    }
                    Some((Ok(web::Bytes::from(body)), next))
                }
                // Headers are sent: end the stream short; the client sees a truncated body.
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .streaming(stream)
}
