//! Refresh tokens: TOKEN-003 (public client without rotation or binding), TOKEN-004 (no
//! expiry), TOKEN-005 (beyond the baselines), TOKEN-006 (reuse window), TOKEN-007 (high
//! privilege, third party, usable from anywhere).

use connectors::model::{AppKind, ClientType, Lifetime, Ownership, Setting};
use serde_json::{Value, json};

use super::{DAY, HOUR, above, lifetime, mark, refresh_issued};
use crate::rules::scopes::Tier;
use crate::rules::secret::shown;
use crate::rules::{AppContext, Hit};

/// Most permissions listed in TOKEN-007's evidence.
const MAX_LISTED: usize = 10;

/// TOKEN-003: a public-like client that is issued refresh tokens with rotation explicitly
/// off and no sender-constraining. Rotation unknown does not fire. Binding unknown counts as
/// unbound: DPoP and mTLS binding are opt-in protocol features a connector records when it
/// sees them, and bearer tokens are the protocol default.
pub(super) fn token_003(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    let tp = &app.token_policy;
    if !ctx.is_public_like() || tp.sender_constrained.as_ref().is_some_and(|s| s.value) {
        return None;
    }
    let rotation = tp.refresh_token_rotation.as_ref().filter(|s| !s.value)?;
    let (issued, how) = refresh_issued(ctx)?;
    let hit = Hit::new()
        .with("client_type", app.client_type.as_str())
        .with("app_kind", app.app_kind.as_str())
        .with("refresh_tokens_issued", issued)
        .with(
            "refresh_token_rotation",
            json!({"value": false, "source": rotation.source.as_str()}),
        )
        .with("sender_constrained", sender_constrained(ctx));
    // Inferred when what made the client public-like was.
    let public_because = if app.client_type == ClientType::Public {
        "client_type"
    } else {
        "app_kind"
    };
    Some(mark(
        hit,
        ctx,
        &[public_because, "token_policy.refresh_token_rotation"],
        how,
    ))
}

fn sender_constrained(ctx: &AppContext<'_>) -> Value {
    match &ctx.app.token_policy.sender_constrained {
        Some(s) => json!({"value": s.value, "source": s.source.as_str()}),
        None => "not stated (bearer tokens)".into(),
    }
}

/// TOKEN-004: refresh tokens issued with both the absolute and the idle lifetime unlimited.
/// One of them unknown does not fire.
pub(super) fn token_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let tp = &ctx.app.token_policy;
    let absolute = tp.refresh_token_lifetime.as_ref()?;
    let idle = tp.refresh_token_idle_lifetime.as_ref()?;
    if absolute.value != Lifetime::Unlimited || idle.value != Lifetime::Unlimited {
        return None;
    }
    let (issued, how) = refresh_issued(ctx)?;
    let hit = Hit::new()
        .with("refresh_tokens_issued", issued)
        .with("refresh_token_lifetime", lifetime(absolute))
        .with("refresh_token_idle_lifetime", lifetime(idle));
    Some(mark(
        hit,
        ctx,
        &[
            "token_policy.refresh_token_lifetime",
            "token_policy.refresh_token_idle_lifetime",
        ],
        how,
    ))
}

/// TOKEN-005: refresh tokens issued with an absolute lifetime above
/// `refresh_absolute_max_days` (90), an idle lifetime above `refresh_idle_max_days` (30), or
/// for SPAs an absolute lifetime above `spa_refresh_absolute_max_hours` (24). An unlimited
/// value is above any bound, but when both are unlimited TOKEN-004 (high) reports the app and
/// this rule stays silent rather than count the same weakness twice.
pub(super) fn token_005(ctx: &AppContext<'_>) -> Option<Hit> {
    let th = ctx.thresholds();
    let tp = &ctx.app.token_policy;
    let absolute = tp.refresh_token_lifetime.as_ref();
    let idle = tp.refresh_token_idle_lifetime.as_ref();
    let unlimited =
        |s: Option<&Setting<Lifetime>>| s.is_some_and(|s| s.value == Lifetime::Unlimited);
    if unlimited(absolute) && unlimited(idle) {
        return None;
    }
    let mut exceeded = Vec::new();
    if let Some(a) = absolute.filter(|a| above(a, th.refresh_absolute_max_days * DAY)) {
        exceeded.push(json!({"field": "refresh_token_lifetime", "lifetime": lifetime(a), "max_days": th.refresh_absolute_max_days}));
    }
    if let Some(i) = idle.filter(|i| above(i, th.refresh_idle_max_days * DAY)) {
        exceeded.push(json!({"field": "refresh_token_idle_lifetime", "lifetime": lifetime(i), "max_days": th.refresh_idle_max_days}));
    }
    if ctx.app.app_kind == AppKind::Spa
        && let Some(a) = absolute.filter(|a| above(a, th.spa_refresh_absolute_max_hours * HOUR))
    {
        exceeded.push(json!({"field": "refresh_token_lifetime", "app_kind": "spa", "lifetime": lifetime(a), "max_hours": th.spa_refresh_absolute_max_hours}));
    }
    if exceeded.is_empty() {
        return None;
    }
    let (issued, how) = refresh_issued(ctx)?;
    let hit = Hit::new()
        .with("refresh_tokens_issued", issued)
        .with("exceeded", exceeded);
    Some(mark(
        hit,
        ctx,
        &[
            "token_policy.refresh_token_lifetime",
            "token_policy.refresh_token_idle_lifetime",
        ],
        how,
    ))
}

/// TOKEN-006: rotation on, and an already-rotated token still accepted for more than
/// `refresh_reuse_max_secs` (60).
pub(super) fn token_006(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().refresh_reuse_max_secs;
    let tp = &ctx.app.token_policy;
    let rotation = tp.refresh_token_rotation.as_ref().filter(|s| s.value)?;
    let window = tp
        .refresh_token_reuse_interval
        .as_ref()
        .filter(|s| s.value > max)?;
    let hit = Hit::new()
        .with(
            "refresh_token_rotation",
            json!({"value": true, "source": rotation.source.as_str()}),
        )
        .with(
            "reuse_interval",
            json!({"seconds": window.value, "source": window.source.as_str()}),
        )
        .with("max_seconds", max);
    let (issued, how) = refresh_issued(ctx)?;
    Some(mark(
        hit.with("refresh_tokens_issued", issued),
        ctx,
        &[
            "token_policy.refresh_token_rotation",
            "token_policy.refresh_token_reuse_interval",
        ],
        how,
    ))
}

/// TOKEN-007: a third-party app holding T0/T1 permissions, issued refresh tokens that are not
/// sender-constrained, and known not to be network-restricted.
///
/// Judgment on unknowns: binding unknown counts as unbound (as in TOKEN-003: bearer is the
/// protocol default and connectors record DPoP/mTLS when they see it). Network restriction
/// unknown does not fire: restrictions live outside the app object in most providers
/// (conditional access, the integration user's login IP ranges, network zones), so `None`
/// means "not read", and RULES §2 forbids treating that as unrestricted.
pub(super) fn token_007(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    if app.ownership != Ownership::ThirdParty
        || !ctx.privilege.high_impact()
        || app.network_restricted != Some(false)
        || app
            .token_policy
            .sender_constrained
            .as_ref()
            .is_some_and(|s| s.value)
    {
        return None;
    }
    let permissions: Vec<String> = ctx
        .privilege
        .at_least(Tier::T1)
        .take(MAX_LISTED)
        .map(|s| shown(&s.scope))
        .collect();
    let hit = Hit::new()
        .with("ownership", app.ownership.as_str())
        .with(
            "max_tier",
            ctx.privilege.max_tier.map(Tier::as_str).unwrap_or_default(),
        )
        .with("high_impact_permissions", permissions)
        .with("sender_constrained", sender_constrained(ctx))
        .with("network_restricted", false);
    let (issued, how) = refresh_issued(ctx)?;
    Some(mark(
        hit.with("refresh_tokens_issued", issued),
        ctx,
        &["ownership", "network_restricted"],
        how,
    ))
}
