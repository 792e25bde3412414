//! The estate's vocabulary: its size knobs and presets, and the provider-neutral app, grant and
//! user records every provider renders in its own JSON.

use chrono::{DateTime, Utc};

/// Share of generated apps given each kind of risky redirect URI (each in 0.0..=1.0; their sum
/// is the share of apps with one risky redirect, the rest are clean).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedirectMix {
    /// `https://*.example/...`
    pub wildcard: f64,
    /// `http://` on a host that is not loopback.
    pub plain_http: f64,
    /// A host on a shared platform whose names can be taken over (`*.herokuapp.com`,
    /// `*.azurewebsites.net`).
    pub takeover: f64,
    /// A private-use scheme (`com.vendor.app://callback`).
    pub custom_scheme: f64,
    /// `http://localhost:port/...`
    pub localhost: f64,
}

impl RedirectMix {
    /// No risky redirects at all.
    pub const CLEAN: RedirectMix = RedirectMix {
        wildcard: 0.0,
        plain_http: 0.0,
        takeover: 0.0,
        custom_scheme: 0.0,
        localhost: 0.0,
    };
}

impl Default for RedirectMix {
    /// 5 % of apps for each kind: a quarter of the estate has one risky redirect.
    fn default() -> Self {
        RedirectMix {
            wildcard: 0.05,
            plain_http: 0.05,
            takeover: 0.05,
            custom_scheme: 0.05,
            localhost: 0.05,
        }
    }
}

/// How big the generated estate is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstateSize {
    /// Tenants per provider.
    pub tenants: usize,
    /// Apps in each tenant.
    pub apps_per_tenant: usize,
    /// User grants of each app.
    pub grants_per_app: usize,
    /// Users in each tenant (at least `grants_per_app`, so a user grants an app at most once).
    pub users_per_tenant: usize,
    /// Which share of apps gets a risky redirect.
    pub redirect_mix: RedirectMix,
}

/// A named estate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Preset {
    /// One tenant per provider with the demo's risky apps first (see [`super::demo`]), then
    /// ordinary clean apps.
    Demo,
    /// Only generated apps, in the given size.
    Generated(EstateSize),
}

impl Preset {
    /// The demo estate's size: one tenant, 16 apps, 3 grants each.
    pub const DEMO_SIZE: EstateSize = EstateSize {
        tenants: 1,
        apps_per_tenant: 16,
        grants_per_app: 3,
        users_per_tenant: 12,
        redirect_mix: RedirectMix::CLEAN,
    };

    /// The size of the estate this preset generates.
    pub fn size(&self) -> EstateSize {
        match self {
            Preset::Demo => Preset::DEMO_SIZE,
            Preset::Generated(size) => *size,
        }
    }
}

/// What an app is, in the terms every provider can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A confidential web app (authorization code with a secret).
    Web,
    /// A browser app (public client).
    Spa,
    /// A mobile or desktop app (public client).
    Native,
    /// A machine-to-machine client (client credentials).
    Service,
}

/// How much an app asks for; each provider names its own scopes for each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Sign-in and profile.
    Narrow,
    /// Mail, files, messages, admin data, with offline access.
    Broad,
}

/// One generated app, provider-neutral.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSpec {
    /// Position in the tenant's app list.
    pub index: usize,
    /// 16 hex digits, unique in the estate; providers build their ids from it.
    pub key: String,
    /// Display name (may be hostile: the demo has an HTML payload).
    pub name: String,
    /// Vendor name.
    pub publisher: String,
    /// Vendor domain, used in redirect URIs.
    pub domain: String,
    /// Registered in the tenant (first party) rather than consented into it.
    pub first_party: bool,
    /// Client kind.
    pub kind: Kind,
    /// Redirect URIs, in order.
    pub redirect_uris: Vec<String>,
    /// Implicit grant enabled.
    pub implicit: bool,
    /// Holds a client secret.
    pub has_secret: bool,
    /// Refresh tokens never expire.
    pub non_expiring_refresh: bool,
    /// Enabled or active.
    pub enabled: bool,
    /// Scope level.
    pub reach: Reach,
    /// Registration time.
    pub created: DateTime<Utc>,
    /// Grants were last used long ago (more than a year before [`super::estate_now`]).
    pub stale: bool,
}

/// One user's grant to one app.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantSpec {
    /// The app's index.
    pub app: usize,
    /// Position among the app's grants.
    pub index: usize,
    /// The granting user's index in the tenant.
    pub user: usize,
    /// When it was granted.
    pub created: DateTime<Utc>,
    /// When it was last used.
    pub last_used: DateTime<Utc>,
}

/// A tenant user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSpec {
    /// Index in the tenant.
    pub index: usize,
    /// 16 hex digits, unique in the estate.
    pub key: String,
    /// Login name.
    pub login: String,
    /// Email address.
    pub email: String,
}
