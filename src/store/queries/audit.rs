//! The audit log of admin actions taken through the API: who (key id and name), what, on
//! which target, when, with a small JSON object of details. Rows are only ever appended.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::store::schema::audit_log;
use crate::store::{Store, StoreError, to_db};
use crate::with_conn;

/// A stored audit entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub key_id: i64,
    pub key_name: String,
    pub action: String,
    pub target: String,
    /// JSON object.
    pub details: String,
}

/// An admin action to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub key_id: i64,
    pub key_name: &'a str,
    /// Such as `suppression.create`.
    pub action: &'a str,
    /// Such as `suppression:12`.
    pub target: &'a str,
    pub details: serde_json::Value,
}

impl Store {
    pub fn record_audit(&self, e: &AuditEntry<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        let id = with_conn!(&mut conn, c => diesel::insert_into(audit_log::table)
            .values((
                audit_log::at.eq(to_db(now)),
                audit_log::key_id.eq(e.key_id),
                audit_log::key_name.eq(e.key_name),
                audit_log::action.eq(e.action),
                audit_log::target.eq(e.target),
                audit_log::details.eq(e.details.to_string()),
            ))
            .returning(audit_log::id)
            .get_result(c))?;
        Ok(id)
    }

    /// Entries with ids below `before_id` (all when `None`), newest first, at most `limit`.
    pub fn list_audit(
        &self,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
            if let Some(b) = before_id {
                q = q.filter(audit_log::id.lt(b));
            }
            q.order(audit_log::id.desc()).limit(limit).load(c)
        })?;
        Ok(rows)
    }
}
