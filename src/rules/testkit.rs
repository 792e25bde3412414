//! Test helpers: build apps and contexts by hand and run the catalog over them.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    OAuthApp, Ownership, Principal, RedirectKind, RedirectUri, TenantPolicy,
};

use super::context::{Estate, TenantContext};
use super::settings::Settings;
use super::watchlist::Watchlist;
use super::{AppContext, Check, Finding, Hit, evaluate_app, evaluate_tenant};

/// The tenant every test app lives in.
pub const TENANT: &str = "t";

/// The fixed "now" of rule tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn days_ago(n: i64) -> DateTime<Utc> {
    days(-n)
}

/// A confidential web app using the code flow, first party, nothing else known.
pub fn web_app(name: &str) -> OAuthApp {
    let mut app = OAuthApp::new(Provider::Okta, format!("id-{name}"), name);
    app.client_id = Some(format!("client-{name}"));
    app.client_type = ClientType::Confidential;
    app.app_kind = AppKind::Web;
    app.ownership = Ownership::FirstParty;
    app.grant_types = vec![GrantType::AuthorizationCode];
    app.redirect_uris = vec![redirect("https://app.example.com/cb", RedirectKind::Web)];
    app
}

/// A public native app using the code flow.
pub fn native_app(name: &str) -> OAuthApp {
    let mut app = web_app(name);
    app.client_type = ClientType::Public;
    app.app_kind = AppKind::Native;
    app.redirect_uris = vec![redirect("com.example.app:/cb", RedirectKind::Native)];
    app
}

pub fn redirect(uri: &str, kind: RedirectKind) -> RedirectUri {
    RedirectUri {
        uri: uri.to_string(),
        kind,
        kind_inferred: false,
    }
}

/// A delegated grant of `scopes` by one user.
pub fn user_grant(app: &OAuthApp, user: &str, scopes: &[&str]) -> Grant {
    Grant {
        external_id: None,
        app_external_id: app.external_id.clone(),
        principal: Principal::User {
            id: user.to_string(),
            email: None,
            display_name: None,
            active: None,
        },
        resource: None,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    }
}

/// An admin (tenant-wide) grant of `scopes`.
pub fn admin_grant(app: &OAuthApp, scopes: &[&str]) -> Grant {
    Grant {
        principal: Principal::Tenant,
        consent_type: ConsentType::Admin,
        ..user_grant(app, "-", scopes)
    }
}

/// Everything a test varies about the tenant.
pub struct Env {
    pub settings: Settings,
    pub estate: Estate,
    pub watchlist: Watchlist,
    pub policy: Option<TenantPolicy>,
    pub provider: Provider,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            settings: Settings::default(),
            estate: Estate::default(),
            watchlist: Watchlist::builtin(),
            policy: None,
            provider: Provider::Okta,
        }
    }
}

impl Env {
    pub fn tenant(&self) -> TenantContext<'_> {
        TenantContext {
            name: TENANT,
            provider: self.provider,
            policy: self.policy.as_ref(),
            now: now(),
            settings: &self.settings,
            estate: &self.estate,
            watchlist: &self.watchlist,
            resolver: None,
        }
    }

    /// Findings for one app with these grants (`None`: grants not collected).
    pub fn run(&self, app: &OAuthApp, grants: Option<&[Grant]>) -> Vec<Finding> {
        let tenant = self.tenant();
        let ctx = AppContext::new(&tenant, app, grants, None);
        evaluate_app(&ctx)
    }

    /// Ids of the rules that fire for one app with no grants.
    pub fn ids(&self, app: &OAuthApp) -> Vec<&'static str> {
        self.run(app, Some(&[])).iter().map(|f| f.rule.id).collect()
    }

    /// Ids of the tenant rules that fire.
    pub fn tenant_ids(&self) -> Vec<&'static str> {
        evaluate_tenant(&self.tenant())
            .iter()
            .map(|f| f.rule.id)
            .collect()
    }
}

/// Ids of the rules that fire for `app` in a default tenant.
pub fn ids(app: &OAuthApp) -> Vec<&'static str> {
    Env::default().ids(app)
}

/// The finding of `rule` for `app`, if it fired.
pub fn finding(app: &OAuthApp, grants: &[Grant], rule: &str) -> Option<Finding> {
    Env::default()
        .run(app, Some(grants))
        .into_iter()
        .find(|f| f.rule.id == rule)
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
