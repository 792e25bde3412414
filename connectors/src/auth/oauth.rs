//! OAuth tokens the collector obtains for itself, cached until shortly before they expire.
//!
//! - client credentials with a secret (RFC 6749 §4.4): Entra, Auth0 (with its Management API
//!   `audience`), Keycloak;
//! - client credentials with a signed client assertion (`private_key_jwt`, RFC 7523 §2.2):
//!   Okta service apps, Entra certificate credentials;
//! - the JWT bearer grant (RFC 7523 §2.1): Google service accounts with domain-wide
//!   delegation (`sub` = the admin impersonated), Salesforce (`sub` = the integration user);
//! - GitHub App authentication: an app JWT exchanged for an installation token.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::jwt::{Claims, SigningKey, unique_id};
use super::{TokenSource, header_value};
use crate::error::{ConnectorError, ErrorKind};
use crate::http::{HttpClient, Request};

/// Renew a token this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// Lifetime assumed when a token response does not state one (Salesforce's does not).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Lifetime of the assertions we sign: short, as RFC 7523 §3 advises (Salesforce allows 3 min).
const ASSERTION_LIFETIME: Duration = Duration::from_secs(180);
/// GitHub App JWTs: backdated against clock drift, valid for less than GitHub's 10 minutes.
const GITHUB_JWT_SKEW: Duration = Duration::from_secs(60);
const GITHUB_JWT_LIFETIME: Duration = Duration::from_secs(9 * 60);

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLIENT_ASSERTION_JWT: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How a token is obtained.
#[derive(Debug)]
pub enum Grant {
    ClientSecret {
        token_url: Url,
        client_id: String,
        secret: SecretString,
        scope: Option<String>,
        /// Auth0's Management API identifier.
        audience: Option<String>,
    },
    ClientAssertion {
        token_url: Url,
        client_id: String,
        key: SigningKey,
        scope: Option<String>,
    },
    JwtBearer {
        token_url: Url,
        /// The assertion's issuer: the service account's email, or Salesforce's consumer key.
        issuer: String,
        /// The user the token acts as.
        subject: Option<String>,
        /// The assertion's audience (Google: the token URL; Salesforce: the login host).
        audience: String,
        scope: Option<String>,
        key: SigningKey,
    },
    GitHubApp {
        /// The API root, e.g. `https://api.github.com`.
        api_base: Url,
        app_id: String,
        installation_id: String,
        key: SigningKey,
    },
}

struct Cached {
    token: SecretString,
    renew_at: Instant,
}

/// A token source that obtains and caches an OAuth token with a [`Grant`].
pub struct OAuthToken {
    grant: Grant,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthToken")
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

impl OAuthToken {
    pub fn new(grant: Grant) -> OAuthToken {
        OAuthToken {
            grant,
            cache: Mutex::new(None),
        }
    }

    /// Request a new token from the provider.
    async fn fetch(&self, http: &HttpClient) -> Result<Cached, ConnectorError> {
        let request = self.request()?;
        let response = http.send(request, None).await.map_err(token_refused)?;
        let body = response.json().map_err(token_refused)?;
        let (token, lifetime) = match &self.grant {
            Grant::GitHubApp { .. } => github_token(&body)?,
            _ => oauth_token(&body)?,
        };
        let margin = RENEW_BEFORE.min(lifetime / 10);
        Ok(Cached {
            token,
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        })
    }

    fn request(&self) -> Result<Request, ConnectorError> {
        let secret = |s: &str| SecretString::from(s.to_string());
        let field = |k: &str, v: &str| (k.to_string(), secret(v));
        Ok(match &self.grant {
            Grant::ClientSecret {
                token_url,
                client_id,
                secret: client_secret,
                scope,
                audience,
            } => {
                let mut fields = vec![
                    field("grant_type", "client_credentials"),
                    field("client_id", client_id),
                    ("client_secret".into(), client_secret.clone()),
                ];
                fields.extend(scope.as_deref().map(|s| field("scope", s)));
                fields.extend(audience.as_deref().map(|a| field("audience", a)));
                Request::form(token_url.clone(), fields)
            }
            Grant::ClientAssertion {
                token_url,
                client_id,
                key,
                scope,
            } => {
                let mut claims = Claims::now(client_id, ASSERTION_LIFETIME, Duration::ZERO);
                claims.sub = Some(client_id.clone());
                claims.aud = Some(token_url.to_string());
                claims.jti = Some(unique_id());
                let mut fields = vec![
                    field("grant_type", "client_credentials"),
                    field("client_id", client_id),
                    field("client_assertion_type", CLIENT_ASSERTION_JWT),
                    ("client_assertion".into(), key.sign(&claims)?),
                ];
                fields.extend(scope.as_deref().map(|s| field("scope", s)));
                Request::form(token_url.clone(), fields)
            }
            Grant::JwtBearer {
                token_url,
                issuer,
                subject,
                audience,
                scope,
                key,
            } => {
                let mut claims = Claims::now(issuer, ASSERTION_LIFETIME, Duration::ZERO);
                claims.sub = subject.clone();
                claims.aud = Some(audience.clone());
                claims.scope = scope.clone();
                Request::form(
                    token_url.clone(),
                    vec![
                        field("grant_type", JWT_BEARER),
                        ("assertion".into(), key.sign(&claims)?),
                    ],
                )
            }
            Grant::GitHubApp {
                api_base,
                app_id,
                installation_id,
                key,
            } => {
                let claims = Claims::now(app_id, GITHUB_JWT_LIFETIME, GITHUB_JWT_SKEW);
                let jwt = key.sign(&claims)?;
                let url = join(
                    api_base,
                    &format!("app/installations/{installation_id}/access_tokens"),
                )?;
                let auth = header_value("Bearer", jwt.expose_secret())?;
                let mut request =
                    Request::post(url).header("x-github-api-version", "2022-11-28")?;
                request.authorization(auth);
                request
            }
        })
    }
}

#[async_trait]
impl TokenSource for OAuthToken {
    async fn authorization(&self, http: &HttpClient) -> Result<HeaderValue, ConnectorError> {
        // One fetch at a time: concurrent requests wait for the token the first one obtains.
        let mut cache = self.cache.lock().await;
        let fresh = cache.as_ref().is_some_and(|c| Instant::now() < c.renew_at);
        if !fresh {
            *cache = Some(self.fetch(http).await?);
        }
        let token = cache
            .as_ref()
            .map(|c| c.token.expose_secret())
            .unwrap_or_default();
        let scheme = match self.grant {
            Grant::GitHubApp { .. } => "token",
            _ => "Bearer",
        };
        header_value(scheme, token)
    }

    async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    fn renewable(&self) -> bool {
        true
    }
}

/// `api_base` joined with `path`, keeping any path prefix of the base (GHES `/api/v3`).
pub(crate) fn join(base: &Url, path: &str) -> Result<Url, ConnectorError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path.trim_start_matches('/')).map_err(|_| {
        ConnectorError::new(ErrorKind::Config, format!("cannot build a URL for {path}"))
    })
}

/// A refused token request is an authentication failure, whatever its status said.
fn token_refused(e: ConnectorError) -> ConnectorError {
    match e.kind {
        ErrorKind::Malformed | ErrorKind::Permission | ErrorKind::NotFound | ErrorKind::Auth => {
            ConnectorError {
                kind: ErrorKind::Auth,
                message: format!("token request refused: {}", e.message),
                ..e
            }
        }
        _ => e,
    }
}

/// `{"access_token", "expires_in"}` (RFC 6749 §5.1).
fn oauth_token(body: &Value) -> Result<(SecretString, Duration), ConnectorError> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ConnectorError::new(ErrorKind::Auth, "the token response has no access_token")
        })?;
    let lifetime = body
        .get("expires_in")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIFETIME);
    Ok((SecretString::from(token.to_string()), lifetime))
}

/// GitHub's `{"token", "expires_at": "2026-01-01T00:00:00Z"}`.
fn github_token(body: &Value) -> Result<(SecretString, Duration), ConnectorError> {
    let token = body
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::Auth,
                "the installation token response has no token",
            )
        })?;
    let lifetime = body
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .and_then(|at| {
            let now = std::time::SystemTime::now();
            let at = std::time::SystemTime::from(at);
            at.duration_since(now).ok()
        })
        .unwrap_or(DEFAULT_LIFETIME);
    Ok((SecretString::from(token.to_string()), lifetime))
}
