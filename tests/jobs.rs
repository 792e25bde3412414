//! Scan jobs in the store, on every backend: one scan at a time and one per fire time, a job
//! held by one replica at a time under a lease that heartbeats extend and expiry ends, one
//! finisher per scan, and scans nobody alive works on marked interrupted.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;

use oauth_audit::store::Store;
use oauth_audit::store::jobs::{MAX_ATTEMPTS, NewScan};
use oauth_audit::store::replica::Liveness;
use oauth_audit::store::scans::ScanStatus;
use support::{Backend, TestDb, backends};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap()
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("t{i}")).collect()
}

fn started(store: &Store, tenants: usize, owner: i32) -> i64 {
    match store
        .create_scan("schedule", &names(tenants), None, owner, t0())
        .unwrap()
    {
        NewScan::Started(id) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_scan_runs_at_a_time_and_a_fire_time_starts_one_scan() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let fire = Some(t0());
        let first = store
            .create_scan("schedule", &names(2), fire, 1, t0())
            .unwrap();
        let NewScan::Started(id) = first else {
            panic!("[{backend:?}] {first:?}")
        };
        assert_eq!(
            store
                .create_scan("schedule", &names(2), fire, 2, t0())
                .unwrap(),
            NewScan::AlreadyFired,
            "[{backend:?}] a second replica waking for the same fire time"
        );
        assert_eq!(
            store.create_scan("cli", &names(2), None, 2, t0()).unwrap(),
            NewScan::Busy(id),
            "[{backend:?}] a manual scan while one runs"
        );
        let jobs = store.scan_jobs(id).unwrap();
        assert_eq!(jobs.len(), 2, "[{backend:?}]");
        assert!(
            jobs.iter()
                .all(|j| j.status == "pending" && j.owner.is_none())
        );

        store
            .finish_scan(id, ScanStatus::Succeeded, 0, t0())
            .unwrap();
        assert_eq!(
            store
                .create_scan("schedule", &names(2), fire, 2, t0())
                .unwrap(),
            NewScan::AlreadyFired,
            "[{backend:?}] a fire time runs once even after its scan ended"
        );
        assert!(matches!(
            store
                .create_scan(
                    "schedule",
                    &names(2),
                    Some(t0() + Duration::hours(24)),
                    2,
                    t0()
                )
                .unwrap(),
            NewScan::Started(_)
        ));
    }
}

#[test]
fn a_lease_holds_a_job_until_it_runs_out_and_heartbeats_extend_it() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let scan = started(&store, 2, 1);
        let lease = Duration::seconds(30);
        let (a, b) = (11, 22);
        let now = t0();

        let ja = store.claim_job(a, None, now + lease, now).unwrap().unwrap();
        let jb = store.claim_job(b, None, now + lease, now).unwrap().unwrap();
        assert_ne!(ja.id, jb.id, "[{backend:?}] two replicas, two jobs");
        assert_eq!((ja.tenant.as_str(), ja.attempts), ("t0", 1));
        assert!(
            store
                .claim_job(b, Some(scan), now + lease, now)
                .unwrap()
                .is_none(),
            "[{backend:?}] both jobs are held"
        );

        // A heartbeat moves a's lease on; b's lease runs out.
        let later = now + Duration::seconds(20);
        assert!(store.renew_lease(ja.id, a, later + lease).unwrap());
        let expired = now + Duration::seconds(31);
        let again = store
            .claim_job(a, None, expired + lease, expired)
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.id, again.attempts),
            (jb.id, 2),
            "[{backend:?}] only the job whose lease ran out is claimed again"
        );
        assert!(
            store
                .claim_job(b, None, expired + lease, expired)
                .unwrap()
                .is_none(),
            "[{backend:?}] the renewed job stays with a"
        );

        // b comes back: it lost its job and can neither renew nor finish it.
        assert!(!store.renew_lease(jb.id, b, expired + lease).unwrap());
        assert!(
            !store
                .finish_job(jb.id, b, ScanStatus::Succeeded, expired)
                .unwrap()
        );
        assert!(
            store
                .finish_job(jb.id, a, ScanStatus::Succeeded, expired)
                .unwrap()
        );
        let jobs = store.scan_jobs(scan).unwrap();
        assert_eq!(jobs[1].owner, Some(a), "[{backend:?}]");
        assert_eq!(jobs[1].outcome.as_deref(), Some("succeeded"));
        assert_eq!(jobs[1].status, "done");
    }
}

#[test]
fn a_job_replicas_keep_dying_on_fails_after_the_last_attempt() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let scan = started(&store, 1, 1);
        let lease = Duration::seconds(10);
        let mut now = t0();
        for attempt in 1..=MAX_ATTEMPTS {
            let job = store
                .claim_job(attempt, None, now + lease, now)
                .unwrap()
                .unwrap();
            assert_eq!(job.attempts, attempt, "[{backend:?}]");
            now += Duration::seconds(11);
        }
        assert!(
            store
                .claim_job(9, None, now + lease, now)
                .unwrap()
                .is_none()
        );
        assert_eq!(store.fail_exhausted_jobs(now).unwrap(), 1, "[{backend:?}]");
        let live = Liveness::default();
        assert!(store.claim_finish(scan, 9, &live).unwrap(), "[{backend:?}]");
        assert_eq!(
            store.scan_jobs(scan).unwrap()[0].outcome.as_deref(),
            Some("failed")
        );
    }
}

#[test]
fn one_replica_is_elected_to_finish_a_scan_once_every_job_is_done() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let scan = started(&store, 2, 1);
        let mut live = Liveness::default();
        live.owners.extend([11, 22]);
        let lease = t0() + Duration::seconds(30);
        let ja = store.claim_job(11, None, lease, t0()).unwrap().unwrap();
        let jb = store.claim_job(22, None, lease, t0()).unwrap().unwrap();
        assert!(
            store
                .finish_job(ja.id, 11, ScanStatus::Succeeded, t0())
                .unwrap()
        );
        assert!(
            !store.claim_finish(scan, 11, &live).unwrap(),
            "[{backend:?}] a job is still open"
        );
        assert!(
            store
                .finish_job(jb.id, 22, ScanStatus::Failed, t0())
                .unwrap()
        );
        assert!(
            store.claim_finish(scan, 22, &live).unwrap(),
            "[{backend:?}]"
        );
        assert!(
            !store.claim_finish(scan, 11, &live).unwrap(),
            "[{backend:?}] one finisher"
        );
        // The finisher dies before finishing: a live replica takes over.
        live.owners.remove(&22);
        assert!(
            store.claim_finish(scan, 11, &live).unwrap(),
            "[{backend:?}]"
        );
    }
}

#[test]
fn concurrent_claims_hand_each_job_to_exactly_one_replica() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let scan = started(&store, 60, 1);
        let lease = t0() + Duration::seconds(60);
        let claimed: Vec<(i32, i64)> = std::thread::scope(|s| {
            let workers: Vec<_> = (1..=4)
                .map(|owner| {
                    let store = store.clone();
                    s.spawn(move || {
                        let mut mine = Vec::new();
                        while let Some(job) =
                            store.claim_job(owner, Some(scan), lease, t0()).unwrap()
                        {
                            mine.push((owner, job.id));
                        }
                        mine
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let mut by_job: BTreeMap<i64, Vec<i32>> = BTreeMap::new();
        for (owner, job) in &claimed {
            by_job.entry(*job).or_default().push(*owner);
        }
        assert_eq!(by_job.len(), 60, "[{backend:?}] every job claimed");
        assert!(
            by_job.values().all(|owners| owners.len() == 1),
            "[{backend:?}] a job claimed twice: {by_job:?}"
        );
        for job in store.scan_jobs(scan).unwrap() {
            assert_eq!(job.owner, Some(by_job[&job.id][0]), "[{backend:?}]");
        }
    }
}

#[test]
fn only_scans_nobody_alive_works_on_are_interrupted() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let store = db.store();
        let other = store.register_replica(false).unwrap();
        let me = store.register_replica(true).unwrap();
        let scan = started(&store, 2, other.key());
        let lease = t0() + Duration::seconds(30);
        let job = store
            .claim_job(other.key(), None, lease, t0())
            .unwrap()
            .unwrap();
        store
            .start_tenant_run(
                scan,
                store.ensure_tenant("t0", "entra", "api", t0()).unwrap().id,
                t0(),
            )
            .unwrap();

        let live = store.liveness(&me).unwrap().without(me.key());
        if backend == Backend::Postgres {
            assert!(
                live.alive(Some(other.key())),
                "pg_locks shows the other replica"
            );
            assert!(
                store
                    .interrupt_orphaned_scans(&live, None, t0())
                    .unwrap()
                    .is_empty(),
                "a scan whose replica is alive runs on"
            );
            assert_eq!(store.scan(scan).unwrap().unwrap().status, "running");
        }
        // The replica dies (on SQLite every other process counts as gone).
        let other_key = other.key();
        drop(other);
        let live = store.liveness(&me).unwrap().without(me.key());
        assert!(!live.alive(Some(other_key)), "[{backend:?}]");
        assert_eq!(job.tenant, "t0");
        assert_eq!(
            store.interrupt_orphaned_scans(&live, None, t0()).unwrap(),
            vec![scan],
            "[{backend:?}]"
        );
        assert_eq!(store.scan(scan).unwrap().unwrap().status, "interrupted");
        assert!(
            store
                .tenant_runs(scan)
                .unwrap()
                .iter()
                .all(|r| r.status == "interrupted"),
            "[{backend:?}]"
        );
        assert!(
            store
                .scan_jobs(scan)
                .unwrap()
                .iter()
                .all(|j| j.status == "done" && j.outcome.as_deref() == Some("interrupted")),
            "[{backend:?}]"
        );
    }
}
