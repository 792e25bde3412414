//! Compare a collection, item by item as it streams in, with the stored snapshot: mark what
//! was seen and spool only what is new or changed.

use connectors::model::{InventoryItem, OAuthApp, TenantPolicy, canonical_json_into};

use super::spool::Spool;
use crate::store::StoreError;
use crate::store::inventory::{
    DiffMap, DiffSet, GrantDigest, PrevGrant, Snapshot, grant_digest, grant_hash_of,
};

/// The stored grants of a snapshot, still being loaded while the first items are diffed.
pub type PendingGrants =
    std::sync::mpsc::Receiver<Result<DiffMap<GrantDigest, PrevGrant>, StoreError>>;

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
    /// Where the snapshot's grants arrive from, until the first grant (or the end) needs them.
    pending_grants: Option<PendingGrants>,
    /// Reused for each item's canonical JSON.
    buf: Vec<u8>,
}

impl Differ {
    fn new(snapshot: Snapshot) -> Self {
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
            pending_grants: None,
            buf: Vec::new(),
        }
    }

    /// A differ whose snapshot's grants are still loading; they arrive on `grants` and are
    /// waited for when the first grant comes in, or at [`Differ::wait_for_grants`].
    pub fn with_pending_grants(snapshot: Snapshot, grants: PendingGrants) -> Self {
        Differ {
            pending_grants: Some(grants),
            ..Differ::new(snapshot)
        }
    }

    /// Wait for the snapshot's grants, if they are still loading. Called at the first grant,
    /// and once the collection has ended (removals need every stored grant).
    pub fn wait_for_grants(&mut self) -> Result<(), StoreError> {
        let Some(pending) = self.pending_grants.take() else {
            return Ok(());
        };
        self.snapshot.grants = pending.recv().map_err(|_| {
            StoreError::Spool("the grant snapshot's loader ended without a result".into())
        })??;
        Ok(())
    }

    pub fn push(&mut self, item: InventoryItem) -> Result<(), StoreError> {
        match item {
            InventoryItem::App(app) => self.app(*app),
            InventoryItem::Grant(grant) => {
                self.wait_for_grants()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inventory::grant_hash;
    use connectors::model::{ConsentType, Grant, GrantKind, Principal};

    fn grant(id: &str) -> Grant {
        Grant {
            external_id: Some(id.to_string()),
            app_external_id: "app-1".into(),
            principal: Principal::Tenant,
            resource: None,
            scopes: vec!["User.Read".into()],
            consent_type: ConsentType::Admin,
            kind: GrantKind::Delegated,
            created_at: None,
            expires_at: None,
            last_used_at: None,
        }
    }

    #[test]
    fn grants_are_diffed_against_the_snapshot_s_grants_once_they_arrive() {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let mut differ = Differ::with_pending_grants(Snapshot::default(), rx);
        let (stored, changed) = (grant("g-stored"), grant("g-changed"));
        let mut map = DiffMap::default();
        map.insert(
            grant_digest(&stored),
            PrevGrant {
                id: 1,
                hash: grant_hash(&stored),
                removed: false,
                seen: false,
            },
        );
        map.insert(
            grant_digest(&changed),
            PrevGrant {
                id: 2,
                hash: [0; 16],
                removed: false,
                seen: false,
            },
        );
        // Sent from another thread after the differ began, as the scan's loader does.
        std::thread::spawn(move || tx.send(Ok(map)).unwrap());
        for g in [stored, changed, grant("g-new")] {
            differ.push(InventoryItem::Grant(g)).unwrap();
        }
        differ.wait_for_grants().unwrap();
        assert_eq!(differ.grants_seen, 3);
        // Only the changed and the new grant are spooled; the stored one is marked seen.
        assert_eq!(differ.spool.grant_count, 2);
        assert!(differ.snapshot.grants.values().all(|g| g.seen));
    }

    #[test]
    fn a_snapshot_that_fails_to_load_fails_the_diff() {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let mut differ = Differ::with_pending_grants(Snapshot::default(), rx);
        tx.send(Err(StoreError::Corrupt(
            "grant 7 has a bad key or hash".into(),
        )))
        .unwrap();
        let err = differ.push(InventoryItem::Grant(grant("g"))).unwrap_err();
        assert!(err.to_string().contains("grant 7"), "{err}");

        // A loader that ended without sending is an error too, not an empty snapshot.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        drop(tx);
        let mut differ = Differ::with_pending_grants(Snapshot::default(), rx);
        assert!(differ.wait_for_grants().is_err());
    }
}
