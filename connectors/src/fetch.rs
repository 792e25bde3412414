//! The live-API side of the connectors: [`http_connector`] builds the connector of a tenant's
//! provider, and [`Session`] holds what every provider's `fetch` module shares while it
//! collects: the tenant's HTTP client, its token source, the API root, and the coverage gaps.
//!
//! A provider's `fetch` module owns its endpoints, paging style and auth choice; the parsing
//! stays in its `parse` module, shared with the file importer.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::auth::TokenSource;
use crate::connector::{CollectSummary, Connector, CoverageGap};
use crate::error::{ConnectorError, ErrorKind};
use crate::http::{HttpClient, Response};
use crate::settings::TenantSettings;
use crate::{Provider, auth};

mod offsets;
mod pages;
mod segment;
pub use offsets::Offsets;
pub use pages::{Items, LinkPages, NextLink};
pub use segment::path_segment;

/// The HTTP connector for `settings.provider`, configured and ready to collect.
pub fn http_connector(settings: TenantSettings) -> Result<Box<dyn Connector>, ConnectorError> {
    match settings.provider {
        Provider::Entra => Ok(Box::new(crate::entra::fetch::EntraConnector::new(
            settings,
        )?)),
        Provider::Google => Ok(Box::new(crate::google::fetch::GoogleConnector::new(
            settings,
        )?)),
        Provider::Github => Ok(Box::new(crate::github::fetch::GitHubConnector::new(
            settings,
        )?)),
        Provider::Salesforce => Ok(Box::new(
            crate::salesforce::fetch::SalesforceConnector::new(settings)?,
        )),
        Provider::Slack => Ok(Box::new(crate::slack::fetch::SlackConnector::new(
            settings,
        )?)),
        Provider::Okta => Ok(Box::new(crate::okta::fetch::OktaConnector::new(settings)?)),
        Provider::Auth0 => Ok(Box::new(crate::auth0::fetch::Auth0Connector::new(
            settings,
        )?)),
        Provider::Keycloak => Ok(Box::new(crate::keycloak::fetch::KeycloakConnector::new(
            settings,
        )?)),
        Provider::Rfc7591 => Err(ConnectorError::new(
            ErrorKind::Config,
            format!(
                "tenant {}: rfc7591 is a document format, not a SaaS; use provider = \"file\"",
                settings.name
            ),
        )),
    }
}

/// One collection's shared state.
pub struct Session {
    pub http: HttpClient,
    pub auth: Arc<dyn TokenSource>,
    /// The API root every path is joined to.
    pub base: Url,
    gaps: Vec<CoverageGap>,
}

impl Session {
    pub fn new(http: HttpClient, auth: Arc<dyn TokenSource>, base: Url) -> Session {
        Session {
            http,
            auth,
            base,
            gaps: Vec::new(),
        }
    }

    /// A session for the tenant of `settings`: its own HTTP client with the tenant's limits.
    pub fn for_tenant(
        settings: &TenantSettings,
        auth: Arc<dyn TokenSource>,
        base: Url,
    ) -> Result<Session, ConnectorError> {
        let http = HttpClient::new(&settings.name, settings.provider, settings.http.clone())?;
        Ok(Session::new(http, auth, base))
    }

    /// `path` (with its query) under the API root, keeping the root's own path prefix.
    pub fn url(&self, path: &str) -> Result<Url, ConnectorError> {
        auth::oauth::join(&self.base, path)
    }

    /// GET a JSON document.
    pub async fn get(&self, url: Url) -> Result<(Value, Response), ConnectorError> {
        self.http.get_json(url, self.auth.as_ref()).await
    }

    /// Decide what a failed optional part of the collection means:
    /// - 403 (the collector lacks a permission): a coverage gap; the rest goes on, and the
    ///   collection counts as partial, so the stored inventory is kept as it was;
    /// - 404 (the tenant has no such data: an Enterprise-only listing on a smaller plan, an
    ///   object deleted meanwhile): nothing is missing, logged and skipped;
    /// - anything else fails the collection.
    pub fn gap_or_fail(&mut self, what: &str, error: ConnectorError) -> Result<(), ConnectorError> {
        match error.kind {
            ErrorKind::Permission => {
                tracing::warn!(tenant = %self.http.tenant(), what, error = %error, "coverage gap");
                self.gaps.push(CoverageGap {
                    what: what.to_string(),
                    reason: error.to_string(),
                });
                Ok(())
            }
            ErrorKind::NotFound => {
                tracing::info!(tenant = %self.http.tenant(), what, "not available for this tenant");
                Ok(())
            }
            _ => Err(error),
        }
    }

    /// The summary of a finished collection.
    pub fn summary(self) -> CollectSummary {
        CollectSummary {
            requests: self.http.stats().requests,
            gaps: self.gaps,
        }
    }
}

/// The items of a page under `key` (`value`, `items`, `records`, …), or the page itself when it
/// is a bare array; anything else is a malformed page.
pub fn page_items(page: Value, key: &str) -> Result<Vec<Value>, ConnectorError> {
    match page {
        Value::Array(items) => Ok(items),
        Value::Object(mut map) => match map.remove(key) {
            Some(Value::Array(items)) => Ok(items),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(ConnectorError::malformed(format!(
                "`{key}` in the page is not a list"
            ))),
        },
        _ => Err(ConnectorError::malformed(
            "the page is not an object or a list",
        )),
    }
}

/// A response that must be a bare JSON array (Okta, Keycloak): anything else is malformed.
pub fn json_list(body: Value) -> Result<Vec<Value>, ConnectorError> {
    match body {
        Value::Array(items) => Ok(items),
        _ => Err(ConnectorError::malformed("a JSON list was expected")),
    }
}

/// A static token when one is configured, as `scheme`.
pub fn static_token(
    settings: &TenantSettings,
    scheme: auth::Scheme,
) -> Option<Arc<dyn TokenSource>> {
    settings
        .token
        .clone()
        .map(|t| Arc::new(auth::StaticToken::new(scheme, t)) as Arc<dyn TokenSource>)
}

/// A token URL: the configured one, else `default`.
pub fn token_url(settings: &TenantSettings, default: &str) -> Result<Url, ConnectorError> {
    match &settings.token_url {
        Some(u) => Ok(u.clone()),
        None => Url::parse(default).map_err(|_| settings.config_error("token_url", "is invalid")),
    }
}
