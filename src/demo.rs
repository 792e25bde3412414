//! `serve --demo`: one demo tenant per provider, served by the built-in SaaS simulator on
//! loopback and collected through the real API connectors (auth, paging, parsing and all).
//!
//! The simulator's demo estate (`connectors::simulator`, preset `Demo`) holds a Drift-like
//! sales-chat vendor in Salesforce, Google Workspace and Slack, a mobile app with a secret, an
//! SPA with implicit grant, wildcard and takeover-prone redirects, stale grants and an app named
//! with an HTML/script payload. Its credentials are written to `oauth-audit-demo/secrets/`
//! (owner-only) and referenced from the generated `oauth-audit-demo/oauth-audit.toml`, as a real
//! installation would hold them. Unless a database is configured (`--config` or
//! `OAUTH_AUDIT_DATABASE__URL`), the demo uses the embedded SQLite file
//! `oauth-audit-demo/oauth-audit.db`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use connectors::Provider;
use connectors::simulator::{RunningSimulator, Simulator, SimulatorConfig};

use crate::config::{Config, ConfigError};

/// The demo's working directory, relative to where `serve --demo` runs.
pub const DEMO_DIR: &str = "oauth-audit-demo";

/// The seed of the demo estate: every demo run shows the same tenants.
pub const DEMO_SEED: u64 = 20_251_125;

/// The key the demo collector signs its assertions with (Okta `private_key_jwt`, Google and
/// Salesforce JWT bearer, the GitHub App). The simulator checks assertions' claims, not their
/// signatures; this key is demo material and guards nothing.
const DEMO_SIGNING_KEY: &str = include_str!("demo/demo-signing-key.pem");

fn io_error(path: &Path, e: std::io::Error) -> ConfigError {
    ConfigError {
        key: String::new(),
        reason: format!("cannot write demo file {}: {e}", path.display()),
    }
}

/// Start the simulator with the demo estate (call within a Tokio runtime).
pub fn start_simulator() -> Result<RunningSimulator, ConfigError> {
    Simulator::start(SimulatorConfig::demo(DEMO_SEED)).map_err(|e| ConfigError {
        key: String::new(),
        reason: e.to_string(),
    })
}

/// Write the demo's secrets and config for tenants on `sim`, and return the configuration.
/// With `user_config`, its database and server settings are kept and only the tenants are the
/// demo's.
pub fn config(user_config: Option<&Path>, sim: &RunningSimulator) -> Result<Config, ConfigError> {
    let dir = PathBuf::from(DEMO_DIR);
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).map_err(|e| io_error(&secrets, e))?;
    restrict(&secrets, 0o700)?;
    let write_secret = |name: &str, contents: &str| -> Result<String, ConfigError> {
        let path = secrets.join(name);
        std::fs::write(&path, contents).map_err(|e| io_error(&path, e))?;
        restrict(&path, 0o600)?;
        Ok(format!("secrets/{name}"))
    };
    let key_file = write_secret("collector-signing-key.pem", DEMO_SIGNING_KEY)?;

    let mut toml = format!("[database]\nurl = \"{DEMO_DIR}/oauth-audit.db\"\n");
    for provider in Provider::SAAS {
        let c = sim.credentials(provider, 0);
        let name = format!("demo-{}", provider.as_str());
        let mut t = format!(
            "\n[[tenants]]\nname = {name:?}\nprovider = {:?}\nbase_url = {:?}\n",
            provider.as_str(),
            sim.base_url(provider, 0)
        );
        let mut key = |k: &str, v: &str| {
            let _ = writeln!(t, "{k} = {v:?}");
        };
        if let Some(url) = sim.token_url(provider, 0)
            && provider != Provider::Github
        {
            key("token_url", &url);
        }
        match provider {
            Provider::Entra | Provider::Auth0 | Provider::Keycloak => {
                key("client_id", &c.client_id);
                let secret = c.client_secret.clone().unwrap_or_default();
                key(
                    "client_secret_file",
                    &write_secret(&format!("{name}.secret"), &secret)?,
                );
                if let Some(tenant_id) = &c.tenant_id {
                    key("tenant_id", tenant_id);
                }
                if let Some(realm) = &c.realm {
                    key("realm", realm);
                }
            }
            Provider::Okta => {
                key("client_id", &c.client_id);
                key("private_key_file", &key_file);
            }
            Provider::Google => {
                let account = serde_json::json!({
                    "type": "service_account",
                    "client_email": c.issuer.clone().unwrap_or_default(),
                    "private_key_id": "demo",
                    "private_key": DEMO_SIGNING_KEY,
                    "token_uri": sim.token_url(provider, 0),
                });
                let file = write_secret(
                    &format!("{name}-service-account.json"),
                    &account.to_string(),
                )?;
                key("service_account_file", &file);
                key("subject", &c.subject.clone().unwrap_or_default());
            }
            Provider::Github => {
                key("app_id", &c.client_id);
                let installation = c.installation_id.map(|i| i.to_string()).unwrap_or_default();
                key("installation_id", &installation);
                key("org", &c.org.clone().unwrap_or_default());
                key("private_key_file", &key_file);
            }
            Provider::Salesforce => {
                key("client_id", &c.client_id);
                key("username", &c.subject.clone().unwrap_or_default());
                key("private_key_file", &key_file);
            }
            Provider::Slack => {
                key(
                    "token_file",
                    &write_secret(&format!("{name}.token"), &c.static_token)?,
                );
            }
            Provider::Rfc7591 => continue,
        }
        toml.push_str(&t);
    }
    let file = dir.join("oauth-audit.toml");
    std::fs::write(&file, toml).map_err(|e| io_error(&file, e))?;
    let demo = Config::load(Some(&file))?;
    match user_config {
        Some(path) => {
            let mut config = Config::load(Some(path))?;
            config.tenants = demo.tenants;
            Ok(config)
        }
        None => Ok(demo),
    }
}

/// Owner-only permissions for a secret file or directory.
fn restrict(path: &Path, mode: u32) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
