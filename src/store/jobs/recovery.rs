//! Work left by others: the running scan a replica can help with, jobs handed back by a
//! replica shutting down, and scans nobody alive works on, marked interrupted.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{DONE, MAX_ATTEMPTS, PENDING, RUNNING};
use crate::store::replica::Liveness;
use crate::store::scans::ScanStatus;
use crate::store::schema::{scan_jobs, scan_tenants, scans};
use crate::store::{DbConn, Store, StoreError, to_db};
use crate::with_conn;

impl Store {
    /// The oldest running scan with work for a replica: a claimable job, or every job done
    /// and no live finisher.
    pub fn scan_with_work(
        &self,
        live: &Liveness,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn()?;
        let running: Vec<(i64, Option<i32>)> = with_conn!(&mut conn, c => scans::table
            .filter(scans::status.eq(ScanStatus::Running.as_str()))
            .order(scans::id.asc())
            .select((scans::id, scans::finisher))
            .load(c))?;
        for (id, finisher) in running {
            let jobs = self.scan_jobs(id)?;
            let claimable = jobs.iter().any(|j| {
                j.attempts < MAX_ATTEMPTS
                    && (j.status == PENDING
                        || j.status == RUNNING && j.lease_until.is_some_and(|l| l < to_db(now)))
            });
            let finishable = jobs.iter().all(|j| j.status == DONE) && !live.alive(finisher);
            if claimable || finishable {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Hand `owner`'s running jobs back (pending, no lease) for other replicas to run.
    pub fn release_jobs(&self, owner: i32) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => diesel::update(
            scan_jobs::table
                .filter(scan_jobs::owner.eq(owner))
                .filter(scan_jobs::status.eq(RUNNING)),
        )
        .set((
            scan_jobs::status.eq(PENDING),
            scan_jobs::owner.eq(None::<i32>),
            scan_jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(c))?;
        Ok(n)
    }

    /// Mark running scans that nobody alive works on as interrupted, with their unfinished
    /// tenant runs and jobs. A scan is orphaned when no worker replica is alive to take its
    /// jobs and neither its owner, its finisher nor any holder of one of its unfinished jobs
    /// is alive. `only_owner`: consider only scans this replica started or holds jobs of.
    pub fn interrupt_orphaned_scans(
        &self,
        live: &Liveness,
        only_owner: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn()?;
        let running: Vec<(i64, Option<i32>, Option<i32>)> = with_conn!(&mut conn, c => scans::table
            .filter(scans::status.eq(ScanStatus::Running.as_str()))
            .select((scans::id, scans::owner, scans::finisher))
            .load(c))?;
        let mut interrupted = Vec::new();
        for (id, owner, finisher) in running {
            let jobs = self.scan_jobs(id)?;
            let open_owners: Vec<Option<i32>> = jobs
                .iter()
                .filter(|j| j.status != DONE)
                .map(|j| j.owner)
                .collect();
            if let Some(me) = only_owner
                && owner != Some(me)
                && !jobs.iter().any(|j| j.owner == Some(me))
            {
                continue;
            }
            let someone_alive = !live.workers.is_empty()
                || live.alive(owner)
                || live.alive(finisher)
                || open_owners.iter().any(|o| live.alive(*o));
            if someone_alive {
                continue;
            }
            self.interrupt_scan(&mut conn, id, now)?;
            interrupted.push(id);
        }
        Ok(interrupted)
    }

    fn interrupt_scan(
        &self,
        conn: &mut DbConn,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (running, interrupted) = (
            ScanStatus::Running.as_str(),
            ScanStatus::Interrupted.as_str(),
        );
        let at = Some(to_db(now));
        with_conn!(conn, c => c.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::update(
                scan_tenants::table
                    .filter(scan_tenants::scan_id.eq(id))
                    .filter(scan_tenants::status.eq(running)),
            )
            .set((scan_tenants::status.eq(interrupted), scan_tenants::finished_at.eq(at)))
            .execute(c)?;
            diesel::update(
                scan_jobs::table
                    .filter(scan_jobs::scan_id.eq(id))
                    .filter(scan_jobs::status.ne(DONE)),
            )
            .set((
                scan_jobs::status.eq(DONE),
                scan_jobs::outcome.eq(Some(interrupted)),
                scan_jobs::finished_at.eq(at),
            ))
            .execute(c)?;
            diesel::update(scans::table.find(id).filter(scans::status.eq(running)))
                .set((scans::status.eq(interrupted), scans::finished_at.eq(at)))
                .execute(c)
        }))?;
        Ok(())
    }
}
