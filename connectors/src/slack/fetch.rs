//! Collect a Slack Enterprise organization over the Web API's admin app-management methods
//! (CONNECTORS.md §8).
//!
//! Auth: a ready org-level user token (`token_env`) holding `admin.apps:read`, sent as a bearer
//! token. Slack offers no grant a collector could run for itself.
//!
//! Calls (cursor paging: `response_metadata.next_cursor` until empty, `limit` up to 1000):
//! 1. `GET {base}/admin.apps.approved.list`: the approved apps and their scopes (the
//!    inventory itself; failing it fails the collection);
//! 2. `GET {base}/admin.apps.restricted.list`: the blocked apps;
//! 3. `GET {base}/admin.apps.requests.list`: apps users asked to install, not decided yet.
//!
//! A missing permission or a method the plan lacks on steps 2–3 is a coverage gap.
//!
//! Slack answers most errors with HTTP 200 and `{"ok": false, "error": "…"}`; [`slack_error`]
//! maps those codes to the shared error kinds. `tenant_id`, when set, scopes the lists to one
//! workspace (`T…`, sent as `team_id`) or organization (`E…`, sent as `enterprise_id`).

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

use super::parse::{self, Listing};
use crate::Provider;
use crate::auth::{Scheme, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Session, page_items, static_token};
use crate::http::PageGuard;
use crate::model::InventoryItem;
use crate::parse_util::{in_item, short};
use crate::settings::TenantSettings;

const DEFAULT_BASE: &str = "https://slack.com/api";
/// The admin app lists' largest `limit`.
const MAX_PAGE: u32 = 1000;

/// One admin app list: its method, where its items are, and what approval state they are in.
#[derive(Clone, Copy)]
struct AdminList {
    method: &'static str,
    key: &'static str,
    listing: Listing,
    /// The coverage gap's name when the list cannot be read.
    what: &'static str,
}

/// The lists read, in order: approved apps (the inventory; failing it fails the collection),
/// then restricted apps and pending install requests (gaps when refused).
const LISTS: [AdminList; 3] = [
    AdminList {
        method: "admin.apps.approved.list",
        key: "approved_apps",
        listing: Listing::Approved,
        what: "approved apps (admin.apps.approved.list)",
    },
    AdminList {
        method: "admin.apps.restricted.list",
        key: "restricted_apps",
        listing: Listing::Restricted,
        what: "restricted apps (admin.apps.restricted.list)",
    },
    AdminList {
        method: "admin.apps.requests.list",
        key: "app_requests",
        listing: Listing::Requested,
        what: "pending install requests (admin.apps.requests.list)",
    },
];

/// The Slack connector.
pub struct SlackConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
}

impl SlackConnector {
    /// A connector for `settings`; `token_env` is required.
    pub fn new(settings: TenantSettings) -> Result<SlackConnector, ConnectorError> {
        let base = settings.base_url(Some(DEFAULT_BASE))?;
        let auth = static_token(&settings, Scheme::Bearer).ok_or_else(|| {
            settings.config_error(
                "token_env",
                "(an org-level user token with admin.apps:read) is required for provider slack",
            )
        })?;
        Ok(SlackConnector {
            settings,
            base,
            auth,
        })
    }

    /// The query selecting the workspace or organization, if one is configured.
    fn scope_param(&self) -> String {
        match self.settings.tenant_id.as_deref().map(str::trim) {
            Some(id) if id.starts_with('E') => format!("&enterprise_id={}", encode(id)),
            Some(id) if !id.is_empty() => format!("&team_id={}", encode(id)),
            _ => String::new(),
        }
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The shared error kind of a Slack error code (`{"ok": false, "error": code}`).
pub fn slack_error(code: &str) -> ErrorKind {
    match code {
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
            ErrorKind::Auth
        }
        "missing_scope"
        | "not_allowed_token_type"
        | "feature_not_enabled"
        | "not_an_admin"
        | "not_an_enterprise"
        | "team_not_found_in_org"
        | "app_management_app_not_installed_on_org"
        | "ekm_access_denied"
        | "access_denied" => ErrorKind::Permission,
        "unknown_method" | "method_deprecated" => ErrorKind::NotFound,
        "ratelimited" | "rate_limited" => ErrorKind::RateLimited,
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
            ErrorKind::Server
        }
        _ => ErrorKind::Malformed,
    }
}

/// The error a page with `"ok": false` stands for; `None` when the page is `ok`.
fn page_error(page: &Value) -> Option<ConnectorError> {
    if page.get("ok").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let code = page.get("error").and_then(Value::as_str).unwrap_or("");
    let message = if code.is_empty() {
        "Slack answered without `\"ok\": true`".to_string()
    } else {
        format!("Slack returned `{}`", short(code))
    };
    Some(ConnectorError::new(slack_error(code), message))
}

/// One admin list, a page at a time, following `response_metadata.next_cursor`.
struct Pages {
    method: &'static str,
    key: &'static str,
    query: String,
    cursor: Option<String>,
    done: bool,
    guard: PageGuard,
}

impl Pages {
    fn new(session: &Session, method: &'static str, key: &'static str, query: String) -> Pages {
        Pages {
            method,
            key,
            query,
            cursor: None,
            done: false,
            guard: session.http.page_guard(&format!("GET {method}")),
        }
    }

    async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        let mut path = format!("{}?{}", self.method, self.query);
        if let Some(cursor) = &self.cursor {
            path.push_str("&cursor=");
            path.push_str(&encode(cursor));
        }
        let url = session.url(&path)?;
        let (mut page, response) = session.get(url).await?;
        if let Some(error) = page_error(&page) {
            return Err(session.http.name(error, &response.url));
        }
        let next = page
            .pointer_mut("/response_metadata/next_cursor")
            .map(Value::take)
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|c| !c.is_empty());
        match next {
            Some(cursor) => {
                self.guard.advance(&cursor)?;
                self.cursor = Some(cursor);
            }
            None => self.done = true,
        }
        page_items(page, self.key)
            .map(Some)
            .map_err(|e| session.http.name(e, &response.url))
    }
}

#[async_trait]
impl Connector for SlackConnector {
    fn provider(&self) -> Provider {
        Provider::Slack
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let query = format!(
            "limit={}{}",
            self.settings.page_size(MAX_PAGE),
            self.scope_param()
        );

        let mut seen = HashSet::new();
        let [approved, optional @ ..] = LISTS;
        self.list(&session, approved, &query, &mut seen, sink)
            .await?;
        for list in optional {
            if let Err(e) = self.list(&session, list, &query, &mut seen, sink).await {
                session.gap_or_fail(list.what, e)?;
            }
        }
        Ok(session.summary())
    }
}

impl SlackConnector {
    /// Stream one admin list's apps (and an approved app's grants) into `sink`; an app already
    /// sent from an earlier list is not sent again.
    async fn list(
        &self,
        session: &Session,
        list: AdminList,
        query: &str,
        seen: &mut HashSet<String>,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let AdminList {
            method,
            key,
            listing,
            ..
        } = list;
        let mut pages = Pages::new(session, method, key, query.to_string());
        let mut index = 0usize;
        while let Some(items) = pages.next(session).await? {
            for item in items {
                let app = parse::parse_listed_app(&item, listing).map_err(|e| {
                    in_item(&format!("{key}[{index}]"))(e)
                        .at(format!("tenant {}, GET {method}", self.settings.name))
                })?;
                index += 1;
                if !seen.insert(app.external_id.clone()) {
                    continue;
                }
                let grants = parse::parse_grants(&item, listing);
                sink.send(InventoryItem::App(Box::new(app))).await?;
                for grant in grants {
                    sink.send(InventoryItem::Grant(grant)).await?;
                }
            }
        }
        Ok(())
    }
}
