//! Token and network policy of a Metadata API `ConnectedApp`: `oauthPolicy.refreshTokenPolicy`,
//! refresh token rotation, the session timeout (an access token is a session) and
//! `oauthPolicy.ipRelaxation`.

use serde_json::Value;

use crate::model::{Lifetime, OAuthApp, PolicySource, Setting};
use crate::parse_util::{flag, short, str_at, uint};

pub(crate) fn client<T>(value: T) -> Setting<T> {
    Setting::new(value, PolicySource::Client)
}

/// Seconds in one `unit` of a refresh token policy (`HOURS`, `DAYS`, `MONTHS`).
fn unit_seconds(unit: &str) -> Option<u64> {
    match unit.to_ascii_uppercase().as_str() {
        "MINUTES" => Some(60),
        "HOURS" => Some(3600),
        "DAYS" => Some(86_400),
        "MONTHS" => Some(30 * 86_400),
        "YEARS" => Some(365 * 86_400),
        _ => None,
    }
}

pub(crate) fn token_policy(
    app: &mut OAuthApp,
    value: &Value,
    oauth: &Value,
    policy: &Value,
    offline: bool,
) {
    app.token_policy.refresh_tokens_issued = Some(client(offline));
    app.token_policy.refresh_token_rotation =
        flag(oauth.get("isRefreshTokenRotationEnabled")).map(client);
    // The access token is a session: it lives as long as the app's session timeout (minutes).
    match uint(value.pointer("/sessionPolicy/sessionTimeout")) {
        Some(minutes) if minutes > 0 => {
            app.token_policy.access_token_lifetime = Some(client(Lifetime::Seconds(minutes * 60)));
        }
        _ => app.note_unknown(
            "token_policy.access_token_lifetime",
            "no app session timeout: the user's profile or the org session settings apply",
        ),
    }
    let raw_policy = str_at(policy, "refreshTokenPolicy");
    let parts: Vec<&str> = raw_policy.unwrap_or("infinite").split(':').collect();
    let tp = &mut app.token_policy;
    let source = if raw_policy.is_some() {
        PolicySource::Client
    } else {
        PolicySource::ProviderDefault
    };
    let set = |v: Lifetime| Some(Setting::new(v, source));
    match parts.as_slice() {
        ["infinite"] => {
            tp.refresh_token_lifetime = set(Lifetime::Unlimited);
            tp.refresh_token_idle_lifetime = set(Lifetime::Unlimited);
        }
        ["zero"] => {
            tp.refresh_token_lifetime = set(Lifetime::Seconds(0));
            tp.refresh_tokens_issued = Some(client(false));
        }
        [kind, n, unit] => {
            let secs = n
                .parse::<u64>()
                .ok()
                .zip(unit_seconds(unit))
                .map(|(n, u)| n.saturating_mul(u));
            match (*kind, secs) {
                ("specific_lifetime", Some(s)) => {
                    tp.refresh_token_lifetime = set(Lifetime::Seconds(s));
                    tp.refresh_token_idle_lifetime = set(Lifetime::Unlimited);
                }
                ("specific_inactivity", Some(s)) => {
                    tp.refresh_token_lifetime = set(Lifetime::Unlimited);
                    tp.refresh_token_idle_lifetime = set(Lifetime::Seconds(s));
                }
                _ => app.note_unknown(
                    "token_policy.refresh_token_lifetime",
                    format!(
                        "unrecognised refreshTokenPolicy `{}`",
                        short(raw_policy.unwrap_or(""))
                    ),
                ),
            }
        }
        _ => app.note_unknown(
            "token_policy.refresh_token_lifetime",
            format!(
                "unrecognised refreshTokenPolicy `{}`",
                short(raw_policy.unwrap_or(""))
            ),
        ),
    }
    if raw_policy.is_none() {
        app.note_inferred(
            "token_policy.refresh_token_lifetime",
            "no refreshTokenPolicy: Salesforce's default is \"valid until revoked\"",
        );
    }
}

/// `oauthPolicy.ipRelaxation`: only `ENFORCE` binds tokens to the users' login IP ranges.
pub(crate) fn network_policy(app: &mut OAuthApp, policy: &Value) {
    match str_at(policy, "ipRelaxation") {
        Some("ENFORCE") => {
            app.network_restricted = Some(true);
            app.note_inferred(
                "network_restricted",
                "ipRelaxation ENFORCE applies the users' profile login IP ranges, which the connected app does not show",
            );
        }
        Some(other) => {
            app.network_restricted = Some(false);
            app.note_inferred(
                "network_restricted",
                format!(
                    "ipRelaxation `{}` relaxes IP restrictions (for refresh tokens at least)",
                    short(other)
                ),
            );
        }
        None => app.note_unknown(
            "network_restricted",
            "the ConnectedApp has no oauthPolicy.ipRelaxation",
        ),
    }
}
