//! Suppressions managed through the API (source `api`): listed with the config's, created
//! and soft-deleted here. The next evaluation applies them (`collector::evaluate` reads
//! [`Store::active_suppressions`]); config-sourced rows are owned by the config file and
//! cannot be deleted through the API.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::store::findings::{NewSuppression, SuppressionRow};
use crate::store::schema::suppressions;
use crate::store::{Store, StoreError, to_db};
use crate::with_conn;

/// The `source` of suppressions created through the API.
pub const API_SOURCE: &str = "api";

/// What deleting a suppression did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    NotFound,
    /// Owned by the config file.
    FromConfig,
}

impl Store {
    /// Suppressions not deleted with ids above `after_id`, in id order, at most `limit`.
    pub fn list_suppressions(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<SuppressionRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => suppressions::table
            .filter(suppressions::deleted_at.is_null())
            .filter(suppressions::id.gt(after_id))
            .order(suppressions::id.asc())
            .limit(limit)
            .select(SuppressionRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    pub fn create_suppression(&self, s: &NewSuppression) -> Result<SuppressionRow, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => diesel::insert_into(suppressions::table)
            .values(s)
            .returning(SuppressionRow::as_returning())
            .get_result(c))?;
        Ok(row)
    }

    /// Soft-delete an API suppression.
    pub fn delete_suppression(&self, id: i64, now: DateTime<Utc>) -> Result<Deleted, StoreError> {
        let mut conn = self.conn()?;
        let outcome = with_conn!(&mut conn, c => {
            let source: Option<String> = suppressions::table
                .find(id)
                .filter(suppressions::deleted_at.is_null())
                .select(suppressions::source)
                .first(c)
                .optional()?;
            match source {
                None => Ok::<_, diesel::result::Error>(Deleted::NotFound),
                Some(s) if s != API_SOURCE => Ok(Deleted::FromConfig),
                Some(_) => {
                    let n = diesel::update(
                        suppressions::table.find(id).filter(suppressions::deleted_at.is_null()),
                    )
                    .set(suppressions::deleted_at.eq(Some(to_db(now))))
                    .execute(c)?;
                    Ok(if n == 1 { Deleted::Deleted } else { Deleted::NotFound })
                }
            }
        })?;
        Ok(outcome)
    }
}
