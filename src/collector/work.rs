//! A replica's part of a scan: claim the scan's jobs one by one (at most
//! `collector.concurrency` at once), renew each job's lease while its tenant runs, record the
//! outcome, and finish the scan when its last job is done.
//!
//! A job whose lease runs out (its replica died or stalled) is claimed again by whichever
//! replica looks next; a replica that notices it lost a lease drops the tenant's collection
//! before storing it. Scans other processes started are found by [`Worker::work_any`], which
//! `serve` calls on PostgreSQL every `collector.poll_secs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::{ScanError, ScanReport, TenantReport, Trigger, finish, tenant};
use crate::clock::Clock;
use crate::config::{Config, TenantConfig};
use crate::store::inventory::ApplyStats;
use crate::store::jobs::{ClaimedJob, NewScan};
use crate::store::replica::Replica;
use crate::store::scans::ScanStatus;
use crate::store::{Store, StoreError};

/// What a replica needs to work on scans.
#[derive(Clone)]
pub struct Worker {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub replica: Arc<Replica>,
}

/// How one job ended on this replica.
struct JobDone {
    /// `None` when the job was lost (lease ran out) or its outcome could not be recorded.
    report: Option<TenantReport>,
    judged: Option<finish::Judged>,
}

impl Worker {
    /// A worker as `replica`, or as a new non-worker registration when `None`.
    pub async fn new(
        store: &Store,
        config: &Config,
        clock: Arc<dyn Clock>,
        replica: Option<Arc<Replica>>,
    ) -> Result<Worker, ScanError> {
        let replica = match replica {
            Some(r) => r,
            None => super::register_replica(store, false).await?,
        };
        Ok(Worker {
            store: store.clone(),
            config: Arc::new(config.clone()),
            clock,
            replica,
        })
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.config.collector.lease_secs as i64)
    }

    fn poll(&self) -> Duration {
        Duration::from_secs(self.config.collector.poll_secs)
    }

    /// Record a scan of `tenants` (for schedule fire time `fire_time`, if any).
    pub async fn start(
        &self,
        trigger: Trigger,
        tenants: &[TenantConfig],
        fire_time: Option<DateTime<Utc>>,
    ) -> Result<NewScan, ScanError> {
        let names: Vec<String> = tenants.iter().map(|t| t.name.clone()).collect();
        let (s, me, now) = (self.store.clone(), self.replica.key(), self.clock.now());
        let total = names.len();
        let created =
            blocking(move || s.create_scan(trigger.as_str(), &names, fire_time, me, now)).await?;
        if let NewScan::Started(scan_id) = created {
            tracing::info!(
                scan_id,
                tenants = total,
                trigger = trigger.as_str(),
                replica = me,
                "scan started"
            );
        }
        Ok(created)
    }

    /// Work on any running scan that has work for this replica; returns its report when there
    /// was one.
    pub async fn work_any(&self) -> Result<Option<ScanReport>, ScanError> {
        let (s, me, now) = (self.store.clone(), self.replica.clone(), self.clock.now());
        let found = blocking(move || {
            s.fail_exhausted_jobs(now)?;
            let live = s.liveness(&me)?;
            s.scan_with_work(&live, now)
        })
        .await?;
        match found {
            Some(scan_id) => {
                tracing::info!(scan_id, "joining a running scan");
                self.work_scan(scan_id).await.map(Some)
            }
            None => Ok(None),
        }
    }

    /// Run jobs of scan `scan_id` until the scan has finished (here or on another replica).
    pub async fn work_scan(&self, scan_id: i64) -> Result<ScanReport, ScanError> {
        let limit = self.config.collector.concurrency.max(1);
        let mut running: JoinSet<JobDone> = JoinSet::new();
        let mut local: HashMap<String, TenantReport> = HashMap::new();
        let mut judged: finish::Judged = Vec::new();
        loop {
            while running.len() < limit {
                let (s, me, now) = (self.store.clone(), self.replica.key(), self.clock.now());
                let until = now + self.lease();
                match blocking(move || s.claim_job(me, Some(scan_id), until, now)).await? {
                    Some(job) => {
                        let worker = self.clone();
                        running.spawn(async move { worker.run_job(job).await });
                    }
                    None => break,
                }
            }
            if running.is_empty() {
                // Nothing to claim and nothing running here: finish the scan if it is done
                // (jobs replicas kept dying on, a finisher that died), else wait for the others.
                let (s, now) = (self.store.clone(), self.clock.now());
                blocking(move || s.fail_exhausted_jobs(now)).await?;
                if let Some(j) = finish::try_finish(self, scan_id).await? {
                    judged.extend(j);
                }
                let s = self.store.clone();
                let status = blocking(move || s.scan(scan_id)).await?.map(|r| r.status);
                if status.as_deref() != Some(ScanStatus::Running.as_str()) {
                    break;
                }
                tokio::time::sleep(self.poll()).await;
                continue;
            }
            tokio::select! {
                done = running.join_next() => match done {
                    Some(Ok(done)) => {
                        if let Some(r) = done.report {
                            local.insert(r.name.clone(), r);
                        }
                        judged.extend(done.judged.unwrap_or_default());
                    }
                    Some(Err(e)) => tracing::error!(error = %e, "a tenant task panicked"),
                    None => {}
                },
                // Look again for jobs whose lease ran out while ours run.
                _ = tokio::time::sleep(self.poll()) => {}
            }
        }
        self.report(scan_id, local, judged).await
    }

    /// Run one claimed job: the tenant's collection under a renewed lease.
    async fn run_job(self, job: ClaimedJob) -> JobDone {
        let me = self.replica.key();
        tracing::info!(scan_id = job.scan_id, tenant = %job.tenant, attempt = job.attempts, replica = me, "tenant job claimed");
        let lost = Arc::new(Notify::new());
        let heartbeat = {
            let (s, clock, lost) = (self.store.clone(), self.clock.clone(), lost.clone());
            let (every, lease, id) = (
                Duration::from_secs(self.config.collector.heartbeat_secs),
                self.lease(),
                job.id,
            );
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let (s, until) = (s.clone(), clock.now() + lease);
                    match blocking(move || s.renew_lease(id, me, until)).await {
                        Ok(true) => {}
                        Ok(false) => {
                            lost.notify_one();
                            return;
                        }
                        // A database hiccup: try again at the next beat; the lease has slack.
                        Err(e) => tracing::warn!(error = %e, "could not renew a job lease"),
                    }
                }
            })
        };
        let tenant = self
            .config
            .tenants
            .iter()
            .find(|t| t.name == job.tenant)
            .cloned();
        let report = match tenant {
            Some(t) => {
                let run = tenant::run_tenant(
                    self.store.clone(),
                    self.clock.clone(),
                    job.scan_id,
                    t,
                    self.config.collector.clone(),
                );
                tokio::select! {
                    r = run => Some(r),
                    _ = lost.notified() => None,
                }
            }
            None => Some(missing_tenant(&job.tenant)),
        };
        heartbeat.abort();
        let Some(report) = report else {
            tracing::warn!(scan_id = job.scan_id, tenant = %job.tenant, "lost the job's lease; another replica runs the tenant");
            return JobDone {
                report: None,
                judged: None,
            };
        };
        let (s, now, status) = (self.store.clone(), self.clock.now(), report.status);
        match blocking(move || s.finish_job(job.id, me, status, now)).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(scan_id = job.scan_id, tenant = %job.tenant, "the job was taken over before it finished here");
                return JobDone {
                    report: None,
                    judged: None,
                };
            }
            Err(e) => {
                tracing::error!(error = %e, "could not record a finished job; its lease will run out");
                return JobDone {
                    report: None,
                    judged: None,
                };
            }
        }
        let judged = match finish::try_finish(&self, job.scan_id).await {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(scan_id = job.scan_id, error = %e, "could not finish the scan");
                None
            }
        };
        JobDone {
            report: Some(report),
            judged,
        }
    }

    /// The scan's report: this replica's tenant reports, the others' from their stored runs.
    async fn report(
        &self,
        scan_id: i64,
        mut local: HashMap<String, TenantReport>,
        judged: finish::Judged,
    ) -> Result<ScanReport, ScanError> {
        let s = self.store.clone();
        let (scan, jobs, runs) = blocking(move || {
            Ok((
                s.scan(scan_id)?,
                s.scan_jobs(scan_id)?,
                s.tenant_runs_by_name(scan_id)?,
            ))
        })
        .await?;
        let status = scan
            .and_then(|r| ScanStatus::parse(&r.status))
            .unwrap_or(ScanStatus::Interrupted);
        let mut tenants: Vec<TenantReport> = jobs
            .iter()
            .map(|j| {
                local.remove(&j.tenant).unwrap_or_else(|| {
                    let run = runs.iter().find(|(n, _)| n == &j.tenant).map(|(_, r)| r);
                    TenantReport {
                        name: j.tenant.clone(),
                        status: j
                            .outcome
                            .as_deref()
                            .and_then(ScanStatus::parse)
                            .unwrap_or(ScanStatus::Interrupted),
                        apps_seen: run.map_or(0, |r| r.apps_seen as u64),
                        grants_seen: run.map_or(0, |r| r.grants_seen as u64),
                        stats: ApplyStats::default(),
                        duration: Duration::from_millis(run.map_or(0, |r| r.duration_ms as u64)),
                        error: run.and_then(|r| r.error.clone()),
                        evaluation: None,
                    }
                })
            })
            .collect();
        for (name, result) in judged {
            let Some(r) = tenants.iter_mut().find(|r| r.name == name) else {
                continue;
            };
            match result {
                Ok(evaluation) => r.evaluation = Some(evaluation),
                Err(e) => {
                    r.status = ScanStatus::Partial;
                    r.error = Some(format!(
                        "inventory stored, but the rules could not be evaluated: {e}"
                    ));
                }
            }
        }
        Ok(ScanReport {
            scan_id,
            status,
            tenants,
        })
    }
}

/// The report of a job naming a tenant this replica's configuration lacks.
fn missing_tenant(name: &str) -> TenantReport {
    tracing::error!(tenant = %name, "a job names a tenant this replica's configuration lacks");
    TenantReport {
        name: name.to_string(),
        status: ScanStatus::Failed,
        apps_seen: 0,
        grants_seen: 0,
        stats: ApplyStats::default(),
        duration: Duration::ZERO,
        error: Some("the tenant is not in this replica's configuration".into()),
        evaluation: None,
    }
}

/// Run blocking store work off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Spool(format!("store task ended: {e}")))?
}
