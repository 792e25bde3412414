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
//!    failing it fails the collection), and for each `GET /apps/{app_slug}`: the app's name,
//!    owner (its publisher; the organization itself = a first-party app) and requested
//!    permissions (a 404, an app since deleted, leaves the installation's view alone);
//! 2. `GET /orgs/{org}/credential-authorizations`: members' SAML-SSO-authorized tokens
//!    (Enterprise Cloud with SAML only);
//! 3. `GET /orgs/{org}/personal-access-tokens`: fine-grained tokens with access to the
//!    organization (GitHub App auth only: skipped with a token).
//!
//! A 403 on steps 2–3 is a coverage gap; a 404 (no such listing on this plan) is skipped. Each page goes through the file importer's
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
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Items, LinkPages, NextLink, Session, static_token};
use crate::http::{Request, Response};
use crate::model::{InventoryItem, OAuthApp, Ownership};
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

/// GET a JSON document with the API version header.
async fn get(session: &Session, url: Url) -> Result<(Value, Response), ConnectorError> {
    let request = Request::get(url).header("x-github-api-version", API_VERSION)?;
    let response = session
        .http
        .send(request, Some(session.auth.as_ref()))
        .await?;
    let value = response
        .json()
        .map_err(|e| session.http.name(e, &response.url))?;
    Ok((value, response))
}

/// A listing of this provider, one page at a time.
fn link_pages(session: &Session, path: &str) -> Result<LinkPages, ConnectorError> {
    LinkPages::new(session, path, NextLink::Header, Items::Key("installations"))
        .map(|p| p.with_headers(&[("x-github-api-version", API_VERSION)]))
}

#[async_trait]
impl Connector for GitHubConnector {
    fn provider(&self) -> Provider {
        Provider::Github
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
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
            // Only a GitHub App may list fine-grained tokens: with a personal access token the
            // listing is refused every time, which would leave the tenant partial for good.
            if listing == "personal-access-tokens" && self.settings.token.is_some() {
                continue;
            }
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
        let mut pages = link_pages(session, &path)?;
        while let Some(mut items) = pages.next(session).await? {
            if listing == "installations" {
                let apps = self.installed_apps(session, &items).await?;
                items.splice(0..0, apps);
            }
            let inv = super::read_document(&Value::Array(items)).map_err(|e| {
                e.at(format!(
                    "tenant {}, GET /orgs/{}/{listing}",
                    self.settings.name, self.org
                ))
            })?;
            for mut app in inv.apps {
                if seen.insert(app.external_id.clone()) {
                    self.set_ownership(&mut app);
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

impl GitHubConnector {
    /// The app objects (`GET /apps/{slug}`) of a page of installations, for the parser to
    /// merge with them; an app GitHub no longer knows (404) is left out.
    async fn installed_apps(
        &self,
        session: &Session,
        installations: &[Value],
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut apps = Vec::new();
        for slug in installations
            .iter()
            .filter_map(|i| i.get("app_slug").and_then(Value::as_str))
        {
            let mut url = session.url("apps")?;
            url.path_segments_mut()
                .map_err(|()| {
                    ConnectorError::new(ErrorKind::Config, "`base_url` cannot hold a path")
                })?
                .pop_if_empty()
                .push(slug);
            match get(session, url).await {
                // Only an app object with the slug asked for may merge with the installation.
                Ok((app, _)) if app.get("slug").and_then(Value::as_str) == Some(slug) => {
                    apps.push(app)
                }
                Ok(_) => {}
                Err(e) if e.kind == ErrorKind::NotFound => {
                    tracing::debug!(tenant = %self.settings.name, "an installed app is not found by its slug");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(apps)
    }

    /// An app whose owner is the audited organization is its own (first-party); one owned by
    /// any other account is third-party. Apps without a known owner stay unknown.
    fn set_ownership(&self, app: &mut OAuthApp) {
        let Some(owner) = app.publisher.name.as_deref() else {
            return;
        };
        if app.ownership != Ownership::Unknown {
            return;
        }
        let own = owner.eq_ignore_ascii_case(&self.org);
        app.ownership = if own {
            Ownership::FirstParty
        } else {
            Ownership::ThirdParty
        };
        app.notes.retain(|n| n.field != "ownership");
        app.note_inferred(
            "ownership",
            if own {
                "the app's owner is the audited organization"
            } else {
                "the app's owner is another account than the audited organization"
            },
        );
    }
}
