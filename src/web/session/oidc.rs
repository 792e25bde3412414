//! Single sign-on with OpenID Connect (the `openidconnect` crate): authorization code flow
//! with PKCE S256, `state` and `nonce`.
//!
//! - `GET /login/oidc?next=…` starts a flow: a random flow id goes to the browser in the
//!   `oauth_audit_oidc_flow` cookie (HttpOnly, SameSite=Lax, Path=/login/oidc, 10 minutes);
//!   the database keeps only its hash, the random `state` and `next`. The PKCE verifier and
//!   the nonce are derived from the flow id (`token::derive`), so they are stored nowhere.
//! - `GET /login/oidc/callback` (`callback.rs`) takes the flow (single use), checks `state`,
//!   exchanges the code with the verifier, has the crate verify the ID token, maps the role
//!   (`roles.rs`) and opens a session.
//!
//! Provider metadata and keys come from discovery on `issuer_url`, cached for
//! [`METADATA_TTL_SECS`]. The HTTP client follows no redirects (as the crate requires) and
//! gives up after [`HTTP_TIMEOUT_SECS`]. Provider error bodies are logged truncated and never
//! shown; codes, tokens and the client secret are never logged.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Instant;
use tokio::sync::Mutex;

use super::{LoginState, cookie, token};
use crate::config::{ConfigError, EnvLookup, OidcConfig, ServerConfig};
use crate::store::api_keys::hash_key;
use crate::web::AppState;
use crate::web::dashboard::PageError;

/// How long discovered provider metadata (and its signing keys) is reused.
pub const METADATA_TTL_SECS: u64 = 300;
/// Time for one request to the provider.
pub const HTTP_TIMEOUT_SECS: u64 = 10;
/// How long a browser has to come back from the provider.
pub(super) const FLOW_MINUTES: i64 = 10;
/// Longest provider text written to the log.
const LOG_MAX: usize = 300;

/// The OIDC client for `[oidc]`.
pub struct Oidc {
    pub(super) cfg: OidcConfig,
    secret: SecretString,
    redirect: RedirectUrl,
    pub(super) http: reqwest::Client,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl Oidc {
    pub fn new(
        cfg: &OidcConfig,
        server: &ServerConfig,
        env: &EnvLookup<'_>,
    ) -> Result<Oidc, ConfigError> {
        let secret = cfg.client_secret(env)?;
        let redirect = cfg
            .redirect_url(server.public_url.as_deref())
            .ok_or_else(|| config_error("oidc.redirect_url", "set it or server.public_url"))?;
        let redirect = RedirectUrl::new(redirect)
            .map_err(|e| config_error("oidc.redirect_url", e.to_string()))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(HTTP_TIMEOUT_SECS))
            .build()
            .map_err(|e| config_error("oidc", format!("HTTP client: {e}")))?;
        Ok(Oidc {
            cfg: cfg.clone(),
            secret,
            redirect,
            http,
            metadata: Mutex::new(None),
        })
    }

    pub fn display_name(&self) -> &str {
        &self.cfg.display_name
    }

    /// The provider's metadata, discovered at most every [`METADATA_TTL_SECS`].
    pub(super) async fn metadata(&self) -> Result<CoreProviderMetadata, PageError> {
        let mut cached = self.metadata.lock().await;
        if let Some((m, at)) = cached.as_ref()
            && at.elapsed().as_secs() < METADATA_TTL_SECS
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.cfg.issuer_url.clone()).map_err(PageError::internal)?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| provider_failure("discovery", &e))?;
        *cached = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    pub(super) fn client(
        &self,
        m: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.cfg.client_id.clone()),
            Some(ClientSecret::new(self.secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(self.redirect.clone())
    }
}

fn config_error(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// A failure talking to the provider: logged (truncated), shown generically.
pub(super) fn provider_failure(what: &str, e: &dyn std::error::Error) -> PageError {
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    // Provider text (an error description) can be in it: no control characters, bounded.
    let detail = connectors::redact::printable(&detail, LOG_MAX);
    tracing::warn!(step = what, error = %detail, "single sign-on failed");
    PageError::new(
        StatusCode::BAD_GATEWAY,
        "The identity provider could not complete the sign-in. Try again, or ask an administrator to check the server log.",
    )
}

pub(super) fn oidc_of(req: &HttpRequest) -> Result<&Oidc, PageError> {
    req.app_data::<web::Data<LoginState>>()
        .and_then(|l| l.oidc.as_ref())
        .ok_or_else(|| PageError::not_found("page"))
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /login/oidc`: send the browser to the provider.
pub async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, PageError> {
    let oidc = oidc_of(&req)?;
    if let Some(login) = req.app_data::<web::Data<LoginState>>() {
        login.charge(&state, &req)?;
    }
    let next = token::safe_next(query.next.as_deref());
    let flow = token::random_token();
    let verifier = PkceCodeVerifier::new(token::derive("oauth-audit pkce", &flow));
    let nonce = token::derive("oauth-audit nonce", &flow);
    let client = oidc.client(oidc.metadata().await?);
    let mut auth = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            move || Nonce::new(nonce),
        )
        .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
    for s in oidc.cfg.scopes.iter().filter(|s| s.as_str() != "openid") {
        auth = auth.add_scope(Scope::new(s.clone()));
    }
    let (url, state_param, _) = auth.url();
    let now = state.clock.now();
    let (store, flow_hash) = (state.store.clone(), hash_key(&flow));
    let state_value = state_param.secret().clone();
    web::block(move || {
        store.create_login_flow(
            &flow_hash,
            &state_value,
            &next,
            now,
            now - Duration::minutes(FLOW_MINUTES),
        )
    })
    .await
    .map_err(PageError::internal)??;
    let secure = cookie::behind_tls(&state.config.server, &req);
    let max_age = u64::try_from(FLOW_MINUTES * 60).unwrap_or(600);
    let set = cookie::set_cookie(
        cookie::FLOW_COOKIE,
        &flow,
        cookie::FLOW_PATH,
        "Lax",
        Some(max_age),
        secure,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::SET_COOKIE, set))
        .finish())
}

pub use super::callback::callback;
