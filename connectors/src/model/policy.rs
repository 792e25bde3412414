//! Token lifetimes and tenant-wide consent policy, each value with the source it came from.

use serde::{Deserialize, Serialize};

/// A duration limit: a number of seconds, or explicitly none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifetime {
    Seconds(u64),
    Unlimited,
}

/// Where a policy value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    /// Set on the client itself.
    Client,
    /// A policy object bound to the client (Entra token lifetime policy, Okta policy rule).
    Policy,
    /// The tenant or realm default.
    TenantDefault,
    /// The provider's documented fixed behaviour.
    ProviderDefault,
}

/// A value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: PolicySource,
}

impl<T> Setting<T> {
    pub fn new(value: T, source: PolicySource) -> Self {
        Setting { value, source }
    }
}

/// Token lifetimes and refresh-token protections for one client. `None` = unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPolicy {
    pub access_token_lifetime: Option<Setting<Lifetime>>,
    /// Whether refresh tokens are issued to the client at all.
    pub refresh_tokens_issued: Option<Setting<bool>>,
    /// Absolute lifetime of a refresh token.
    pub refresh_token_lifetime: Option<Setting<Lifetime>>,
    /// Idle (inactivity) lifetime of a refresh token.
    pub refresh_token_idle_lifetime: Option<Setting<Lifetime>>,
    pub refresh_token_rotation: Option<Setting<bool>>,
    pub refresh_token_reuse_detection: Option<Setting<bool>>,
    pub session_lifetime: Option<Setting<Lifetime>>,
    /// How long an already-rotated refresh token is still accepted (Auth0 `leeway`, Okta grace
    /// period, Keycloak reuse), in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_reuse_interval: Option<Setting<u64>>,
    /// Whether tokens are sender-constrained (DPoP, RFC 9449, or mTLS, RFC 8705).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_constrained: Option<Setting<bool>>,
    /// Authorization code lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code_lifetime: Option<Setting<Lifetime>>,
}

/// Tenant-wide settings that shape what apps can obtain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPolicy {
    pub user_consent: Option<UserConsentPolicy>,
    /// Whether third-party app access is restricted to approved apps (GitHub org OAuth app
    /// restrictions, Slack app approval, Google API controls).
    pub third_party_apps_restricted: Option<bool>,
    /// Whether anyone may register clients dynamically (Keycloak anonymous client registration).
    pub open_dynamic_registration: Option<bool>,
    /// `code_challenge_methods_supported` from the authorization server metadata (RFC 8414),
    /// for self-hosted or custom servers whose metadata we read. `None` = not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkce_methods_advertised: Option<Vec<String>>,
    /// Provider settings that informed the fields above, redacted.
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserConsentPolicy {
    /// Users may consent to any app for any permission.
    AllowAll,
    /// Users may consent only to verified publishers or low-risk permissions.
    Limited,
    /// Only administrators can consent.
    AdminOnly,
}
