//! The schedule and the scheduler loop under a controllable clock: tokio's paused time drives
//! both the loop's sleeps and the clock it reads.

use std::sync::Mutex;

use chrono::TimeZone;

use super::*;

/// A clock that follows tokio's (paused, test-controlled) time from a fixed start.
struct TokioClock {
    base: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.start.elapsed()).unwrap();
        self.base + elapsed
    }
}

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 15, h, m, s).unwrap()
}

fn clock(start: DateTime<Utc>) -> Arc<dyn Clock> {
    Arc::new(TokioClock {
        base: start,
        start: tokio::time::Instant::now(),
    })
}

#[test]
fn the_schedule_reads_six_fields_in_utc_or_an_iana_zone() {
    let nightly = Schedule::parse("0 0 2 * * *", None).unwrap();
    assert_eq!(nightly.next_after(at(1, 0, 0)), Some(at(2, 0, 0)));
    assert_eq!(
        nightly.next_after(at(2, 0, 0)),
        Some(at(2, 0, 0) + chrono::Duration::days(1))
    );
    assert_eq!(
        nightly.period_after(at(3, 0, 0)),
        Some(chrono::Duration::days(1))
    );
    // 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer.
    let berlin = Schedule::parse("0 0 2 * * *", Some("Europe/Berlin")).unwrap();
    assert_eq!(berlin.next_after(at(0, 0, 0)), Some(at(1, 0, 0)));
    let july = Utc.with_ymd_and_hms(2026, 7, 15, 0, 0, 0).unwrap();
    assert_eq!(
        berlin.next_after(july - chrono::Duration::hours(1)),
        Some(july)
    );
}

#[test]
fn bad_schedules_are_refused_with_the_reason() {
    assert!(
        Schedule::parse("0 2 * * *", None)
            .unwrap_err()
            .contains("6 fields")
    );
    assert!(
        Schedule::parse("0 0 25 * * *", None)
            .unwrap_err()
            .contains("invalid cron")
    );
    assert!(
        Schedule::parse("0 0 2 * * *", Some("Mars/Olympus"))
            .unwrap_err()
            .contains("Mars/Olympus")
    );
}

#[test]
fn a_catch_up_scan_is_due_when_the_last_success_is_older_than_one_period() {
    let nightly = Schedule::parse("0 0 2 * * *", None).unwrap();
    let now = at(12, 0, 0);
    assert!(catch_up_due(&nightly, None, now), "never scanned");
    assert!(catch_up_due(
        &nightly,
        Some(now - chrono::Duration::hours(25)),
        now
    ));
    assert!(!catch_up_due(
        &nightly,
        Some(now - chrono::Duration::hours(10)),
        now
    ));
}

#[test]
fn the_gate_admits_one_scan_at_a_time() {
    let gate = Arc::new(ScanGate::default());
    let pass = gate.try_enter().unwrap();
    assert!(gate.is_busy());
    assert!(gate.try_enter().is_none());
    drop(pass);
    assert!(gate.try_enter().is_some());
}

/// Run the scheduler for `for_secs` of test time, with each scan taking `scan_secs`; return
/// the (start, end) clock times of the scans it ran.
async fn scans_run(
    cron: &str,
    start: DateTime<Utc>,
    for_secs: u64,
    scan_secs: u64,
    gate: Arc<ScanGate>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let clock = clock(start);
    let runs = Arc::new(Mutex::new(Vec::new()));
    let status = Arc::new(SchedulerStatus::default());
    let schedule = Schedule::parse(cron, None).unwrap();
    let task = {
        let (clock, runs, status) = (clock.clone(), runs.clone(), status.clone());
        tokio::spawn(async move {
            let fire_clock = clock.clone();
            run(schedule, clock, gate, status, move |_| {
                let (clock, runs) = (fire_clock.clone(), runs.clone());
                async move {
                    let began = clock.now();
                    tokio::time::sleep(Duration::from_secs(scan_secs)).await;
                    runs.lock().unwrap().push((began, clock.now()));
                }
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(status.next_run().is_some(), "the next run is published");
    tokio::time::sleep(Duration::from_secs(for_secs)).await;
    task.abort();
    runs.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn scans_fire_at_each_fire_time() {
    let runs = scans_run("*/10 * * * * *", at(2, 0, 5), 33, 1, Arc::default()).await;
    let starts: Vec<_> = runs.iter().map(|r| r.0).collect();
    assert_eq!(starts, vec![at(2, 0, 10), at(2, 0, 20), at(2, 0, 30)]);
}

#[tokio::test(start_paused = true)]
async fn a_long_scan_makes_the_scheduler_skip_fire_times_instead_of_overlapping() {
    // Every 10 s, each scan taking 25 s: runs at :10 (to :35) and :40 (to :65), never two at once.
    let runs = scans_run("*/10 * * * * *", at(2, 0, 5), 70, 25, Arc::default()).await;
    let starts: Vec<_> = runs.iter().map(|r| r.0).collect();
    assert_eq!(starts, vec![at(2, 0, 10), at(2, 0, 40)]);
    for pair in runs.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "overlap: {pair:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_fire_time_is_skipped_while_another_scan_holds_the_gate() {
    let gate = Arc::new(ScanGate::default());
    // An API-started scan holds the gate for the first 15 s.
    let pass = gate.try_enter().unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(15)).await;
        drop(pass);
    });
    let runs = scans_run("*/10 * * * * *", at(2, 0, 5), 26, 1, gate).await;
    release.await.unwrap();
    let starts: Vec<_> = runs.iter().map(|r| r.0).collect();
    assert_eq!(starts, vec![at(2, 0, 20), at(2, 0, 30)]);
}
