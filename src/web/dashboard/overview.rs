//! `/`: the estate at a glance. Counts, the distribution of app risk (bands and a score
//! histogram), open findings by severity and by rule family, the risk trend over scans (all as
//! server-side SVG), whether a scan runs and when the next one is scheduled.
//!
//! Every figure is a grouped count over an indexed column ([`Store::overview`]). At 100,000
//! apps and 1,000,000 grants that takes over 100 ms, so each worker keeps the last overview
//! with the store's [`Store::overview_version`] (change sequence, newest scan, newest risk
//! snapshot) and recomputes only when that moved: after a scan, an evaluation or a
//! suppression. Reading the version is three single-row lookups.

use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;
use std::sync::Mutex;

use super::charts::{self, Bar, Chart, Point};
use super::view::when_utc;
use super::{Layout, Nav, PageError, render, with_store};
use crate::rules::Severity;
use crate::rules::score::Band;
use crate::store::queries::overview::{Overview, OverviewVersion};
use crate::store::{Store, StoreError};
use crate::web::AppState;
use crate::web::session::Viewer;

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub tenants: i64,
    pub apps: i64,
    pub grants: i64,
    pub open_total: i64,
    /// Open findings per severity, critical first.
    pub open_by_severity: Vec<(&'static str, i64)>,
    pub scan_running: bool,
    pub next_run: String,
    pub bands_chart: Chart,
    pub histogram_chart: Chart,
    pub trend_chart: Chart,
    pub exposed_chart: Chart,
    pub severity_chart: Chart,
    pub family_chart: Chart,
}

/// The last overview computed and the store version it reflects (one per worker).
#[derive(Default)]
pub struct OverviewCache(Mutex<Option<(OverviewVersion, Overview)>>);

impl OverviewCache {
    /// The overview, reused while the store's version is unchanged.
    fn get(&self, s: &Store) -> Result<Overview, StoreError> {
        let version = s.overview_version()?;
        if let Ok(guard) = self.0.lock()
            && let Some((v, ov)) = guard.as_ref()
            && *v == version
        {
            return Ok(ov.clone());
        }
        // Computed outside the lock; a change after `version` was read only means the next
        // request computes again.
        let ov = s.overview()?;
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some((version, ov.clone()));
        }
        Ok(ov)
    }
}

/// `GET /`.
pub async fn overview(
    viewer: Viewer,
    state: web::Data<AppState>,
    cache: web::Data<OverviewCache>,
) -> Result<HttpResponse, PageError> {
    let (ov, running) = with_store(&state, move |s| {
        Ok((cache.get(s)?, s.running_scan()?.is_some()))
    })
    .await?;
    let next_run = state
        .scheduler
        .next_run()
        .map(when_utc)
        .unwrap_or_else(|| "none scheduled".to_owned());
    let running = running || state.scan_gate.is_busy();
    render(&page(
        Layout::new("Overview", Nav::Overview, viewer),
        ov,
        running,
        next_run,
    ))
}

fn sev_class(s: &str) -> &'static str {
    match s {
        "critical" => "sev-critical",
        "high" => "sev-high",
        "medium" => "sev-medium",
        "low" => "sev-low",
        _ => "sev-info",
    }
}

/// The page for these counts.
pub fn page(layout: Layout, ov: Overview, scan_running: bool, next_run: String) -> OverviewPage {
    let apps: i64 = ov.scores.iter().map(|(_, n)| n).sum();
    let mut bands = [0_i64; 4];
    let mut buckets = [0_i64; 10];
    let mut unscored = 0;
    for (score, n) in &ov.scores {
        match score {
            Some(s) => {
                let s = (*s).clamp(0, 100) as u8;
                bands[Band::of(s) as usize] += n;
                buckets[usize::from(s.min(99) / 10)] += n;
            }
            None => unscored += n,
        }
    }
    let band_bars: Vec<Bar> = [Band::Critical, Band::High, Band::Medium, Band::Low]
        .into_iter()
        .map(|b| Bar {
            label: b.as_str().to_owned(),
            value: bands[b as usize],
            class: sev_class(b.as_str()),
        })
        .chain((unscored > 0).then(|| Bar {
            label: "not scored".into(),
            value: unscored,
            class: "sev-info",
        }))
        .collect();
    let histogram: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, n)| Bar {
            label: format!("{}–{}", i * 10, if i == 9 { 100 } else { i * 10 + 9 }),
            value: *n,
            class: sev_class(Band::of((i * 10) as u8).as_str()),
        })
        .collect();

    let mut by_sev: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_family: BTreeMap<String, i64> = BTreeMap::new();
    for (sev, rule, n) in &ov.open_findings {
        *by_sev.entry(sev.as_str()).or_default() += n;
        let family = crate::rules::rule(rule)
            .map(|r| r.family.as_str().to_owned())
            .unwrap_or_else(|| rule.split('-').next().unwrap_or("OTHER").to_owned());
        *by_family.entry(family).or_default() += n;
    }
    let open_by_severity: Vec<(&'static str, i64)> = Severity::ALL
        .iter()
        .map(|s| (s.as_str(), by_sev.get(s.as_str()).copied().unwrap_or(0)))
        .collect();
    let severity_bars: Vec<Bar> = open_by_severity
        .iter()
        .map(|(s, n)| Bar {
            label: (*s).to_owned(),
            value: *n,
            class: sev_class(s),
        })
        .collect();
    let mut families: Vec<(String, i64)> = by_family.into_iter().collect();
    families.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let family_bars: Vec<Bar> = families
        .into_iter()
        .map(|(f, n)| Bar {
            label: f,
            value: n,
            class: "bar-accent",
        })
        .collect();

    let label = |p: &crate::store::queries::overview::TrendPoint| {
        format!("scan {} ({})", p.scan_id, p.at.format("%Y-%m-%d"))
    };
    let trend: Vec<Point> = ov
        .trend
        .iter()
        .map(|p| Point {
            label: label(p),
            value: p.mean_score,
        })
        .collect();
    let exposed: Vec<Point> = ov
        .trend
        .iter()
        .map(|p| Point {
            label: label(p),
            value: (p.high + p.critical) as f64,
        })
        .collect();

    OverviewPage {
        layout,
        tenants: ov.tenants,
        apps,
        grants: ov.grants,
        open_total: open_by_severity.iter().map(|(_, n)| n).sum(),
        open_by_severity,
        scan_running,
        next_run,
        bands_chart: charts::bar_chart("Apps by risk band", &band_bars),
        histogram_chart: charts::bar_chart("Apps by risk score", &histogram),
        trend_chart: charts::line_chart("Mean app risk score per scan", &trend, Some(100.0)),
        exposed_chart: charts::line_chart("High and critical apps per scan", &exposed, None),
        severity_chart: charts::bar_chart("Open findings by severity", &severity_bars),
        family_chart: charts::bar_chart("Open findings by rule family", &family_bars),
    }
}
