//! `/scans`: recent scans with each tenant's part (apps, grants, requests, duration, error),
//! and, for admins, "Run scan now": a POST form carrying the session's CSRF token that starts a
//! scan the way `POST /api/v1/scans` does (same scan gate), then sends the browser back here.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::view::{Clip, when, when_opt, when_utc};
use super::{Layout, Nav, PageError, render, with_store};
use crate::store::api_keys::Role;
use crate::web::AppState;
use crate::web::session::Viewer;

/// Scans listed.
pub const RECENT_SCANS: i64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct ScansParams {
    /// What the last "Run scan now" did: `started` or `running`.
    pub notice: Option<String>,
}

/// The "Run scan now" form.
#[derive(Debug, Deserialize)]
pub struct ScanForm {
    pub csrf_token: Option<String>,
}

/// One tenant's part of a scan.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub tenant: Clip,
    pub status: String,
    pub apps: i64,
    pub grants: i64,
    pub requests: i64,
    pub duration: String,
    pub error: Option<Clip>,
}

/// A scan with its tenant runs.
#[derive(Debug, Clone)]
pub struct ScanRowView {
    pub id: i64,
    pub trigger: String,
    pub status: String,
    pub started: String,
    pub finished: String,
    pub tenants: String,
    pub error: Option<Clip>,
    pub runs: Vec<RunRow>,
}

#[derive(Template)]
#[template(path = "scans.html")]
pub struct ScansPage {
    pub layout: Layout,
    pub can_start: bool,
    pub running: bool,
    pub next_run: String,
    pub notice: Option<&'static str>,
    pub scans: Vec<ScanRowView>,
}

/// `GET /scans`.
pub async fn list_scans(
    viewer: Viewer,
    state: web::Data<AppState>,
    q: web::Query<ScansParams>,
) -> Result<HttpResponse, PageError> {
    let (scans, names, running) = with_store(&state, |s| {
        let names: BTreeMap<i64, String> = s
            .list_tenants()?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let list = s.list_scans(None, RECENT_SCANS)?;
        let ids: Vec<i64> = list.iter().map(|scan| scan.id).collect();
        let mut runs: BTreeMap<i64, Vec<_>> = BTreeMap::new();
        for run in s.tenant_runs_of(&ids)? {
            runs.entry(run.scan_id).or_default().push(run);
        }
        let scans: Vec<_> = list
            .into_iter()
            .map(|scan| {
                let of_scan = runs.remove(&scan.id).unwrap_or_default();
                (scan, of_scan)
            })
            .collect();
        Ok((scans, names, s.running_scan()?.is_some()))
    })
    .await?;
    let notice = match q.notice.as_deref() {
        Some("started") => Some("Scan started. Refresh to follow its progress."),
        Some("running") => Some("A scan is already running: wait for it to finish."),
        _ => None,
    };
    let scans = scans
        .into_iter()
        .map(|(s, runs)| ScanRowView {
            id: s.id,
            trigger: s.trigger,
            status: s.status,
            started: when(s.started_at),
            finished: when_opt(s.finished_at),
            tenants: format!("{} ({} failed)", s.tenants_total, s.tenants_failed),
            error: s.error.as_deref().map(|e| Clip::new(e, 120)),
            runs: runs
                .into_iter()
                .map(|r| RunRow {
                    tenant: Clip::new(names.get(&r.tenant_id).map_or("?", String::as_str), 40),
                    status: r.status,
                    apps: r.apps_seen,
                    grants: r.grants_seen,
                    requests: r.requests,
                    duration: format!("{:.1} s", r.duration_ms as f64 / 1000.0),
                    error: r.error.as_deref().map(|e| Clip::new(e, 120)),
                })
                .collect(),
        })
        .collect();
    render(&ScansPage {
        can_start: viewer.role == Role::Admin,
        layout: Layout::new("Scans", Nav::Scans, viewer),
        running: running || state.scan_gate.is_busy(),
        next_run: state
            .scheduler
            .next_run()
            .map(when_utc)
            .unwrap_or_else(|| "none scheduled".into()),
        notice,
        scans,
    })
}

/// Whether `viewer` may start a scan with this form token: admins only, with their session's
/// CSRF token.
pub fn authorize_scan(viewer: &Viewer, csrf_token: Option<&str>) -> Result<(), PageError> {
    if viewer.role != Role::Admin {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Only admins can start a scan.",
        ));
    }
    match csrf_token {
        Some(t) if viewer.check_csrf(t) => Ok(()),
        _ => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "The form expired or did not come from this site. Reload the page and try again.",
        )),
    }
}

/// `POST /scans`: start a scan, then 303 back to `/scans` with what happened.
pub async fn start_scan(
    viewer: Viewer,
    state: web::Data<AppState>,
    form: web::Form<ScanForm>,
) -> Result<HttpResponse, PageError> {
    authorize_scan(&viewer, form.csrf_token.as_deref())?;
    let notice = match crate::web::api::scans::start_scan(&state).await {
        Ok(id) => {
            tracing::info!(scan_id = id, viewer = %viewer.name, "scan started from the dashboard");
            "started"
        }
        Err(e) if e.status == StatusCode::CONFLICT => "running",
        Err(e) => return Err(PageError::internal(e.message)),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/scans?notice={notice}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, demo: bool) -> Viewer {
        Viewer {
            name: "ana".into(),
            role,
            csrf_token: if demo {
                String::new()
            } else {
                "s3cret-token".into()
            },
            demo,
        }
    }

    #[test]
    fn an_admin_with_the_session_token_may_start_a_scan() {
        assert!(authorize_scan(&viewer(Role::Admin, false), Some("s3cret-token")).is_ok());
    }

    #[test]
    fn a_missing_or_wrong_token_is_refused() {
        for token in [
            None,
            Some(""),
            Some("s3cret-tokeN"),
            Some("s3cret-token-and-more"),
        ] {
            let e = authorize_scan(&viewer(Role::Admin, false), token).unwrap_err();
            assert_eq!(e.status, StatusCode::FORBIDDEN, "{token:?}");
        }
    }

    #[test]
    fn a_reader_is_refused_whatever_the_token() {
        let e = authorize_scan(&viewer(Role::Reader, false), Some("s3cret-token")).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("admins"));
    }
}
