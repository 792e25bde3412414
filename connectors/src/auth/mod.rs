//! How a connector authenticates: a static token (Okta SSWS, GitHub, Slack, or any provider's
//! ready bearer token), or an OAuth token obtained with client credentials, a signed client
//! assertion (`private_key_jwt`), a JWT bearer grant (Google domain-wide delegation,
//! Salesforce) or a GitHub App installation-token exchange ([`oauth`]).
//!
//! Obtained tokens are cached until shortly before they expire, renewed once after a 401, and
//! held in [`SecretString`]s: no `Debug`, log line or error message ever shows one.

mod jwt;
pub mod oauth;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ConnectorError, ErrorKind};
use crate::http::HttpClient;

pub use jwt::{ServiceAccount, SigningKey};
pub use oauth::{Grant, OAuthToken};

/// Supplies the `Authorization` header of a tenant's API requests.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// The header value for the next request, fetching a token through `http` when needed.
    async fn authorization(&self, http: &HttpClient) -> Result<HeaderValue, ConnectorError>;

    /// Forget a cached token (the API answered 401 with it).
    async fn invalidate(&self);

    /// Whether [`TokenSource::invalidate`] can lead to a different token (not for static ones).
    fn renewable(&self) -> bool;
}

/// The scheme a static token is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    /// Okta API tokens: `Authorization: SSWS <token>`.
    Ssws,
}

/// A token configured by the operator, used as is.
pub struct StaticToken {
    scheme: Scheme,
    token: SecretString,
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticToken")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl StaticToken {
    pub fn new(scheme: Scheme, token: SecretString) -> StaticToken {
        StaticToken { scheme, token }
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn authorization(&self, _http: &HttpClient) -> Result<HeaderValue, ConnectorError> {
        let scheme = match self.scheme {
            Scheme::Bearer => "Bearer",
            Scheme::Ssws => "SSWS",
        };
        header_value(scheme, self.token.expose_secret())
    }

    async fn invalidate(&self) {}

    fn renewable(&self) -> bool {
        false
    }
}

/// `<scheme> <token>`, marked sensitive so HTTP debugging never prints it.
pub(crate) fn header_value(scheme: &str, token: &str) -> Result<HeaderValue, ConnectorError> {
    let mut value = HeaderValue::from_str(&format!("{scheme} {}", token.trim())).map_err(|_| {
        ConnectorError::new(
            ErrorKind::Config,
            "the token holds characters not allowed in an HTTP header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}
