//! Finishing a scan: once every job is done, one replica (elected in the store) judges the
//! scan's stored tenants, so cross-tenant rules see the whole run, and records how the scan
//! ended; then it prunes old history ([`super::retention`]).

use super::evaluate;
use super::work::{Worker, blocking};
use crate::config::Config;
use crate::store::scans::ScanStatus;
use crate::store::{Store, StoreError};

/// Each judged tenant with its verdict, or why the rules could not run.
pub(crate) type Judged = Vec<(String, Result<evaluate::EvaluationReport, String>)>;

/// Finish scan `scan_id` if every job is done and no live replica is finishing it already.
/// Returns the verdicts when this replica finished it.
pub(crate) async fn try_finish(
    worker: &Worker,
    scan_id: i64,
) -> Result<Option<Judged>, StoreError> {
    let (s, me) = (worker.store.clone(), worker.replica.clone());
    let elected = blocking(move || {
        let live = s.liveness(&me)?;
        s.claim_finish(scan_id, me.key(), &live)
    })
    .await?;
    if !elected {
        return Ok(None);
    }
    let s = worker.store.clone();
    let jobs = blocking(move || s.scan_jobs(scan_id)).await?;
    let succeeded = ScanStatus::Succeeded.as_str();
    let stored: Vec<String> = jobs
        .iter()
        .filter(|j| j.outcome.as_deref() == Some(succeeded))
        .map(|j| j.tenant.clone())
        .collect();
    let (s, cfg, now) = (
        worker.store.clone(),
        worker.config.clone(),
        worker.clock.now(),
    );
    let judged: Judged = blocking(move || Ok(judge_tenants(&s, &cfg, scan_id, &stored, now)))
        .await?
        .into_iter()
        // Stored documents are provider data, and a parse error may quote them.
        .map(|(name, r)| {
            (
                name,
                r.map_err(|e| super::tenant::error_text(&e.to_string())),
            )
        })
        .collect();
    let mut failed = jobs
        .iter()
        .filter(|j| j.outcome.as_deref() != Some(succeeded))
        .count() as i32;
    for (name, result) in &judged {
        if let Err(e) = result {
            tracing::error!(tenant = %name, error = %e, "evaluation failed; findings are from the previous evaluation");
            failed += 1;
        }
    }
    let total = jobs.len() as i32;
    let status = match failed {
        0 => ScanStatus::Succeeded,
        f if f >= total => ScanStatus::Failed,
        _ => ScanStatus::Partial,
    };
    let (s, now) = (worker.store.clone(), worker.clock.now());
    blocking(move || s.finish_scan(scan_id, status, failed, now)).await?;
    tracing::info!(scan_id, status = status.as_str(), failed, "scan finished");
    let days = worker.config.retention.days;
    if days > 0 {
        let (s, clock) = (worker.store.clone(), worker.clock.clone());
        tokio::spawn(async move {
            super::retention::prune(&s, clock.as_ref(), days).await;
        });
    }
    Ok(Some(judged))
}

/// Evaluate the rules over each named tenant (blocking).
pub(crate) fn judge_tenants(
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
