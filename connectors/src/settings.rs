//! What an HTTP connector needs to reach one tenant: the API root and token endpoint, the
//! credentials (already read from their env var or file by the caller, and held as secrets),
//! the provider-specific keys of DESIGN §4, and the HTTP limits.
//!
//! [`TenantSettings::require`] and friends turn a missing key into a config error that names
//! the key, so a misconfigured tenant fails before any request is sent.

use secrecy::SecretString;
use url::Url;

use crate::Provider;
use crate::error::{ConnectorError, ErrorKind};
use crate::http::HttpSettings;

/// One tenant's connection settings.
#[derive(Debug, Clone)]
pub struct TenantSettings {
    /// The tenant's configured name (in errors and logs).
    pub name: String,
    pub provider: Provider,
    /// The API root (`base_url`); `None` takes the provider's default where it has one.
    pub base_url: Option<Url>,
    /// The token endpoint (`token_url`); `None` takes the provider's default.
    pub token_url: Option<Url>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    /// A ready token (`token_env`/`token_file`): Okta SSWS, GitHub, Slack, or any provider's
    /// bearer token used as is.
    pub token: Option<SecretString>,
    /// An RSA private key in PEM (Okta service app, GitHub App, Salesforce JWT bearer).
    pub private_key_pem: Option<SecretString>,
    /// An Entra certificate credential: certificate and private key in one PEM file.
    pub client_certificate_pem: Option<SecretString>,
    /// A Google service-account key file's JSON.
    pub service_account_json: Option<SecretString>,
    pub tenant_id: Option<String>,
    pub subject: Option<String>,
    pub customer_id: Option<String>,
    pub app_id: Option<String>,
    pub installation_id: Option<String>,
    pub org: Option<String>,
    pub username: Option<String>,
    pub realm: Option<String>,
    pub auth_realm: Option<String>,
    /// Items per page to ask for (each provider caps it at its own maximum).
    pub page_size: Option<u32>,
    pub http: HttpSettings,
}

impl TenantSettings {
    /// Settings with only a name and provider; the rest empty or default.
    pub fn new(name: impl Into<String>, provider: Provider) -> TenantSettings {
        TenantSettings {
            name: name.into(),
            provider,
            base_url: None,
            token_url: None,
            client_id: None,
            client_secret: None,
            token: None,
            private_key_pem: None,
            client_certificate_pem: None,
            service_account_json: None,
            tenant_id: None,
            subject: None,
            customer_id: None,
            app_id: None,
            installation_id: None,
            org: None,
            username: None,
            realm: None,
            auth_realm: None,
            page_size: None,
            http: HttpSettings::default(),
        }
    }

    /// A config error about `key`.
    pub fn config_error(&self, key: &str, reason: &str) -> ConnectorError {
        ConnectorError::new(
            ErrorKind::Config,
            format!("tenant {}: `{key}` {reason}", self.name),
        )
    }

    /// A required string key.
    pub fn require<'a>(
        &self,
        key: &str,
        value: &'a Option<String>,
    ) -> Result<&'a str, ConnectorError> {
        value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                self.config_error(key, &format!("is required for provider {}", self.provider))
            })
    }

    /// The API root: `base_url`, or `default` when the provider has a fixed one.
    pub fn base_url(&self, default: Option<&str>) -> Result<Url, ConnectorError> {
        match (&self.base_url, default) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(d)) => {
                Url::parse(d).map_err(|_| self.config_error("base_url", "is invalid"))
            }
            (None, None) => Err(self.config_error(
                "base_url",
                &format!("is required for provider {}", self.provider),
            )),
        }
    }

    /// The page size to ask for: the configured one, within `1..=max`, else `max`.
    pub fn page_size(&self, max: u32) -> u32 {
        self.page_size.map_or(max, |p| p.clamp(1, max))
    }
}
