//! What a `serve` replica runs besides the web server: scans it starts (the schedule's, the
//! start-up one) worked to the end, and on PostgreSQL a loop that joins scans other replicas
//! started. Which replica does what is settled in the database (`store::jobs`), not here.

use std::sync::Arc;
use std::time::Duration;

use super::scheduler::ScanGate;
use super::{Trigger, Worker};

/// Start a scan (for schedule fire time `fire_time`, if any) and work on it until it ends.
/// Another replica having started the scan for this fire time, or a scan still running, is
/// not an error: the running scan's jobs are taken by [`join_running_scans`].
pub async fn start_and_work(
    worker: &Worker,
    trigger: Trigger,
    fire_time: Option<chrono::DateTime<chrono::Utc>>,
) {
    use crate::store::jobs::NewScan;
    let started = match worker
        .start(trigger, &worker.config.tenants, fire_time)
        .await
    {
        Ok(NewScan::Started(id)) => worker.work_scan(id).await.map(|_| ()),
        Ok(NewScan::AlreadyFired) => {
            tracing::info!(
                trigger = trigger.as_str(),
                "another replica started this scan"
            );
            Ok(())
        }
        // Replicas starting together all try the start-up scan; one starts it.
        Ok(NewScan::Busy(id)) if trigger == Trigger::Startup => {
            tracing::info!(scan_id = id, "start-up scan not needed: a scan is running");
            Ok(())
        }
        Ok(NewScan::Busy(id)) => {
            tracing::warn!(
                scan_id = id,
                trigger = trigger.as_str(),
                "scan not started: another scan is still running"
            );
            Ok(())
        }
        Err(e) => Err(e),
    };
    if let Err(e) = started {
        tracing::error!(error = %e, trigger = trigger.as_str(), "scan failed");
    }
}

/// PostgreSQL: every `collector.poll_secs`, while no scan runs in this process, take jobs of
/// scans other replicas started (and jobs whose lease ran out).
pub async fn join_running_scans(worker: Worker, gate: Arc<ScanGate>) {
    let poll = Duration::from_secs(worker.config.collector.poll_secs);
    loop {
        tokio::time::sleep(poll).await;
        let Some(pass) = gate.try_enter() else {
            continue;
        };
        if let Err(e) = worker.work_any().await {
            tracing::error!(error = %e, "could not work on a running scan");
        }
        drop(pass);
    }
}
