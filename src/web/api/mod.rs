//! The JSON API under `/api/v1` (DESIGN §4, a fixed contract): one file per resource, the
//! list envelope `{"data": [...], "next_cursor": ...}`, opaque keyset cursors, and the
//! helpers handlers share. The queries themselves live in `store::queries`, shared with the
//! dashboard; handlers only parse, authorize, call the store and shape the answer.

pub mod apps;
pub mod audit;
pub mod events;
pub mod findings;
pub mod openapi;
pub mod scans;
pub mod suppressions;
pub mod tenants;
pub mod vendors;

use actix_web::web;
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::store::queries::{After, MAX_LIMIT};
use crate::store::{Store, StoreError};

/// Rows per page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 100;

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; null at the end of a list. Change feeds (a
    /// `since` parameter) always return one: the position to poll from next.
    pub next_cursor: Option<String>,
}

/// A position in a list, as clients see it: opaque text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// After this id (lists in ascending id order).
    After(i64),
    /// Before this id (lists newest first).
    Before(i64),
    /// After this `(change_seq, id)` (change feeds).
    Change(i64, i64),
}

impl Cursor {
    pub fn encode(self) -> String {
        let text = match self {
            Cursor::After(id) => format!("a.{id}"),
            Cursor::Before(id) => format!("b.{id}"),
            Cursor::Change(seq, id) => format!("c.{seq}.{id}"),
        };
        hex::encode(text)
    }

    pub fn decode(s: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::bad_request("cursor is not one this API returned");
        if s.len() > 96 {
            return Err(bad());
        }
        let bytes = hex::decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let num = |p: &str| p.parse::<i64>().map_err(|_| bad());
        let parts: Vec<&str> = text.split('.').collect();
        match parts.as_slice() {
            ["a", id] => Ok(Cursor::After(num(id)?)),
            ["b", id] => Ok(Cursor::Before(num(id)?)),
            ["c", seq, id] => Ok(Cursor::Change(num(seq)?, num(id)?)),
            _ => Err(bad()),
        }
    }
}

/// A list's `limit`: default 100, 1 to 1000.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        ))),
    }
}

/// The resume point of an ascending-id list.
pub fn after_id(cursor: Option<&str>) -> Result<i64, ApiError> {
    match cursor.map(Cursor::decode).transpose()? {
        None => Ok(0),
        Some(Cursor::After(id)) => Ok(id),
        Some(_) => Err(ApiError::bad_request("cursor belongs to another list")),
    }
}

/// The resume point of a newest-first list.
pub fn before_id(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    match cursor.map(Cursor::decode).transpose()? {
        None => Ok(None),
        Some(Cursor::Before(id)) => Ok(Some(id)),
        Some(_) => Err(ApiError::bad_request("cursor belongs to another list")),
    }
}

/// The resume point of a list that may be a change feed.
pub fn after(cursor: Option<&str>) -> Result<After, ApiError> {
    Ok(match cursor.map(Cursor::decode).transpose()? {
        None => After::Start,
        Some(Cursor::After(id)) => After::Id(id),
        Some(Cursor::Change(seq, id)) => After::Change(seq, id),
        Some(Cursor::Before(_)) => {
            return Err(ApiError::bad_request("cursor belongs to another list"));
        }
    })
}

/// An RFC 3339 instant as stored (UTC).
pub fn parse_time(name: &str, s: &str) -> Result<NaiveDateTime, ApiError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| crate::store::to_db(t.to_utc()))
        .map_err(|_| ApiError::bad_request(format!("{name} must be an RFC 3339 time")))
}

/// Run a blocking store call off the async workers.
pub async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    Ok(web::block(move || f(&store))
        .await
        .map_err(ApiError::internal)??)
}

/// `next_cursor` of an ascending-id page: present when the page is full.
pub fn next_after<T>(rows: &[T], limit: i64, id: impl Fn(&T) -> i64) -> Option<String> {
    (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| Cursor::After(id(r)).encode()))
        .flatten()
}

/// `next_cursor` of a newest-first page: present when the page is full.
pub fn next_before<T>(rows: &[T], limit: i64, id: impl Fn(&T) -> i64) -> Option<String> {
    (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| Cursor::Before(id(r)).encode()))
        .flatten()
}

/// Optional text of a JSON column as an object (`{}` when unreadable).
pub fn json_object(text: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        Ok(other) => serde_json::json!({ "value": other }),
        Err(_) => serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_text_is_rejected() {
        for c in [
            Cursor::After(42),
            Cursor::Before(7),
            Cursor::Change(900_001, 12),
        ] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        for bad in ["", "zz", "612e", &hex::encode("x.1"), &"ab".repeat(60)] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limit_defaults_to_100_and_stays_within_1_to_1000() {
        assert_eq!(limit(None).unwrap(), 100);
        assert_eq!(limit(Some(1000)).unwrap(), 1000);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(1001)).is_err());
    }
}
