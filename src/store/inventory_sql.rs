//! The SQL behind [`super::inventory`]: row types and the `InventoryWriter` trait,
//! implemented for both backends by one macro so every statement is written once.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::prelude::*;

use super::schema::{app_versions, apps, credentials, events, grants, tenants};

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = apps, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct AppRow<'a> {
    pub provider: &'a str,
    pub client_id: Option<&'a str>,
    pub name: &'a str,
    pub publisher_name: Option<&'a str>,
    pub publisher_domain: Option<&'a str>,
    pub publisher_verified: Option<bool>,
    pub ownership: &'a str,
    pub client_type: &'a str,
    pub app_kind: &'a str,
    pub enabled: Option<bool>,
    pub content_hash: &'a [u8],
    pub version: i32,
    pub removed_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// A new app: its identity in the tenant and its first row.
#[derive(Insertable)]
#[diesel(table_name = apps, treat_none_as_default_value = false)]
pub struct NewAppRow<'a> {
    pub tenant_id: i64,
    pub external_id: &'a str,
    pub first_seen: NaiveDateTime,
    #[diesel(embed)]
    pub row: AppRow<'a>,
}

#[derive(Insertable)]
#[diesel(table_name = app_versions)]
pub struct VersionRow {
    pub app_id: i64,
    pub version: i32,
    pub content_hash: Vec<u8>,
    pub document: String,
    pub scan_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Clone)]
#[diesel(table_name = credentials, treat_none_as_default_value = false)]
pub struct CredentialRow {
    pub tenant_id: i64,
    pub app_id: i64,
    pub fingerprint: String,
    pub kind: &'static str,
    pub key_id: Option<String>,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub never_expires: bool,
    pub first_seen: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub secret_digest: Option<String>,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = grants, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct GrantRow {
    pub tenant_id: i64,
    pub app_id: i64,
    pub key_digest: Vec<u8>,
    pub external_id: Option<String>,
    pub principal_type: &'static str,
    pub principal_id: Option<String>,
    pub principal_email: Option<String>,
    pub principal_name: Option<String>,
    pub principal_active: Option<bool>,
    pub resource: Option<String>,
    pub scopes: String,
    pub consent_type: &'static str,
    pub kind: &'static str,
    pub content_hash: Vec<u8>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub first_seen: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub tenant_id: i64,
    pub scan_id: i64,
    pub app_id: Option<i64>,
    pub kind: &'static str,
    pub occurred_at: NaiveDateTime,
    pub details: String,
}

/// Grants per INSERT statement (18 bind parameters each).
const GRANT_CHUNK: usize = 100;
/// New apps per INSERT statement (18 bind parameters each).
pub const APP_CHUNK: usize = 100;

/// Removed rows as reported back for change events: (id, app id, label).
pub type RemovedRow = (i64, i64, String);

/// Every write the inventory apply makes.
pub trait InventoryWriter {
    /// The tenant's `last_success_scan_id`, locking the tenant row until the transaction ends.
    fn lock_tenant(&mut self, tenant_id: i64) -> QueryResult<Option<i64>>;
    /// Insert new apps; returns (id, external id) of each, in no particular order.
    fn insert_apps(&mut self, rows: &[NewAppRow]) -> QueryResult<Vec<(i64, String)>>;
    fn update_app(&mut self, id: i64, row: &AppRow) -> QueryResult<()>;
    fn set_app_activity(&mut self, id: i64, last_used_at: Option<NaiveDateTime>)
    -> QueryResult<()>;
    fn version_document(&mut self, app_id: i64, version: i32) -> QueryResult<Option<String>>;
    fn insert_versions(&mut self, rows: &[VersionRow]) -> QueryResult<usize>;
    fn upsert_credentials(&mut self, rows: &[CredentialRow]) -> QueryResult<usize>;
    fn remove_credentials(
        &mut self,
        app_id: i64,
        keep: &[String],
        now: NaiveDateTime,
    ) -> QueryResult<usize>;
    fn insert_grants(&mut self, rows: &[GrantRow]) -> QueryResult<usize>;
    fn update_grant(&mut self, id: i64, row: &GrantRow) -> QueryResult<()>;
    fn grant_scopes(&mut self, id: i64) -> QueryResult<String>;
    /// Mark apps removed; returns (id, id, name) per app.
    fn remove_apps(
        &mut self,
        ids: &[i64],
        now: NaiveDateTime,
        last_seen: Option<NaiveDateTime>,
    ) -> QueryResult<Vec<RemovedRow>>;
    /// Mark grants removed; returns (id, app id, scopes) per grant.
    fn remove_grants(
        &mut self,
        ids: &[i64],
        now: NaiveDateTime,
        last_seen: Option<NaiveDateTime>,
    ) -> QueryResult<Vec<RemovedRow>>;
    fn insert_events(&mut self, rows: &[EventRow]) -> QueryResult<usize>;
    fn finish_tenant(
        &mut self,
        tenant_id: i64,
        scan_id: i64,
        now: NaiveDateTime,
        baseline: bool,
        policy: Option<String>,
    ) -> QueryResult<()>;
}

macro_rules! impl_inventory_writer {
    ($conn:ty) => {
        impl InventoryWriter for $conn {
            fn lock_tenant(&mut self, tenant_id: i64) -> QueryResult<Option<i64>> {
                TenantLock::lock(self, tenant_id)
            }

            fn insert_apps(&mut self, rows: &[NewAppRow]) -> QueryResult<Vec<(i64, String)>> {
                let mut ids = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(APP_CHUNK) {
                    ids.extend(
                        diesel::insert_into(apps::table)
                            .values(chunk)
                            .returning((apps::id, apps::external_id))
                            .get_results::<(i64, String)>(self)?,
                    );
                }
                Ok(ids)
            }

            fn update_app(&mut self, id: i64, row: &AppRow) -> QueryResult<()> {
                diesel::update(apps::table.find(id))
                    .set((row, apps::last_seen.eq(None::<NaiveDateTime>)))
                    .execute(self)
                    .map(drop)
            }

            fn set_app_activity(
                &mut self,
                id: i64,
                last_used_at: Option<NaiveDateTime>,
            ) -> QueryResult<()> {
                diesel::update(apps::table.find(id))
                    .set(apps::last_used_at.eq(last_used_at))
                    .execute(self)
                    .map(drop)
            }

            fn version_document(
                &mut self,
                app_id: i64,
                version: i32,
            ) -> QueryResult<Option<String>> {
                app_versions::table
                    .filter(
                        app_versions::app_id
                            .eq(app_id)
                            .and(app_versions::version.eq(version)),
                    )
                    .select(app_versions::document)
                    .first(self)
                    .optional()
            }

            fn insert_versions(&mut self, rows: &[VersionRow]) -> QueryResult<usize> {
                diesel::insert_into(app_versions::table)
                    .values(rows)
                    .execute(self)
            }

            fn upsert_credentials(&mut self, rows: &[CredentialRow]) -> QueryResult<usize> {
                use diesel::upsert::excluded;
                diesel::insert_into(credentials::table)
                    .values(rows)
                    .on_conflict((credentials::app_id, credentials::fingerprint))
                    .do_update()
                    .set((
                        credentials::kind.eq(excluded(credentials::kind)),
                        credentials::key_id.eq(excluded(credentials::key_id)),
                        credentials::hint.eq(excluded(credentials::hint)),
                        credentials::display_name.eq(excluded(credentials::display_name)),
                        credentials::created_at.eq(excluded(credentials::created_at)),
                        credentials::expires_at.eq(excluded(credentials::expires_at)),
                        credentials::never_expires.eq(excluded(credentials::never_expires)),
                        credentials::removed_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(self)
            }

            fn remove_credentials(
                &mut self,
                app_id: i64,
                keep: &[String],
                now: NaiveDateTime,
            ) -> QueryResult<usize> {
                diesel::update(
                    credentials::table
                        .filter(credentials::app_id.eq(app_id))
                        .filter(credentials::removed_at.is_null())
                        .filter(credentials::fingerprint.ne_all(keep)),
                )
                .set(credentials::removed_at.eq(Some(now)))
                .execute(self)
            }

            fn insert_grants(&mut self, rows: &[GrantRow]) -> QueryResult<usize> {
                // Fixed-size chunks compile to one statement that is prepared once and cached;
                // a slice of varying length would be prepared anew for every batch.
                let mut chunks = rows.chunks_exact(GRANT_CHUNK);
                let mut n = 0;
                for chunk in &mut chunks {
                    if let Ok(array) = <&[GrantRow; GRANT_CHUNK]>::try_from(chunk) {
                        n += diesel::insert_into(grants::table)
                            .values(array)
                            .execute(self)?;
                    }
                }
                let rest = chunks.remainder();
                if !rest.is_empty() {
                    n += diesel::insert_into(grants::table)
                        .values(rest)
                        .execute(self)?;
                }
                Ok(n)
            }

            fn update_grant(&mut self, id: i64, row: &GrantRow) -> QueryResult<()> {
                diesel::update(grants::table.find(id))
                    .set((
                        grants::app_id.eq(row.app_id),
                        grants::external_id.eq(&row.external_id),
                        grants::principal_type.eq(row.principal_type),
                        grants::principal_id.eq(&row.principal_id),
                        grants::principal_email.eq(&row.principal_email),
                        grants::principal_name.eq(&row.principal_name),
                        grants::principal_active.eq(row.principal_active),
                        grants::resource.eq(&row.resource),
                        grants::scopes.eq(&row.scopes),
                        grants::consent_type.eq(row.consent_type),
                        grants::kind.eq(row.kind),
                        grants::content_hash.eq(&row.content_hash),
                        grants::created_at.eq(row.created_at),
                        grants::expires_at.eq(row.expires_at),
                        grants::last_used_at.eq(row.last_used_at),
                        grants::last_seen.eq(None::<NaiveDateTime>),
                        grants::removed_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(self)
                    .map(drop)
            }

            fn grant_scopes(&mut self, id: i64) -> QueryResult<String> {
                grants::table.find(id).select(grants::scopes).first(self)
            }

            fn remove_apps(
                &mut self,
                ids: &[i64],
                now: NaiveDateTime,
                last_seen: Option<NaiveDateTime>,
            ) -> QueryResult<Vec<RemovedRow>> {
                diesel::update(
                    credentials::table
                        .filter(credentials::app_id.eq_any(ids))
                        .filter(credentials::removed_at.is_null()),
                )
                .set(credentials::removed_at.eq(Some(now)))
                .execute(self)?;
                diesel::update(apps::table.filter(apps::id.eq_any(ids)))
                    .set((
                        apps::removed_at.eq(Some(now)),
                        apps::last_seen.eq(last_seen),
                        apps::updated_at.eq(now),
                    ))
                    .returning((apps::id, apps::id, apps::name))
                    .get_results(self)
            }

            fn remove_grants(
                &mut self,
                ids: &[i64],
                now: NaiveDateTime,
                last_seen: Option<NaiveDateTime>,
            ) -> QueryResult<Vec<RemovedRow>> {
                diesel::update(grants::table.filter(grants::id.eq_any(ids)))
                    .set((
                        grants::removed_at.eq(Some(now)),
                        grants::last_seen.eq(last_seen),
                    ))
                    .returning((grants::id, grants::app_id, grants::scopes))
                    .get_results(self)
            }

            fn insert_events(&mut self, rows: &[EventRow]) -> QueryResult<usize> {
                diesel::insert_into(events::table)
                    .values(rows)
                    .execute(self)
            }

            fn finish_tenant(
                &mut self,
                tenant_id: i64,
                scan_id: i64,
                now: NaiveDateTime,
                baseline: bool,
                policy: Option<String>,
            ) -> QueryResult<()> {
                let target = tenants::table.find(tenant_id);
                diesel::update(target)
                    .set((
                        tenants::stale.eq(false),
                        tenants::last_error.eq(None::<String>),
                        tenants::last_scan_at.eq(Some(now)),
                        tenants::last_success_at.eq(Some(now)),
                        tenants::last_success_scan_id.eq(Some(scan_id)),
                    ))
                    .execute(self)?;
                if baseline {
                    diesel::update(target)
                        .set(tenants::baselined_at.eq(Some(now)))
                        .execute(self)?;
                }
                if let Some(policy) = policy {
                    diesel::update(target)
                        .set(tenants::policy_document.eq(Some(policy)))
                        .execute(self)?;
                }
                Ok(())
            }
        }
    };
}

impl_inventory_writer!(diesel::sqlite::SqliteConnection);
impl_inventory_writer!(diesel::pg::PgConnection);

/// Reading the tenant row under a lock, the one statement that differs by backend.
trait TenantLock {
    fn lock(&mut self, tenant_id: i64) -> QueryResult<Option<i64>>;
}

impl TenantLock for diesel::sqlite::SqliteConnection {
    fn lock(&mut self, tenant_id: i64) -> QueryResult<Option<i64>> {
        // The IMMEDIATE transaction already holds SQLite's single write lock.
        tenants::table
            .find(tenant_id)
            .select(tenants::last_success_scan_id)
            .first(self)
    }
}

impl TenantLock for diesel::pg::PgConnection {
    fn lock(&mut self, tenant_id: i64) -> QueryResult<Option<i64>> {
        tenants::table
            .find(tenant_id)
            .select(tenants::last_success_scan_id)
            .for_update()
            .first(self)
    }
}
