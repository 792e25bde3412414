//! Scans: every scan (CLI `scan` through [`run_scan`], the API through [`record_scan`], the
//! schedule and the start-up scan through [`replica`]) is recorded with one job per tenant and
//! worked by [`Worker`]: the replicas working the database claim the jobs, collect with
//! bounded concurrency, and whoever finishes the last job judges the scan's tenants and
//! finishes the scan record (`finish`).
//!
//! A tenant's inventory is replaced only when its collection completed; a failed tenant keeps
//! its last good inventory, is marked stale, and does not stop the others.

pub mod diff;
pub mod evaluate;
mod finish;
pub mod replica;
pub mod retention;
pub mod scheduler;
pub mod spool;
pub mod tenant;
pub mod work;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Config, TenantConfig};
use crate::store::jobs::NewScan;
use crate::store::replica::Replica;
use crate::store::scans::ScanStatus;
use crate::store::{Store, StoreError};
pub use tenant::TenantReport;
pub use work::Worker;

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
    /// Scans never run at once in one database.
    #[error("scan {0} is already running")]
    Busy(i64),
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

/// Run one scan of `tenants` now and record it, as a replica of its own for the scan's
/// length (other `serve` replicas on PostgreSQL may take some of its tenants).
pub async fn run_scan(
    store: &Store,
    config: &Config,
    clock: Arc<dyn Clock>,
    trigger: Trigger,
    tenants: Vec<TenantConfig>,
) -> Result<ScanReport, ScanError> {
    let worker = Worker::new(store, config, clock, None).await?;
    let scan_id = record_scan(&worker, trigger, &tenants).await?;
    worker.work_scan(scan_id).await
}

/// Record a new running scan of `tenants` (one job each) and return its id, for a caller that
/// must answer with the id before the scan runs (the API); then call [`Worker::work_scan`].
/// Refused while another scan runs.
pub async fn record_scan(
    worker: &Worker,
    trigger: Trigger,
    tenants: &[TenantConfig],
) -> Result<i64, ScanError> {
    match worker.start(trigger, tenants, None).await? {
        NewScan::Started(id) => Ok(id),
        NewScan::Busy(id) => Err(ScanError::Busy(id)),
        // Only a scheduled scan has a fire time.
        NewScan::AlreadyFired => Err(ScanError::Store(StoreError::Conflict(
            "a scan for this fire time exists".into(),
        ))),
    }
}

/// Register this process as a replica of `store`'s database (see `store::replica`).
/// `worker`: it also takes jobs of scans other processes started.
pub async fn register_replica(store: &Store, worker: bool) -> Result<Arc<Replica>, ScanError> {
    let s = store.clone();
    let replica = tokio::task::spawn_blocking(move || s.register_replica(worker))
        .await
        .map_err(|e| StoreError::Spool(e.to_string()))??;
    Ok(Arc::new(replica))
}
