//! Access tokens and authorization codes: TOKEN-001, TOKEN-002 (access token lifetime) and
//! TOKEN-008 (code lifetime).

use connectors::model::Lifetime;

use super::{above, lifetime, mark};
use crate::rules::{AppContext, Hit};

/// TOKEN-001: `access_token_max_secs` (3600) < lifetime <= `access_token_hard_max_secs`
/// (86400).
pub(super) fn token_001(ctx: &AppContext<'_>) -> Option<Hit> {
    let th = ctx.thresholds();
    let s = ctx.app.token_policy.access_token_lifetime.as_ref()?;
    let Lifetime::Seconds(n) = s.value else {
        return None;
    };
    (n > th.access_token_max_secs && n <= th.access_token_hard_max_secs).then(|| {
        let hit = Hit::new()
            .with("access_token_lifetime", lifetime(s))
            .with("max_seconds", th.access_token_max_secs);
        mark(hit, ctx, &["token_policy.access_token_lifetime"], None)
    })
}

/// TOKEN-002: lifetime above `access_token_hard_max_secs` (86400), or unlimited. Unknown
/// (`None`) does not fire.
pub(super) fn token_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().access_token_hard_max_secs;
    let s = ctx.app.token_policy.access_token_lifetime.as_ref()?;
    above(s, max).then(|| {
        let hit = Hit::new()
            .with("access_token_lifetime", lifetime(s))
            .with("max_seconds", max);
        mark(hit, ctx, &["token_policy.access_token_lifetime"], None)
    })
}

/// TOKEN-008: authorization code lifetime above `code_lifetime_max_secs` (600).
pub(super) fn token_008(ctx: &AppContext<'_>) -> Option<Hit> {
    let max = ctx.thresholds().code_lifetime_max_secs;
    let s = ctx.app.token_policy.authorization_code_lifetime.as_ref()?;
    above(s, max).then(|| {
        let hit = Hit::new()
            .with("authorization_code_lifetime", lifetime(s))
            .with("max_seconds", max);
        mark(
            hit,
            ctx,
            &["token_policy.authorization_code_lifetime"],
            None,
        )
    })
}
