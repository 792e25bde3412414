//! Configuration: `oauth-audit.toml` (DESIGN §4) plus `OAUTH_AUDIT_*` environment overrides.
//!
//! Load order: defaults, then the TOML file, then the environment; then validation, so bad
//! config fails at start with the key path and the reason. Secrets are never inline: only
//! references (`*_env` names an environment variable, `*_file` a file) are accepted, and the
//! resolved values are held in [`secrecy::SecretString`], which never prints
//! (see `config/connection.rs`).
//!
//! Environment overrides: `OAUTH_AUDIT_<SECTION>__<KEY>` sets `<section>.<key>` (for example
//! `OAUTH_AUDIT_DATABASE__URL`), and `OAUTH_AUDIT_TENANTS__<NAME>__<KEY>` sets a key of the
//! tenant named NAME (case-insensitive, `-` written as `_`). `OAUTH_AUDIT_CONFIG`,
//! `OAUTH_AUDIT_LOG`, `OAUTH_AUDIT_LOG_FORMAT` and `OAUTH_AUDIT_TEST_*` are not config keys.

use connectors::Provider;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A configuration problem, with the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Key path such as `tenants[1].provider`; empty for whole-file problems.
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    fn at(key: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "config error: {}", self.reason)
        } else {
            write!(f, "config error at `{}`: {}", self.key, self.reason)
        }
    }
}

impl std::error::Error for ConfigError {}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub server: ServerConfig,
    pub schedule: ScheduleConfig,
    pub collector: CollectorConfig,
    /// How long history is kept (`[retention]`).
    pub retention: RetentionConfig,
    /// Rule switches, severities, thresholds and score weights (`[rules]`).
    pub rules: crate::rules::Settings,
    /// Accepted risks (`[[suppressions]]`): matching findings are kept, marked suppressed,
    /// and left out of risk scores until the suppression expires.
    pub suppressions: Vec<SuppressionConfig>,
    pub tenants: Vec<TenantConfig>,
    /// Dashboard sessions and API-key login (`[login]`, see `config/login.rs`).
    pub login: LoginConfig,
    /// Single sign-on (`[oidc]`); without it only API-key login is offered.
    pub oidc: Option<OidcConfig>,
}

/// One `[[suppressions]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionConfig {
    /// A rule id such as `TOKEN-001`, or `*` for every rule.
    pub rule: String,
    /// Only in this tenant.
    pub tenant: Option<String>,
    /// Only for this app: its external id, client id or name.
    pub app: Option<String>,
    /// Only for apps of this publisher (name or domain, case-insensitive).
    pub publisher: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// When the suppression ends (RFC 3339 time or `YYYY-MM-DD`, UTC); the finding reopens.
    pub expires: Option<String>,
}

impl SuppressionConfig {
    /// The expiry as a time: a date means the start of that day, UTC.
    pub fn expires_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
        let Some(e) = self.expires.as_deref() else {
            return Ok(None);
        };
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(e) {
            return Ok(Some(t.with_timezone(&chrono::Utc)));
        }
        chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Some(t.and_utc()))
            .ok_or_else(|| format!("`{e}` is neither an RFC 3339 time nor a YYYY-MM-DD date"))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// A file path (SQLite) or a `postgres://` / `postgresql://` URL.
    pub url: String,
    pub pool_size: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "oauth-audit.db".into(),
            pool_size: 8,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// API requests per second each key may make on average (0: no limit).
    pub api_rate_limit: u32,
    /// Requests a key may make in a burst above the average.
    pub api_rate_burst: u32,
    /// The origin users reach the dashboard at, such as `https://audit.example.com`. With
    /// `https` the session cookie is marked `Secure`; the OIDC redirect URL derives from it.
    pub public_url: Option<String>,
    /// Believe `X-Forwarded-Proto` and `X-Forwarded-For` (only behind a proxy that sets
    /// them): `https` there marks cookies `Secure`, and login attempts are limited per the
    /// forwarded client address.
    pub trust_forwarded_headers: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            // A SIEM paging through a million findings 1,000 at a time makes 1,000 requests:
            // at 50/s with a burst of 200 that takes 16 s, while a runaway script is capped.
            api_rate_limit: 50,
            api_rate_burst: 200,
            public_url: None,
            trust_forwarded_headers: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// `sec min hour day month weekday`, in `timezone` (UTC by default).
    pub cron: String,
    /// An IANA time zone name (`Europe/Berlin`) for `cron`; UTC when absent.
    pub timezone: Option<String>,
    pub run_on_start: bool,
}

impl ScheduleConfig {
    /// The schedule these settings describe.
    pub fn parsed(&self) -> Result<crate::collector::scheduler::Schedule, String> {
        crate::collector::scheduler::Schedule::parse(&self.cron, self.timezone.as_deref())
    }
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            cron: "0 0 2 * * *".into(),
            timezone: None,
            run_on_start: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    /// Tenants collected at once.
    pub concurrency: usize,
    /// A tenant's collection is abandoned (and the tenant kept as it was) after this long.
    pub tenant_timeout_secs: u64,
    /// API requests in flight at once per tenant.
    pub tenant_concurrency: usize,
    /// API requests started per second per tenant (0: no limit).
    pub requests_per_second: u32,
    /// Time for one API request, body included.
    pub request_timeout_secs: u64,
    /// Largest API response accepted, in MiB.
    pub max_response_mb: usize,
    /// On SIGTERM/SIGINT, how long `serve` lets a running scan finish before marking it
    /// interrupted (its unfinished tenants keep their stored inventory).
    pub shutdown_grace_secs: u64,
    /// A replica holds a tenant's job for this long without renewing it; a replica that dies
    /// mid-tenant loses the job after this and another replica runs the tenant again.
    pub lease_secs: u64,
    /// How often a replica renews the lease of the jobs it runs (less than `lease_secs`).
    pub heartbeat_secs: u64,
    /// How often a `serve` replica on PostgreSQL looks for jobs of scans other replicas
    /// started, and for jobs whose lease ran out.
    pub poll_secs: u64,
}

/// `[retention]`: history older than `days` is pruned after each scan (0: kept forever).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { days: 365 }
    }
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            concurrency: 4,
            tenant_timeout_secs: 1800,
            tenant_concurrency: 4,
            requests_per_second: 20,
            request_timeout_secs: 60,
            max_response_mb: 50,
            shutdown_grace_secs: 30,
            lease_secs: 60,
            heartbeat_secs: 15,
            poll_secs: 5,
        }
    }
}

/// Where a tenant's data comes from: a provider's API, or a saved export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum TenantProvider {
    Saas(Provider),
    File,
}

impl TryFrom<String> for TenantProvider {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == "file" {
            return Ok(TenantProvider::File);
        }
        let p: Provider = s
            .parse()
            .map_err(|e: connectors::UnknownProvider| format!("{e} or file"))?;
        if !p.is_saas() {
            return Err(format!(
                "`{s}` is a document format, not a SaaS: use provider = \"file\" with format = \"{s}\""
            ));
        }
        Ok(TenantProvider::Saas(p))
    }
}

impl From<TenantProvider> for String {
    fn from(p: TenantProvider) -> String {
        match p {
            TenantProvider::File => "file".into(),
            TenantProvider::Saas(p) => p.as_str().into(),
        }
    }
}

/// One tenant (`[[tenants]]`). Which keys apply depends on the provider (DESIGN §4).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    pub name: String,
    pub provider: TenantProvider,
    /// `provider = "file"`: the provider whose export `path` holds.
    pub format: Option<Provider>,
    /// `provider = "file"`: the export file or directory.
    pub path: Option<PathBuf>,
    pub base_url: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub tenant_id: Option<String>,
    pub client_certificate_file: Option<PathBuf>,
    pub private_key_file: Option<PathBuf>,
    pub service_account_file: Option<PathBuf>,
    pub subject: Option<String>,
    pub customer_id: Option<String>,
    pub app_id: Option<String>,
    pub installation_id: Option<String>,
    pub org: Option<String>,
    pub username: Option<String>,
    pub realm: Option<String>,
    pub auth_realm: Option<String>,
    /// Items per page to ask the API for (capped at the provider's maximum).
    pub page_size: Option<u32>,
}

/// Keys that would hold a secret inline; rejected with a pointer to the reference form.
const INLINE_SECRETS: [&str; 5] = [
    "client_secret",
    "token",
    "password",
    "api_key",
    "private_key",
];
/// Config keys whose values are not strings, for parsing environment overrides.
const BOOL_KEYS: [&str; 5] = [
    "schedule.run_on_start",
    "server.trust_forwarded_headers",
    "login.api_key_login",
    "login.reader_keys",
    "oidc.require_verified_email",
];
const INT_KEYS: [&str; 15] = [
    "database.pool_size",
    "login.session_idle_minutes",
    "login.session_max_hours",
    "login.attempts_per_minute",
    "collector.concurrency",
    "collector.tenant_timeout_secs",
    "collector.tenant_concurrency",
    "collector.requests_per_second",
    "collector.request_timeout_secs",
    "collector.max_response_mb",
    "collector.shutdown_grace_secs",
    "collector.lease_secs",
    "collector.heartbeat_secs",
    "collector.poll_secs",
    "retention.days",
];
const SECTIONS: [&str; 7] = [
    "database",
    "server",
    "schedule",
    "collector",
    "retention",
    "login",
    "oidc",
];
const ENV_PREFIX: &str = "OAUTH_AUDIT_";

impl TenantConfig {
    /// The SaaS whose data the tenant holds: the provider, or a file tenant's format.
    pub fn data_provider(&self) -> Provider {
        match (self.provider, self.format) {
            (TenantProvider::Saas(p), _) => p,
            (TenantProvider::File, Some(f)) => f,
            // Validation guarantees a file tenant has a format.
            (TenantProvider::File, None) => Provider::Entra,
        }
    }
}

impl Config {
    /// Load `path` (if any) and the process environment, then validate.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with_env(path, std::env::vars())
    }

    /// Load with an explicit environment instead of the process's (for tests).
    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env: BTreeMap<String, String> = env.into_iter().collect();
        let mut doc = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    ConfigError::at("", format!("cannot read {}: {e}", p.display()))
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::at("", format!("{}: {e}", p.display())))?
            }
            None => toml::Table::new(),
        };
        reject_inline_secrets(&doc)?;
        apply_env(&mut doc, &env)?;
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(doc))
            .map_err(|e| ConfigError::at(display_path(e.path()), e.inner().to_string()))?;
        if let Some(dir) = path.and_then(Path::parent) {
            config.resolve_relative_paths(dir);
        }
        config.validate(&env)?;
        Ok(config)
    }

    /// Where the secret-digest key lives (see `rules.digest_key_file`).
    pub fn digest_key_path(&self) -> PathBuf {
        if let Some(p) = &self.rules.digest_key_file {
            return p.clone();
        }
        const NAME: &str = "oauth-audit.digest-key";
        if self.database_is_postgres() {
            return PathBuf::from(NAME);
        }
        Path::new(&self.database.url)
            .parent()
            .map_or_else(|| PathBuf::from(NAME), |d| d.join(NAME))
    }

    /// Whether `database.url` names PostgreSQL.
    pub fn database_is_postgres(&self) -> bool {
        self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://")
    }

    fn resolve_relative_paths(&mut self, dir: &Path) {
        let oidc_secret = self.oidc.as_mut().map(|o| &mut o.client_secret_file);
        for p in [&mut self.rules.watchlist, &mut self.rules.digest_key_file]
            .into_iter()
            .chain(oidc_secret)
            .flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        for t in &mut self.tenants {
            for p in [
                &mut t.path,
                &mut t.client_secret_file,
                &mut t.token_file,
                &mut t.client_certificate_file,
                &mut t.private_key_file,
                &mut t.service_account_file,
            ]
            .into_iter()
            .flatten()
            {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
            }
        }
    }

    fn validate_rules(&self) -> Result<(), ConfigError> {
        let known = |id: &str| crate::rules::rule(id).is_some();
        for id in &self.rules.disabled {
            if !known(id) {
                return Err(ConfigError::at(
                    "rules.disabled",
                    format!("unknown rule `{id}`"),
                ));
            }
        }
        for id in self.rules.severity.keys() {
            if !known(id) {
                return Err(ConfigError::at(
                    format!("rules.severity.{id}"),
                    "unknown rule",
                ));
            }
        }
        if let Some(path) = &self.rules.watchlist {
            crate::rules::watchlist::Watchlist::load(path)
                .map_err(|e| ConfigError::at("rules.watchlist", e))?;
        }
        for (i, s) in self.suppressions.iter().enumerate() {
            let key = |k: &str| format!("suppressions[{i}].{k}");
            if s.rule != "*" && !known(&s.rule) {
                return Err(ConfigError::at(
                    key("rule"),
                    format!("unknown rule `{}`", s.rule),
                ));
            }
            if let Some(t) = &s.tenant
                && !self.tenants.iter().any(|x| &x.name == t)
            {
                return Err(ConfigError::at(
                    key("tenant"),
                    format!("no tenant named `{t}`"),
                ));
            }
            for (k, v) in [("reason", &s.reason), ("owner", &s.owner)] {
                if v.trim().is_empty() {
                    return Err(ConfigError::at(key(k), "must not be empty"));
                }
            }
            s.expires_at()
                .map_err(|e| ConfigError::at(key("expires"), e))?;
        }
        Ok(())
    }

    fn validate(&self, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        if self.database.url.trim().is_empty() {
            return Err(ConfigError::at("database.url", "must not be empty"));
        }
        if let Err(reason) = self.schedule.parsed() {
            let key = if reason.contains("time zone") {
                "schedule.timezone"
            } else {
                "schedule.cron"
            };
            return Err(ConfigError::at(key, reason));
        }
        if !(1..=64).contains(&self.collector.concurrency) {
            return Err(ConfigError::at(
                "collector.concurrency",
                "must be between 1 and 64",
            ));
        }
        let c = &self.collector;
        if c.lease_secs == 0 || c.poll_secs == 0 {
            let key = if c.lease_secs == 0 {
                "lease_secs"
            } else {
                "poll_secs"
            };
            return Err(ConfigError::at(
                format!("collector.{key}"),
                "must be at least 1",
            ));
        }
        if c.heartbeat_secs == 0 || c.heartbeat_secs >= c.lease_secs {
            return Err(ConfigError::at(
                "collector.heartbeat_secs",
                "must be at least 1 and less than collector.lease_secs",
            ));
        }
        self.validate_rules()?;
        let lookup = |var: &str| env.get(var).cloned().or_else(|| std::env::var(var).ok());
        self.validate_login(&lookup)?;
        let mut names = std::collections::HashSet::new();
        for (i, t) in self.tenants.iter().enumerate() {
            let key = |k: &str| format!("tenants[{i}].{k}");
            let valid_name = (1..=64).contains(&t.name.len())
                && t.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            if !valid_name {
                return Err(ConfigError::at(
                    key("name"),
                    "use 1 to 64 characters of A-Z, a-z, 0-9, `.`, `_` and `-`",
                ));
            }
            if !names.insert(t.name.as_str()) {
                return Err(ConfigError::at(
                    key("name"),
                    format!("duplicate tenant name `{}`", t.name),
                ));
            }
            match t.provider {
                TenantProvider::File => {
                    if t.format.is_none() {
                        return Err(ConfigError::at(
                            key("format"),
                            "a file tenant needs `format` (the provider whose export it is)",
                        ));
                    }
                    // The export itself is data: when it is missing at scan time that tenant
                    // fails and keeps its inventory, rather than the whole config.
                    if t.path.is_none() {
                        return Err(ConfigError::at(key("path"), "a file tenant needs `path`"));
                    }
                }
                TenantProvider::Saas(_) => {
                    if t.format.is_some() || t.path.is_some() {
                        return Err(ConfigError::at(
                            key("path"),
                            "`format` and `path` apply only to provider = \"file\"",
                        ));
                    }
                }
            }
            for (k, url) in [("base_url", &t.base_url), ("token_url", &t.token_url)] {
                if let Some(u) = url
                    .as_deref()
                    .filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
                {
                    return Err(ConfigError::at(
                        key(k),
                        format!("`{u}` is not an http(s) URL"),
                    ));
                }
            }
            let files = [
                ("client_secret_file", &t.client_secret_file),
                ("token_file", &t.token_file),
                ("client_certificate_file", &t.client_certificate_file),
                ("private_key_file", &t.private_key_file),
                ("service_account_file", &t.service_account_file),
            ];
            for (k, file) in files {
                if let Some(p) = file.as_ref().filter(|p| !p.exists()) {
                    return Err(ConfigError::at(
                        key(k),
                        format!("missing file {}", p.display()),
                    ));
                }
            }
            for (k, var) in [
                ("client_secret_env", &t.client_secret_env),
                ("token_env", &t.token_env),
            ] {
                if let Some(var) = var {
                    let set = env
                        .get(var)
                        .map(|v| !v.is_empty())
                        .unwrap_or_else(|| std::env::var(var).is_ok_and(|v| !v.is_empty()));
                    if !set {
                        return Err(ConfigError::at(
                            key(k),
                            format!("environment variable {var} is not set"),
                        ));
                    }
                }
            }
            if matches!(t.provider, TenantProvider::Saas(_)) {
                // Build the connector once: a missing key or a bad key file fails here.
                let lookup = |var: &str| env.get(var).cloned().or_else(|| std::env::var(var).ok());
                let settings = t.connection(&self.collector, &lookup)?;
                connectors::fetch::http_connector(settings)
                    .map_err(|e| ConfigError::at(format!("tenants[{i}]"), e.message))?;
            }
        }
        Ok(())
    }
}

fn reject_inline_secrets(doc: &toml::Table) -> Result<(), ConfigError> {
    if doc
        .get("oidc")
        .and_then(|o| o.get("client_secret"))
        .is_some()
    {
        return Err(ConfigError::at(
            "oidc.client_secret",
            "secrets are not accepted inline; use `client_secret_env` or `client_secret_file`",
        ));
    }
    let tenants = doc
        .get("tenants")
        .and_then(toml::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, t) in tenants.iter().enumerate() {
        for key in INLINE_SECRETS {
            if t.get(key).is_some() {
                return Err(ConfigError::at(
                    format!("tenants[{i}].{key}"),
                    format!("secrets are not accepted inline; use `{key}_env` or `{key}_file`"),
                ));
            }
        }
    }
    Ok(())
}

/// Apply `OAUTH_AUDIT_*` overrides to the parsed file.
fn apply_env(doc: &mut toml::Table, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if ["CONFIG", "LOG", "LOG_FORMAT"].contains(&rest) || rest.starts_with("TEST_") {
            continue;
        }
        let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let unknown = || {
            ConfigError::at(
                var.clone(),
                "this environment variable names no config key (expected OAUTH_AUDIT_<SECTION>__<KEY> or OAUTH_AUDIT_TENANTS__<NAME>__<KEY>)",
            )
        };
        match parts.as_slice() {
            [section, key] if SECTIONS.contains(&section.as_str()) => {
                let path = format!("{section}.{key}");
                let parsed =
                    scalar(&path, value).map_err(|reason| ConfigError::at(var.clone(), reason))?;
                let table = doc
                    .entry(section.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                match table.as_table_mut() {
                    Some(t) => {
                        t.insert(key.clone(), parsed);
                    }
                    None => return Err(ConfigError::at(section.clone(), "must be a table")),
                }
            }
            [tenants, name, key] if tenants == "tenants" => {
                let list = doc.get_mut("tenants").and_then(toml::Value::as_array_mut);
                let tenant = list.and_then(|l| {
                    l.iter_mut().find(|t| {
                        t.get("name")
                            .and_then(toml::Value::as_str)
                            .is_some_and(|n| {
                                n.to_ascii_lowercase().replace('-', "_") == name.replace('-', "_")
                            })
                    })
                });
                let Some(table) = tenant.and_then(toml::Value::as_table_mut) else {
                    return Err(ConfigError::at(
                        var.clone(),
                        format!("no tenant named `{name}` to override"),
                    ));
                };
                if INLINE_SECRETS.contains(&key.as_str()) {
                    return Err(ConfigError::at(
                        var.clone(),
                        format!("secrets are not accepted inline; use `{key}_env` or `{key}_file`"),
                    ));
                }
                let value = if key == "page_size" {
                    scalar("collector.concurrency", value)
                        .map_err(|reason| ConfigError::at(var.clone(), reason))?
                } else {
                    toml::Value::String(value.clone())
                };
                table.insert(key.clone(), value);
            }
            _ => return Err(unknown()),
        }
    }
    Ok(())
}

/// An environment value as the TOML type its key takes.
fn scalar(path: &str, value: &str) -> Result<toml::Value, String> {
    if BOOL_KEYS.contains(&path) {
        value
            .parse::<bool>()
            .map(toml::Value::Boolean)
            .map_err(|_| format!("`{value}` is not true or false"))
    } else if INT_KEYS.contains(&path) {
        value
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| format!("`{value}` is not a whole number"))
    } else {
        Ok(toml::Value::String(value.to_string()))
    }
}

/// `tenants.1.provider` as `tenants[1].provider`.
fn display_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            serde_path_to_error::Segment::Enum { variant } => out.push_str(&format!(".{variant}")),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

mod connection;
pub mod login;
#[cfg(test)]
mod tests;

pub use connection::EnvLookup;
pub use login::{DefaultRole, LoginConfig, OidcConfig};
