//! A scan's tenants as job rows: recording a scan with its jobs (at most one running scan, one
//! scan per schedule fire time), claiming a job under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), renewing and finishing it, and electing the replica that finishes the scan.
//! Finding work and recovering from dead replicas: `recovery`.
//!
//! Owners are replica keys (`store::replica`). Nothing here sleeps or reads the clock: callers
//! pass `now`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

mod recovery;

use super::replica::{Liveness, NEW_SCAN_CLASS};
use super::scans::ScanStatus;
use super::schema::{scan_jobs, scans};
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
}
