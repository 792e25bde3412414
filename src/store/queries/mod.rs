//! Read queries for the JSON API and the dashboard: filtered, keyset-paginated lists and
//! detail views. Each list takes the key of the last row a client saw and returns rows after
//! it in a fixed total order, so a page never depends on an offset that shifts under writes.
//!
//! # Change feeds and why they use a change sequence, not timestamps
//!
//! A SIEM polling "what changed since my last poll" must not miss a row written by a
//! transaction that commits after its read. Timestamps (and PostgreSQL's serial ids) are
//! assigned when a row is written, not when it commits: a transaction that wrote at 10:00:01
//! and committed at 10:00:05 becomes visible after a reader at 10:00:03 already moved past
//! 10:00:01, and its rows would be lost to that reader forever.
//!
//! Instead every insert or change of a finding, and every event insert, takes the next value
//! of a single counter row (`change_counter`, by trigger, so no writer can forget it). On
//! PostgreSQL the counter's row lock is held until the writing transaction commits, so a
//! second writer gets its numbers only after the first has committed; on SQLite writers are
//! serialized anyway. Numbers therefore follow commit order: once a reader has seen number N,
//! every row that becomes visible later carries a number above N. Feeds order by
//! `(change_seq, id)` and resume strictly after the last pair returned, which can neither
//! skip nor repeat a change. A finding changed twice appears twice, once per change, each
//! time with its state as of the read.
//!
//! Plain lists (no `since`) order by id: every row that exists when a client starts paging
//! appears exactly once however scans write meanwhile; rows added meanwhile appear at most
//! once.

pub mod apps;
pub mod audit;
pub mod dashboard;
pub mod events;
pub mod findings;
pub mod overview;
pub mod scans;
pub mod suppressions;
pub mod vendors;

use crate::store::Store;

/// Where a list resumes: after this sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// The start of the list.
    Start,
    /// After the row with this id (id-ordered lists).
    Id(i64),
    /// After this `(change_seq, id)` (change feeds).
    Change(i64, i64),
}

impl Store {
    /// The last change sequence number committed: a feed that starts with nothing to
    /// return resumes after it. Read before the feed's query, so a change committed in
    /// between is either returned by that query or numbered above this.
    pub fn change_position(&self) -> Result<i64, crate::store::StoreError> {
        use crate::store::schema::change_counter;
        use diesel::prelude::*;
        let mut conn = self.conn()?;
        let v = crate::with_conn!(&mut conn, c => change_counter::table
            .select(change_counter::value)
            .first::<i64>(c)
            .optional())?;
        Ok(v.unwrap_or(0))
    }
}

/// Rows per page at most, whatever a caller asks.
pub const MAX_LIMIT: i64 = 1000;

/// The page size to use for a requested `limit`.
pub fn clamp_limit(limit: i64) -> i64 {
    limit.clamp(1, MAX_LIMIT)
}
