//! `serve --demo`: sample tenants for every format the importer reads, shipped inside the
//! binary (see `src/demo/exports/README.md` for what each sample app demonstrates).
//!
//! The exports are written to `oauth-audit-demo/exports/` in the working directory with a
//! generated config, and audited through the normal file importer and pipeline. Unless a
//! database is configured (`--config` or `OAUTH_AUDIT_DATABASE__URL`), the demo uses the
//! embedded SQLite file `oauth-audit-demo/oauth-audit.db`.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};

/// The demo's working directory, relative to where `serve --demo` runs.
pub const DEMO_DIR: &str = "oauth-audit-demo";

const EXPORTS: &[(&str, &str)] = &[
    (
        "entra/applications.json",
        include_str!("demo/exports/entra/applications.json"),
    ),
    (
        "entra/servicePrincipals.json",
        include_str!("demo/exports/entra/servicePrincipals.json"),
    ),
    (
        "entra/oauth2PermissionGrants.json",
        include_str!("demo/exports/entra/oauth2PermissionGrants.json"),
    ),
    (
        "entra/appRoleAssignments.json",
        include_str!("demo/exports/entra/appRoleAssignments.json"),
    ),
    (
        "okta/apps.json",
        include_str!("demo/exports/okta/apps.json"),
    ),
    (
        "okta/grants.json",
        include_str!("demo/exports/okta/grants.json"),
    ),
    (
        "keycloak/realm.json",
        include_str!("demo/exports/keycloak/realm.json"),
    ),
];

const TENANTS: &str = r#"
[[tenants]]
name = "contoso-entra"
provider = "file"
format = "entra"
path = "exports/entra"

[[tenants]]
name = "contoso-okta"
provider = "file"
format = "okta"
path = "exports/okta"

[[tenants]]
name = "contoso-keycloak"
provider = "file"
format = "keycloak"
path = "exports/keycloak/realm.json"
"#;

fn io_error(path: &Path, e: std::io::Error) -> ConfigError {
    ConfigError {
        key: String::new(),
        reason: format!("cannot write demo file {}: {e}", path.display()),
    }
}

/// Write the demo exports and return the demo configuration. With `user_config`, its
/// database and server settings are kept and only the tenants are the demo's.
pub fn config(user_config: Option<&Path>) -> Result<Config, ConfigError> {
    let dir = PathBuf::from(DEMO_DIR);
    for (name, contents) in EXPORTS {
        let path = dir.join("exports").join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        std::fs::write(&path, contents).map_err(|e| io_error(&path, e))?;
    }
    let file = dir.join("oauth-audit.toml");
    let toml = format!("[database]\nurl = \"{DEMO_DIR}/oauth-audit.db\"\n{TENANTS}");
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
