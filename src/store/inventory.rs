//! A tenant's inventory and its history: what the last good collection stored (a
//! [`Snapshot`] of ids and content hashes) and how a new collection is applied to it, in one
//! transaction, with version rows and change events.
//!
//! Only changed items reach [`Store::apply_inventory`]: the collector compares each collected
//! item's hash with the snapshot and marks what it saw, so an unchanged rescan writes only the
//! scan bookkeeping. An item's `last_seen` is the tenant's `last_success_at` while the item is
//! present, and is written on the row when the item disappears.

use chrono::{DateTime, NaiveDateTime, Utc};
use connectors::model::{
    ContentHash, Grant, OAuthApp, Principal, TenantPolicy, canonical_json, content_hash,
};
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

use super::inventory_sql::{
    APP_CHUNK, AppRow, CredentialRow, EventRow, GrantRow, InventoryWriter, NewAppRow, VersionRow,
};
use super::schema::{apps, grants};
use super::tenants::TenantRow;
use super::{Store, StoreError, to_db};
use crate::{with_conn, with_write_transaction};

/// A grant's identity in its tenant: 128 bits of SHA-256 over its natural key.
pub type GrantDigest = [u8; 16];
/// A grant's content: 128 bits of SHA-256 over its canonical JSON (enough to detect change).
pub type GrantHash = [u8; 16];

const BATCH: usize = 1000;

pub fn grant_digest(g: &Grant) -> GrantDigest {
    truncate(&Sha256::digest(g.natural_key().as_bytes()))
}

pub fn grant_hash(g: &Grant) -> GrantHash {
    grant_hash_of(&content_hash(g))
}

/// A grant's hash from the content hash of its canonical JSON.
pub fn grant_hash_of(full: &ContentHash) -> GrantHash {
    truncate(&full.0)
}

/// A new or changed app, as the collector hands it over.
#[derive(Debug, Clone)]
pub struct AppChange {
    pub app: OAuthApp,
    /// Content hash of `document`.
    pub hash: ContentHash,
    /// The app's canonical JSON without its activity time: the version document.
    pub document: String,
}

fn truncate(bytes: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&bytes[..16]);
    out
}

/// An app as last stored.
#[derive(Debug, Clone)]
pub struct PrevApp {
    pub id: i64,
    pub hash: ContentHash,
    pub version: i32,
    pub last_used_at: Option<NaiveDateTime>,
    pub removed: bool,
    /// Set by the collector when the app shows up in the current collection.
    pub seen: bool,
}

/// A grant as last stored (kept small: a large tenant has millions).
#[derive(Debug, Clone, Copy)]
pub struct PrevGrant {
    pub id: i64,
    pub hash: GrantHash,
    pub removed: bool,
    pub seen: bool,
}

/// The hash maps of a scan's diff: keyed per process (not attacker-predictable) and several
/// times faster than the standard SipHash on the snapshot's millions of short keys.
pub type DiffMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// The sets of a scan's diff, hashed as [`DiffMap`].
pub type DiffSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The identity and content hash of everything stored for one tenant.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub tenant_id: i64,
    /// Whether the tenant has a baseline; the first collection records one event, not one per item.
    pub baselined: bool,
    pub last_success_at: Option<NaiveDateTime>,
    /// The scan whose collection the snapshot reflects; an apply checks it is still current.
    pub last_success_scan_id: Option<i64>,
    pub apps: DiffMap<String, PrevApp>,
    pub grants: DiffMap<GrantDigest, PrevGrant>,
}

/// What one apply wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub rows_written: i64,
    pub events: i64,
    pub apps_added: i64,
    pub apps_changed: i64,
    pub apps_removed: i64,
    pub grants_added: i64,
    pub grants_removed: i64,
    /// Grants whose app was not in the collection (skipped).
    pub orphan_grants: i64,
}

/// Where and when an apply happens, and what the collection saw in all.
#[derive(Debug, Clone)]
pub struct ApplyContext {
    pub scan_id: i64,
    pub now: DateTime<Utc>,
    pub apps_seen: u64,
    pub grants_seen: u64,
    pub credentials_seen: u64,
    pub policy: Option<TenantPolicy>,
}

/// Change event kinds (stable names: SIEMs filter on them).
pub mod event_kind {
    pub const TENANT_BASELINED: &str = "tenant_baselined";
    pub const APP_ADDED: &str = "app_added";
    pub const APP_CHANGED: &str = "app_changed";
    pub const APP_REMOVED: &str = "app_removed";
    pub const GRANT_ADDED: &str = "grant_added";
    pub const GRANT_REMOVED: &str = "grant_removed";
    pub const SCOPES_CHANGED: &str = "scopes_changed";
    pub const CREDENTIAL_ADDED: &str = "credential_added";
    pub const CREDENTIAL_REMOVED: &str = "credential_removed";
}

impl Store {
    /// Load the ids and hashes of a tenant's stored inventory, streaming the rows.
    pub fn load_snapshot(&self, tenant: &TenantRow) -> Result<Snapshot, StoreError> {
        let mut snap = self.load_app_snapshot(tenant)?;
        snap.grants = self.load_grant_snapshot(tenant.id)?;
        Ok(snap)
    }

    /// The snapshot of a tenant's apps, its grants left empty: a scan loads those with
    /// [`Store::load_grant_snapshot`] while the collection's first items (the apps) arrive.
    /// Both parts come from after the tenant row was read, so a scan that stores the tenant
    /// in between shows as a changed `last_success_scan_id` and the apply refuses the result.
    pub fn load_app_snapshot(&self, tenant: &TenantRow) -> Result<Snapshot, StoreError> {
        let mut snap = Snapshot {
            tenant_id: tenant.id,
            baselined: tenant.baselined_at.is_some(),
            last_success_at: tenant.last_success_at,
            last_success_scan_id: tenant.last_success_scan_id,
            ..Snapshot::default()
        };
        let started = std::time::Instant::now();
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            // Sized up front: growing a map of a million entries rehashes it many times.
            let app_count: i64 = apps::table.filter(apps::tenant_id.eq(tenant.id)).count().get_result(c)?;
            snap.apps.reserve(usize::try_from(app_count).unwrap_or(0));
            let rows = apps::table
                .filter(apps::tenant_id.eq(tenant.id))
                .select((apps::id, apps::external_id, apps::content_hash, apps::version, apps::last_used_at, apps::removed_at.is_not_null()))
                .load_iter::<(i64, String, Vec<u8>, i32, Option<NaiveDateTime>, bool), diesel::connection::DefaultLoadingMode>(c)?;
            for row in rows {
                let (id, external_id, hash, version, last_used_at, removed) = row?;
                let hash = ContentHash::from_slice(&hash).ok_or_else(|| StoreError::Corrupt(format!("app {id} has a bad content hash")))?;
                snap.apps.insert(external_id, PrevApp { id, hash, version, last_used_at, removed, seen: false });
            }
            Ok::<_, StoreError>(())
        })?;
        tracing::debug!(
            tenant_id = tenant.id,
            apps = snap.apps.len(),
            ms = started.elapsed().as_millis() as u64,
            "app snapshot loaded"
        );
        Ok(snap)
    }

    /// The ids and hashes of a tenant's stored grants (see [`Store::load_app_snapshot`]).
    pub fn load_grant_snapshot(
        &self,
        tenant_id: i64,
    ) -> Result<DiffMap<GrantDigest, PrevGrant>, StoreError> {
        let started = std::time::Instant::now();
        let mut grants = DiffMap::default();
        let mut conn = self.conn()?;
        with_conn!(&mut conn, c => {
            let grant_count: i64 = grants::table.filter(grants::tenant_id.eq(tenant_id)).count().get_result(c)?;
            grants.reserve(usize::try_from(grant_count).unwrap_or(0));
            let rows = grants::table
                .filter(grants::tenant_id.eq(tenant_id))
                .select((grants::id, grants::key_digest, grants::content_hash, grants::removed_at.is_not_null()))
                .load_iter::<(i64, Vec<u8>, Vec<u8>, bool), diesel::connection::DefaultLoadingMode>(c)?;
            for row in rows {
                let (id, digest, hash, removed) = row?;
                let (Ok(digest), Ok(hash)) = (<[u8; 16]>::try_from(digest.as_slice()), <[u8; 16]>::try_from(hash.as_slice())) else {
                    return Err(StoreError::Corrupt(format!("grant {id} has a bad key or hash")));
                };
                grants.insert(digest, PrevGrant { id, hash, removed, seen: false });
            }
            Ok::<_, StoreError>(())
        })?;
        tracing::debug!(
            tenant_id,
            grants = grants.len(),
            ms = started.elapsed().as_millis() as u64,
            "grant snapshot loaded"
        );
        Ok(grants)
    }

    /// Apply a completed collection to the stored inventory, in one transaction: insert or
    /// update the changed apps (`apps`, with their content hashes) and grants, mark what the
    /// collection did not see as removed, and write versions and change events.
    pub fn apply_inventory<A, G>(
        &self,
        snap: &Snapshot,
        ctx: &ApplyContext,
        apps: A,
        grants: G,
    ) -> Result<ApplyStats, StoreError>
    where
        A: Iterator<Item = Result<AppChange, StoreError>>,
        G: Iterator<Item = Result<(Grant, GrantDigest, GrantHash), StoreError>>,
    {
        // The transaction first checks that no other scan stored this tenant since the
        // snapshot was taken (two processes scanning one tenant); SQLite takes the write lock
        // at BEGIN IMMEDIATE, PostgreSQL locks the tenant row.
        with_write_transaction!(self, c => Apply::new(c, snap, ctx).run(apps, grants))
    }
}

/// One apply in progress: the writer, buffered rows and running counts.
struct Apply<'a, W: InventoryWriter> {
    w: &'a mut W,
    snap: &'a Snapshot,
    ctx: &'a ApplyContext,
    now: NaiveDateTime,
    new_app_ids: HashMap<String, i64>,
    /// New apps waiting to be inserted together.
    new_apps: Vec<AppChange>,
    versions: Vec<VersionRow>,
    credentials: Vec<CredentialRow>,
    grants: Vec<GrantRow>,
    events: Vec<EventRow>,
    stats: ApplyStats,
}

impl<'a, W: InventoryWriter> Apply<'a, W> {
    fn new(w: &'a mut W, snap: &'a Snapshot, ctx: &'a ApplyContext) -> Self {
        Apply {
            w,
            snap,
            ctx,
            now: to_db(ctx.now),
            new_app_ids: HashMap::new(),
            new_apps: Vec::new(),
            versions: Vec::new(),
            credentials: Vec::new(),
            grants: Vec::new(),
            events: Vec::new(),
            stats: ApplyStats::default(),
        }
    }

    fn run<A, G>(mut self, apps: A, grants: G) -> Result<ApplyStats, StoreError>
    where
        A: Iterator<Item = Result<AppChange, StoreError>>,
        G: Iterator<Item = Result<(Grant, GrantDigest, GrantHash), StoreError>>,
    {
        let current = self.w.lock_tenant(self.snap.tenant_id)?;
        if current != self.snap.last_success_scan_id {
            return Err(StoreError::Conflict(format!(
                "tenant {} was stored by scan {current:?} while this scan was collecting; its result is discarded",
                self.snap.tenant_id
            )));
        }
        let started = std::time::Instant::now();
        for item in apps {
            let AppChange {
                app,
                hash,
                document,
            } = item?;
            self.app(app, hash, document)?;
        }
        self.flush_app_rows()?;
        let apps_done = started.elapsed();
        for grant in grants {
            let (grant, digest, hash) = grant?;
            self.grant(grant, digest, hash)?;
        }
        self.flush_grants()?;
        let grants_done = started.elapsed();
        self.removals()?;
        tracing::debug!(
            tenant_id = self.snap.tenant_id,
            apps_ms = apps_done.as_millis() as u64,
            grants_ms = (grants_done - apps_done).as_millis() as u64,
            removals_ms = (started.elapsed() - grants_done).as_millis() as u64,
            "inventory applied"
        );
        if !self.snap.baselined {
            let details = json!({
                "apps": self.ctx.apps_seen, "grants": self.ctx.grants_seen, "credentials": self.ctx.credentials_seen,
            });
            self.event(None, event_kind::TENANT_BASELINED, details);
        }
        self.flush_events()?;
        let policy = self
            .ctx
            .policy
            .as_ref()
            .map(|p| String::from_utf8_lossy(&canonical_json(p)).into_owned());
        self.w.finish_tenant(
            self.snap.tenant_id,
            self.ctx.scan_id,
            self.now,
            !self.snap.baselined,
            policy,
        )?;
        self.stats.rows_written += 1;
        Ok(self.stats)
    }

    fn event(&mut self, app_id: Option<i64>, kind: &'static str, details: Value) {
        // The baseline records one summary event instead of one per item.
        if self.snap.baselined || kind == event_kind::TENANT_BASELINED {
            self.events.push(EventRow {
                tenant_id: self.snap.tenant_id,
                scan_id: self.ctx.scan_id,
                app_id,
                kind,
                occurred_at: self.now,
                details: details.to_string(),
            });
        }
    }

    fn app(
        &mut self,
        app: OAuthApp,
        hash: ContentHash,
        document: String,
    ) -> Result<(), StoreError> {
        let prev = self.snap.apps.get(&app.external_id);
        if let Some(p) = prev.filter(|p| !p.removed && p.hash == hash) {
            // Same content: only the activity timestamp moved.
            self.w.set_app_activity(p.id, app.last_used_at.map(to_db))?;
            self.stats.rows_written += 1;
            return Ok(());
        }
        let Some(p) = prev else {
            self.new_apps.push(AppChange {
                app,
                hash,
                document,
            });
            if self.new_apps.len() >= APP_CHUNK {
                self.flush_new_apps()?;
            }
            return Ok(());
        };
        let version = p.version + 1;
        self.w
            .update_app(p.id, &app_row(&app, &hash, version, self.now))?;
        if p.removed {
            self.stats.apps_added += 1;
            let mut details = app_summary(&app);
            details["reappeared"] = json!(true);
            self.event(Some(p.id), event_kind::APP_ADDED, details);
        } else {
            self.stats.apps_changed += 1;
            self.app_changed(p, &app, &document)?;
        }
        let keep: Vec<String> = app
            .credentials
            .iter()
            .map(|c| c.fingerprint.clone())
            .collect();
        self.stats.rows_written += self.w.remove_credentials(p.id, &keep, self.now)? as i64;
        self.stored(p.id, &app, hash, document, version)
    }

    /// Insert the waiting new apps in one statement per chunk, then their versions,
    /// credentials and events.
    fn flush_new_apps(&mut self) -> Result<(), StoreError> {
        if self.new_apps.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.new_apps);
        let (tenant_id, now) = (self.snap.tenant_id, self.now);
        let rows: Vec<NewAppRow> = pending
            .iter()
            .map(|c| NewAppRow {
                tenant_id,
                external_id: &c.app.external_id,
                first_seen: now,
                row: app_row(&c.app, &c.hash, 1, now),
            })
            .collect();
        let ids: HashMap<String, i64> = self
            .w
            .insert_apps(&rows)?
            .into_iter()
            .map(|(id, external_id)| (external_id, id))
            .collect();
        drop(rows);
        for AppChange {
            app,
            hash,
            document,
        } in pending
        {
            let id = *ids.get(&app.external_id).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "the insert of app {} returned no id",
                    connectors::redact::printable(&app.external_id, 128)
                ))
            })?;
            self.new_app_ids.insert(app.external_id.clone(), id);
            self.stats.apps_added += 1;
            if self.per_item_events() {
                self.event(Some(id), event_kind::APP_ADDED, app_summary(&app));
            }
            self.stored(id, &app, hash, document, 1)?;
        }
        Ok(())
    }

    /// Record an app stored as `id` in `version`: its version row and credentials.
    fn stored(
        &mut self,
        id: i64,
        app: &OAuthApp,
        hash: ContentHash,
        document: String,
        version: i32,
    ) -> Result<(), StoreError> {
        self.stats.rows_written += 1;
        self.versions.push(VersionRow {
            app_id: id,
            version,
            content_hash: hash.0.to_vec(),
            document,
            scan_id: self.ctx.scan_id,
            created_at: self.now,
        });
        for cred in &app.credentials {
            self.credentials.push(CredentialRow {
                tenant_id: self.snap.tenant_id,
                app_id: id,
                fingerprint: cred.fingerprint.clone(),
                kind: cred.kind.as_str(),
                key_id: cred.key_id.clone(),
                hint: cred.hint.clone(),
                display_name: cred.display_name.clone(),
                created_at: cred.created_at.map(to_db),
                expires_at: cred.expires_at.map(to_db),
                never_expires: cred.never_expires,
                first_seen: self.now,
                removed_at: None,
                secret_digest: cred.secret_digest.clone(),
            });
        }
        if self.versions.len() >= BATCH || self.credentials.len() >= BATCH {
            self.flush_version_rows()?;
        }
        Ok(())
    }

    /// Events for a changed app: which top-level fields differ, and credentials added or removed.
    fn app_changed(
        &mut self,
        prev: &PrevApp,
        app: &OAuthApp,
        document: &str,
    ) -> Result<(), StoreError> {
        let old: Value = match self.w.version_document(prev.id, prev.version)? {
            Some(doc) => serde_json::from_str(&doc).map_err(|e| {
                StoreError::Corrupt(format!("app {} version document: {e}", prev.id))
            })?,
            None => Value::Null,
        };
        let new: Value =
            serde_json::from_str(document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let fields: Vec<&String> = match (&old, &new) {
            (Value::Object(o), Value::Object(n)) => {
                n.keys().filter(|k| o.get(*k) != n.get(*k)).collect()
            }
            _ => Vec::new(),
        };
        let mut details = app_summary(app);
        details["changed_fields"] = json!(fields);
        self.event(Some(prev.id), event_kind::APP_CHANGED, details);

        let fingerprints = |v: &Value| -> BTreeSet<String> {
            v.get("credentials")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.get("fingerprint")?.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (before, after) = (fingerprints(&old), fingerprints(&new));
        for cred in app
            .credentials
            .iter()
            .filter(|c| !before.contains(&c.fingerprint))
        {
            let d = json!({"fingerprint": cred.fingerprint, "kind": cred.kind.as_str(), "key_id": cred.key_id, "expires_at": cred.expires_at});
            self.event(Some(prev.id), event_kind::CREDENTIAL_ADDED, d);
        }
        for gone in before.difference(&after) {
            self.event(
                Some(prev.id),
                event_kind::CREDENTIAL_REMOVED,
                json!({"fingerprint": gone}),
            );
        }
        Ok(())
    }

    fn app_id(&self, external_id: &str) -> Option<i64> {
        self.new_app_ids
            .get(external_id)
            .copied()
            .or_else(|| self.snap.apps.get(external_id).map(|p| p.id))
    }

    /// Whether this apply records per-item events (not for a tenant's baseline).
    fn per_item_events(&self) -> bool {
        self.snap.baselined
    }

    fn grant(
        &mut self,
        grant: Grant,
        digest: GrantDigest,
        hash: GrantHash,
    ) -> Result<(), StoreError> {
        let Some(app_id) = self.app_id(&grant.app_external_id) else {
            self.stats.orphan_grants += 1;
            return Ok(());
        };
        let prev = self.snap.grants.get(&digest).copied();
        match prev {
            None | Some(PrevGrant { removed: true, .. }) => {
                self.stats.grants_added += 1;
                if self.per_item_events() {
                    self.event(Some(app_id), event_kind::GRANT_ADDED, grant_summary(&grant));
                }
            }
            Some(p) => {
                let before: BTreeSet<String> = self
                    .w
                    .grant_scopes(p.id)?
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let after: BTreeSet<String> = grant.scopes.iter().cloned().collect();
                if before != after {
                    let mut d = grant_summary(&grant);
                    d["added"] = json!(after.difference(&before).collect::<Vec<_>>());
                    d["removed"] = json!(before.difference(&after).collect::<Vec<_>>());
                    self.event(Some(app_id), event_kind::SCOPES_CHANGED, d);
                }
            }
        }
        let row = grant_row(self.snap.tenant_id, app_id, digest, hash, grant, self.now);
        match prev {
            None => {
                self.grants.push(row);
                if self.grants.len() >= BATCH {
                    self.flush_grants()?;
                }
            }
            Some(p) => {
                self.w.update_grant(p.id, &row)?;
                self.stats.rows_written += 1;
            }
        }
        Ok(())
    }

    /// Mark what the collection did not see as removed.
    fn removals(&mut self) -> Result<(), StoreError> {
        let last_seen = self.snap.last_success_at;
        let gone_apps: Vec<i64> = self
            .snap
            .apps
            .values()
            .filter(|p| !p.seen && !p.removed)
            .map(|p| p.id)
            .collect();
        for chunk in gone_apps.chunks(BATCH) {
            for (id, _, name) in self.w.remove_apps(chunk, self.now, last_seen)? {
                self.stats.apps_removed += 1;
                self.stats.rows_written += 1;
                self.event(Some(id), event_kind::APP_REMOVED, json!({"name": name}));
            }
        }
        let gone_grants: Vec<i64> = self
            .snap
            .grants
            .values()
            .filter(|p| !p.seen && !p.removed)
            .map(|p| p.id)
            .collect();
        for chunk in gone_grants.chunks(BATCH) {
            for (id, app_id, scopes) in self.w.remove_grants(chunk, self.now, last_seen)? {
                self.stats.grants_removed += 1;
                self.stats.rows_written += 1;
                self.event(
                    Some(app_id),
                    event_kind::GRANT_REMOVED,
                    json!({"grant_id": id, "scopes": scopes}),
                );
            }
            self.flush_events()?;
        }
        Ok(())
    }

    fn flush_app_rows(&mut self) -> Result<(), StoreError> {
        self.flush_new_apps()?;
        self.flush_version_rows()
    }

    fn flush_version_rows(&mut self) -> Result<(), StoreError> {
        if !self.versions.is_empty() {
            self.stats.rows_written += self.w.insert_versions(&self.versions)? as i64;
            self.versions.clear();
        }
        for chunk in self.credentials.chunks(BATCH) {
            self.stats.rows_written += self.w.upsert_credentials(chunk)? as i64;
        }
        self.credentials.clear();
        self.flush_events()
    }

    fn flush_grants(&mut self) -> Result<(), StoreError> {
        if !self.grants.is_empty() {
            self.stats.rows_written += self.w.insert_grants(&self.grants)? as i64;
            self.grants.clear();
        }
        self.flush_events()
    }

    fn flush_events(&mut self) -> Result<(), StoreError> {
        for chunk in self.events.chunks(BATCH) {
            let n = self.w.insert_events(chunk)? as i64;
            self.stats.events += n;
            self.stats.rows_written += n;
        }
        self.events.clear();
        Ok(())
    }
}

fn app_row<'a>(
    app: &'a OAuthApp,
    hash: &'a ContentHash,
    version: i32,
    now: NaiveDateTime,
) -> AppRow<'a> {
    AppRow {
        provider: app.provider.as_str(),
        client_id: app.client_id.as_deref(),
        name: &app.name,
        publisher_name: app.publisher.name.as_deref(),
        publisher_domain: app.publisher.domain.as_deref(),
        publisher_verified: app.publisher.verified,
        ownership: app.ownership.as_str(),
        client_type: app.client_type.as_str(),
        app_kind: app.app_kind.as_str(),
        enabled: app.enabled,
        content_hash: &hash.0,
        version,
        removed_at: None,
        last_used_at: app.last_used_at.map(to_db),
        updated_at: now,
    }
}

fn grant_row(
    tenant_id: i64,
    app_id: i64,
    digest: GrantDigest,
    hash: GrantHash,
    g: Grant,
    now: NaiveDateTime,
) -> GrantRow {
    let (principal_type, principal_id, principal_email, principal_name, principal_active) =
        match g.principal {
            Principal::Tenant => ("tenant", None, None, None, None),
            Principal::User {
                id,
                email,
                display_name,
                active,
            } => ("user", Some(id), email, display_name, active),
            Principal::Other { id, display_name } => ("other", Some(id), None, display_name, None),
        };
    GrantRow {
        tenant_id,
        app_id,
        key_digest: digest.to_vec(),
        external_id: g.external_id,
        principal_type,
        principal_id,
        principal_email,
        principal_name,
        principal_active,
        resource: g.resource,
        scopes: g.scopes.join(" "),
        consent_type: g.consent_type.as_str(),
        kind: g.kind.as_str(),
        content_hash: hash.to_vec(),
        created_at: g.created_at.map(to_db),
        expires_at: g.expires_at.map(to_db),
        last_used_at: g.last_used_at.map(to_db),
        first_seen: now,
        removed_at: None,
    }
}

fn app_summary(app: &OAuthApp) -> Value {
    json!({"external_id": app.external_id, "name": app.name, "client_id": app.client_id, "publisher": app.publisher.name})
}

fn grant_summary(g: &Grant) -> Value {
    let principal = match &g.principal {
        Principal::Tenant => json!({"type": "tenant"}),
        Principal::User { id, email, .. } => json!({"type": "user", "id": id, "email": email}),
        Principal::Other { id, .. } => json!({"type": "other", "id": id}),
    };
    json!({"app_external_id": g.app_external_id, "principal": principal, "scopes": g.scopes, "consent_type": g.consent_type.as_str(), "kind": g.kind.as_str()})
}
