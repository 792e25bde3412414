//! Collect an Okta org over the Management API (CONNECTORS.md §2).
//!
//! Auth: an API token (`token_env`, sent as `Authorization: SSWS <token>`), or OAuth for Okta:
//! an API Services app's `client_id` with `private_key_file` (`private_key_jwt` client
//! credentials at `{base_url}/oauth2/v1/token`) for the read scopes in [`SCOPES`].
//!
//! Calls, in order (paged with `Link: <…>; rel="next"`, `limit` up to 200):
//! 1. `GET /api/v1/apps`: every app instance; the OAuth clients stream out as they arrive
//!    (SAML, bookmark and other non-OAuth apps are skipped by the parser);
//! 2. `GET /api/v1/apps/{appId}/grants?expand=scope` for each OAuth app: the Okta API scopes
//!    granted to it (revoked grants are skipped by the parser);
//! 3. `GET /api/v1/users`, then `GET /api/v1/users/{userId}/grants?expand=scope` for each
//!    user: users' consents to the scopes of custom authorization servers (one call per user).
//!
//! The per-app and per-user calls run several at a time, up to the tenant's HTTP concurrency.
//!
//! A 403 on steps 2–3 is recorded as a coverage gap and the rest goes on (a 404 on one app or
//! user means it was deleted meanwhile and is passed over); the app list is the inventory
//! itself, so failing it fails the collection. Token lifetimes stay the org authorization server's
//! defaults, as the parser infers them and notes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use serde_json::Value;
use url::Url;

use super::parse;
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, SigningKey, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Items, LinkPages, NextLink, Session, path_segment, static_token, token_url};
use crate::model::InventoryItem;
use crate::settings::TenantSettings;

/// Okta's largest page for `/api/v1/apps`.
const MAX_PAGE: u32 = 200;
/// The read scopes the OAuth-for-Okta service app asks for.
pub const SCOPES: &str =
    "okta.apps.read okta.appGrants.read okta.users.read okta.authorizationServers.read";

/// The Okta connector.
pub struct OktaConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
}

impl OktaConnector {
    /// A connector for `settings`; a config error names the first missing or invalid key.
    pub fn new(settings: TenantSettings) -> Result<OktaConnector, ConnectorError> {
        let base = settings.base_url(None)?;
        let auth = match static_token(&settings, Scheme::Ssws) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(service_app(&settings, &base)?)),
        };
        Ok(OktaConnector {
            settings,
            base,
            auth,
        })
    }
}

/// OAuth for Okta: client credentials with a `private_key_jwt` assertion.
fn service_app(settings: &TenantSettings, base: &Url) -> Result<Grant, ConnectorError> {
    let Some(pem) = &settings.private_key_pem else {
        return Err(settings.config_error(
            "token_env",
            "(an API token) or `client_id` with `private_key_file` is required for provider okta",
        ));
    };
    let client_id = settings
        .require("client_id", &settings.client_id)?
        .to_string();
    use secrecy::ExposeSecret;
    let key = SigningKey::from_rsa_pem(pem.expose_secret().as_bytes())
        .map_err(|e| settings.config_error("private_key_file", &e.message))?;
    let default = crate::auth::oauth::join(base, "oauth2/v1/token")?;
    Ok(Grant::ClientAssertion {
        token_url: token_url(settings, default.as_str())?,
        client_id,
        key,
        scope: Some(SCOPES.to_string()),
    })
}

/// A listing of this provider, one page at a time.
fn link_pages(session: &Session, path: &str) -> Result<LinkPages, ConnectorError> {
    LinkPages::new(session, path, NextLink::Header, Items::List)
}

#[async_trait]
impl Connector for OktaConnector {
    fn provider(&self) -> Provider {
        Provider::Okta
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let limit = self.settings.page_size(MAX_PAGE);
        let at = format!("tenant {}, GET /api/v1/apps", self.settings.name);

        // 1. Apps: only ids are held, for the grant calls.
        let mut app_of_client: HashMap<String, String> = HashMap::new();
        let mut oauth_apps: Vec<String> = Vec::new();
        let mut pages = link_pages(&session, &format!("api/v1/apps?limit={limit}"))?;
        while let Some(items) = pages.next(&session).await? {
            for raw in items {
                let parsed = parse::parse_app(&raw).map_err(|e| {
                    let id = raw.get("id").and_then(Value::as_str).unwrap_or("?");
                    ConnectorError {
                        message: format!(
                            "app {:?}: {}",
                            crate::redact::bound_str(id, 64),
                            e.message
                        ),
                        ..e
                    }
                    .at(at.clone())
                })?;
                let Some(app) = parsed else { continue };
                if let Some(client) = &app.client_id {
                    app_of_client.insert(client.clone(), app.external_id.clone());
                }
                oauth_apps.push(app.external_id.clone());
                sink.send(InventoryItem::App(Box::new(app))).await?;
            }
        }

        // 2. Each OAuth app's scope grants, several apps at a time; their ids are held so
        // that step 3 skips them.
        let mut seen: HashSet<String> = HashSet::new();
        let mut refused = None;
        {
            // An app id that cannot be one path segment has no grants to ask for.
            let paths: Vec<String> = oauth_apps
                .iter()
                .filter_map(|id| path_segment(id).ok())
                .map(|id| format!("api/v1/apps/{id}/grants?expand=scope"))
                .collect();
            let session = &session;
            let mut calls = stream::iter(paths)
                .map(|path| listing(session, path))
                .buffer_unordered(self.width());
            while let Some(found) = calls.next().await {
                match found {
                    Ok(items) => {
                        let ids = self.send_grants(items, None, &app_of_client, sink).await?;
                        seen.extend(ids);
                    }
                    Err(e) if e.kind == ErrorKind::NotFound => {
                        tracing::debug!(tenant = %self.settings.name, "an app vanished during the collection");
                    }
                    Err(e) => {
                        refused = Some(e);
                        break;
                    }
                }
            }
        }
        if let Some(e) = refused {
            session.gap_or_fail("app grants (/api/v1/apps/{appId}/grants)", e)?;
        }

        // 3. Users' consents.
        if let Err(e) = self
            .user_grants(&session, limit, &seen, &app_of_client, sink)
            .await
        {
            session.gap_or_fail("user grants (/api/v1/users/{userId}/grants)", e)?;
        }
        Ok(session.summary())
    }
}

/// Every item of one listing (one app's or one user's grants: a few pages at most).
async fn listing(session: &Session, path: String) -> Result<Vec<Value>, ConnectorError> {
    let mut pages = link_pages(session, &path)?;
    let mut all = Vec::new();
    while let Some(items) = pages.next(session).await? {
        all.extend(items);
    }
    Ok(all)
}

impl OktaConnector {
    /// Listings fetched at once: the tenant's HTTP concurrency.
    fn width(&self) -> usize {
        self.settings.http.concurrency.max(1)
    }

    /// Every user's consents, but those already read from the apps (`seen`); the users of a
    /// page are asked several at a time.
    async fn user_grants(
        &self,
        session: &Session,
        limit: u32,
        seen: &HashSet<String>,
        app_of_client: &HashMap<String, String>,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let mut users = link_pages(session, &format!("api/v1/users?limit={limit}"))?;
        while let Some(items) = users.next(session).await? {
            // A user without a usable id has no grants to ask for.
            let with_ids = items.into_iter().filter_map(|user| {
                let id = path_segment(user.get("id").and_then(Value::as_str)?).ok()?;
                Some((user, id))
            });
            let mut calls = stream::iter(with_ids)
                .map(|(user, id)| async move {
                    let path = format!("api/v1/users/{id}/grants?expand=scope&limit={MAX_PAGE}");
                    (user, listing(session, path).await)
                })
                .buffer_unordered(self.width());
            while let Some((user, found)) = calls.next().await {
                match found {
                    Ok(items) => {
                        self.send_grants(items, Some((&user, seen)), app_of_client, sink)
                            .await?;
                    }
                    // The user was deleted since the listing.
                    Err(e) if e.kind == ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Parse and send the grants of one listing, returning their ids. For a user's listing,
    /// `user` is the user (whose profile fills in grants without one) and the grant ids
    /// already read.
    async fn send_grants(
        &self,
        items: Vec<Value>,
        user: Option<(&Value, &HashSet<String>)>,
        app_of_client: &HashMap<String, String>,
        sink: &mut ItemSink,
    ) -> Result<Vec<String>, ConnectorError> {
        let mut ids = Vec::new();
        for mut raw in items {
            let id = raw.get("id").and_then(Value::as_str).map(str::to_string);
            if let Some((user, seen)) = user {
                if id.as_ref().is_some_and(|id| seen.contains(id)) {
                    continue;
                }
                with_user(&mut raw, user);
            }
            let grant =
                parse::parse_grant(raw, |c| app_of_client.get(c).cloned()).map_err(|e| {
                    let listing = match user {
                        Some(_) => "/api/v1/users/{userId}/grants",
                        None => "/api/v1/apps/{appId}/grants",
                    };
                    e.at(format!("tenant {}, GET {listing}", self.settings.name))
                })?;
            if let Some(grant) = grant {
                ids.extend(id);
                sink.send(InventoryItem::Grant(grant)).await?;
            }
        }
        Ok(ids)
    }
}

/// Give a user's grant its user (login, email, status) when Okta did not embed it.
pub(super) fn with_user(grant: &mut Value, user: &Value) {
    let Some(map) = grant.as_object_mut() else {
        return;
    };
    let embedded = map
        .entry("_embedded")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(embedded) = embedded.as_object_mut() {
        embedded.entry("user").or_insert_with(|| {
            serde_json::json!({
                "profile": {
                    "login": user.pointer("/profile/login"),
                    "email": user.pointer("/profile/email"),
                },
                "status": user.get("status"),
            })
        });
    }
}
