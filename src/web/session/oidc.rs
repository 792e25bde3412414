//! Single sign-on with OpenID Connect (the `openidconnect` crate): authorization code flow
//! with PKCE S256, `state` and `nonce`.
//!
//! - `GET /login/oidc?next=…` starts a flow: a random flow id goes to the browser in the
//!   `oauth_audit_oidc_flow` cookie (HttpOnly, SameSite=Lax, Path=/login/oidc, 10 minutes);
//!   the database keeps only its hash, the random `state` and `next`. The PKCE verifier and
//!   the nonce are derived from the flow id (`token::derive`), so they are stored nowhere.
//! - `GET /login/oidc/callback` takes the flow (read and deleted: single use), checks `state`
//!   in constant time, exchanges the code with the verifier, and lets the crate verify the ID
//!   token (signature against the provider's JWKS, issuer, audience, expiry, nonce). The
//!   `[oidc]` mapping (`roles.rs`) then decides the role, and a session is opened.
//!
//! Provider metadata and keys come from discovery on `issuer_url`, cached for
//! [`METADATA_TTL_SECS`]. The HTTP client follows no redirects (as the crate requires) and
//! gives up after [`HTTP_TIMEOUT_SECS`]. Provider error bodies are logged truncated and never
//! shown; codes, tokens and the client secret are never logged.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Instant;
use tokio::sync::Mutex;

use super::login::{LoginPage, page_response};
use super::roles::{Identity, map_role};
use super::{LoginState, NewSession, cookie, token};
use crate::config::{ConfigError, EnvLookup, OidcConfig, ServerConfig};
use crate::store::api_keys::hash_key;
use crate::web::AppState;
use crate::web::dashboard::PageError;

/// How long discovered provider metadata (and its signing keys) is reused.
pub const METADATA_TTL_SECS: u64 = 300;
/// Time for one request to the provider.
pub const HTTP_TIMEOUT_SECS: u64 = 10;
/// How long a browser has to come back from the provider.
const FLOW_MINUTES: i64 = 10;
/// Longest provider text written to the log.
const LOG_MAX: usize = 300;

/// The OIDC client for `[oidc]`.
pub struct Oidc {
    cfg: OidcConfig,
    secret: SecretString,
    redirect: RedirectUrl,
    http: reqwest::Client,
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
    async fn metadata(&self) -> Result<CoreProviderMetadata, PageError> {
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

    fn client(
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
fn provider_failure(what: &str, e: &dyn std::error::Error) -> PageError {
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    let detail: String = detail.chars().take(LOG_MAX).collect();
    tracing::warn!(step = what, error = %detail, "single sign-on failed");
    PageError::new(
        StatusCode::BAD_GATEWAY,
        "The identity provider could not complete the sign-in. Try again, or ask an administrator to check the server log.",
    )
}

fn oidc_of(req: &HttpRequest) -> Result<&Oidc, PageError> {
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

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Attach the flow cookie's deletion to an error page.
fn with_cleared_flow(e: PageError, secure: bool) -> Result<HttpResponse, PageError> {
    use actix_web::ResponseError;
    let mut res = e.error_response();
    let clear = cookie::set_cookie(
        cookie::FLOW_COOKIE,
        "",
        cookie::FLOW_PATH,
        "Lax",
        Some(0),
        secure,
    );
    if let Ok(v) = header::HeaderValue::from_str(&clear) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `GET /login/oidc/callback`: finish the flow and open a session.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let secure = cookie::behind_tls(&state.config.server, &req);
    match finish(&state, &req, query.into_inner()).await {
        Ok((set_session, page)) => {
            let clear = cookie::set_cookie(
                cookie::FLOW_COOKIE,
                "",
                cookie::FLOW_PATH,
                "Lax",
                Some(0),
                secure,
            );
            page_response(StatusCode::OK, &page, &[set_session, clear])
        }
        Err(e) => with_cleared_flow(e, secure),
    }
}

fn expired() -> PageError {
    PageError::bad_request(
        "This sign-in is no longer valid (it was used already, took too long, or did not start here). Please sign in again.",
    )
}

async fn finish(
    state: &AppState,
    req: &HttpRequest,
    q: CallbackQuery,
) -> Result<(String, LoginPage), PageError> {
    let oidc = oidc_of(req)?;
    let flow = cookie::read_cookie(req, cookie::FLOW_COOKIE)
        .filter(|f| token::well_formed(f))
        .ok_or_else(expired)?;
    let now = state.clock.now();
    let (store, flow_hash) = (state.store.clone(), hash_key(&flow));
    let row = web::block(move || {
        store.take_login_flow(&flow_hash, now - Duration::minutes(FLOW_MINUTES))
    })
    .await
    .map_err(PageError::internal)??
    .ok_or_else(expired)?;
    if let Some(code) = q.error {
        // Only a short, plain error code is echoed (RFC 6749 §4.1.2.1 codes are such).
        let shown = if code.len() <= 40 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            format!(" ({code})")
        } else {
            String::new()
        };
        return Err(PageError::new(
            StatusCode::UNAUTHORIZED,
            format!("The identity provider did not sign you in{shown}."),
        ));
    }
    if !token::same(&row.state, q.state.as_deref().unwrap_or_default()) {
        tracing::warn!("single sign-on callback with a state that does not match its flow");
        return Err(expired());
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(expired)?;
    let client = oidc.client(oidc.metadata().await?);
    let verifier = PkceCodeVerifier::new(token::derive("oauth-audit pkce", &flow));
    let nonce = Nonce::new(token::derive("oauth-audit nonce", &flow));
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| provider_failure("token endpoint", &e))?
        .set_pkce_verifier(verifier)
        .request_async(&oidc.http)
        .await
        .map_err(|e| provider_failure("code exchange", &e))?;
    let id_token = response.id_token().ok_or_else(|| {
        PageError::new(
            StatusCode::BAD_GATEWAY,
            "The identity provider sent no ID token.",
        )
    })?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .map_err(|e| provider_failure("ID token", &e))?;
    let identity = Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        groups: groups_claim(&id_token.to_string(), &oidc.cfg.groups_claim),
    };
    let role = map_role(&oidc.cfg, &identity).map_err(|r| {
        tracing::info!(subject = %identity.subject, "single sign-on refused: {r:?}");
        PageError::new(StatusCode::FORBIDDEN, r.message())
    })?;
    let principal = format!("oidc:{}#{}", claims.issuer().as_str(), identity.subject);
    let display_name = identity.display_name();
    tracing::info!(%principal, role = role.as_str(), "dashboard sign-in with single sign-on");
    let set = super::open_session(
        state,
        req,
        NewSession {
            principal,
            display_name: display_name.clone(),
            role,
            api_key_id: None,
        },
    )
    .await?;
    let page = LoginPage {
        next: row.next_path.clone(),
        csrf_token: String::new(),
        api_key_login: false,
        sso_name: None,
        error: None,
        viewer: Some(super::Viewer {
            name: display_name,
            role,
            csrf_token: String::new(),
            demo: false,
        }),
        refresh: true,
    };
    Ok((set, page))
}

/// The string values of claim `name` in an ID token whose signature has been verified. The
/// crate's standard claims have no place for groups, so the payload is read again here.
fn groups_claim(jwt: &str, name: &str) -> Vec<String> {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match doc.get(name) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_from_the_token_payload() {
        let enc = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let jwt = format!(
            "h.{}.s",
            enc(serde_json::json!({"groups": ["a", 1, "b"], "role": "x"}))
        );
        assert_eq!(groups_claim(&jwt, "groups"), ["a", "b"]);
        assert_eq!(groups_claim(&jwt, "role"), ["x"]);
        assert!(groups_claim(&jwt, "missing").is_empty());
        assert!(groups_claim("not-a-jwt", "groups").is_empty());
    }
}
