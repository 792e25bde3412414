//! Collect a GitHub organization over the REST API (CONNECTORS.md §4), on github.com, GitHub
//! Enterprise Cloud (`https://api.{subdomain}.ghe.com`) or Enterprise Server
//! (`https://{host}/api/v3`: the base path is kept).
//!
//! Auth: a ready token (`token_env`: a classic PAT of an org owner, sent as a bearer token), or
//! a GitHub App installed on the organization (`app_id` + `installation_id` +
//! `private_key_file`), whose app JWT is exchanged for an installation token.
//!
//! Calls, each `Link: rel="next"` paged with `per_page` up to 100, with
//! `X-GitHub-Api-Version: 2022-11-28`:
//! 1. `GET /orgs/{org}/installations`: the GitHub Apps installed (the inventory itself;
//!    failing it fails the collection);
//! 2. `GET /orgs/{org}/credential-authorizations`: members' SAML-SSO-authorized tokens
//!    (Enterprise Cloud with SAML only);
//! 3. `GET /orgs/{org}/personal-access-tokens`: fine-grained tokens with access to the
//!    organization (GitHub App auth only).
//!
//! A 403 or 404 on steps 2–3 is a coverage gap. Each page goes through the file importer's
//! [`read_document`](super::read_document), so a live item and a saved one map alike.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;

use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, SigningKey, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::ConnectorError;
use crate::fetch::{Session, page_items, static_token};
use crate::http::{HttpClient, PageGuard, Request, next_link};
use crate::model::InventoryItem;
use crate::settings::TenantSettings;

const DEFAULT_BASE: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";
/// GitHub's largest `per_page`.
const MAX_PAGE: u32 = 100;

/// The GitHub connector.
pub struct GitHubConnector {
    settings: TenantSettings,
    base: Url,
    auth: Arc<dyn TokenSource>,
    org: String,
}

impl GitHubConnector {
    /// A connector for `settings`: `org` and a token or GitHub App credentials are required.
    pub fn new(settings: TenantSettings) -> Result<GitHubConnector, ConnectorError> {
        let base = settings.base_url(Some(DEFAULT_BASE))?;
        let org = settings.require("org", &settings.org)?.trim().to_string();
        // Login names are ASCII letters, digits and hyphens: anything else could change the path.
        if !org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(settings.config_error("org", "is not a GitHub organization login"));
        }
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(app_grant(&settings, &base)?)),
        };
        Ok(GitHubConnector {
            settings,
            base,
            auth,
            org,
        })
    }
}

/// GitHub App installation auth: `app_id`, `installation_id` and `private_key_file`.
fn app_grant(settings: &TenantSettings, base: &Url) -> Result<Grant, ConnectorError> {
    if settings.app_id.is_none() {
        return Err(settings.config_error(
            "token_env",
            "(or app_id + installation_id + private_key_file) is required for provider github",
        ));
    }
    let app_id = settings.require("app_id", &settings.app_id)?.to_string();
    let installation_id = settings
        .require("installation_id", &settings.installation_id)?
        .to_string();
    if !installation_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(settings.config_error("installation_id", "is not a number"));
    }
    let pem = settings.private_key_pem.as_ref().ok_or_else(|| {
        settings.config_error(
            "private_key_file",
            "is required with app_id for provider github",
        )
    })?;
    let key = SigningKey::from_rsa_pem(pem.expose_secret().as_bytes())
        .map_err(|e| settings.config_error("private_key_file", &e.message))?;
    Ok(Grant::GitHubApp {
        api_base: base.clone(),
        app_id,
        installation_id,
        key,
    })
}

/// One listing, a page at a time, following the `Link` header's `rel="next"`.
struct Pages {
    next: Option<Url>,
    guard: PageGuard,
}

impl Pages {
    fn new(session: &Session, path: &str) -> Result<Pages, ConnectorError> {
        let first = session.url(path)?;
        Ok(Pages {
            guard: session.http.page_guard(&format!("GET {}", first.path())),
            next: Some(first),
        })
    }

    async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let request = Request::get(url).header("x-github-api-version", API_VERSION)?;
        let response = session
            .http
            .send(request, Some(session.auth.as_ref()))
            .await?;
        let page = response
            .json()
            .map_err(|e| session.http.name(e, &response.url))?;
        if let Some(link) = next_link(&response.headers) {
            self.next = Some(self.guard.follow(&response.url, &link)?);
        }
        page_items(page, "installations")
            .map(Some)
            .map_err(|e| session.http.name(e, &response.url))
    }
}

#[async_trait]
impl Connector for GitHubConnector {
    fn provider(&self) -> Provider {
        Provider::Github
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let http = HttpClient::new(
            &self.settings.name,
            Provider::Github,
            self.settings.http.clone(),
        )?;
        let mut session = Session::new(http, self.auth.clone(), self.base.clone());
        let per_page = self.settings.page_size(MAX_PAGE);
        let mut seen = HashSet::new();

        self.listing(&session, "installations", per_page, &mut seen, sink)
            .await?;
        for (what, listing) in [
            (
                "SAML SSO credential authorizations (credential-authorizations)",
                "credential-authorizations",
            ),
            (
                "fine-grained personal access tokens (personal-access-tokens)",
                "personal-access-tokens",
            ),
        ] {
            let result = self
                .listing(&session, listing, per_page, &mut seen, sink)
                .await;
            if let Err(e) = result {
                session.gap_or_fail(what, e)?;
            }
        }
        Ok(session.summary())
    }
}

impl GitHubConnector {
    /// Stream `/orgs/{org}/{listing}`'s apps and grants into `sink`; an app already sent (by
    /// id) is not sent twice.
    async fn listing(
        &self,
        session: &Session,
        listing: &str,
        per_page: u32,
        seen: &mut HashSet<String>,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let path = format!("orgs/{}/{listing}?per_page={per_page}", self.org);
        let mut pages = Pages::new(session, &path)?;
        while let Some(items) = pages.next(session).await? {
            let inv = super::read_document(&Value::Array(items)).map_err(|e| {
                e.at(format!(
                    "tenant {}, GET /orgs/{}/{listing}",
                    self.settings.name, self.org
                ))
            })?;
            for app in inv.apps {
                if seen.insert(app.external_id.clone()) {
                    sink.send(InventoryItem::App(Box::new(app))).await?;
                }
            }
            for grant in inv.grants {
                sink.send(InventoryItem::Grant(grant)).await?;
            }
        }
        Ok(())
    }
}
