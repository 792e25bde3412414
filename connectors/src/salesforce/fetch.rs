//! Collect a Salesforce org over the REST API's SOQL query resource (CONNECTORS.md §5).
//!
//! Auth: the JWT bearer grant (`client_id` + `username` + `private_key_file`: the assertion's
//! `iss` is the consumer key, `sub` the integration user, `aud` the login host), or a ready
//! bearer token (`token_env`).
//!
//! Calls (`GET /services/data/{API_VERSION}/query?q=…`, following `nextRecordsUrl` while
//! `done` is false):
//! 1. `ConnectedApplication`: the apps installed or created in the org, with their access
//!    policy (the inventory itself; failing it fails the collection);
//! 2. `OauthToken`: every user's authorization of an app (the grants). The token columns
//!    (`AccessToken`, `DeleteToken`, `RequestToken`) are never selected. A refused query is a
//!    coverage gap. Rows of apps not listed in step 1 (authorized but not installed) become
//!    apps of their own, sent once every row is read.
//!
//! The rows go through the same parsers as a saved query result, and are joined to their apps
//! as [`read_document`](super::read_document) joins them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use url::Url;

use super::parse::{self, Kind};
use super::records;
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, SigningKey, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Session, page_items, static_token, token_url};
use crate::http::{PageGuard, Request};
use crate::model::InventoryItem;
use crate::parse_util::time_at;
use crate::settings::TenantSettings;

/// The REST API version every call uses.
pub const API_VERSION: &str = "v62.0";
const DEFAULT_TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";
/// SOQL batch sizes Salesforce accepts (`Sforce-Query-Options: batchSize=`).
const MIN_BATCH: u32 = 200;
const MAX_BATCH: u32 = 2000;

/// The apps in the org and their access policy.
pub const APPS_QUERY: &str = "SELECT Id, Name, CreatedDate, OptionsAllowAdminApprovedUsersOnly, OptionsRefreshTokenValidityMetric, RefreshTokenValidityPeriod, OptionsHasSessionLevelPolicy, StartUrl FROM ConnectedApplication";
/// Users' authorizations; no token column (`AccessToken`, `DeleteToken`, `RequestToken`).
pub const TOKENS_QUERY: &str = "SELECT AppName, AppMenuItemId, AppMenuItem.ApplicationId, UserId, User.Username, User.IsActive, CreatedDate, LastUsedDate, UseCount FROM OauthToken";

/// The Salesforce connector.
pub struct SalesforceConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
}

impl SalesforceConnector {
    /// A connector for `settings`: `base_url` (the instance URL) and `token_env` or
    /// `client_id` + `username` + `private_key_file`.
    pub fn new(settings: TenantSettings) -> Result<SalesforceConnector, ConnectorError> {
        let base = settings.base_url(None)?;
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(jwt_bearer(&settings)?)),
        };
        Ok(SalesforceConnector {
            settings,
            base,
            auth,
        })
    }
}

/// The JWT bearer grant of a connected app with a certificate, acting as the integration user.
fn jwt_bearer(settings: &TenantSettings) -> Result<Grant, ConnectorError> {
    if settings.client_id.is_none() && settings.private_key_pem.is_none() {
        return Err(settings.config_error(
            "token_env",
            "(or client_id + username + private_key_file) is required for provider salesforce",
        ));
    }
    let issuer = settings
        .require("client_id", &settings.client_id)?
        .to_string();
    let subject = settings
        .require("username", &settings.username)?
        .to_string();
    let pem = settings.private_key_pem.as_ref().ok_or_else(|| {
        settings.config_error(
            "private_key_file",
            "is required with client_id for provider salesforce",
        )
    })?;
    let key = SigningKey::from_rsa_pem(pem.expose_secret().as_bytes())
        .map_err(|e| settings.config_error("private_key_file", &e.message))?;
    let token_url = token_url(settings, DEFAULT_TOKEN_URL)?;
    // Salesforce wants the login host itself as the audience, not the token endpoint.
    let audience = token_url.origin().ascii_serialization();
    Ok(Grant::JwtBearer {
        token_url,
        issuer,
        subject: Some(subject),
        audience,
        scope: None,
        key,
    })
}

/// A query refused because the object is not visible to the integration user (Salesforce
/// answers 400 `INVALID_TYPE` or `INSUFFICIENT_ACCESS` for that) is a missing permission.
fn refusal_as_permission(e: ConnectorError) -> ConnectorError {
    let refused = [
        "INVALID_TYPE",
        "INSUFFICIENT_ACCESS",
        "API_DISABLED_FOR_ORG",
    ]
    .iter()
    .any(|code| e.message.contains(code));
    if e.kind == ErrorKind::Malformed && e.status.is_some() && refused {
        ConnectorError {
            kind: ErrorKind::Permission,
            ..e
        }
    } else {
        e
    }
}

/// One SOQL query's records, a page at a time, following `nextRecordsUrl` while not `done`.
struct Records {
    next: Option<Url>,
    batch: u32,
    guard: PageGuard,
}

impl Records {
    fn new(session: &Session, soql: &str, batch: u32) -> Result<Records, ConnectorError> {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let first = session.url(&format!("services/data/{API_VERSION}/query?q={q}"))?;
        let object = soql.rsplit(' ').next().unwrap_or("");
        Ok(Records {
            guard: session
                .http
                .page_guard(&format!("GET {} ({object})", first.path())),
            next: Some(first),
            batch,
        })
    }

    async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let request = Request::get(url)
            .header("sforce-query-options", &format!("batchSize={}", self.batch))?;
        let response = session
            .http
            .send(request, Some(session.auth.as_ref()))
            .await
            .map_err(refusal_as_permission)?;
        let mut page = response
            .json()
            .map_err(|e| session.http.name(e, &response.url))?;
        let done = page.get("done").and_then(Value::as_bool).unwrap_or(true);
        let link = page
            .get_mut("nextRecordsUrl")
            .map(Value::take)
            .and_then(|v| v.as_str().map(str::to_string));
        match (done, link) {
            (false, Some(link)) => {
                // `nextRecordsUrl` is a path under the instance URL (`/services/data/…`): join it
                // to the configured root so a root with a path (a proxy, a test server) keeps it.
                let target = match link.strip_prefix('/') {
                    Some(path) => session.url(path)?.to_string(),
                    None => link,
                };
                self.next = Some(self.guard.follow(&response.url, &target)?);
            }
            (false, None) => {
                return Err(session.http.name(
                    ConnectorError::malformed("`done` is false but there is no `nextRecordsUrl`"),
                    &response.url,
                ));
            }
            (true, _) => {}
        }
        page_items(page, "records")
            .map(Some)
            .map_err(|e| session.http.name(e, &response.url))
    }
}

/// What the collection knows of the org's apps when the token rows arrive, and the apps known
/// only from token rows (one summary row each: its name, id and latest use).
#[derive(Default)]
struct Apps {
    ids: HashSet<String>,
    by_name: HashMap<String, String>,
    from_tokens: BTreeMap<(String, String), Value>,
}

#[async_trait]
impl Connector for SalesforceConnector {
    fn provider(&self) -> Provider {
        Provider::Salesforce
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let batch = self.settings.page_size(MAX_BATCH).max(MIN_BATCH);
        let at = |object: &str| {
            let at = format!("tenant {}, SOQL {object}", self.settings.name);
            move |e: ConnectorError| e.at(at.clone())
        };

        // 1. The apps in the org.
        let mut apps = Apps::default();
        let mut rows = Records::new(&session, APPS_QUERY, batch)?;
        while let Some(items) = rows.next(&session).await? {
            for row in items {
                if parse::kind_of(&row) != Some(Kind::ConnectedApplication) {
                    continue;
                }
                let app = records::parse_connected_application(&row)
                    .map_err(at("ConnectedApplication"))?;
                apps.ids.insert(app.external_id.clone());
                apps.by_name
                    .entry(app.name.clone())
                    .or_insert_with(|| app.external_id.clone());
                sink.send(InventoryItem::App(Box::new(app))).await?;
            }
        }

        // 2. Users' authorizations.
        if let Err(e) = self.tokens(&session, batch, &mut apps, sink).await {
            session.gap_or_fail("users' authorizations (OauthToken)", e)?;
        }
        for ((key, name), summary) in &apps.from_tokens {
            let app = records::app_from_tokens(key, name, &[summary]);
            sink.send(InventoryItem::App(Box::new(app))).await?;
        }
        Ok(session.summary())
    }
}

impl SalesforceConnector {
    async fn tokens(
        &self,
        session: &Session,
        batch: u32,
        apps: &mut Apps,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let mut rows = Records::new(session, TOKENS_QUERY, batch)?;
        while let Some(items) = rows.next(session).await? {
            for row in items {
                let mut grant = records::parse_token(&row)
                    .map_err(|e| e.at(format!("tenant {}, SOQL OauthToken", self.settings.name)))?;
                let Some((key, name)) = records::token_app_key(&row) else {
                    continue;
                };
                if !apps.ids.contains(&key) {
                    match apps.by_name.get(&name) {
                        // Named by its app's name: point the grant at the listed app.
                        Some(id) => grant.app_external_id = id.clone(),
                        None => remember(&mut apps.from_tokens, key, name, &row),
                    }
                }
                sink.send(InventoryItem::Grant(grant)).await?;
            }
        }
        Ok(())
    }
}

/// Fold a token row of an unlisted app into that app's summary row (its id and latest use;
/// nothing else of the row is kept).
fn remember(
    from_tokens: &mut BTreeMap<(String, String), Value>,
    key: String,
    name: String,
    row: &Value,
) {
    let summary = from_tokens.entry((key, name.clone())).or_insert_with(|| {
        json!({
            "AppName": name,
            "AppMenuItem": {"ApplicationId": row.pointer("/AppMenuItem/ApplicationId")},
        })
    });
    let used = time_at(row, "LastUsedDate");
    if used.is_some() && used > time_at(summary, "LastUsedDate") {
        summary["LastUsedDate"] = row.get("LastUsedDate").cloned().unwrap_or(Value::Null);
    }
}
