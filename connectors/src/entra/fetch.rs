//! Collect an Entra tenant over Microsoft Graph v1.0 (CONNECTORS.md §1).
//!
//! Auth: a ready bearer token (`token_env`), or client credentials against
//! `https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token` with a client secret or a
//! certificate (`client_certificate_file`), for the scope `{graph root}/.default`.
//!
//! Calls, in order (paged with `@odata.nextLink`, `$top` up to 999):
//! 1. `GET /v1.0/applications?$select=appId`: which apps are registered in this tenant
//!    (first-party), ids only;
//! 2. `GET /v1.0/servicePrincipals`: every app instance; third-party apps stream out at once,
//!    first-party ones wait to be merged with their application object, read in full by a
//!    second `GET /v1.0/applications` (so memory holds ids and parsed service principals, never
//!    every application object at once);
//! 3. `GET /v1.0/oauth2PermissionGrants`: all delegated grants in one listing;
//! 4. `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo` for each resource that publishes
//!    app roles: the application permissions granted to apps;
//! 5. `GET /v1.0/policies/authorizationPolicy`: the user-consent setting.
//!
//! A 403 on steps 3–5 is recorded as a coverage gap (the tenant's scan is partial and its
//! stored inventory kept) and the rest goes on; a 404 there means the tenant has no such data
//! and is skipped (see `Session::gap_or_fail`). The app lists (1–2) are the inventory itself,
//! so failing them fails the collection.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

use super::parse::{self, PermissionNames, ServicePrincipal};
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, SigningKey, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::ConnectorError;
use crate::fetch::{Items, LinkPages, NextLink, Session, static_token, token_url};
use crate::model::InventoryItem;
use crate::settings::TenantSettings;

const DEFAULT_BASE: &str = "https://graph.microsoft.com";
/// Graph's largest page for directory collections.
const MAX_PAGE: u32 = 999;

/// The Entra ID connector.
pub struct EntraConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
}

impl EntraConnector {
    pub fn new(settings: TenantSettings) -> Result<EntraConnector, ConnectorError> {
        let base = settings.base_url(Some(DEFAULT_BASE))?;
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(client_credentials(&settings, &base)?)),
        };
        Ok(EntraConnector {
            settings,
            base,
            auth,
        })
    }
}

/// Client credentials with a secret or a certificate, for `{graph root}/.default`.
fn client_credentials(settings: &TenantSettings, base: &Url) -> Result<Grant, ConnectorError> {
    let client_id = settings
        .require("client_id", &settings.client_id)?
        .to_string();
    let token_url = match &settings.token_url {
        Some(u) => u.clone(),
        None => {
            let tenant = settings.require("tenant_id", &settings.tenant_id)?;
            token_url(
                settings,
                &format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"),
            )?
        }
    };
    let scope = Some(format!("{}/.default", base.origin().ascii_serialization()));
    if let Some(secret) = &settings.client_secret {
        return Ok(Grant::ClientSecret {
            token_url,
            client_id,
            secret: secret.clone(),
            scope,
            audience: None,
        });
    }
    if let Some(pem) = &settings.client_certificate_pem {
        use secrecy::ExposeSecret;
        let key = SigningKey::from_certificate_pem(pem.expose_secret().as_bytes())
            .map_err(|e| settings.config_error("client_certificate_file", &e.message))?;
        return Ok(Grant::ClientAssertion {
            token_url,
            client_id,
            key,
            scope,
        });
    }
    Err(settings.config_error(
        "client_secret_env",
        "(or client_secret_file, client_certificate_file or token_env) is required for provider entra",
    ))
}

/// A listing of this provider, one page at a time.
fn link_pages(session: &Session, path: &str) -> Result<LinkPages, ConnectorError> {
    LinkPages::new(
        session,
        path,
        NextLink::Field("@odata.nextLink"),
        Items::Key("value"),
    )
}

fn is_app_type(sp: &ServicePrincipal) -> bool {
    matches!(
        sp.service_principal_type.as_deref(),
        None | Some("Application") | Some("Legacy")
    )
}

#[async_trait]
impl Connector for EntraConnector {
    fn provider(&self) -> Provider {
        Provider::Entra
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let top = self.settings.page_size(MAX_PAGE);
        let at = |what: &str| {
            let tenant = self.settings.name.clone();
            let what = what.to_string();
            move |e: ConnectorError| e.at(format!("tenant {tenant}, {what}"))
        };

        // 1. Which apps are registered here (first-party): ids only, so a tenant's thousands of
        //    application objects are never all in memory; they are read again in step 2b.
        #[derive(serde::Deserialize)]
        struct AppIdOnly {
            #[serde(rename = "appId")]
            app_id: Option<String>,
        }
        let mut registered: HashSet<String> = HashSet::new();
        let mut pages = link_pages(
            &session,
            &format!("v1.0/applications?$top={top}&$select=appId"),
        )?;
        while let Some(items) = pages.next_as::<AppIdOnly>(&session).await? {
            registered.extend(items.into_iter().filter_map(|a| a.app_id));
        }

        // 2. Service principals.
        let mut names = PermissionNames::default();
        let mut app_of_sp: HashMap<String, String> = HashMap::new();
        let mut first_party: HashMap<String, ServicePrincipal> = HashMap::new();
        let mut role_resources: Vec<String> = Vec::new();
        let mut pages = link_pages(&session, &format!("v1.0/servicePrincipals?$top={top}"))?;
        while let Some(items) = pages.next(&session).await? {
            for raw in items {
                let sp =
                    parse::service_principal(&raw).map_err(at("GET /v1.0/servicePrincipals"))?;
                names.learn(&sp);
                if !sp.app_roles.is_empty() {
                    role_resources.push(sp.id.clone());
                }
                if !is_app_type(&sp) {
                    continue;
                }
                app_of_sp.insert(sp.id.clone(), sp.app_id.clone());
                if registered.contains(&sp.app_id) {
                    first_party.insert(sp.app_id.clone(), sp);
                } else {
                    let app = parse::third_party_app(&sp, raw);
                    sink.send(InventoryItem::App(Box::new(app))).await?;
                }
            }
        }

        // 2b. First-party apps, read again page by page and merged with their service principals.
        let mut pages = link_pages(&session, &format!("v1.0/applications?$top={top}"))?;
        while let Some(items) = pages.next(&session).await? {
            for raw in items {
                let app_id = raw.get("appId").and_then(Value::as_str).unwrap_or_default();
                let sp = first_party.remove(app_id);
                let app = parse::first_party_app(&raw, sp.as_ref(), &names)
                    .map_err(at("GET /v1.0/applications"))?;
                sink.send(InventoryItem::App(Box::new(app))).await?;
            }
        }

        // 3. Delegated grants.
        let mut orphans = 0u64;
        match self
            .delegated_grants(&session, top, &app_of_sp, sink, &mut orphans)
            .await
        {
            Ok(()) => {}
            Err(e) => session.gap_or_fail("delegated grants (oauth2PermissionGrants)", e)?,
        }

        // 4. Application permissions, from each resource that publishes app roles.
        for resource in role_resources {
            let result = self
                .application_grants(&session, &resource, top, &app_of_sp, &names, sink)
                .await;
            if let Err(e) = result {
                session.gap_or_fail("application permissions (appRoleAssignedTo)", e)?;
                break;
            }
        }

        // 5. The user-consent policy.
        match session.url("v1.0/policies/authorizationPolicy") {
            Ok(url) => match session.get(url).await {
                Ok((value, _)) => {
                    sink.send(InventoryItem::TenantPolicy(parse::tenant_policy(&value)))
                        .await?
                }
                Err(e) => session.gap_or_fail("user-consent policy (authorizationPolicy)", e)?,
            },
            Err(e) => return Err(e),
        }
        if orphans > 0 {
            tracing::warn!(tenant = %self.settings.name, orphans, "skipped grants whose client service principal was not listed");
        }
        Ok(session.summary())
    }
}

impl EntraConnector {
    async fn delegated_grants(
        &self,
        session: &Session,
        top: u32,
        app_of_sp: &HashMap<String, String>,
        sink: &mut ItemSink,
        orphans: &mut u64,
    ) -> Result<(), ConnectorError> {
        // The largest listing by far: its pages are read straight into typed grants.
        let mut pages = link_pages(session, &format!("v1.0/oauth2PermissionGrants?$top={top}"))?;
        while let Some(items) = pages.next_as::<parse::PermissionGrant>(session).await? {
            for g in items {
                let Some(app_id) = app_of_sp.get(&g.client_id).cloned() else {
                    *orphans += 1;
                    continue;
                };
                let resource = app_of_sp.get(&g.resource_id).cloned();
                sink.send(InventoryItem::Grant(parse::delegated_grant(
                    g, app_id, resource,
                )))
                .await?;
            }
        }
        Ok(())
    }

    async fn application_grants(
        &self,
        session: &Session,
        resource_sp: &str,
        top: u32,
        app_of_sp: &HashMap<String, String>,
        names: &PermissionNames,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let path = format!("v1.0/servicePrincipals/{resource_sp}/appRoleAssignedTo?$top={top}");
        let mut pages = link_pages(session, &path)?;
        while let Some(items) = pages.next(session).await? {
            for raw in items {
                if raw.get("principalType").and_then(Value::as_str) != Some("ServicePrincipal") {
                    continue;
                }
                let a: parse::AppRoleAssignment = serde_json::from_value(raw).map_err(|e| {
                    ConnectorError::malformed(format!("appRoleAssignment: {e}")).at(format!(
                        "tenant {}, GET appRoleAssignedTo",
                        self.settings.name
                    ))
                })?;
                let Some(app_id) = app_of_sp.get(&a.principal_id).cloned() else {
                    continue;
                };
                let resource = app_of_sp.get(&a.resource_id).cloned();
                sink.send(InventoryItem::Grant(parse::application_grant(
                    a, app_id, resource, names,
                )))
                .await?;
            }
        }
        Ok(())
    }
}
