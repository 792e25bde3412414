//! Scans: `run_scan` is the one entry point for the CLI, the API and the scheduler. It
//! collects every selected tenant with bounded concurrency and records the scan.
//!
//! A tenant's inventory is replaced only when its collection completed; a failed tenant keeps
//! its last good inventory, is marked stale, and does not stop the others.

pub mod diff;
pub mod evaluate;
pub mod scheduler;
pub mod spool;
pub mod tenant;

use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::{Config, TenantConfig};
use crate::store::scans::ScanStatus;
use crate::store::{Store, StoreError};
pub use tenant::TenantReport;

/// What started a scan (stored with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Cli,
    Api,
    Schedule,
    Startup,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Cli => "cli",
            Trigger::Api => "api",
            Trigger::Schedule => "schedule",
            Trigger::Startup => "startup",
        }
    }
}

/// How a scan ended.
#[derive(Debug, Clone)]
pub struct ScanReport {
    pub scan_id: i64,
    pub status: ScanStatus,
    pub tenants: Vec<TenantReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("no tenant named `{0}` in the configuration")]
    UnknownTenant(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tenants to scan: all of them, or those named in `only` (each must exist).
pub fn select_tenants(config: &Config, only: &[String]) -> Result<Vec<TenantConfig>, ScanError> {
    if only.is_empty() {
        return Ok(config.tenants.clone());
    }
    only.iter()
        .map(|name| {
            config
                .tenants
                .iter()
                .find(|t| &t.name == name)
                .cloned()
                .ok_or_else(|| ScanError::UnknownTenant(name.clone()))
        })
        .collect()
}

/// Evaluate the rules over each named tenant (blocking).
fn judge_tenants(
    store: &Store,
    config: &Config,
    scan_id: i64,
    names: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, Result<evaluate::EvaluationReport, StoreError>)> {
    let prepared = (|| {
        let wanted = config_suppressions(config, now);
        store.sync_config_suppressions(&wanted, now)?;
        let suppressions = store.active_suppressions(now)?;
        let watchlist = match &config.rules.watchlist {
            Some(p) => crate::rules::watchlist::Watchlist::load(p).map_err(StoreError::Corrupt)?,
            None => crate::rules::watchlist::Watchlist::builtin(),
        };
        Ok::<_, StoreError>((suppressions, watchlist))
    })();
    let (suppressions, watchlist) = match prepared {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            return names
                .iter()
                .map(|n| (n.clone(), Err(StoreError::Corrupt(msg.clone()))))
                .collect();
        }
    };
    let resolver = crate::rules::SystemResolver;
    let judge = evaluate::Judge {
        settings: &config.rules,
        watchlist: &watchlist,
        suppressions: &suppressions,
        resolver: Some(&resolver),
    };
    names
        .iter()
        .map(|name| {
            let result = store.tenant_by_name(name).and_then(|t| match t {
                Some(t) => evaluate::evaluate_stored_tenant(store, &judge, &t, scan_id, now),
                None => Err(StoreError::NotFound(format!("tenant {name}"))),
            });
            (name.clone(), result)
        })
        .collect()
}

/// The config's suppressions as rows to store.
fn config_suppressions(
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<crate::store::findings::NewSuppression> {
    config
        .suppressions
        .iter()
        .map(|s| crate::store::findings::NewSuppression {
            rule_id: s.rule.clone(),
            tenant: s.tenant.clone(),
            app: s.app.clone(),
            publisher: s.publisher.clone(),
            reason: s.reason.clone(),
            owner: s.owner.clone(),
            // Validated at load; an unparsable expiry cannot reach here.
            expires_at: s.expires_at().ok().flatten().map(crate::store::to_db),
            source: "config".into(),
            created_at: crate::store::to_db(now),
        })
        .collect()
}

/// Run one scan of `tenants` now and record it.
pub async fn run_scan(
    store: &Store,
    config: &Config,
    clock: Arc<dyn Clock>,
    trigger: Trigger,
    tenants: Vec<TenantConfig>,
) -> Result<ScanReport, ScanError> {
    let scan_id = record_scan(store, clock.as_ref(), trigger, tenants.len()).await?;
    run_recorded_scan(store, config, clock, scan_id, tenants).await
}

/// Record a new running scan of `tenants` tenants and return its id, for a caller that must
/// answer with the id before the scan runs (the API); then call [`run_recorded_scan`].
pub async fn record_scan(
    store: &Store,
    clock: &dyn Clock,
    trigger: Trigger,
    tenants: usize,
) -> Result<i64, ScanError> {
    let total = tenants as i32;
    let (s, now) = (store.clone(), clock.now());
    let scan_id = tokio::task::spawn_blocking(move || s.start_scan(trigger.as_str(), total, now))
        .await
        .map_err(|e| StoreError::Spool(e.to_string()))??;
    tracing::info!(
        scan_id,
        tenants = total,
        trigger = trigger.as_str(),
        "scan started"
    );
    Ok(scan_id)
}

/// Run the scan recorded as `scan_id` (by [`record_scan`]) over `tenants`.
pub async fn run_recorded_scan(
    store: &Store,
    config: &Config,
    clock: Arc<dyn Clock>,
    scan_id: i64,
    tenants: Vec<TenantConfig>,
) -> Result<ScanReport, ScanError> {
    let total = tenants.len() as i32;

    let limit = Arc::new(Semaphore::new(config.collector.concurrency.max(1)));
    let mut jobs = JoinSet::new();
    for (index, tenant) in tenants.into_iter().enumerate() {
        let (store, clock, limit) = (store.clone(), clock.clone(), limit.clone());
        let collector = config.collector.clone();
        jobs.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (
                index,
                tenant::run_tenant(store, clock, scan_id, tenant, collector).await,
            )
        });
    }
    let mut reports = Vec::new();
    while let Some(done) = jobs.join_next().await {
        match done {
            Ok(r) => reports.push(r),
            Err(e) => tracing::error!(error = %e, "a tenant task panicked"),
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    let mut reports: Vec<TenantReport> = reports.into_iter().map(|(_, r)| r).collect();

    // Judge every tenant whose collection was stored, now that all of the run's tenants are
    // in: cross-tenant rules then see this run's inventory.
    let (s, cfg, now) = (store.clone(), config.clone(), clock.now());
    let stored: Vec<String> = reports
        .iter()
        .filter(|r| r.status == ScanStatus::Succeeded)
        .map(|r| r.name.clone())
        .collect();
    let judged =
        tokio::task::spawn_blocking(move || judge_tenants(&s, &cfg, scan_id, &stored, now))
            .await
            .map_err(|e| StoreError::Spool(e.to_string()))?;
    for (name, result) in judged {
        let Some(r) = reports.iter_mut().find(|r| r.name == name) else {
            continue;
        };
        match result {
            Ok(evaluation) => r.evaluation = Some(evaluation),
            Err(e) => {
                // Stored documents are provider data, and a parse error may quote them.
                let e = tenant::error_text(&e.to_string());
                tracing::error!(tenant = %name, error = %e, "evaluation failed; findings are from the previous evaluation");
                r.status = ScanStatus::Partial;
                r.error = Some(format!(
                    "inventory stored, but the rules could not be evaluated: {e}"
                ));
            }
        }
    }

    let failed = reports
        .iter()
        .filter(|r| r.status != ScanStatus::Succeeded)
        .count() as i32;
    let status = match failed {
        0 if reports.len() as i32 == total => ScanStatus::Succeeded,
        f if f >= total || reports.is_empty() && total > 0 => ScanStatus::Failed,
        _ => ScanStatus::Partial,
    };
    let failed = failed + (total - reports.len() as i32);
    let (s, now) = (store.clone(), clock.now());
    tokio::task::spawn_blocking(move || s.finish_scan(scan_id, status, failed, now))
        .await
        .map_err(|e| StoreError::Spool(e.to_string()))??;
    tracing::info!(scan_id, status = status.as_str(), failed, "scan finished");
    Ok(ScanReport {
        scan_id,
        status,
        tenants: reports,
    })
}
