//! Credential life cycle: SECRET-003..008 (secrets and every credential's expiry) and
//! SECRET-013 (long-lived API tokens). Day counts are whole days, rounded down (see the
//! family's conventions in `mod.rs`).

use chrono::{DateTime, Utc};
use connectors::model::{Credential, CredentialKind};
use serde_json::Value;

use super::credential;
use crate::rules::{AppContext, Hit};

/// A credential's lifetime in whole days: `expires - created` when both dates are known.
/// With only the expiry known, `expires - now` is a lower bound (the credential exists, so it
/// was created before now), reported as `at_least`. `None` when the expiry is unknown or the
/// credential never expires (which SECRET-003 reports on its own).
fn lifetime_days(c: &Credential, now: DateTime<Utc>) -> Option<(i64, bool)> {
    let expires = c.expires_at?;
    Some(match c.created_at {
        Some(created) => ((expires - created).num_days(), false),
        None => ((expires - now).num_days(), true),
    })
}

fn with_lifetime(c: &Credential, days: i64, at_least: bool) -> Value {
    let mut m = credential(c);
    m.insert("lifetime_days".into(), days.into());
    if at_least {
        m.insert("lifetime_at_least".into(), true.into());
    }
    Value::Object(m)
}

/// The hit for a list of offending credentials, or nothing when the list is empty.
fn listed(key: &str, found: Vec<Value>) -> Option<Hit> {
    (!found.is_empty()).then(|| {
        let count = found.len();
        Hit::new().with(key, found).with("count", count)
    })
}

/// SECRET-003: an active secret with no expiry, or a lifetime above
/// `secret_max_lifetime_days` (730).
pub(super) fn secret_003(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().secret_max_lifetime_days;
    let now = ctx.now();
    let found: Vec<Value> = ctx
        .active_of_kind(CredentialKind::Secret)
        .filter_map(|c| {
            if c.never_expires {
                return Some(Value::Object(credential(c)));
            }
            let (days, at_least) = lifetime_days(c, now)?;
            (days > max).then(|| with_lifetime(c, days, at_least))
        })
        .collect();
    listed("secrets", found).map(|h| h.with("max_lifetime_days", max))
}

/// SECRET-004: an active secret living more than `secret_recommended_lifetime_days` (365)
/// and at most `secret_max_lifetime_days` (730). A lower bound (unknown creation date) above
/// 365 fires too: the lifetime is certainly above 12 months, though it may also be above 24.
pub(super) fn secret_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let th = ctx.thresholds();
    let (recommended, max) = (
        th.secret_recommended_lifetime_days,
        th.secret_max_lifetime_days,
    );
    let now = ctx.now();
    let found: Vec<Value> = ctx
        .active_of_kind(CredentialKind::Secret)
        .filter(|c| !c.never_expires)
        .filter_map(|c| {
            let (days, at_least) = lifetime_days(c, now)?;
            (days > recommended && days <= max).then(|| with_lifetime(c, days, at_least))
        })
        .collect();
    listed("secrets", found).map(|h| h.with("recommended_lifetime_days", recommended))
}

/// SECRET-005: the newest active secret was created more than `secret_rotation_days` (365)
/// ago. When any active secret's creation date is unknown, the newest is unknown and the rule
/// stays silent.
pub(super) fn secret_005(ctx: &AppContext<'_>) -> Option<Hit> {
    let rotation = ctx.thresholds().secret_rotation_days;
    let mut newest: Option<(&Credential, DateTime<Utc>)> = None;
    for c in ctx.active_of_kind(CredentialKind::Secret) {
        let created = c.created_at?;
        if newest.is_none_or(|(_, n)| created > n) {
            newest = Some((c, created));
        }
    }
    let (c, created) = newest?;
    let age = (ctx.now() - created).num_days();
    (age > rotation).then(|| {
        Hit::new()
            .with("newest_secret", Value::Object(credential(c)))
            .with("age_days", age)
            .with("rotation_days", rotation)
    })
}

/// SECRET-006: a credential of any kind whose expiry has passed. "Passed" is the complement
/// of active (`expires <= now`), so no credential is ever neither.
pub(super) fn secret_006(ctx: &AppContext<'_>) -> Option<Hit> {
    let now = ctx.now();
    let found: Vec<Value> = ctx
        .app
        .credentials
        .iter()
        .filter_map(|c| {
            let expires = c.expires_at.filter(|e| *e <= now)?;
            let mut m = credential(c);
            m.insert("expired_days_ago".into(), (now - expires).num_days().into());
            Some(Value::Object(m))
        })
        .collect();
    listed("expired", found)
}

/// SECRET-007: an active credential of any kind expiring within `secret_expiry_warning_days`
/// (30): `now < expires <= now + 30 days`, exact to the second.
pub(super) fn secret_007(ctx: &AppContext<'_>) -> Option<Hit> {
    let now = ctx.now();
    let days = ctx.thresholds().secret_expiry_warning_days;
    let horizon = now + chrono::TimeDelta::days(days);
    let found: Vec<Value> = ctx
        .active_credentials()
        .filter_map(|c| {
            let expires = c.expires_at.filter(|e| *e <= horizon)?;
            let mut m = credential(c);
            m.insert("days_left".into(), (expires - now).num_days().into());
            Some(Value::Object(m))
        })
        .collect();
    listed("expiring", found).map(|h| h.with("warning_days", days))
}

/// SECRET-008: more than `secret_max_active` (2) active secrets.
pub(super) fn secret_008(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().secret_max_active;
    let active: Vec<&Credential> = ctx.active_of_kind(CredentialKind::Secret).collect();
    (active.len() > max).then(|| {
        let secrets: Vec<Value> = active
            .iter()
            .map(|c| Value::Object(credential(c)))
            .collect();
        Hit::new()
            .with("count", active.len())
            .with("max_active", max)
            .with("secrets", secrets)
    })
}

/// SECRET-013: an active API token with no expiry, or expiring more than
/// `api_token_max_days` (365) from now. An unknown expiry does not fire.
pub(super) fn secret_013(ctx: &AppContext<'_>) -> Option<Hit> {
    let now = ctx.now();
    let max = ctx.thresholds().api_token_max_days;
    let found: Vec<Value> = ctx
        .active_of_kind(CredentialKind::ApiToken)
        .filter_map(|c| {
            if c.never_expires {
                return Some(Value::Object(credential(c)));
            }
            let days_left = (c.expires_at? - now).num_days();
            (days_left > max).then(|| {
                let mut m = credential(c);
                m.insert("days_left".into(), days_left.into());
                Value::Object(m)
            })
        })
        .collect();
    listed("tokens", found).map(|h| h.with("max_days", max))
}
