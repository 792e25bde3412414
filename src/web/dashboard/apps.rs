//! `/apps`: every current app, filtered by tenant, provider, ownership, publisher and the
//! minimum severity of its open findings, searched by name or client id, sorted, a bounded
//! number of pages deep. All state is in the query string, so a view can be bookmarked.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

use super::view::{
    Clip, param, parse_severity, path_segment, query_string, severity_of_rank, when_opt,
};
use super::{Layout, Nav, PageError, render, with_store};
use crate::collector::evaluate::severity_rank;
use crate::rules::Severity;
use crate::store::queries::apps::AppSummary;
use crate::store::queries::dashboard::{AppBrowse, AppSort};
use crate::web::AppState;
use crate::web::session::Viewer;

/// Apps per page.
pub const PAGE_SIZE: i64 = 50;
/// Pages reachable at most (deeper lists need a narrower filter: an offset this far stays fast).
pub const MAX_PAGE: i64 = 200;

/// The query string of `/apps` (every field optional; unknown values are rejected).
#[derive(Debug, Default, Deserialize)]
pub struct AppsParams {
    pub tenant: Option<String>,
    pub provider: Option<String>,
    pub severity: Option<String>,
    pub ownership: Option<String>,
    pub publisher: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn options(values: &[(&str, &str)], current: Option<&str>) -> Vec<Opt> {
    values
        .iter()
        .map(|(v, l)| Opt {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: current == Some(*v) || (current.is_none() && v.is_empty()),
        })
        .collect()
}

/// An app as a row of the list.
#[derive(Debug, Clone)]
pub struct AppRowView {
    pub id: i64,
    pub name: Clip,
    pub client_id: Clip,
    pub tenant: Clip,
    pub provider: String,
    pub publisher: Clip,
    /// `/vendors/{publisher}` when the app names one.
    pub vendor_href: Option<String>,
    pub ownership: String,
    pub risk: String,
    pub band: String,
    /// Open findings per severity, worst first.
    pub open: Vec<(&'static str, i64)>,
    pub last_used: String,
}

impl AppRowView {
    pub fn new(a: AppSummary, open: Vec<(&'static str, i64)>) -> AppRowView {
        let publisher = a.publisher_name.clone().or(a.publisher_domain.clone());
        AppRowView {
            id: a.id,
            name: Clip::new(&a.name, 60),
            client_id: Clip::opt(a.client_id.as_deref(), 28),
            tenant: Clip::new(&a.tenant, 30),
            provider: a.provider,
            vendor_href: publisher
                .as_deref()
                .map(|p| format!("/vendors/{}", path_segment(p))),
            publisher: Clip::opt(publisher.as_deref(), 30),
            ownership: a.ownership.replace('_', "-"),
            risk: a
                .risk_score
                .map(|s| s.to_string())
                .unwrap_or_else(|| "—".into()),
            band: a.risk_band.unwrap_or_else(|| "unscored".into()),
            open,
            last_used: when_opt(a.last_used_at),
        }
    }
}

#[derive(Template)]
#[template(path = "apps.html")]
pub struct AppsPage {
    pub layout: Layout,
    pub tenants: Vec<Opt>,
    pub providers: Vec<Opt>,
    pub severities: Vec<Opt>,
    pub ownerships: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub publisher: String,
    pub q: String,
    pub rows: Vec<AppRowView>,
    pub first: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub too_deep: bool,
}

fn parse_sort(s: Option<&str>) -> Result<AppSort, PageError> {
    Ok(match s {
        None | Some("risk") => AppSort::Risk,
        Some("name") => AppSort::Name,
        Some("last_used") => AppSort::LastUsed,
        Some("first_seen") => AppSort::FirstSeen,
        Some(_) => return Err(PageError::bad_request("Unknown sort order.")),
    })
}

/// `GET /apps`.
pub async fn list_apps(
    viewer: Viewer,
    state: web::Data<AppState>,
    q: web::Query<AppsParams>,
) -> Result<HttpResponse, PageError> {
    let severity = parse_severity(q.severity.as_deref()).map_err(PageError::bad_request)?;
    let ownership = param(&q.ownership);
    if let Some(o) = &ownership
        && !["first_party", "third_party", "unknown"].contains(&o.as_str())
    {
        return Err(PageError::bad_request("Unknown ownership."));
    }
    let sort_name = param(&q.sort);
    let sort = parse_sort(sort_name.as_deref())?;
    let page: i64 = match param(&q.page) {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| PageError::bad_request("page must be a positive number"))?,
    };
    let filter = AppBrowse {
        tenant: param(&q.tenant),
        provider: param(&q.provider),
        ownership: ownership.clone(),
        publisher: param(&q.publisher),
        min_severity_rank: severity.map(severity_rank),
        search: param(&q.q),
        sort,
    };
    let too_deep = page > MAX_PAGE;
    let offset = (page.min(MAX_PAGE) - 1) * PAGE_SIZE;
    let f = filter.clone();
    let (tenants, mut rows, open) = with_store(&state, move |s| {
        let tenants = s.list_tenants()?;
        if too_deep {
            return Ok((tenants, Vec::new(), Vec::new()));
        }
        let rows = s.browse_apps(&f, offset, PAGE_SIZE + 1)?;
        let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
        let open = s.open_findings_by_app(&ids)?;
        Ok((tenants, rows, open))
    })
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let mut open_by_app: BTreeMap<i64, Vec<(&'static str, i64)>> = BTreeMap::new();
    let mut open_sorted = open;
    open_sorted.sort_by_key(|o| std::cmp::Reverse(o.1));
    for (app, rank, n) in open_sorted {
        open_by_app
            .entry(app)
            .or_default()
            .push((severity_of_rank(rank).as_str(), n));
    }

    let link = |p: i64| {
        let pairs = [
            ("tenant", filter.tenant.clone().unwrap_or_default()),
            ("provider", filter.provider.clone().unwrap_or_default()),
            (
                "severity",
                severity.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            ),
            ("ownership", filter.ownership.clone().unwrap_or_default()),
            ("publisher", filter.publisher.clone().unwrap_or_default()),
            ("q", filter.search.clone().unwrap_or_default()),
            ("sort", sort_name.clone().unwrap_or_default()),
            ("page", if p > 1 { p.to_string() } else { String::new() }),
        ];
        format!("/apps{}", query_string(&pairs))
    };
    let tenant_names: Vec<(String, String)> =
        std::iter::once((String::new(), "All tenants".to_owned()))
            .chain(tenants.iter().map(|t| (t.name.clone(), t.name.clone())))
            .collect();
    let providers: BTreeSet<String> = tenants.iter().map(|t| t.provider.clone()).collect();
    let provider_names: Vec<(String, String)> =
        std::iter::once((String::new(), "All providers".to_owned()))
            .chain(providers.into_iter().map(|p| (p.clone(), p)))
            .collect();
    let opts_owned = |v: &[(String, String)], cur: Option<&str>| -> Vec<Opt> {
        let pairs: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        options(&pairs, cur)
    };
    let mut sev_opts = vec![("", "Any severity")];
    sev_opts.extend(Severity::ALL.iter().map(|s| (s.as_str(), s.as_str())));
    let page_view = AppsPage {
        layout: Layout::new("Apps", Nav::Apps, viewer),
        tenants: opts_owned(&tenant_names, filter.tenant.as_deref()),
        providers: opts_owned(&provider_names, filter.provider.as_deref()),
        severities: options(&sev_opts, severity.map(|s| s.as_str())),
        ownerships: options(
            &[
                ("", "Any ownership"),
                ("first_party", "first-party"),
                ("third_party", "third-party"),
                ("unknown", "unknown"),
            ],
            ownership.as_deref(),
        ),
        sorts: options(
            &[
                ("risk", "Risk (highest first)"),
                ("name", "Name"),
                ("last_used", "Last used"),
                ("first_seen", "First seen (newest)"),
            ],
            Some(sort_name.as_deref().unwrap_or("risk")),
        ),
        publisher: filter.publisher.clone().unwrap_or_default(),
        q: filter.search.clone().unwrap_or_default(),
        first: offset + 1,
        prev_href: (page > 1 && !too_deep).then(|| link(page - 1)),
        next_href: (has_next && page < MAX_PAGE).then(|| link(page + 1)),
        rows: rows
            .into_iter()
            .map(|a| {
                let open = open_by_app.remove(&a.id).unwrap_or_default();
                AppRowView::new(a, open)
            })
            .collect(),
        too_deep,
    };
    render(&page_view)
}
