//! `/vendors/{publisher}`: one vendor's blast radius across tenants and providers ("a vendor
//! was breached: what did we grant it?"), from the query the API shares
//! ([`Store::vendor_exposure`]), with a containment checklist per tenant: each app to cut off,
//! its grants, and where to revoke them (our own per-provider text, see `containment.rs`).
//! Apps with the same name in tenants whose provider reports no publisher are included and
//! marked, so a breach review misses no tenant.

use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

use super::containment;
use super::view::{Clip, when_opt};
use super::{Layout, Nav, PageError, render, with_store};
use crate::web::AppState;
use crate::web::session::Viewer;

use crate::web::api::vendors::MAX_PUBLISHER;
/// Scopes listed at most (most granted first).
const MAX_SCOPES: usize = 100;
/// Users named at most on the page.
const MAX_USERS: usize = 200;

/// An app of the vendor in one tenant.
#[derive(Debug, Clone)]
pub struct VendorApp {
    pub id: i64,
    pub name: Clip,
    pub client_id: Clip,
    pub grants: i64,
    pub risk: String,
    /// Refresh tokens never expire, per its token policy.
    pub endless_refresh: bool,
    /// Included by name: its provider reports no publisher.
    pub by_name: bool,
}

/// The checklist of one tenant.
#[derive(Debug, Clone)]
pub struct TenantChecklist {
    pub tenant: Clip,
    pub provider: String,
    pub apps: Vec<VendorApp>,
    pub grants: i64,
    pub steps: &'static [(&'static str, &'static str)],
}

#[derive(Template)]
#[template(path = "vendor.html")]
pub struct VendorPage {
    pub layout: Layout,
    pub apps: usize,
    pub apps_truncated: bool,
    pub tenants: usize,
    pub providers: String,
    pub grants: i64,
    pub tenant_wide: i64,
    pub users_total: i64,
    pub first_seen: String,
    pub scopes: Vec<(Clip, i64)>,
    pub scopes_more: usize,
    pub users: Vec<Clip>,
    pub checklists: Vec<TenantChecklist>,
}

/// `GET /vendors/{publisher}`.
pub async fn get_vendor(
    viewer: Viewer,
    state: web::Data<AppState>,
    publisher: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let publisher = publisher.into_inner();
    if publisher.is_empty() || publisher.len() > MAX_PUBLISHER {
        return Err(PageError::not_found("vendor"));
    }
    let p = publisher.clone();
    let found = with_store(&state, move |s| {
        let Some(v) = s.vendor_exposure_with(&p, true)? else {
            return Ok(None);
        };
        let ids: Vec<i64> = v.apps.iter().map(|a| a.id).collect();
        let counts: BTreeMap<i64, i64> = s.grant_counts(&ids)?.into_iter().collect();
        Ok(Some((v, counts)))
    })
    .await?;
    let Some((v, counts)) = found else {
        return Err(PageError::not_found("vendor"));
    };
    let mut by_tenant: BTreeMap<(String, String), Vec<VendorApp>> = BTreeMap::new();
    for a in &v.apps {
        let endless_refresh = v.token_policies.get(&a.id).is_some_and(|p| {
            matches!(
                p.refresh_token_lifetime.as_ref().map(|s| s.value),
                Some(connectors::model::Lifetime::Unlimited)
            )
        });
        by_tenant
            .entry((a.tenant.clone(), a.provider.clone()))
            .or_default()
            .push(VendorApp {
                id: a.id,
                name: Clip::new(&a.name, 60),
                client_id: Clip::opt(a.client_id.as_deref(), 40),
                grants: counts.get(&a.id).copied().unwrap_or(0),
                risk: a
                    .risk_score
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
                endless_refresh,
                by_name: v.matched_by_name.contains(&a.id),
            });
    }
    let checklists = by_tenant
        .into_iter()
        .map(|((tenant, provider), apps)| TenantChecklist {
            tenant: Clip::new(&tenant, 60),
            grants: apps.iter().map(|a| a.grants).sum(),
            steps: containment::steps(&provider),
            provider,
            apps,
        })
        .collect();
    let mut scopes: Vec<(String, i64)> = v.scopes.into_iter().collect();
    scopes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let scopes_more = scopes.len().saturating_sub(MAX_SCOPES);
    let title = format!("Vendor: {}", Clip::new(&publisher, 60).short);
    let page = VendorPage {
        layout: Layout::new(title, Nav::Vendors, viewer),
        apps: v.apps.len(),
        apps_truncated: v.apps_truncated,
        tenants: v.tenants.len(),
        providers: v.providers.into_iter().collect::<Vec<_>>().join(", "),
        grants: v.grants,
        tenant_wide: v.tenant_wide_grants,
        users_total: v.users_total,
        first_seen: when_opt(v.first_seen),
        scopes: scopes
            .into_iter()
            .take(MAX_SCOPES)
            .map(|(s, n)| (Clip::new(&s, 80), n))
            .collect(),
        scopes_more,
        users: v
            .users
            .iter()
            .take(MAX_USERS)
            .map(|u| Clip::new(u, 60))
            .collect(),
        checklists,
    };
    render(&page)
}
