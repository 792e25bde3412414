//! The nightly schedule: when scans fire, and the guarantee that two never run at once.
//!
//! - [`Schedule`]: `schedule.cron` (six fields, seconds first) read with the `cron` crate, in
//!   UTC or in the IANA `schedule.timezone` (so "02:00" stays 02:00 local across DST).
//! - [`ScanGate`]: the one gate every scan passes (schedule, start-up, API, catch-up): a
//!   second scan asked for while one runs is refused, not queued.
//! - [`run`]: the scheduler loop. It sleeps towards the next fire time in slices of at most a
//!   minute, re-reading the clock each time, so a changed clock (or a test clock) is noticed,
//!   and skips a fire time that arrives while a scan still runs.
//! - [`catch_up_due`]: at start, whether the last successful scan is older than one period.

use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::clock::Clock;

/// The longest single sleep of the scheduler loop.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// When scans fire.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: cron::Schedule,
    tz: Tz,
}

impl Schedule {
    /// `expr` has six fields (`sec min hour day month weekday`); `timezone` is an IANA name,
    /// UTC when absent.
    pub fn parse(expr: &str, timezone: Option<&str>) -> Result<Schedule, String> {
        if expr.split_whitespace().count() != 6 {
            return Err("expected 6 fields: sec min hour day month weekday".into());
        }
        let cron = cron::Schedule::from_str(expr).map_err(|e| format!("invalid cron: {e}"))?;
        let tz = match timezone {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| format!("unknown IANA time zone `{name}`"))?,
            None => Tz::UTC,
        };
        let schedule = Schedule { cron, tz };
        if schedule.next_after(DateTime::<Utc>::UNIX_EPOCH).is_none() {
            return Err("the expression never fires".into());
        }
        Ok(schedule)
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&t.with_timezone(&self.tz))
            .next()
            .map(|n| n.with_timezone(&Utc))
    }

    /// The time between the two fire times that follow `t`: one period of the schedule.
    pub fn period_after(&self, t: DateTime<Utc>) -> Option<chrono::Duration> {
        let first = self.next_after(t)?;
        let second = self.next_after(first)?;
        Some(second - first)
    }
}

/// Whether a start-up catch-up scan is due: no scan ever succeeded, or the last success is
/// older than one period of the schedule.
pub fn catch_up_due(
    schedule: &Schedule,
    last_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match (last_success, schedule.period_after(now)) {
        (None, _) => true,
        (Some(at), Some(period)) => now - at > period,
        (Some(_), None) => false,
    }
}

/// Lets one scan run at a time in this process, and carries the process's replica
/// registration (`serve` sets it) for scans started through the gate.
#[derive(Debug, Default)]
pub struct ScanGate {
    busy: AtomicBool,
    replica: Option<Arc<crate::store::replica::Replica>>,
}

/// Held while a scan runs; dropping it opens the gate.
#[derive(Debug)]
pub struct GatePass {
    gate: Arc<ScanGate>,
}

impl Drop for GatePass {
    fn drop(&mut self) {
        self.gate.busy.store(false, Ordering::Release);
    }
}

impl ScanGate {
    /// A gate for the process registered as `replica`.
    pub fn for_replica(replica: Arc<crate::store::replica::Replica>) -> ScanGate {
        ScanGate {
            busy: AtomicBool::new(false),
            replica: Some(replica),
        }
    }

    /// The process's replica registration, when it has one.
    pub fn replica(&self) -> Option<Arc<crate::store::replica::Replica>> {
        self.replica.clone()
    }

    /// A pass when no scan runs, else `None`.
    pub fn try_enter(self: &Arc<Self>) -> Option<GatePass> {
        self.busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| GatePass { gate: self.clone() })
    }

    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }
}

/// What the scheduler shows the outside world (readiness output, dashboard).
#[derive(Debug, Default)]
pub struct SchedulerStatus {
    next_run: Mutex<Option<DateTime<Utc>>>,
}

impl SchedulerStatus {
    pub fn next_run(&self) -> Option<DateTime<Utc>> {
        self.next_run.lock().ok().and_then(|g| *g)
    }

    fn set_next_run(&self, at: Option<DateTime<Utc>>) {
        if let Ok(mut g) = self.next_run.lock() {
            *g = at;
        }
    }
}

/// Run the schedule until the schedule ends: at each fire time, enter the gate and await
/// `fire(fire_time)`, or skip (with a warning) when a scan is already running here.
pub async fn run<F, Fut>(
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    gate: Arc<ScanGate>,
    status: Arc<SchedulerStatus>,
    fire: F,
) where
    F: Fn(DateTime<Utc>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut after = clock.now();
    while let Some(next) = schedule.next_after(after) {
        status.set_next_run(Some(next));
        tracing::info!(next_run = %next.to_rfc3339(), "next scheduled scan");
        loop {
            let now = clock.now();
            if now >= next {
                break;
            }
            let left = (next - now).to_std().unwrap_or(Duration::ZERO);
            tokio::time::sleep(left.min(MAX_SLEEP)).await;
        }
        match gate.try_enter() {
            Some(pass) => {
                fire(next).await;
                drop(pass);
            }
            None => tracing::warn!(
                fire_time = %next.to_rfc3339(),
                "scheduled scan skipped: a scan is still running"
            ),
        }
        // A long scan may pass later fire times: they are skipped, not run back to back.
        after = clock.now().max(next);
    }
    status.set_next_run(None);
}

#[cfg(test)]
#[path = "scheduler/tests.rs"]
mod tests;
