//! Dashboard sign-in settings: `[login]` (sessions, API-key login, attempt limits) and
//! `[oidc]` (single sign-on), checked at start like the rest of the config. The OIDC client
//! secret is only ever a reference (`client_secret_env` or `client_secret_file`), resolved
//! into a [`SecretString`].

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use super::{Config, ConfigError, EnvLookup};

/// `[login]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// A session unused this long ends.
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, however active.
    pub session_max_hours: u32,
    /// Whether an API key may be exchanged for a dashboard session.
    pub api_key_login: bool,
    /// Whether reader keys may sign in too (read-only sessions); by default only admin keys
    /// may, as DESIGN §6 says.
    pub reader_keys: bool,
    /// Sign-in attempts (API-key submissions and OIDC starts) per client IP per minute.
    pub attempts_per_minute: u32,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            session_idle_minutes: 60,
            session_max_hours: 12,
            api_key_login: true,
            reader_keys: false,
            attempts_per_minute: 10,
        }
    }
}

/// Who gets which role when no mapping matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultRole {
    /// Refuse the sign-in.
    #[default]
    None,
    /// A read-only session.
    Reader,
}

/// `[oidc]`: OpenID Connect single sign-on (authorization code flow with PKCE S256).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer; its `/.well-known/openid-configuration` is fetched. `https://`, or
    /// `http://` only on a loopback host (a local test provider).
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// Where the provider sends the browser back; default `server.public_url` +
    /// `/login/oidc/callback`. Register exactly this URL with the provider.
    pub redirect_url: Option<String>,
    /// Scopes asked for; `openid` is required.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The button label: "Sign in with …".
    #[serde(default = "default_display_name")]
    pub display_name: String,
    /// Verified email addresses that get the admin role.
    #[serde(default)]
    pub admin_emails: Vec<String>,
    /// Groups (in `groups_claim`) whose members get the admin role.
    #[serde(default)]
    pub admin_groups: Vec<String>,
    /// Groups whose members get the reader role.
    #[serde(default)]
    pub reader_groups: Vec<String>,
    /// The ID-token claim listing the user's groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// The role of a user no mapping matches: `none` (refused, the default) or `reader`.
    #[serde(default)]
    pub default_role: DefaultRole,
    /// When not empty, only users with a verified email in one of these domains may sign in.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// Whether an email without `email_verified: true` is ignored (set false for providers,
    /// like Entra ID, that never send the claim but only hold verified addresses).
    #[serde(default = "yes")]
    pub require_verified_email: bool,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}
fn default_display_name() -> String {
    "single sign-on".into()
}
fn default_groups_claim() -> String {
    "groups".into()
}
fn yes() -> bool {
    true
}

impl OidcConfig {
    /// The client secret, read through `env` or from its file.
    pub fn client_secret(&self, env: &EnvLookup<'_>) -> Result<SecretString, ConfigError> {
        super::connection::resolve(
            "oidc.client_secret",
            self.client_secret_env.as_deref(),
            self.client_secret_file.as_deref(),
            env,
        )?
        .ok_or_else(|| {
            ConfigError::at(
                "oidc.client_secret_env",
                "set client_secret_env or client_secret_file",
            )
        })
    }

    /// The callback URL registered with the provider.
    pub fn redirect_url(&self, public_url: Option<&str>) -> Option<String> {
        self.redirect_url.clone().or_else(|| {
            public_url.map(|u| format!("{}/login/oidc/callback", u.trim_end_matches('/')))
        })
    }
}

/// An `http(s)` URL; plain `http` only when `loopback_only_http` allows it for a loopback
/// host. Returns the parsed URL or the reason it is refused.
pub fn check_url(value: &str, loopback_only_http: bool) -> Result<url::Url, String> {
    let u = url::Url::parse(value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" if !loopback_only_http || is_loopback(&u) => Ok(u),
        "http" => Err(format!(
            "`{value}` must use https (plain http is accepted only for a loopback host)"
        )),
        _ => Err(format!("`{value}` is not an http(s) URL")),
    }
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl Config {
    /// Check `server.public_url`, `[login]` and `[oidc]`.
    pub(super) fn validate_login(&self, env: &EnvLookup<'_>) -> Result<(), ConfigError> {
        if let Some(public) = &self.server.public_url {
            let u =
                check_url(public, false).map_err(|e| ConfigError::at("server.public_url", e))?;
            if !matches!(u.path(), "" | "/") || u.query().is_some() {
                return Err(ConfigError::at(
                    "server.public_url",
                    "give the origin only (scheme, host and port); the dashboard is served at /",
                ));
            }
        }
        let l = &self.login;
        for (key, value) in [
            ("login.session_idle_minutes", l.session_idle_minutes),
            ("login.session_max_hours", l.session_max_hours),
        ] {
            if value == 0 {
                return Err(ConfigError::at(key, "session lifetimes must be at least 1"));
            }
        }
        let Some(o) = &self.oidc else { return Ok(()) };
        check_url(&o.issuer_url, true).map_err(|e| ConfigError::at("oidc.issuer_url", e))?;
        if o.client_id.trim().is_empty() {
            return Err(ConfigError::at("oidc.client_id", "must not be empty"));
        }
        o.client_secret(env)?;
        let Some(redirect) = o.redirect_url(self.server.public_url.as_deref()) else {
            return Err(ConfigError::at(
                "oidc.redirect_url",
                "set oidc.redirect_url or server.public_url",
            ));
        };
        check_url(&redirect, true).map_err(|e| ConfigError::at("oidc.redirect_url", e))?;
        if !o.scopes.iter().any(|s| s == "openid") {
            return Err(ConfigError::at("oidc.scopes", "must include `openid`"));
        }
        if o.groups_claim.trim().is_empty() {
            return Err(ConfigError::at("oidc.groups_claim", "must not be empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, format!("[database]\nurl = \"x.db\"\n{toml}")).unwrap();
        Config::load_with_env(
            Some(&file),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    const OIDC: &str = "[oidc]\nissuer_url = \"https://idp.example\"\nclient_id = \"c\"\n\
                        client_secret_env = \"S\"\nredirect_url = \"https://a.example/login/oidc/callback\"\n";

    #[test]
    fn a_complete_oidc_section_loads_with_defaults() {
        let c = load(OIDC, &[("S", "secret")]).unwrap();
        let o = c.oidc.unwrap();
        assert_eq!(o.scopes, ["openid", "email", "profile"]);
        assert_eq!(o.default_role, DefaultRole::None);
        assert!(o.require_verified_email);
        assert_eq!(c.login.session_idle_minutes, 60);
        assert!(!c.login.reader_keys);
    }

    #[test]
    fn oidc_mistakes_name_their_key() {
        let key = |toml: &str, env: &[(&str, &str)]| load(toml, env).unwrap_err().key;
        assert_eq!(
            key(&format!("{OIDC}client_secret = \"inline\""), &[("S", "x")]),
            "oidc.client_secret"
        );
        assert_eq!(
            key(OIDC, &[]),
            "oidc.client_secret_env",
            "the variable is unset"
        );
        let http = OIDC.replace("https://idp.example", "http://idp.example");
        assert_eq!(key(&http, &[("S", "x")]), "oidc.issuer_url");
        let no_redirect = OIDC.replace(
            "redirect_url = \"https://a.example/login/oidc/callback\"\n",
            "",
        );
        assert_eq!(key(&no_redirect, &[("S", "x")]), "oidc.redirect_url");
        let no_openid = format!("{OIDC}scopes = [\"email\"]");
        assert_eq!(key(&no_openid, &[("S", "x")]), "oidc.scopes");
        assert_eq!(
            key("[server]\npublic_url = \"https://a.example/dash\"", &[]),
            "server.public_url"
        );
    }

    #[test]
    fn loopback_http_issuers_and_a_derived_redirect_are_accepted() {
        let local = OIDC
            .replace("https://idp.example", "http://127.0.0.1:9000")
            .replace(
                "redirect_url = \"https://a.example/login/oidc/callback\"\n",
                "",
            );
        let c = load(
            &format!("[server]\npublic_url = \"https://a.example/\"\n{local}"),
            &[("S", "x")],
        )
        .unwrap();
        let o = c.oidc.as_ref().unwrap();
        assert_eq!(
            o.redirect_url(c.server.public_url.as_deref()).as_deref(),
            Some("https://a.example/login/oidc/callback")
        );
        assert!(check_url("http://localhost:1/", true).is_ok());
        assert!(check_url("http://10.0.0.1/", true).is_err());
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }

    #[test]
    fn login_settings_take_environment_overrides() {
        let c = load(
            "",
            &[
                ("OAUTH_AUDIT_LOGIN__SESSION_IDLE_MINUTES", "15"),
                ("OAUTH_AUDIT_LOGIN__READER_KEYS", "true"),
                ("OAUTH_AUDIT_SERVER__TRUST_FORWARDED_HEADERS", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.login.session_idle_minutes, 15);
        assert!(c.login.reader_keys && c.server.trust_forwarded_headers);
        assert_eq!(
            load("[login]\nsession_idle_minutes = 0", &[])
                .unwrap_err()
                .key,
            "login.session_idle_minutes"
        );
    }
}
