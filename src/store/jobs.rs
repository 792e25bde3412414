//! A scan's tenants as job rows: recording a scan with its jobs (at most one running scan, one
//! scan per schedule fire time), claiming a job under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), renewing and finishing it, electing the replica that finishes the scan, and
//! marking scans nobody alive works on as interrupted.
//!
//! Owners are replica keys (`store::replica`). Nothing here sleeps or reads the clock: callers
//! pass `now`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use super::replica::{Liveness, NEW_SCAN_CLASS};
use super::scans::ScanStatus;
use super::schema::{scan_jobs, scan_tenants, scans};
use super::{Store, StoreError, to_db};
use crate::with_conn;

/// Job states.
pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
/// How many times a job is started before a replica that keeps dying on it gives up.
pub const MAX_ATTEMPTS: i32 = 3;

/// The result of asking for a new scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewScan {
    Started(i64),
    /// Another scan (this id) is still running.
    Busy(i64),
    /// A scan for this schedule fire time exists already (another replica started it).
    AlreadyFired,
}

/// A job this replica now holds.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClaimedJob {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub scan_id: i64,
    #[diesel(sql_type = Text)]
    pub tenant: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// A job as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scan_jobs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct JobRow {
    pub id: i64,
    pub scan_id: i64,
    pub tenant: String,
    pub position: i32,
    pub status: String,
    pub owner: Option<i32>,
    pub lease_until: Option<chrono::NaiveDateTime>,
    pub attempts: i32,
    pub outcome: Option<String>,
}

/// Serializes the recording of new scans across processes.
trait NewScanLock: Connection {
    fn serialized<T>(&mut self, f: impl FnOnce(&mut Self) -> QueryResult<T>) -> QueryResult<T>;
}

impl NewScanLock for diesel::sqlite::SqliteConnection {
    fn serialized<T>(&mut self, f: impl FnOnce(&mut Self) -> QueryResult<T>) -> QueryResult<T> {
        // BEGIN IMMEDIATE takes the write lock first: one writer at a time.
        self.immediate_transaction(f)
    }
}

impl NewScanLock for diesel::pg::PgConnection {
    fn serialized<T>(&mut self, f: impl FnOnce(&mut Self) -> QueryResult<T>) -> QueryResult<T> {
        self.transaction(|c| {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, 0)")
                .bind::<Integer, _>(NEW_SCAN_CLASS)
                .execute(c)?;
            f(c)
        })
    }
}

const CLAIM_PG: &str = "UPDATE scan_jobs SET status = 'running', owner = $1, lease_until = $2, \
     attempts = attempts + 1, started_at = $3 \
     WHERE id = (SELECT j.id FROM scan_jobs j JOIN scans s ON s.id = j.scan_id \
       WHERE s.status = 'running' AND ($4 = 0 OR j.scan_id = $4) AND j.attempts < $5 \
       AND (j.status = 'pending' OR (j.status = 'running' AND j.lease_until < $3)) \
       ORDER BY j.scan_id, j.position LIMIT 1 FOR UPDATE OF j SKIP LOCKED) \
     RETURNING id, scan_id, tenant, attempts";

impl Store {
    /// Record a running scan of `tenants` (one pending job each), unless another scan runs or
    /// `fire_time` was already started.
    pub fn create_scan(
        &self,
        trigger: &str,
        tenants: &[String],
        fire_time: Option<DateTime<Utc>>,
        owner: i32,
        now: DateTime<Utc>,
    ) -> Result<NewScan, StoreError> {
        let mut conn = self.conn()?;
        let fire = fire_time.map(to_db);
        let result = with_conn!(&mut conn, c => c.serialized(|c| {
            if let Some(at) = fire {
                let fired: i64 = scans::table.filter(scans::fire_time.eq(at)).count().get_result(c)?;
                if fired > 0 {
                    return Ok(NewScan::AlreadyFired);
                }
            }
            let running: Option<i64> = scans::table
                .filter(scans::status.eq(ScanStatus::Running.as_str()))
                .select(scans::id)
                .first(c)
                .optional()?;
            if let Some(id) = running {
                return Ok(NewScan::Busy(id));
            }
            let id: i64 = diesel::insert_into(scans::table)
                .values((
                    scans::trigger.eq(trigger),
                    scans::status.eq(ScanStatus::Running.as_str()),
                    scans::started_at.eq(to_db(now)),
                    scans::tenants_total.eq(tenants.len() as i32),
                    scans::fire_time.eq(fire),
                    scans::owner.eq(Some(owner)),
                ))
                .returning(scans::id)
                .get_result(c)?;
            let jobs: Vec<_> = tenants
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        scan_jobs::scan_id.eq(id),
                        scan_jobs::tenant.eq(t.as_str()),
                        scan_jobs::position.eq(i as i32),
                        scan_jobs::status.eq(PENDING),
                    )
                })
                .collect();
            for chunk in jobs.chunks(500) {
                diesel::insert_into(scan_jobs::table).values(chunk).execute(c)?;
            }
            Ok(NewScan::Started(id))
        }))?;
        Ok(result)
    }

    /// Take one job: a pending one, or a running one whose lease ran out, of a running scan
    /// (`only_scan`: of that scan). The lease lasts until `lease_until`.
    pub fn claim_job(
        &self,
        owner: i32,
        only_scan: Option<i64>,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        let mut conn = self.conn()?;
        let sql = match &conn {
            super::DbConn::Postgres(_) => CLAIM_PG.to_string(),
            // SQLite takes numbered parameters too, and has one writer at a time: no row locks.
            super::DbConn::Sqlite(_) => CLAIM_PG
                .replace('$', "?")
                .replace(" FOR UPDATE OF j SKIP LOCKED", ""),
        };
        let job = with_conn!(&mut conn, c => diesel::sql_query(&sql)
            .bind::<Integer, _>(owner)
            .bind::<Timestamp, _>(to_db(lease_until))
            .bind::<Timestamp, _>(to_db(now))
            .bind::<BigInt, _>(only_scan.unwrap_or(0))
            .bind::<Integer, _>(MAX_ATTEMPTS)
            .get_result::<ClaimedJob>(c)
            .optional())?;
        Ok(job)
    }

    /// Extend the lease of a job `owner` still holds; false when it lost the job.
    pub fn renew_lease(
        &self,
        job_id: i64,
        owner: i32,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => diesel::update(
            scan_jobs::table
                .find(job_id)
                .filter(scan_jobs::owner.eq(owner))
                .filter(scan_jobs::status.eq(RUNNING)),
        )
        .set(scan_jobs::lease_until.eq(Some(to_db(lease_until))))
        .execute(c))?;
        Ok(n == 1)
    }

    /// Mark a job `owner` holds done with `outcome`; false when it had lost the job.
    pub fn finish_job(
        &self,
        job_id: i64,
        owner: i32,
        outcome: ScanStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => diesel::update(
            scan_jobs::table
                .find(job_id)
                .filter(scan_jobs::owner.eq(owner))
                .filter(scan_jobs::status.eq(RUNNING)),
        )
        .set((
            scan_jobs::status.eq(DONE),
            scan_jobs::outcome.eq(Some(outcome.as_str())),
            scan_jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
            scan_jobs::finished_at.eq(Some(to_db(now))),
        ))
        .execute(c))?;
        Ok(n == 1)
    }

    /// Close the jobs replicas kept dying on ([`MAX_ATTEMPTS`] starts, lease run out) as
    /// failed, so their scan can finish. Returns how many it closed.
    pub fn fail_exhausted_jobs(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => diesel::update(
            scan_jobs::table
                .filter(scan_jobs::status.eq(RUNNING))
                .filter(scan_jobs::attempts.ge(MAX_ATTEMPTS))
                .filter(scan_jobs::lease_until.lt(to_db(now))),
        )
        .set((
            scan_jobs::status.eq(DONE),
            scan_jobs::outcome.eq(Some(ScanStatus::Failed.as_str())),
            scan_jobs::finished_at.eq(Some(to_db(now))),
        ))
        .execute(c))?;
        Ok(n)
    }

    /// Become the replica that finishes scan `scan_id`: true for exactly one caller, once every
    /// job is done (or when the elected finisher died before finishing).
    pub fn claim_finish(&self, scan_id: i64, me: i32, live: &Liveness) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let live: Vec<i32> = live.owners.iter().copied().collect();
        let open = scan_jobs::table
            .filter(scan_jobs::scan_id.eq(scan_id))
            .filter(scan_jobs::status.ne(DONE))
            .select(scan_jobs::id);
        let n = with_conn!(&mut conn, c => diesel::update(
            scans::table
                .find(scan_id)
                .filter(scans::status.eq(ScanStatus::Running.as_str()))
                .filter(scans::finisher.is_null().or(scans::finisher.ne_all(live.clone())))
                .filter(diesel::dsl::not(diesel::dsl::exists(open))),
        )
        .set(scans::finisher.eq(Some(me)))
        .execute(c))?;
        Ok(n == 1)
    }

    /// A scan's jobs in tenant order.
    pub fn scan_jobs(&self, scan_id: i64) -> Result<Vec<JobRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => scan_jobs::table
            .filter(scan_jobs::scan_id.eq(scan_id))
            .order(scan_jobs::position.asc())
            .select(JobRow::as_select())
            .load(c))?;
        Ok(rows)
    }

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
        conn: &mut super::DbConn,
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
