//! A vendor's blast radius: every current app of one publisher (by name or domain,
//! case-insensitive) across tenants and providers, with what its grants reach.

use chrono::NaiveDateTime;
use connectors::model::TokenPolicy;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use super::apps::{AppFilter, AppSummary};
use crate::store::schema::grants;
use crate::store::{Store, StoreError};
use crate::with_conn;

/// Apps of one vendor considered at most (the total is still counted).
pub const MAX_VENDOR_APPS: i64 = 1000;
/// Users named at most (the distinct count covers all).
pub const MAX_VENDOR_USERS: usize = 1000;

/// One vendor across the estate.
#[derive(Debug, Clone)]
pub struct VendorExposure {
    pub apps: Vec<AppSummary>,
    /// `apps` was cut at [`MAX_VENDOR_APPS`].
    pub apps_truncated: bool,
    /// Token policy of each listed app, by app id (from its current stored version).
    pub token_policies: BTreeMap<i64, TokenPolicy>,
    pub tenants: BTreeSet<String>,
    pub providers: BTreeSet<String>,
    pub grants: i64,
    /// Each granted scope and in how many grants.
    pub scopes: BTreeMap<String, i64>,
    /// Distinct users with a grant (email, else id), at most [`MAX_VENDOR_USERS`].
    pub users: BTreeSet<String>,
    pub users_total: i64,
    /// Tenant-wide (admin) grants.
    pub tenant_wide_grants: i64,
    pub first_seen: Option<NaiveDateTime>,
    /// Apps included because they bear the name of one of the vendor's apps in a tenant whose
    /// provider reports no publisher (only with `same_name_elsewhere`).
    pub matched_by_name: BTreeSet<i64>,
}

impl Store {
    /// The blast radius of `publisher`; `None` when no current app names it.
    pub fn vendor_exposure(&self, publisher: &str) -> Result<Option<VendorExposure>, StoreError> {
        self.vendor_exposure_with(publisher, false)
    }

    /// The blast radius of `publisher`; with `same_name_elsewhere`, also the apps named like
    /// one of its apps whose provider reports no publisher at all (Google Workspace and
    /// Salesforce often do not), so an incident view misses no tenant.
    pub fn vendor_exposure_with(
        &self,
        publisher: &str,
        same_name_elsewhere: bool,
    ) -> Result<Option<VendorExposure>, StoreError> {
        let filter = AppFilter {
            publisher: Some(publisher.to_string()),
            ..AppFilter::default()
        };
        let mut apps = self.list_apps(&filter, 0, MAX_VENDOR_APPS + 1)?;
        if apps.is_empty() {
            return Ok(None);
        }
        let mut matched_by_name = BTreeSet::new();
        if same_name_elsewhere {
            let names: BTreeSet<String> = apps.iter().map(|a| a.name.clone()).collect();
            let names: Vec<String> = names.into_iter().collect();
            for a in self.unpublished_apps_named(&names, MAX_VENDOR_APPS + 1)? {
                matched_by_name.insert(a.id);
                apps.push(a);
            }
        }
        let apps_truncated = apps.len() as i64 > MAX_VENDOR_APPS;
        apps.truncate(MAX_VENDOR_APPS as usize);
        let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
        let token_policies = self
            .apps_by_ids(&ids)?
            .into_iter()
            .map(|s| (s.id, s.app.token_policy))
            .collect();
        let mut out = VendorExposure {
            tenants: apps.iter().map(|a| a.tenant.clone()).collect(),
            providers: apps.iter().map(|a| a.provider.clone()).collect(),
            first_seen: apps.iter().map(|a| a.first_seen).min(),
            apps,
            apps_truncated,
            token_policies,
            grants: 0,
            scopes: BTreeMap::new(),
            users: BTreeSet::new(),
            users_total: 0,
            tenant_wide_grants: 0,
            matched_by_name,
        };
        let mut all_users = BTreeSet::new();
        let mut conn = self.conn()?;
        for chunk in ids.chunks(500) {
            let rows: Vec<(String, Option<String>, Option<String>, String)> = with_conn!(&mut conn, c => grants::table
                    .filter(grants::app_id.eq_any(chunk))
                    .filter(grants::removed_at.is_null())
                    .select((
                        grants::principal_type,
                        grants::principal_id,
                        grants::principal_email,
                        grants::scopes,
                    ))
                    .load(c))?;
            for (ptype, pid, email, scopes) in rows {
                out.grants += 1;
                for s in scopes.split(' ').filter(|s| !s.is_empty()) {
                    *out.scopes.entry(s.to_string()).or_default() += 1;
                }
                match (ptype.as_str(), email.or(pid)) {
                    ("user", Some(who)) => {
                        all_users.insert(who);
                    }
                    ("tenant", _) => out.tenant_wide_grants += 1,
                    _ => {}
                }
            }
        }
        out.users_total = all_users.len() as i64;
        out.users = all_users.into_iter().take(MAX_VENDOR_USERS).collect();
        Ok(Some(out))
    }
}
