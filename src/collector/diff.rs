//! Compare a collection, item by item as it streams in, with the stored snapshot: mark what
//! was seen and spool only what is new or changed.

use connectors::model::{InventoryItem, OAuthApp, TenantPolicy, canonical_json_into};

use super::spool::Spool;
use crate::store::StoreError;
use crate::store::inventory::{DiffSet, GrantDigest, Snapshot, grant_digest, grant_hash_of};

/// The state of one tenant's diff.
pub struct Differ {
    pub snapshot: Snapshot,
    pub spool: Spool,
    pub policy: Option<TenantPolicy>,
    pub apps_seen: u64,
    pub grants_seen: u64,
    pub credentials_seen: u64,
    /// Items the connector sent twice (the first one counts).
    pub duplicates: u64,
    new_apps: DiffSet<String>,
    new_grants: DiffSet<GrantDigest>,
    /// Reused for each item's canonical JSON.
    buf: Vec<u8>,
}

impl Differ {
    pub fn new(snapshot: Snapshot) -> Self {
        Differ {
            snapshot,
            spool: Spool::new(),
            policy: None,
            apps_seen: 0,
            grants_seen: 0,
            credentials_seen: 0,
            duplicates: 0,
            new_apps: DiffSet::default(),
            new_grants: DiffSet::default(),
            buf: Vec::new(),
        }
    }

    pub fn push(&mut self, item: InventoryItem) -> Result<(), StoreError> {
        match item {
            InventoryItem::App(app) => self.app(*app),
            InventoryItem::Grant(grant) => {
                let digest = grant_digest(&grant);
                let hash = grant_hash_of(&canonical_json_into(&grant, &mut self.buf));
                let changed = match self.snapshot.grants.get_mut(&digest) {
                    Some(prev) if prev.seen => return self.duplicate(),
                    Some(prev) => {
                        prev.seen = true;
                        prev.removed || prev.hash != hash
                    }
                    None if !self.new_grants.insert(digest) => return self.duplicate(),
                    None => true,
                };
                self.grants_seen += 1;
                if changed {
                    self.spool.push_grant(&digest, &hash, &self.buf)
                } else {
                    Ok(())
                }
            }
            InventoryItem::TenantPolicy(policy) => {
                self.policy = Some(policy);
                Ok(())
            }
        }
    }

    fn app(&mut self, mut app: OAuthApp) -> Result<(), StoreError> {
        // The content hash leaves out activity, so that sign-ins alone create no version.
        let last_used_at = app.last_used_at.take();
        let hash = canonical_json_into(&app, &mut self.buf);
        let changed = match self.snapshot.apps.get_mut(&app.external_id) {
            Some(prev) if prev.seen => return self.duplicate(),
            Some(prev) => {
                prev.seen = true;
                prev.removed
                    || prev.hash != hash
                    || prev.last_used_at != last_used_at.map(crate::store::to_db)
            }
            None if !self.new_apps.insert(app.external_id.clone()) => return self.duplicate(),
            None => true,
        };
        self.apps_seen += 1;
        self.credentials_seen += app.credentials.len() as u64;
        if changed {
            self.spool.push_app(&hash, last_used_at, &self.buf)
        } else {
            Ok(())
        }
    }

    fn duplicate(&mut self) -> Result<(), StoreError> {
        self.duplicates += 1;
        Ok(())
    }
}
