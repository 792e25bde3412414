//! `/findings`: findings across the estate, filtered like the API (minimum severity, status,
//! tenant, provider, rule) and paged by keyset (`after` = the last finding id seen), so any
//! page of a million findings is as fast as the first.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeSet;

use super::apps::Opt;
use super::view::{Clip, param, parse_severity, query_string, when};
use super::{Layout, Nav, PageError, render, with_store};
use crate::collector::evaluate::severity_rank;
use crate::rules::Severity;
use crate::store::queries::After;
use crate::store::queries::findings::{FindingFilter, FindingView};
use crate::web::AppState;
use crate::web::session::Viewer;

/// Findings per page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct FindingsParams {
    pub severity: Option<String>,
    pub status: Option<String>,
    pub tenant: Option<String>,
    pub provider: Option<String>,
    pub rule: Option<String>,
    /// Findings after this id.
    pub after: Option<String>,
}

/// A finding as a row.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub severity: String,
    pub rule_id: String,
    pub title: Clip,
    pub app_id: Option<i64>,
    pub app: Clip,
    pub tenant: Clip,
    pub provider: String,
    pub status: String,
    pub evidence: Clip,
    pub last_seen: String,
}

impl From<FindingView> for FindingRow {
    fn from(f: FindingView) -> FindingRow {
        FindingRow {
            last_seen: when(f.last_observed()),
            severity: f.severity,
            rule_id: f.rule_id,
            title: Clip::new(&f.title, 90),
            app_id: f.app_id,
            app: match &f.app {
                Some((_, name, _)) => Clip::new(name, 50),
                None => Clip::new("(tenant)", 20),
            },
            tenant: Clip::new(&f.tenant, 30),
            provider: f.provider,
            status: f.status,
            evidence: Clip::new(&f.evidence, 60),
        }
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
pub struct FindingsPage {
    pub layout: Layout,
    pub severities: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub tenants: Vec<Opt>,
    pub providers: Vec<Opt>,
    pub rules: Vec<Opt>,
    pub rows: Vec<FindingRow>,
    pub first_href: Option<String>,
    pub next_href: Option<String>,
}

fn opts(values: Vec<(String, String)>, current: Option<&str>) -> Vec<Opt> {
    values
        .into_iter()
        .map(|(value, label)| Opt {
            selected: current == Some(value.as_str()) || (current.is_none() && value.is_empty()),
            value,
            label,
        })
        .collect()
}

fn with_any(any: &str, values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    std::iter::once((String::new(), any.to_owned()))
        .chain(values.into_iter().map(|v| (v.clone(), v)))
        .collect()
}

/// `GET /findings`.
pub async fn list_findings(
    viewer: Viewer,
    state: web::Data<AppState>,
    q: web::Query<FindingsParams>,
) -> Result<HttpResponse, PageError> {
    let severity = parse_severity(q.severity.as_deref()).map_err(PageError::bad_request)?;
    let status = param(&q.status);
    if let Some(s) = &status
        && !["open", "resolved", "suppressed"].contains(&s.as_str())
    {
        return Err(PageError::bad_request(
            "status must be open, resolved or suppressed",
        ));
    }
    let after: i64 = match param(&q.after) {
        None => 0,
        Some(a) => a
            .parse()
            .map_err(|_| PageError::bad_request("after must be a finding id"))?,
    };
    let filter = FindingFilter {
        min_severity_rank: severity.map(severity_rank),
        status: status.clone(),
        tenant: param(&q.tenant),
        provider: param(&q.provider),
        rule: param(&q.rule),
        ..FindingFilter::default()
    };
    let f = filter.clone();
    let (tenants, mut rows) = with_store(&state, move |s| {
        Ok((
            s.list_tenants()?,
            s.list_findings(&f, After::Id(after), PAGE_SIZE + 1)?,
        ))
    })
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let link = |after: Option<i64>| {
        let pairs = [
            (
                "severity",
                severity.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            ),
            ("status", filter.status.clone().unwrap_or_default()),
            ("tenant", filter.tenant.clone().unwrap_or_default()),
            ("provider", filter.provider.clone().unwrap_or_default()),
            ("rule", filter.rule.clone().unwrap_or_default()),
            ("after", after.map(|a| a.to_string()).unwrap_or_default()),
        ];
        format!("/findings{}", query_string(&pairs))
    };
    let providers: BTreeSet<String> = tenants.iter().map(|t| t.provider.clone()).collect();
    let page = FindingsPage {
        layout: Layout::new("Findings", Nav::Findings, viewer),
        severities: opts(
            with_any(
                "Any severity",
                Severity::ALL.iter().map(|s| s.as_str().to_owned()),
            ),
            severity.map(|s| s.as_str()),
        ),
        statuses: opts(
            with_any(
                "Any status",
                ["open", "suppressed", "resolved"].map(String::from),
            ),
            status.as_deref(),
        ),
        tenants: opts(
            with_any("All tenants", tenants.iter().map(|t| t.name.clone())),
            filter.tenant.as_deref(),
        ),
        providers: opts(
            with_any("All providers", providers),
            filter.provider.as_deref(),
        ),
        rules: opts(
            with_any(
                "Any rule",
                crate::rules::catalog().iter().map(|r| r.id.to_owned()),
            ),
            filter.rule.as_deref(),
        ),
        first_href: (after > 0).then(|| link(None)),
        next_href: has_next
            .then(|| rows.last().map(|r| link(Some(r.id))))
            .flatten(),
        rows: rows.into_iter().map(FindingRow::from).collect(),
    };
    render(&page)
}
