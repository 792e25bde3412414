//! `/tenants`: collection health of every configured tenant: its last run and how it ended,
//! when it last succeeded and how stale its inventory is, the last error (bounded), and how
//! many current apps it holds.

use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

use super::view::{Clip, ago, when};
use super::{Layout, Nav, PageError, render, with_store};
use crate::web::AppState;
use crate::web::session::Viewer;

/// Inventory older than this is called stale even when the last run did not fail.
pub const STALE_AFTER_HOURS: i64 = 48;

/// A tenant's health as a row.
#[derive(Debug, Clone)]
pub struct TenantRow {
    pub name: Clip,
    pub provider: String,
    pub source: String,
    pub apps: i64,
    pub last_run: String,
    /// The last run's status, or `never`.
    pub status: String,
    pub last_success: String,
    /// `ok`, `stale` or `never`.
    pub health: &'static str,
    pub error: Option<Clip>,
}

#[derive(Template)]
#[template(path = "tenants.html")]
pub struct TenantsPage {
    pub layout: Layout,
    pub rows: Vec<TenantRow>,
}

/// `GET /tenants`.
pub async fn list_tenants(
    viewer: Viewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (tenants, counts, runs) = with_store(&state, |s| {
        let tenants = s.list_tenants()?;
        let counts: BTreeMap<i64, i64> = s.app_counts_by_tenant()?.into_iter().collect();
        let runs: BTreeMap<i64, _> = s
            .last_tenant_runs()?
            .into_iter()
            .map(|r| (r.tenant_id, r))
            .collect();
        Ok((tenants, counts, runs))
    })
    .await?;
    let now = state.clock.now();
    let rows = tenants
        .into_iter()
        .map(|t| {
            let run = runs.get(&t.id);
            let old = t
                .last_success_at
                .is_some_and(|s| (now.naive_utc() - s).num_hours() >= STALE_AFTER_HOURS);
            let health = match t.last_success_at {
                None => "never",
                Some(_) if t.stale || old => "stale",
                Some(_) => "ok",
            };
            TenantRow {
                name: Clip::new(&t.name, 60),
                provider: t.provider,
                source: t.source,
                apps: counts.get(&t.id).copied().unwrap_or(0),
                last_run: run
                    .map(|r| format!("{} ({})", when(r.started_at), ago(now, r.started_at)))
                    .unwrap_or_else(|| "never".into()),
                status: run
                    .map(|r| r.status.clone())
                    .unwrap_or_else(|| "never".into()),
                last_success: t
                    .last_success_at
                    .map(|s| format!("{} ({})", when(s), ago(now, s)))
                    .unwrap_or_else(|| "never".into()),
                health,
                error: t
                    .last_error
                    .as_deref()
                    .or(run.and_then(|r| r.error.as_deref()))
                    .map(|e| Clip::new(e, 120)),
            }
        })
        .collect();
    render(&TenantsPage {
        layout: Layout::new("Tenants", Nav::Tenants, viewer),
        rows,
    })
}
