//! Rule thresholds and switches: the `[rules]` section of the config, with the catalog's
//! defaults (RULES §3 and §5; §10.6 says the thresholds are judgment calls, so all are here).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Severity;
use super::score::Weights;

/// The `[rules]` config section.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Rule ids that never run.
    pub disabled: Vec<String>,
    /// Per-rule severity overrides, such as `"PKCE-003" = "medium"` for an OAuth 2.1 baseline.
    pub severity: BTreeMap<String, Severity>,
    /// REDIRECT-018: resolve redirect hosts and report dangling ones. Off by default: it sends
    /// DNS queries for attacker-controlled names.
    pub dns_check: bool,
    /// VENDOR-004: a watchlist file of known-compromised integrations (see `watchlist`).
    /// When unset, the built-in seed entries are used.
    pub watchlist: Option<PathBuf>,
    pub thresholds: Thresholds,
    /// `oa-risk-v1` weights.
    pub score: Weights,
}

impl Settings {
    /// Whether `rule_id` runs.
    pub fn enabled(&self, rule_id: &str) -> bool {
        !self.disabled.iter().any(|d| d == rule_id)
    }

    /// The operator's severity for `rule_id`, if set.
    pub fn severity_override(&self, rule_id: &str) -> Option<Severity> {
        self.severity.get(rule_id).copied()
    }
}

/// Numeric thresholds, named after the catalog's config keys.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// REDIRECT-019 `redirect.max_uris`.
    pub redirect_max_uris: usize,
    /// REDIRECT-020 `redirect.max_foreign_domains`.
    pub redirect_max_foreign_domains: usize,
    /// REDIRECT-016 tunnel and ephemeral-host registrable domains.
    pub tunnel_domains: Vec<String>,
    /// SECRET-003: a secret living longer than this is "long-lived" (days).
    pub secret_max_lifetime_days: i64,
    /// SECRET-004: recommended maximum secret lifetime (days).
    pub secret_recommended_lifetime_days: i64,
    /// SECRET-005: rotate at least this often (days).
    pub secret_rotation_days: i64,
    /// SECRET-007 `secret.expiry_warning_days`.
    pub secret_expiry_warning_days: i64,
    /// SECRET-008: most active secrets an app should hold.
    pub secret_max_active: usize,
    /// SECRET-013: API tokens expiring further out than this count as long-lived (days).
    pub api_token_max_days: i64,
    /// TOKEN-001: access tokens above this many seconds.
    pub access_token_max_secs: u64,
    /// TOKEN-002: access tokens above this many seconds (or unlimited).
    pub access_token_hard_max_secs: u64,
    /// TOKEN-005: refresh token absolute lifetime (days).
    pub refresh_absolute_max_days: u64,
    /// TOKEN-005: refresh token idle lifetime (days).
    pub refresh_idle_max_days: u64,
    /// TOKEN-005: refresh token absolute lifetime for SPAs (hours).
    pub spa_refresh_absolute_max_hours: u64,
    /// TOKEN-006: rotation reuse window (seconds).
    pub refresh_reuse_max_secs: u64,
    /// TOKEN-008: authorization code lifetime (seconds).
    pub code_lifetime_max_secs: u64,
    /// STALE-001 `stale.grant_days`.
    pub stale_grant_days: i64,
    /// STALE-002: app inactivity (days).
    pub stale_app_days: i64,
    /// SCOPE-005: granted permission unused (days).
    pub unused_permission_days: i64,
    /// STALE-006: grants older than this without expiry need recertification (days).
    pub recertify_days: i64,
    /// Breadth: delegated grants to more than this many users count as broad (RULES §8.4).
    pub broad_user_count: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            redirect_max_uris: 20,
            redirect_max_foreign_domains: 3,
            tunnel_domains: DEFAULT_TUNNEL_DOMAINS
                .iter()
                .map(|d| d.to_string())
                .collect(),
            secret_max_lifetime_days: 730,
            secret_recommended_lifetime_days: 365,
            secret_rotation_days: 365,
            secret_expiry_warning_days: 30,
            secret_max_active: 2,
            api_token_max_days: 365,
            access_token_max_secs: 3600,
            access_token_hard_max_secs: 86_400,
            refresh_absolute_max_days: 90,
            refresh_idle_max_days: 30,
            spa_refresh_absolute_max_hours: 24,
            refresh_reuse_max_secs: 60,
            code_lifetime_max_secs: 600,
            stale_grant_days: 90,
            stale_app_days: 90,
            unused_permission_days: 90,
            recertify_days: 365,
            broad_user_count: 50,
        }
    }
}

/// REDIRECT-016's default list (RULES §3.2).
pub const DEFAULT_TUNNEL_DOMAINS: &[&str] = &[
    "ngrok.io",
    "ngrok.app",
    "ngrok-free.app",
    "ngrok.dev",
    "ngrok-free.dev",
    "ngrok.pizza",
    "ngrok.pro",
    "trycloudflare.com",
    "loca.lt",
    "localtunnel.me",
    "serveo.net",
    "pipedream.net",
    "webhook.site",
    "localhost.run",
    "lhr.life",
    "devtunnels.ms",
];
