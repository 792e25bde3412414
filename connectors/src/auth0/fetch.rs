//! Collect an Auth0 tenant over the Management API v2 (CONNECTORS.md §6).
//!
//! Auth: a ready Management API token (`token_env`), or a machine-to-machine application's
//! client credentials (`client_id` + `client_secret_env`) at `{base_url}/oauth/token` for the
//! audience `{base_url}/api/v2/`.
//!
//! Calls, in order (page-based: `page=N&per_page=P&include_totals=true`, `per_page` up to 100;
//! a listing ends on a short page or when the reported `total` is reached):
//! 1. `GET /api/v2/clients`: the applications, streamed out as they arrive;
//! 2. `GET /api/v2/client-grants`: the APIs each application may call as itself;
//! 3. `GET /api/v2/grants`: users' consents.
//!
//! A 403 or 404 on steps 2–3 is recorded as a coverage gap and the rest goes on; the client
//! list is the inventory itself, so failing it fails the collection. A `client_secret` in a
//! client (returned only to a token holding `read:client_keys`) goes through the parser, which
//! keeps a keyed digest of it and redacts it from the evidence.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

use super::{grants, parse};
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::ConnectorError;
use crate::fetch::{Offsets, Session, page_items, static_token, token_url};
use crate::http::HttpClient;
use crate::model::InventoryItem;
use crate::redact::bound_str;
use crate::settings::TenantSettings;

/// Auth0's largest page.
const MAX_PAGE: u32 = 100;

/// The Auth0 connector.
pub struct Auth0Connector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
}

impl Auth0Connector {
    /// A connector for `settings`; a config error names the first missing or invalid key.
    pub fn new(settings: TenantSettings) -> Result<Auth0Connector, ConnectorError> {
        let base = settings.base_url(None)?;
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(client_credentials(&settings, &base)?)),
        };
        Ok(Auth0Connector {
            settings,
            base,
            auth,
        })
    }
}

/// Client credentials for the tenant's Management API.
fn client_credentials(settings: &TenantSettings, base: &Url) -> Result<Grant, ConnectorError> {
    let client_id = settings
        .require("client_id", &settings.client_id)?
        .to_string();
    let Some(secret) = settings.client_secret.clone() else {
        return Err(settings.config_error(
            "client_secret_env",
            "(or client_secret_file, or token_env) is required for provider auth0",
        ));
    };
    let join = |p: &str| crate::auth::oauth::join(base, p);
    Ok(Grant::ClientSecret {
        token_url: token_url(settings, join("oauth/token")?.as_str())?,
        client_id,
        secret,
        scope: None,
        audience: Some(join("api/v2/")?.to_string()),
    })
}

/// A page-based Management API listing.
struct Pages {
    path: &'static str,
    key: &'static str,
    per_page: u32,
    offsets: Offsets,
}

impl Pages {
    fn new(session: &Session, path: &'static str, key: &'static str, per_page: u32) -> Pages {
        Pages {
            path,
            key,
            per_page,
            offsets: Offsets::new(session, &format!("GET /{path}"), per_page),
        }
    }

    async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some((page, _)) = self.offsets.next() else {
            return Ok(None);
        };
        let url = session.url(&format!(
            "{}?page={page}&per_page={}&include_totals=true",
            self.path, self.per_page
        ))?;
        let (body, response) = session.get(url).await?;
        let total = body.get("total").and_then(Value::as_u64);
        let items = page_items(body, self.key).map_err(|e| session.http.name(e, &response.url))?;
        self.offsets.record(&items, total)?;
        Ok(Some(items))
    }
}

/// `error` about the item `id` of the listing at `path`.
fn in_item(tenant: &str, path: &str, id: Option<&str>, error: ConnectorError) -> ConnectorError {
    let id = bound_str(id.unwrap_or("?"), 64);
    ConnectorError {
        message: format!("{id:?}: {}", error.message),
        ..error
    }
    .at(format!("tenant {tenant}, GET /{path}"))
}

#[async_trait]
impl Connector for Auth0Connector {
    fn provider(&self) -> Provider {
        Provider::Auth0
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let http = HttpClient::new(
            &self.settings.name,
            Provider::Auth0,
            self.settings.http.clone(),
        )?;
        let mut session = Session::new(http, self.auth.clone(), self.base.clone());
        let per_page = self.settings.page_size(MAX_PAGE);
        let tenant = self.settings.name.as_str();

        // 1. Applications.
        let path = "api/v2/clients";
        let mut pages = Pages::new(&session, path, "clients", per_page);
        while let Some(items) = pages.next(&session).await? {
            for raw in items {
                let id = raw.get("client_id").and_then(Value::as_str);
                let app = parse::parse_app(&raw).map_err(|e| in_item(tenant, path, id, e))?;
                if let Some(app) = app {
                    sink.send(InventoryItem::App(Box::new(app))).await?;
                }
            }
        }

        // 2. Client grants (machine-to-machine access to APIs).
        if let Err(e) = self
            .grants(&session, "api/v2/client-grants", "client_grants", sink)
            .await
        {
            session.gap_or_fail("client grants (/api/v2/client-grants)", e)?;
        }

        // 3. Users' consents.
        if let Err(e) = self.grants(&session, "api/v2/grants", "grants", sink).await {
            session.gap_or_fail("user grants (/api/v2/grants)", e)?;
        }
        Ok(session.summary())
    }
}

impl Auth0Connector {
    /// Stream the grants of a listing: client grants (`client_grants`) or users' (`grants`).
    async fn grants(
        &self,
        session: &Session,
        path: &'static str,
        key: &'static str,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let per_page = self.settings.page_size(MAX_PAGE);
        let mut pages = Pages::new(session, path, key, per_page);
        while let Some(items) = pages.next(session).await? {
            for raw in items {
                let parsed = if key == "client_grants" {
                    grants::parse_client_grant(&raw, |_| None)
                } else {
                    grants::parse_grant(&raw, |_| None)
                };
                let id = raw.get("id").and_then(Value::as_str);
                let grant = parsed.map_err(|e| in_item(&self.settings.name, path, id, e))?;
                sink.send(InventoryItem::Grant(grant)).await?;
            }
        }
        Ok(())
    }
}
