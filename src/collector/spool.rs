//! The spool: changed items of one collection, held in memory up to a limit and on a
//! temporary disk file beyond it, until the collection is known to be complete.
//!
//! Nothing touches the database while a connector is still collecting; a failed collection
//! just drops its spool. Each line carries the item's canonical JSON exactly as it was hashed,
//! so items are serialized once, and an app's line is its version document.

use chrono::{DateTime, Utc};
use connectors::model::{ContentHash, Grant};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use tempfile::SpooledTempFile;

use crate::store::StoreError;
use crate::store::inventory::{AppChange, GrantDigest, GrantHash};

/// Bytes kept in memory before a spool moves to disk.
const IN_MEMORY: usize = 8 << 20;
/// Items parsed ahead of the writer, per batch.
const READ_AHEAD_BATCH: usize = 256;

/// Changed apps (`hash last_used json`) and changed grants (`digest+hash json`), a line each.
pub struct Spool {
    // Buffered: once a spool is on disk every unbuffered write would be a system call.
    apps: BufWriter<SpooledTempFile>,
    grants: BufWriter<SpooledTempFile>,
    pub app_count: u64,
    pub grant_count: u64,
}

fn spool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Spool(e.to_string())
}

impl Spool {
    pub fn new() -> Self {
        let file = || BufWriter::with_capacity(1 << 16, SpooledTempFile::new(IN_MEMORY));
        Spool {
            apps: file(),
            grants: file(),
            app_count: 0,
            grant_count: 0,
        }
    }

    /// Keep an app: its content hash, its activity time and its canonical JSON (without the
    /// activity time, which the hash leaves out).
    pub fn push_app(
        &mut self,
        hash: &ContentHash,
        last_used_at: Option<DateTime<Utc>>,
        document: &[u8],
    ) -> Result<(), StoreError> {
        let activity =
            last_used_at.map_or_else(|| "-".to_string(), |t| t.timestamp_micros().to_string());
        write!(self.apps, "{} {activity} ", hash.to_hex()).map_err(spool_err)?;
        self.apps.write_all(document).map_err(spool_err)?;
        self.apps.write_all(b"\n").map_err(spool_err)?;
        self.app_count += 1;
        Ok(())
    }

    /// Keep a grant: its identity, its content hash and its canonical JSON.
    pub fn push_grant(
        &mut self,
        digest: &GrantDigest,
        hash: &GrantHash,
        json: &[u8],
    ) -> Result<(), StoreError> {
        write!(self.grants, "{}{} ", hex::encode(digest), hex::encode(hash)).map_err(spool_err)?;
        self.grants.write_all(json).map_err(spool_err)?;
        self.grants.write_all(b"\n").map_err(spool_err)?;
        self.grant_count += 1;
        Ok(())
    }

    /// Read everything back (the apps, then the grants), parsed on background threads so
    /// that parsing overlaps with the database writes.
    #[allow(clippy::type_complexity)]
    pub fn drain(
        self,
    ) -> Result<
        (
            impl Iterator<Item = Result<AppChange, StoreError>>,
            impl Iterator<Item = Result<(Grant, GrantDigest, GrantHash), StoreError>>,
        ),
        StoreError,
    > {
        let Spool {
            apps,
            grants,
            app_count,
            grant_count,
        } = self;
        let mut apps = apps.into_inner().map_err(|e| spool_err(e.error()))?;
        let mut grants = grants.into_inner().map_err(|e| spool_err(e.error()))?;
        apps.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        grants.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        let apps = BufReader::with_capacity(1 << 16, apps)
            .lines()
            .map(|line| parse_app(&line.map_err(spool_err)?));
        let grants = BufReader::with_capacity(1 << 16, grants)
            .lines()
            .map(|line| parse_grant(&line.map_err(spool_err)?));
        Ok((read_ahead(apps, app_count), read_ahead(grants, grant_count)))
    }
}

impl Default for Spool {
    fn default() -> Self {
        Spool::new()
    }
}

fn parse_app(line: &str) -> Result<AppChange, StoreError> {
    let mut parts = line.splitn(3, ' ');
    let (Some(hash), Some(activity), Some(document)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(spool_err("malformed app line"));
    };
    let hash = hex::decode(hash)
        .ok()
        .and_then(|b| ContentHash::from_slice(&b))
        .ok_or_else(|| spool_err("bad app hash"))?;
    let mut app: connectors::model::OAuthApp = serde_json::from_str(document).map_err(spool_err)?;
    app.last_used_at = match activity {
        "-" => None,
        micros => Some(
            micros
                .parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(|| spool_err("bad activity time"))?,
        ),
    };
    Ok(AppChange {
        app,
        hash,
        document: document.to_string(),
    })
}

fn parse_grant(line: &str) -> Result<(Grant, GrantDigest, GrantHash), StoreError> {
    let (keys, json) = line
        .split_once(' ')
        .ok_or_else(|| spool_err("grant line without keys"))?;
    let bytes = hex::decode(keys).map_err(spool_err)?;
    let (Some(digest), Some(hash)) = (
        bytes.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()),
        bytes.get(16..).and_then(|b| <[u8; 16]>::try_from(b).ok()),
    ) else {
        return Err(spool_err("bad grant keys"));
    };
    Ok((serde_json::from_str(json).map_err(spool_err)?, digest, hash))
}

/// Run `items` on a background thread, a bounded number of batches ahead of the consumer.
/// When the consumer stops early, the thread stops at its next send. If the thread ends before
/// delivering `expected` items, the consumer gets an error rather than a silently short input.
fn read_ahead<T: Send + 'static>(
    items: impl Iterator<Item = Result<T, StoreError>> + Send + 'static,
    expected: u64,
) -> impl Iterator<Item = Result<T, StoreError>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Result<T, StoreError>>>(4);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(READ_AHEAD_BATCH);
        for item in items {
            batch.push(item);
            if batch.len() == READ_AHEAD_BATCH
                && tx
                    .send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(READ_AHEAD_BATCH),
                    ))
                    .is_err()
            {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
    });
    let mut received = 0u64;
    let mut checked = false;
    rx.into_iter()
        .flatten()
        .map(Some)
        .chain(std::iter::once(None))
        .filter_map(move |item| match item {
            Some(item) => {
                received += 1;
                Some(item)
            }
            None if !checked && received != expected => {
                checked = true;
                Some(Err(spool_err(format!(
                    "the spool reader stopped after {received} of {expected} items"
                ))))
            }
            None => None,
        })
}
