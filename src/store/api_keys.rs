//! API keys: generated once, shown once, stored only as a SHA-256 hash.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::schema::{api_keys, web_sessions};
use super::{Store, StoreError, to_db};
use crate::with_conn;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Reader,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "reader" => Some(Role::Reader),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A stored key: its metadata and hash, never the key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub key_hash: String,
    /// The first characters of the key, to tell keys apart in listings.
    pub key_prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Marks our keys so secret scanners can find a leaked one.
pub const KEY_PREFIX: &str = "oaa_";

/// A new random key: the prefix and 256 bits of OS randomness, hex-encoded.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a key: SHA-256, hex.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Store {
    /// Create a key; returns its row and the key itself, which is not stored and cannot be
    /// shown again.
    pub fn create_api_key(
        &self,
        name: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(ApiKeyRow, String), StoreError> {
        let key = generate_key();
        let prefix: String = key.chars().take(KEY_PREFIX.len() + 8).collect();
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => diesel::insert_into(api_keys::table)
            .values((
                api_keys::name.eq(name),
                api_keys::role.eq(role.as_str()),
                api_keys::key_hash.eq(hash_key(&key)),
                api_keys::key_prefix.eq(&prefix),
                api_keys::created_at.eq(to_db(now)),
            ))
            .returning(ApiKeyRow::as_returning())
            .get_result(c))?;
        Ok((row, key))
    }

    pub fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows = with_conn!(&mut conn, c => api_keys::table
            .order(api_keys::id.asc())
            .select(ApiKeyRow::as_select())
            .load(c))?;
        Ok(rows)
    }

    /// Revoke a key at once, ending the dashboard sessions opened with it; `false` if there
    /// is no such active key.
    pub fn revoke_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = with_conn!(&mut conn, c => c.transaction(|c| {
            let n = diesel::update(
                    api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
                .set(api_keys::revoked_at.eq(Some(to_db(now))))
                .execute(c)?;
            diesel::delete(web_sessions::table.filter(web_sessions::api_key_id.eq(id)))
                .execute(c)?;
            Ok::<_, diesel::result::Error>(n)
        }))?;
        Ok(n == 1)
    }

    /// The active key matching `presented`, if any. The lookup is by hash; the final
    /// comparison is constant-time.
    pub fn authenticate_api_key(
        &self,
        presented: &str,
    ) -> Result<Option<(ApiKeyRow, Role)>, StoreError> {
        let hash = hash_key(presented);
        let mut conn = self.conn()?;
        let row = with_conn!(&mut conn, c => api_keys::table
            .filter(api_keys::key_hash.eq(&hash))
            .filter(api_keys::revoked_at.is_null())
            .select(ApiKeyRow::as_select())
            .first(c)
            .optional())?;
        Ok(row.and_then(|r| {
            let equal: bool = r.key_hash.as_bytes().ct_eq(hash.as_bytes()).into();
            let role = Role::parse(&r.role)?;
            equal.then_some((r, role))
        }))
    }
}
