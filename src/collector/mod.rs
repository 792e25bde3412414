//! Scans: `run_scan` is the one entry point for the CLI, the API and the scheduler. It
//! collects every selected tenant with bounded concurrency and records the scan.
//!
//! A tenant's inventory is replaced only when its collection completed; a failed tenant keeps
//! its last good inventory, is marked stale, and does not stop the others.

pub mod diff;
pub mod spool;
pub mod tenant;

use std::sync::Arc;
use std::time::Duration;
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

/// Run one scan of `tenants` now and record it.
pub async fn run_scan(
    store: &Store,
    config: &Config,
    clock: Arc<dyn Clock>,
    trigger: Trigger,
    tenants: Vec<TenantConfig>,
) -> Result<ScanReport, ScanError> {
    let total = tenants.len() as i32;
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

    let limit = Arc::new(Semaphore::new(config.collector.concurrency.max(1)));
    let timeout = Duration::from_secs(config.collector.tenant_timeout_secs);
    let mut jobs = JoinSet::new();
    for (index, tenant) in tenants.into_iter().enumerate() {
        let (store, clock, limit) = (store.clone(), clock.clone(), limit.clone());
        jobs.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (
                index,
                tenant::run_tenant(store, clock, scan_id, tenant, timeout).await,
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
    let reports: Vec<TenantReport> = reports.into_iter().map(|(_, r)| r).collect();

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
