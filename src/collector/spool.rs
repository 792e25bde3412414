//! The spool: changed items of one collection, held in memory up to a limit and on a
//! temporary disk file beyond it, until the collection is known to be complete.
//!
//! Nothing touches the database while a connector is still collecting; a failed collection
//! just drops its spool.

use connectors::model::{ContentHash, Grant, OAuthApp};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use tempfile::SpooledTempFile;

use crate::store::StoreError;
use crate::store::inventory::{GrantDigest, GrantHash};

/// Bytes kept in memory before a spool moves to disk.
const IN_MEMORY: usize = 8 << 20;

/// One JSON line per changed app (prefixed by its content hash) and per changed grant.
pub struct Spool {
    // Buffered: serde writes token by token, and once a spool is on disk every unbuffered
    // write would be a system call.
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

    pub fn push_app(&mut self, app: &OAuthApp, hash: &ContentHash) -> Result<(), StoreError> {
        write!(self.apps, "{} ", hash.to_hex()).map_err(spool_err)?;
        serde_json::to_writer(&mut self.apps, app).map_err(spool_err)?;
        self.apps.write_all(b"\n").map_err(spool_err)?;
        self.app_count += 1;
        Ok(())
    }

    pub fn push_grant(
        &mut self,
        grant: &Grant,
        digest: &GrantDigest,
        hash: &GrantHash,
    ) -> Result<(), StoreError> {
        write!(self.grants, "{}{} ", hex::encode(digest), hex::encode(hash)).map_err(spool_err)?;
        serde_json::to_writer(&mut self.grants, grant).map_err(spool_err)?;
        self.grants.write_all(b"\n").map_err(spool_err)?;
        self.grant_count += 1;
        Ok(())
    }

    /// Read everything back: the apps, then the grants.
    #[allow(clippy::type_complexity)]
    pub fn drain(
        self,
    ) -> Result<
        (
            impl Iterator<Item = Result<(OAuthApp, ContentHash), StoreError>>,
            impl Iterator<Item = Result<(Grant, GrantDigest, GrantHash), StoreError>>,
        ),
        StoreError,
    > {
        let Spool { apps, grants, .. } = self;
        let mut apps = apps.into_inner().map_err(|e| spool_err(e.error()))?;
        let mut grants = grants.into_inner().map_err(|e| spool_err(e.error()))?;
        apps.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        grants.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        let apps = BufReader::with_capacity(1 << 16, apps).lines().map(|line| {
            let line = line.map_err(spool_err)?;
            let (hash, json) = line
                .split_once(' ')
                .ok_or_else(|| spool_err("app line without hash"))?;
            let hash = hex::decode(hash)
                .ok()
                .and_then(|b| ContentHash::from_slice(&b))
                .ok_or_else(|| spool_err("bad hash"))?;
            Ok((serde_json::from_str(json).map_err(spool_err)?, hash))
        });
        let grants = BufReader::with_capacity(1 << 16, grants)
            .lines()
            .map(|line| {
                let line = line.map_err(spool_err)?;
                let (keys, json) = line
                    .split_once(' ')
                    .ok_or_else(|| spool_err("grant line without keys"))?;
                let bytes = hex::decode(keys).map_err(spool_err)?;
                let (Ok(digest), Ok(hash)) = (
                    <[u8; 16]>::try_from(&bytes[..16.min(bytes.len())]),
                    <[u8; 16]>::try_from(&bytes[16.min(bytes.len())..]),
                ) else {
                    return Err(spool_err("bad grant keys"));
                };
                Ok((serde_json::from_str(json).map_err(spool_err)?, digest, hash))
            });
        Ok((apps, grants))
    }
}

impl Default for Spool {
    fn default() -> Self {
        Spool::new()
    }
}
