//! The closed list of SaaS providers oauth-audit understands, with their stable names.
//!
//! Names are the contract used in config (`provider = "entra"`), the API and the database.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A SaaS identity provider whose OAuth estate can be audited, or (for [`Provider::Rfc7591`])
/// the generic client-metadata format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Entra,
    Okta,
    Google,
    Github,
    Salesforce,
    Slack,
    Auth0,
    Keycloak,
    /// Generic RFC 7591 client metadata (`redirect_uris`, `token_endpoint_auth_method`, ...), as
    /// a developer writes it or a registration endpoint returns it. Not a SaaS with an API to
    /// collect from: it is read only by the offline `check` command and the file importer.
    Rfc7591,
}

impl Provider {
    /// Every name the crate understands, in a fixed order: the SaaS providers ([`Provider::SAAS`])
    /// then the generic client-metadata format.
    pub const ALL: [Provider; 9] = [
        Provider::Entra,
        Provider::Okta,
        Provider::Google,
        Provider::Github,
        Provider::Salesforce,
        Provider::Slack,
        Provider::Auth0,
        Provider::Keycloak,
        Provider::Rfc7591,
    ];

    /// The providers with an admin API to collect from (everything but [`Provider::Rfc7591`]).
    pub const SAAS: [Provider; 8] = [
        Provider::Entra,
        Provider::Okta,
        Provider::Google,
        Provider::Github,
        Provider::Salesforce,
        Provider::Slack,
        Provider::Auth0,
        Provider::Keycloak,
    ];

    /// Whether this is a SaaS with an API (`false` for the generic client-metadata format).
    pub fn is_saas(self) -> bool {
        self != Provider::Rfc7591
    }

    /// The stable lowercase name (`entra`, `okta`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Entra => "entra",
            Provider::Okta => "okta",
            Provider::Google => "google",
            Provider::Github => "github",
            Provider::Salesforce => "salesforce",
            Provider::Slack => "slack",
            Provider::Auth0 => "auth0",
            Provider::Keycloak => "keycloak",
            Provider::Rfc7591 => "rfc7591",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name was not one of [`Provider::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown provider `{0}` (expected one of: entra, okta, google, github, salesforce, slack, auth0, keycloak, rfc7591)"
)]
pub struct UnknownProvider(pub String);

impl FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProvider(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_and_serde() {
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>(), Ok(p));
            let json = serde_json::to_string(&p).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert!("azure".parse::<Provider>().is_err());
    }

    #[test]
    fn only_the_generic_metadata_format_is_not_a_saas() {
        assert!(Provider::SAAS.iter().all(|p| p.is_saas()));
        assert!(!Provider::Rfc7591.is_saas());
        assert_eq!(Provider::ALL.len(), Provider::SAAS.len() + 1);
        assert_eq!("rfc7591".parse::<Provider>(), Ok(Provider::Rfc7591));
    }
}
