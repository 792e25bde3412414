//! The change-event feed: inventory changes (apps and grants added, changed, removed) in
//! commit order, for SIEM polling (see the module docs of `queries` on change sequences).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::After;
use crate::store::schema::{events, tenants};
use crate::store::{Store, StoreError};
use crate::with_conn;

/// An event with its tenant.
#[derive(Debug, Clone, Queryable)]
pub struct EventView {
    pub id: i64,
    pub change_seq: i64,
    pub tenant: String,
    pub provider: String,
    pub scan_id: i64,
    pub app_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    /// JSON object.
    pub details: String,
}

impl Store {
    /// Events after `after` (an [`After::Change`] cursor), or from `since` when starting,
    /// in `(change_seq, id)` order, at most `limit`.
    pub fn list_events(
        &self,
        since: Option<NaiveDateTime>,
        tenant: Option<&str>,
        after: After,
        limit: i64,
    ) -> Result<Vec<EventView>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => {
            let mut q = events::table
                .inner_join(tenants::table)
                .select((
                    events::id,
                    events::change_seq,
                    tenants::name,
                    tenants::provider,
                    events::scan_id,
                    events::app_id,
                    events::kind,
                    events::occurred_at,
                    events::details,
                ))
                .into_boxed();
            match after {
                After::Change(seq, id) => {
                    q = q.filter(
                        events::change_seq
                            .gt(seq)
                            .or(events::change_seq.eq(seq).and(events::id.gt(id))),
                    )
                }
                After::Id(id) => q = q.filter(events::id.gt(id)),
                After::Start => {
                    if let Some(t) = since {
                        q = q.filter(events::occurred_at.ge(t));
                    }
                }
            }
            if let Some(t) = tenant {
                q = q.filter(tenants::name.eq(t.to_string()));
            }
            q.order((events::change_seq.asc(), events::id.asc()))
                .limit(limit)
                .load::<EventView>(c)
        })?;
        Ok(rows)
    }
}
