//! Collect an Auth0 tenant over the Management API v2 (CONNECTORS.md §6).
//!
//! Auth: a ready Management API token (`token_env`), or a machine-to-machine application's
//! client credentials (`client_id` + `client_secret_env`) at `{base_url}/oauth/token` for the
//! audience `{base_url}/api/v2/`.
//!
//! Calls, in order (page-based: `page=N&per_page=P&include_totals=true`, `per_page` up to 100;
//! a listing ends on a short page or when the reported `total` is reached; once the total is
//! known, the following pages are asked several at a time):
//! 1. `GET /api/v2/clients`: the applications, streamed out as they arrive;
//! 2. `GET /api/v2/client-grants`: the APIs each application may call as itself;
//! 3. `GET /api/v2/grants`: users' consents.
//!
//! A 403 on steps 2–3 is recorded as a coverage gap (a 404 is skipped) and the rest goes on; the client
//! list is the inventory itself, so failing it fails the collection. A `client_secret` in a
//! client (returned only to a token holding `read:client_keys`) goes through the parser, which
//! keeps a keyed digest of it and redacts it from the evidence.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::Value;
use url::Url;

use super::{grants, parse};
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::ConnectorError;
use crate::fetch::{Offsets, Session, page_items, static_token, token_url};
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

/// A page's items and the listing's reported total.
type Page = (Vec<Value>, Option<u64>);

/// A page-based Management API listing. Once the first page reports the total, the pages
/// after it are asked several at a time (up to the tenant's HTTP concurrency) and handed out
/// in order; without a total they are asked one by one.
struct Pages<'a> {
    session: &'a Session,
    path: &'static str,
    key: &'static str,
    per_page: u32,
    width: usize,
    offsets: Offsets,
    ahead: Option<BoxStream<'a, Result<Page, ConnectorError>>>,
}

impl<'a> Pages<'a> {
    fn new(
        session: &'a Session,
        path: &'static str,
        key: &'static str,
        per_page: u32,
        width: usize,
    ) -> Pages<'a> {
        Pages {
            session,
            path,
            key,
            per_page,
            width: width.max(1),
            offsets: Offsets::new(session, &format!("GET /{path}"), per_page),
            ahead: None,
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some((page, _)) = self.offsets.next() else {
            return Ok(None);
        };
        let (items, total) = match &mut self.ahead {
            Some(ahead) => match ahead.next().await {
                Some(found) => found?,
                // The reported total is reached.
                None => return Ok(None),
            },
            None => fetch(self.session, self.path, self.key, self.per_page, page).await?,
        };
        self.offsets.record(&items, total)?;
        if self.ahead.is_none()
            && let (Some(total), Some((next, _))) = (total, self.offsets.next())
        {
            let (session, path, key, per_page) = (self.session, self.path, self.key, self.per_page);
            let last = total.div_ceil(u64::from(per_page));
            self.ahead = Some(
                stream::iter(next..last)
                    .map(move |page| fetch(session, path, key, per_page, page))
                    .buffered(self.width)
                    .boxed(),
            );
        }
        Ok(Some(items))
    }
}

/// One page of a listing.
async fn fetch(
    session: &Session,
    path: &str,
    key: &str,
    per_page: u32,
    page: u64,
) -> Result<Page, ConnectorError> {
    let url = session.url(&format!(
        "{path}?page={page}&per_page={per_page}&include_totals=true"
    ))?;
    let (body, response) = session.get(url).await?;
    let total = body.get("total").and_then(Value::as_u64);
    let items = page_items(body, key).map_err(|e| session.http.name(e, &response.url))?;
    Ok((items, total))
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
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let per_page = self.settings.page_size(MAX_PAGE);
        let tenant = self.settings.name.as_str();

        // 1. Applications.
        let path = "api/v2/clients";
        let mut pages = Pages::new(&session, path, "clients", per_page, self.width());
        while let Some(items) = pages.next().await? {
            for raw in items {
                let id = raw.get("client_id").and_then(Value::as_str);
                let app = parse::parse_app(&raw).map_err(|e| in_item(tenant, path, id, e))?;
                if let Some(app) = app {
                    sink.send(InventoryItem::App(Box::new(app))).await?;
                }
            }
        }
        drop(pages);

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
    /// Pages fetched at once: the tenant's HTTP concurrency.
    fn width(&self) -> usize {
        self.settings.http.concurrency
    }

    /// Stream the grants of a listing: client grants (`client_grants`) or users' (`grants`).
    async fn grants(
        &self,
        session: &Session,
        path: &'static str,
        key: &'static str,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let per_page = self.settings.page_size(MAX_PAGE);
        let mut pages = Pages::new(session, path, key, per_page, self.width());
        while let Some(items) = pages.next().await? {
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
