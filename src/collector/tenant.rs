//! One tenant's collection: connect, stream and diff, then apply in one transaction, or keep
//! the last good inventory and mark the tenant stale.

use connectors::file::FileConnector;
use connectors::{CollectSummary, Connector, ConnectorError, ErrorKind, ItemSink};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::diff::Differ;
use super::work::blocking;
use crate::clock::Clock;
use crate::config::{CollectorConfig, TenantConfig, TenantProvider};
use crate::store::inventory::{ApplyContext, ApplyStats};
use crate::store::scans::{ScanStatus, TenantRunOutcome};
use crate::store::{Store, StoreError};

/// Batches of items buffered between a connector and the differ.
const CHANNEL_CAPACITY: usize = 8;

/// How one tenant's part of a scan ended.
#[derive(Debug, Clone)]
pub struct TenantReport {
    pub name: String,
    pub status: ScanStatus,
    pub apps_seen: u64,
    pub grants_seen: u64,
    pub stats: ApplyStats,
    pub duration: Duration,
    pub error: Option<String>,
    /// The rules' verdict, when the inventory was stored and judged.
    pub evaluation: Option<super::evaluate::EvaluationReport>,
}

/// Why a tenant's collection was not stored.
#[derive(Debug, thiserror::Error)]
enum TenantError {
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("incomplete collection: {0}")]
    Partial(String),
    #[error("collection timed out after {0} s")]
    Timeout(u64),
}

/// The connector for a tenant's configuration: the file importer, or the provider's API
/// connector with its secrets read from the environment or their files.
pub fn connector_for(
    tenant: &TenantConfig,
    collector: &CollectorConfig,
) -> Result<Box<dyn Connector>, ConnectorError> {
    match (&tenant.provider, &tenant.format, &tenant.path) {
        (TenantProvider::File, Some(format), Some(path)) => {
            Ok(Box::new(FileConnector::new(*format, path.clone())))
        }
        (TenantProvider::File, _, _) => Err(ConnectorError::new(
            ErrorKind::Config,
            "a file tenant needs `format` and `path`",
        )),
        (TenantProvider::Saas(_), _, _) => {
            let lookup = |var: &str| std::env::var(var).ok();
            let settings = tenant
                .connection(collector, &lookup)
                .map_err(|e| ConnectorError::new(ErrorKind::Config, e.to_string()))?;
            connectors::fetch::http_connector(settings)
        }
    }
}

/// Collect and store one tenant as part of scan `scan_id`. Never fails the scan: every error
/// ends up in the report, the tenant run row and the tenant's health.
pub async fn run_tenant(
    store: Store,
    clock: Arc<dyn Clock>,
    scan_id: i64,
    tenant: TenantConfig,
    collector: CollectorConfig,
) -> TenantReport {
    let timeout = Duration::from_secs(collector.tenant_timeout_secs);
    let started = Instant::now();
    let name = tenant.name.clone();
    let mut report = TenantReport {
        name: name.clone(),
        status: ScanStatus::Failed,
        apps_seen: 0,
        grants_seen: 0,
        stats: ApplyStats::default(),
        duration: Duration::ZERO,
        error: None,
        evaluation: None,
    };
    let provider = tenant.data_provider().as_str();
    let source = if matches!(tenant.provider, TenantProvider::File) {
        "file"
    } else {
        "api"
    };
    let now = clock.now();
    let setup = blocking(move || {
        let row = store.ensure_tenant(&name, provider, source, now)?;
        let run = store.start_tenant_run(scan_id, row.id, now)?;
        let snapshot = store.load_app_snapshot(&row)?;
        Ok::<_, StoreError>((store, row, run, snapshot))
    })
    .await;
    let (store, row, run_id, snapshot) = match setup {
        Ok(v) => v,
        Err(e) => {
            report.error = Some(e.to_string());
            report.duration = started.elapsed();
            tracing::error!(tenant = %report.name, error = %e, "tenant setup failed");
            return report;
        }
    };

    let collect_started = Instant::now();
    let result = collect(&tenant, &collector, &store, snapshot, timeout).await;
    let collected_in = collect_started.elapsed();
    let now = clock.now();
    let outcome = match result {
        Ok((differ, summary)) => {
            report.apps_seen = differ.apps_seen;
            report.grants_seen = differ.grants_seen;
            let ctx = ApplyContext {
                scan_id,
                now,
                apps_seen: differ.apps_seen,
                grants_seen: differ.grants_seen,
                credentials_seen: differ.credentials_seen,
                policy: differ.policy.clone(),
            };
            let store2 = store.clone();
            let changed = (differ.spool.app_count, differ.spool.grant_count);
            let apply_started = Instant::now();
            let applied = blocking(move || {
                let Differ {
                    snapshot, spool, ..
                } = differ;
                let (apps, grants) = spool.drain()?;
                store2.apply_inventory(&snapshot, &ctx, apps, grants)
            })
            .await;
            match applied {
                Ok(stats) => {
                    tracing::info!(
                        tenant = %report.name,
                        apps = report.apps_seen,
                        grants = report.grants_seen,
                        changed_apps = changed.0,
                        changed_grants = changed.1,
                        rows = stats.rows_written,
                        collect_ms = collected_in.as_millis() as u64,
                        store_ms = apply_started.elapsed().as_millis() as u64,
                        "tenant stored"
                    );
                    report.status = ScanStatus::Succeeded;
                    report.stats = stats;
                    Ok(summary)
                }
                Err(e) => Err(TenantError::Store(e)),
            }
        }
        Err(e) => Err(e),
    };
    let requests = match &outcome {
        Ok(summary) => summary.requests,
        Err(_) => 0,
    };
    if let Err(e) = &outcome {
        let message = error_text(&e.to_string());
        report.status = if matches!(e, TenantError::Partial(_)) {
            ScanStatus::Partial
        } else {
            ScanStatus::Failed
        };
        report.error = Some(message.clone());
        tracing::warn!(tenant = %report.name, error = %message, "collection not stored; keeping the last good inventory");
        let store2 = store.clone();
        let tenant_id = row.id;
        if let Err(e) = blocking(move || store2.mark_tenant_stale(tenant_id, now, &message)).await {
            tracing::error!(tenant = %report.name, error = %e, "could not mark the tenant stale");
        }
    }
    report.duration = started.elapsed();
    let run = TenantRunOutcome {
        apps_seen: report.apps_seen as i64,
        grants_seen: report.grants_seen as i64,
        requests: requests as i64,
        rows_written: report.stats.rows_written,
        events: report.stats.events,
        duration_ms: report.duration.as_millis() as i64,
        error: report.error.clone(),
    };
    let status = report.status;
    if let Err(e) = blocking(move || store.finish_tenant_run(run_id, status, &run, now)).await {
        tracing::error!(tenant = %report.name, error = %e, "could not record the tenant run");
    }
    report
}

/// Run the connector and the differ side by side; return the finished diff only if the
/// collection completed.
async fn collect(
    tenant: &TenantConfig,
    collector: &CollectorConfig,
    store: &Store,
    snapshot: crate::store::inventory::Snapshot,
    timeout: Duration,
) -> Result<(Differ, CollectSummary), TenantError> {
    let connector = connector_for(tenant, collector)?;
    // The stored grants load while the connector starts (its first items are the apps).
    let (grants_tx, grants_rx) = std::sync::mpsc::sync_channel(1);
    let (loader, tenant_id) = (store.clone(), snapshot.tenant_id);
    tokio::task::spawn_blocking(move || {
        // The differ may have given up already; then nobody needs the result.
        let _ = grants_tx.send(loader.load_grant_snapshot(tenant_id));
    });
    let mut differ = Differ::with_pending_grants(snapshot, grants_rx);
    let (mut sink, mut rx) = ItemSink::channel(CHANNEL_CAPACITY);
    let differ = tokio::task::spawn_blocking(move || {
        while let Some(batch) = rx.blocking_recv() {
            for item in batch {
                differ.push(item)?;
            }
        }
        differ.wait_for_grants()?;
        Ok::<_, StoreError>(differ)
    });
    let collected = tokio::time::timeout(timeout, async {
        let summary = connector.collect(&mut sink).await?;
        sink.flush().await?;
        Ok::<_, ConnectorError>(summary)
    })
    .await;
    // Closing the channel ends the differ's loop.
    drop(sink);
    // When the differ failed, the connector only saw a closed channel: report the differ's error.
    let differ = differ
        .await
        .map_err(|e| StoreError::Spool(format!("diff task ended: {e}")))??;
    let summary = match collected {
        Err(_) => return Err(TenantError::Timeout(timeout.as_secs())),
        Ok(result) => result?,
    };
    if !summary.gaps.is_empty() {
        let gaps: Vec<String> = summary
            .gaps
            .iter()
            .map(|g| format!("{} ({})", g.what, g.reason))
            .collect();
        return Err(TenantError::Partial(gaps.join("; ")));
    }
    if differ.duplicates > 0 {
        tracing::warn!(tenant = %tenant.name, duplicates = differ.duplicates, "the connector sent some items twice; kept the first");
    }
    Ok((differ, summary))
}

/// Error text as stored and logged: provider data can reach it (serde quotes the values it
/// rejects), so control characters go and the length is bounded.
pub(crate) fn error_text(message: &str) -> String {
    connectors::redact::printable(message, 2048)
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_text_is_one_bounded_line() {
        let text = super::error_text(&format!("bad\nline\r{}", "x".repeat(5000)));
        assert!(!text.contains('\n') && !text.contains('\r'));
        assert!(
            text.len() < 2100 && text.ends_with("bytes cut]"),
            "{}",
            &text[text.len() - 30..]
        );
    }
}
