//! Test helpers for the SECRET and TOKEN families: apps, credentials and contexts built by hand,
//! with a fixed clock, and a way to run one catalog rule by id.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use connectors::Provider;
use connectors::model::{Credential, CredentialKind, Grant, OAuthApp};

use super::watchlist::Watchlist;
use super::{AppContext, Check, Estate, Hit, Settings, TenantContext};

/// The tenant every test app lives in.
pub const TENANT: &str = "t";

/// The fixed "now" of every test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

/// `now` shifted by whole days (negative for the past).
pub fn days(n: i64) -> DateTime<Utc> {
    now() + TimeDelta::days(n)
}

/// A bare app of `provider` with external id `app-1`.
pub fn app(provider: Provider) -> OAuthApp {
    OAuthApp::new(provider, "app-1", "Payroll sync")
}

/// A credential with the given dates and a fingerprint from its key id.
pub fn cred(
    kind: CredentialKind,
    key_id: &str,
    created: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
) -> Credential {
    Credential {
        kind,
        key_id: Some(key_id.to_string()),
        hint: None,
        display_name: None,
        created_at: created,
        expires_at: expires,
        never_expires: false,
        fingerprint: Credential::fingerprint_of(&[key_id]),
        secret_digest: None,
    }
}

/// Run catalog rule `id` on `app` in tenant [`TENANT`], without grants, with an empty estate.
pub fn run(id: &str, app: &OAuthApp) -> Option<Hit> {
    run_in(id, app, &[], &Estate::default(), |_| {})
}

/// Run catalog rule `id` on `app` with `grants` and `estate`; `edit` may adjust the context
/// (its privilege, say) before the check runs.
pub fn run_in(
    id: &str,
    app: &OAuthApp,
    grants: &[Grant],
    estate: &Estate,
    edit: impl FnOnce(&mut AppContext<'_>),
) -> Option<Hit> {
    let rule = super::rule(id).unwrap_or_else(|| panic!("{id} is not in the catalog"));
    let Check::App(check) = rule.check else {
        panic!("{id} is a tenant rule");
    };
    with_ctx(app, grants, estate, |ctx| {
        edit(ctx);
        check(ctx)
    })
}

/// Call `f` with the context of `app` in tenant [`TENANT`] at [`now`], default settings.
pub fn with_ctx<R>(
    app: &OAuthApp,
    grants: &[Grant],
    estate: &Estate,
    f: impl FnOnce(&mut AppContext<'_>) -> R,
) -> R {
    let settings = Settings::default();
    let watchlist = Watchlist::builtin();
    let tenant = TenantContext {
        name: TENANT,
        provider: app.provider,
        policy: None,
        now: now(),
        settings: &settings,
        estate,
        watchlist: &watchlist,
        resolver: None,
    };
    let mut ctx = AppContext::new(&tenant, app, Some(grants), None);
    f(&mut ctx)
}
