//! Collect a Google Workspace organization over the Admin SDK Directory API
//! (CONNECTORS.md §3).
//!
//! Auth: a service account with domain-wide delegation (`service_account_file`) impersonating
//! an admin (`subject`), through the JWT bearer grant for the `user.readonly` and
//! `user.security` directory scopes; or a ready bearer token (`token_env`).
//!
//! Calls:
//! 1. `GET /admin/directory/v1/users?customer=…&maxResults=…` (`nextPageToken` paging): every
//!    user; failing it fails the collection;
//! 2. `GET /admin/directory/v1/users/{id}/tokens` for each user (no paging): the apps the user
//!    authorized. One call per user is the connector's scale cost, so these run several at
//!    once (the tenant's HTTP client bounds how many), while the user listing goes on.
//!
//! Each token becomes a grant at once; apps are aggregated per client id ([`Clients`]) and sent
//! when every user has been read. A 403 on a user's tokens is a coverage gap (one per
//! collection, counting the users); a 404 means the user was deleted meanwhile.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::task::JoinSet;
use url::Url;

use super::parse::{self, Clients};
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, ServiceAccount, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Session, page_items, static_token};
use crate::http::{HttpClient, PageGuard};
use crate::model::{InventoryItem, Principal};
use crate::parse_util::{in_item, short};
use crate::settings::TenantSettings;

const DEFAULT_BASE: &str = "https://admin.googleapis.com";
const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Read users (user enumeration) and their tokens (`tokens.list` has no read-only scope).
pub const SCOPES: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly https://www.googleapis.com/auth/admin.directory.user.security";
/// `users.list`'s largest `maxResults`.
const MAX_PAGE: u32 = 500;
const USERS: &str = "admin/directory/v1/users";

/// The Google Workspace connector.
pub struct GoogleConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
    customer: String,
}

impl GoogleConnector {
    /// A connector for `settings`: `token_env`, or `service_account_file` with `subject`.
    pub fn new(settings: TenantSettings) -> Result<GoogleConnector, ConnectorError> {
        let base = settings.base_url(Some(DEFAULT_BASE))?;
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(delegation(&settings)?)),
        };
        let customer = settings
            .customer_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or("my_customer")
            .to_string();
        Ok(GoogleConnector {
            settings,
            base,
            auth,
            customer,
        })
    }
}

/// Domain-wide delegation: the service account signs an assertion naming the admin (`sub`).
fn delegation(settings: &TenantSettings) -> Result<Grant, ConnectorError> {
    let json = settings.service_account_json.as_ref().ok_or_else(|| {
        settings.config_error(
            "service_account_file",
            "(or token_env) is required for provider google",
        )
    })?;
    let subject = settings.require("subject", &settings.subject)?.to_string();
    let account = ServiceAccount::from_json(json.expose_secret().as_bytes())
        .map_err(|e| settings.config_error("service_account_file", &e.message))?;
    let token_url = match (&settings.token_url, &account.token_uri) {
        (Some(url), _) => url.clone(),
        (None, Some(uri)) => Url::parse(uri).map_err(|_| {
            settings.config_error("service_account_file", "holds an invalid `token_uri`")
        })?,
        (None, None) => Url::parse(DEFAULT_TOKEN_URL)
            .map_err(|_| settings.config_error("token_url", "is invalid"))?,
    };
    let key = account
        .signing_key()
        .map_err(|e| settings.config_error("service_account_file", &e.message))?;
    Ok(Grant::JwtBearer {
        audience: token_url.to_string(),
        token_url,
        issuer: account.client_email.clone(),
        subject: Some(subject),
        scope: Some(SCOPES.to_string()),
        key,
    })
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A user as `users.list` shows it (only what the grants need).
struct User {
    id: String,
    email: Option<String>,
    active: Option<bool>,
}

/// The users listing, a page at a time, following `nextPageToken`.
struct UserPages {
    query: String,
    token: Option<String>,
    done: bool,
    guard: PageGuard,
}

impl UserPages {
    async fn next(&mut self, session: &Session) -> Result<Option<Vec<User>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        let mut path = format!("{USERS}?{}", self.query);
        if let Some(token) = &self.token {
            path.push_str("&pageToken=");
            path.push_str(&encode(token));
        }
        let (mut page, response) = session.get(session.url(&path)?).await?;
        let next = page
            .get_mut("nextPageToken")
            .map(Value::take)
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|t| !t.is_empty());
        match next {
            Some(token) => {
                self.guard.advance(&token)?;
                self.token = Some(token);
            }
            None => self.done = true,
        }
        let items = page_items(page, "users").map_err(|e| session.http.name(e, &response.url))?;
        items
            .iter()
            .map(|u| {
                let id = u
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty() && !id.chars().all(|c| c == '.'))
                    .ok_or_else(|| {
                        session.http.name(
                            ConnectorError::malformed("a user without a usable `id`"),
                            &response.url,
                        )
                    })?;
                Ok(User {
                    id: short(id),
                    email: u.get("primaryEmail").and_then(Value::as_str).map(short),
                    active: u.get("suspended").and_then(Value::as_bool).map(|s| !s),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// `{users root}/{id}/tokens`, the id percent-encoded as one path segment (a `/` or `?` in it
/// cannot reach another path).
fn tokens_url(users_root: &Url, id: &str) -> Result<Url, ConnectorError> {
    let mut url = users_root.clone();
    url.path_segments_mut()
        .map_err(|()| ConnectorError::new(ErrorKind::Config, "`base_url` cannot hold a path"))?
        .pop_if_empty()
        .push(id)
        .push("tokens");
    Ok(url)
}

/// One user's `tokens.list` items, fetched on its own task.
async fn user_tokens(
    http: HttpClient,
    auth: Arc<dyn TokenSource>,
    url: Url,
    user: User,
) -> (User, Result<Vec<Value>, ConnectorError>) {
    let result = match http.get_json(url, auth.as_ref()).await {
        Ok((page, response)) => page_items(page, "items").map_err(|e| http.name(e, &response.url)),
        Err(e) => Err(e),
    };
    (user, result)
}

/// The tokens-listing results not yet turned into items, and what the collection learnt.
struct Tokens {
    running: JoinSet<(User, Result<Vec<Value>, ConnectorError>)>,
    clients: Clients,
    forbidden: u64,
    first_denial: Option<ConnectorError>,
}

impl Tokens {
    /// Handle one finished user: send the grants, remember the clients.
    async fn finish(
        &mut self,
        done: (User, Result<Vec<Value>, ConnectorError>),
        tenant: &str,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let (user, result) = done;
        let items = match result {
            Ok(items) => items,
            Err(e) if e.kind == ErrorKind::Permission => {
                self.forbidden += 1;
                self.first_denial.get_or_insert(e);
                return Ok(());
            }
            Err(e) if e.kind == ErrorKind::NotFound => {
                tracing::debug!(tenant, "a user was deleted while the collection ran");
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        for (i, raw) in items.iter().enumerate() {
            let mut token = parse::token(raw).map_err(|e| {
                in_item(&format!("items[{i}]"))(e)
                    .at(format!("tenant {tenant}, GET /{USERS}/{{userKey}}/tokens"))
            })?;
            token.user_key.get_or_insert_with(|| user.id.clone());
            self.clients.add(&token);
            let mut grant = parse::parse_grant(&token);
            if let Principal::User {
                id, email, active, ..
            } = &mut grant.principal
                && *id == user.id
            {
                *email = user.email.clone();
                *active = user.active;
            }
            sink.send(InventoryItem::Grant(grant)).await?;
        }
        Ok(())
    }

    async fn join_next(
        &mut self,
        tenant: &str,
        sink: &mut ItemSink,
    ) -> Result<bool, ConnectorError> {
        match self.running.join_next().await {
            Some(Ok(done)) => self.finish(done, tenant, sink).await.map(|()| true),
            Some(Err(e)) => Err(ConnectorError::new(
                ErrorKind::Cancelled,
                format!("a token request task stopped: {e}"),
            )),
            None => Ok(false),
        }
    }
}

#[async_trait]
impl Connector for GoogleConnector {
    fn provider(&self) -> Provider {
        Provider::Google
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let tenant = self.settings.name.as_str();
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let query = format!(
            "customer={}&maxResults={}&fields={}",
            encode(&self.customer),
            self.settings.page_size(MAX_PAGE),
            encode("nextPageToken,users(id,primaryEmail,suspended)")
        );
        let mut users = UserPages {
            query,
            token: None,
            done: false,
            guard: session.http.page_guard(&format!("GET /{USERS}")),
        };
        let users_root = session.url(USERS)?;
        // Enough requests queued to keep every connection the client allows busy.
        let window = self.settings.http.concurrency.max(1) * 2;
        let mut tokens = Tokens {
            running: JoinSet::new(),
            clients: Clients::default(),
            forbidden: 0,
            first_denial: None,
        };

        while let Some(page) = users.next(&session).await? {
            for user in page {
                while tokens.running.len() >= window {
                    tokens.join_next(tenant, sink).await?;
                }
                let url = tokens_url(&users_root, &user.id)?;
                tokens.running.spawn(user_tokens(
                    session.http.clone(),
                    session.auth.clone(),
                    url,
                    user,
                ));
            }
        }
        while tokens.join_next(tenant, sink).await? {}

        for app in std::mem::take(&mut tokens.clients).into_apps() {
            sink.send(InventoryItem::App(Box::new(app))).await?;
        }
        if let Some(first) = tokens.first_denial.take() {
            let error = ConnectorError {
                message: format!(
                    "the tokens of {} user(s) could not be read; the first refusal: {}",
                    tokens.forbidden, first.message
                ),
                ..first
            };
            session.gap_or_fail("users' authorized apps (tokens.list)", error)?;
        }
        Ok(session.summary())
    }
}
