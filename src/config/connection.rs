//! From a `[[tenants]]` table to the [`TenantSettings`] an API connector runs with: secret
//! references resolved (`*_env` from the environment, `*_file` read from disk) into secret
//! holders, URLs parsed, and the collector's HTTP limits applied.
//!
//! [`Config::validate`](super::Config) builds every API tenant's connector once at start, so a
//! missing key or an unreadable private key fails the config with the key's path, not the
//! first scan.

use connectors::http::HttpSettings;
use connectors::settings::TenantSettings;
use secrecy::SecretString;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use super::{CollectorConfig, ConfigError, TenantConfig, TenantProvider};

/// Where `*_env` references are looked up.
pub type EnvLookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

impl CollectorConfig {
    /// The HTTP limits every API tenant's client gets.
    pub fn http_settings(&self) -> HttpSettings {
        HttpSettings {
            concurrency: self.tenant_concurrency,
            requests_per_second: NonZeroU32::new(self.requests_per_second),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            max_response_bytes: self.max_response_mb.saturating_mul(1024 * 1024),
            ..HttpSettings::default()
        }
    }
}

impl TenantConfig {
    /// The settings an API connector needs, with secrets read through `env`.
    pub fn connection(
        &self,
        collector: &CollectorConfig,
        env: &EnvLookup<'_>,
    ) -> Result<TenantSettings, ConfigError> {
        let TenantProvider::Saas(provider) = self.provider else {
            return Err(ConfigError::at(
                format!("tenants.{}.provider", self.name),
                "a file tenant has no API connection",
            ));
        };
        let key = |k: &str| format!("tenants.{}.{k}", self.name);
        let url = |k: &str, v: &Option<String>| {
            v.as_deref()
                .map(|u| {
                    u.parse()
                        .map_err(|_| ConfigError::at(key(k), format!("`{u}` is not a URL")))
                })
                .transpose()
        };
        let secret = |k: &str, var: &Option<String>, file: Option<&Path>| {
            resolve(&key(k), var.as_deref(), file, env)
        };
        let mut s = TenantSettings::new(self.name.clone(), provider);
        s.base_url = url("base_url", &self.base_url)?;
        s.token_url = url("token_url", &self.token_url)?;
        s.client_id = self.client_id.clone();
        s.client_secret = secret(
            "client_secret",
            &self.client_secret_env,
            self.client_secret_file.as_deref(),
        )?;
        s.token = secret("token", &self.token_env, self.token_file.as_deref())?;
        s.private_key_pem = secret("private_key", &None, self.private_key_file.as_deref())?;
        s.client_certificate_pem = secret(
            "client_certificate",
            &None,
            self.client_certificate_file.as_deref(),
        )?;
        s.service_account_json = secret(
            "service_account",
            &None,
            self.service_account_file.as_deref(),
        )?;
        s.tenant_id = self.tenant_id.clone();
        s.subject = self.subject.clone();
        s.customer_id = self.customer_id.clone();
        s.app_id = self.app_id.clone();
        s.installation_id = self.installation_id.clone();
        s.org = self.org.clone();
        s.username = self.username.clone();
        s.realm = self.realm.clone();
        s.auth_realm = self.auth_realm.clone();
        s.page_size = self.page_size;
        s.http = collector.http_settings();
        Ok(s)
    }
}

/// A secret from the environment variable `var` or the file `file`, trimmed.
pub(super) fn resolve(
    key: &str,
    var: Option<&str>,
    file: Option<&Path>,
    env: &EnvLookup<'_>,
) -> Result<Option<SecretString>, ConfigError> {
    if let Some(var) = var {
        let value = env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
            ConfigError::at(
                format!("{key}_env"),
                format!("environment variable {var} is not set"),
            )
        })?;
        return Ok(Some(SecretString::from(value.trim().to_string())));
    }
    if let Some(path) = file {
        let value = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::at(
                format!("{key}_file"),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        return Ok(Some(SecretString::from(value.trim().to_string())));
    }
    Ok(None)
}
