//! Dashboard sign-in state: server-side sessions (`web_sessions`) and OIDC logins waiting for
//! their callback (`login_flows`). Rows are found by the SHA-256 hash of the cookie value;
//! the values themselves are never stored. Holding sessions in the database makes them work
//! across replicas and lets logout and key revocation end them at once.
//!
//! This module only stores and expires rows; what a session may do is `web::session`'s call.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{api_keys, login_flows, web_sessions};
use super::{Store, StoreError, to_db};
use crate::with_conn;

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct WebSessionRow {
    pub id: i64,
    pub token_hash: String,
    pub principal: String,
    pub display_name: String,
    pub role: String,
    pub api_key_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewWebSession<'a> {
    /// SHA-256 (hex) of the session id in the cookie.
    pub token_hash: &'a str,
    pub principal: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub api_key_id: Option<i64>,
    /// The absolute end of the session, whatever its activity.
    pub expires_at: DateTime<Utc>,
}

/// An OIDC login between the redirect to the provider and its callback.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_flows)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LoginFlowRow {
    pub id: i64,
    pub flow_hash: String,
    pub state: String,
    pub next_path: String,
    pub created_at: NaiveDateTime,
}

impl Store {
    /// Open a session. Sessions past their absolute expiry or idle since `idle_cutoff` are
    /// deleted first, so the table holds only live sessions.
    pub fn create_web_session(
        &self,
        s: &NewWebSession<'_>,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            diesel::delete(web_sessions::table.filter(
                web_sessions::expires_at.le(to_db(now))
                    .or(web_sessions::last_seen_at.le(to_db(idle_cutoff)))))
                .execute(c)?;
            diesel::insert_into(web_sessions::table)
                .values((
                    web_sessions::token_hash.eq(s.token_hash),
                    web_sessions::principal.eq(s.principal),
                    web_sessions::display_name.eq(s.display_name),
                    web_sessions::role.eq(s.role),
                    web_sessions::api_key_id.eq(s.api_key_id),
                    web_sessions::created_at.eq(to_db(now)),
                    web_sessions::last_seen_at.eq(to_db(now)),
                    web_sessions::expires_at.eq(to_db(s.expires_at)),
                ))
                .execute(c)
        })?;
        Ok(())
    }

    /// The live session with this token hash: not past its absolute expiry, used after
    /// `idle_cutoff`, and, when opened with an API key, that key still active (revoking a key
    /// also deletes its sessions; the join covers a sign-in racing the revocation).
    pub fn find_web_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<Option<WebSessionRow>, StoreError> {
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => web_sessions::table
            .left_join(api_keys::table.on(web_sessions::api_key_id.eq(api_keys::id.nullable())))
            .filter(web_sessions::token_hash.eq(token_hash))
            .filter(web_sessions::expires_at.gt(to_db(now)))
            .filter(web_sessions::last_seen_at.gt(to_db(idle_cutoff)))
            .filter(web_sessions::api_key_id.is_null().or(api_keys::revoked_at.is_null()))
            .select(WebSessionRow::as_select())
            .first(c)
            .optional())?;
        Ok(row)
    }

    /// Record activity on a session (its idle expiry starts again).
    pub fn touch_web_session(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => diesel::update(web_sessions::table.find(id))
            .set(web_sessions::last_seen_at.eq(to_db(now)))
            .execute(c))?;
        Ok(())
    }

    /// End a session; `false` if there was none with this hash.
    pub fn delete_web_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => diesel::delete(
                web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
            .execute(c))?;
        Ok(n > 0)
    }

    /// Remember an OIDC login until its callback. Flows started before `stale_before` are
    /// deleted first.
    pub fn create_login_flow(
        &self,
        flow_hash: &str,
        state: &str,
        next_path: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            diesel::delete(login_flows::table
                .filter(login_flows::created_at.le(to_db(stale_before))))
                .execute(c)?;
            diesel::insert_into(login_flows::table)
                .values((
                    login_flows::flow_hash.eq(flow_hash),
                    login_flows::state.eq(state),
                    login_flows::next_path.eq(next_path),
                    login_flows::created_at.eq(to_db(now)),
                ))
                .execute(c)
        })?;
        Ok(())
    }

    /// Take (read and delete) the login flow with this hash, if it was started after
    /// `stale_before`. A flow is taken at most once, even by concurrent callbacks: only the
    /// caller whose delete removed the row gets it.
    pub fn take_login_flow(
        &self,
        flow_hash: &str,
        stale_before: DateTime<Utc>,
    ) -> Result<Option<LoginFlowRow>, StoreError> {
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            let row = login_flows::table
                .filter(login_flows::flow_hash.eq(flow_hash))
                .select(LoginFlowRow::as_select())
                .first(c)
                .optional()?;
            let Some(row) = row else { return Ok(None) };
            let deleted = diesel::delete(login_flows::table.find(row.id)).execute(c)?;
            let fresh = row.created_at > to_db(stale_before);
            Ok((deleted == 1 && fresh).then_some(row))
        })
    }
}
