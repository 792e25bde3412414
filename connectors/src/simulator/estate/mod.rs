//! The generated estate: which apps, grants and users each simulated tenant holds.
//!
//! Nothing is stored: every app, grant and user is a pure function of (seed, provider, tenant,
//! index), so a page is generated on demand and 50 tenants × 1,000 apps × 10 grants cost no
//! memory. The estate is provider-neutral; each provider module renders it in its own JSON.
//! This module must not know any provider's wire format.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::demo;
use crate::Provider;

pub use spec::{AppSpec, EstateSize, GrantSpec, Kind, Preset, Reach, RedirectMix, UserSpec};

mod spec;

/// The estate's "now": generated times are spread before it, and stale grants far before it.
pub fn estate_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The deterministic estate: a seed and a preset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estate {
    seed: u64,
    preset: Preset,
    size: EstateSize,
}

/// SplitMix64: a small, well-distributed mixer; enough for a simulator's choices.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Hash several numbers into one.
pub fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x243F_6A88_85A3_08D3, |acc, p| mix(acc ^ p))
}

/// A number in 0.0..1.0 from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

const WORDS: [&str; 16] = [
    "Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orbit", "Pioneer",
];
const NOUNS: [&str; 8] = [
    "Sync",
    "Reports",
    "Scheduler",
    "Backup",
    "Analytics",
    "Signer",
    "Notes",
    "Connect",
];

impl Estate {
    /// The estate for `seed` and `preset`.
    pub fn new(seed: u64, preset: Preset) -> Estate {
        let mut size = preset.size();
        size.users_per_tenant = size.users_per_tenant.max(size.grants_per_app).max(1);
        Estate { seed, preset, size }
    }

    /// App `index`, reusing `last` when it is that app already: listings of grants walk the
    /// same app several times in a row.
    pub fn app_cached<'c>(
        &self,
        provider: Provider,
        tenant: usize,
        index: usize,
        last: &'c mut Option<AppSpec>,
    ) -> &'c AppSpec {
        last.take_if(|app| app.index != index);
        last.get_or_insert_with(|| self.app(provider, tenant, index))
    }

    /// Its size (with `users_per_tenant` raised to at least `grants_per_app`).
    pub fn size(&self) -> EstateSize {
        self.size
    }

    /// The seed it was generated from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn h(&self, provider: Provider, tenant: usize, parts: &[u64]) -> u64 {
        let head = hash(&[self.seed, provider as u64, tenant as u64]);
        parts.iter().fold(head, |acc, p| mix(acc ^ p))
    }

    /// A tenant's name (`acme-entra-0`), used in domains and URLs.
    pub fn tenant_name(&self, provider: Provider, tenant: usize) -> String {
        format!("acme-{}-{tenant}", provider.as_str())
    }

    /// The tenant's email domain.
    pub fn tenant_domain(&self, provider: Provider, tenant: usize) -> String {
        format!("{}.example.com", self.tenant_name(provider, tenant))
    }

    /// App `index` of a tenant (indexes past the tenant's size still generate; callers bound).
    pub fn app(&self, provider: Provider, tenant: usize, index: usize) -> AppSpec {
        let key = format!("{:016x}", self.h(provider, tenant, &[1, index as u64]));
        if self.preset == Preset::Demo
            && let Some(app) = demo::featured(provider, index, &key)
        {
            return app;
        }
        self.generated_app(provider, tenant, index, key)
    }

    fn generated_app(
        &self,
        provider: Provider,
        tenant: usize,
        index: usize,
        key: String,
    ) -> AppSpec {
        let r = |salt: u64| self.h(provider, tenant, &[2, index as u64, salt]);
        let word = WORDS[(r(1) % WORDS.len() as u64) as usize];
        let noun = NOUNS[(r(2) % NOUNS.len() as u64) as usize];
        let slug = format!("{}-{}-{index}", word.to_lowercase(), noun.to_lowercase());
        let first_party = !r(3).is_multiple_of(3);
        let domain = if first_party {
            self.tenant_domain(provider, tenant)
        } else {
            format!("{}.example.net", word.to_lowercase())
        };
        let kind = match r(4) % 10 {
            0..=5 => Kind::Web,
            6 => Kind::Spa,
            7 => Kind::Native,
            _ => Kind::Service,
        };
        let mut redirect_uris = match kind {
            Kind::Service => Vec::new(),
            Kind::Native => vec![format!("https://{domain}/{slug}/native-callback")],
            _ => vec![format!("https://{domain}/{slug}/callback")],
        };
        if kind != Kind::Service
            && let Some(risky) = self.risky_redirect(unit(r(5)), &slug, &domain)
        {
            redirect_uris.push(risky);
        }
        AppSpec {
            index,
            key,
            name: format!("{word} {noun} {index}"),
            publisher: if first_party {
                self.tenant_name(provider, tenant)
            } else {
                format!("{word} Software")
            },
            domain,
            first_party,
            kind,
            redirect_uris,
            implicit: false,
            has_secret: matches!(kind, Kind::Web | Kind::Service),
            non_expiring_refresh: r(6).is_multiple_of(2),
            enabled: !r(7).is_multiple_of(20),
            reach: if r(8).is_multiple_of(4) {
                Reach::Broad
            } else {
                Reach::Narrow
            },
            created: estate_now() - Duration::days(30 + (r(9) % 1500) as i64),
            stale: false,
        }
    }

    fn risky_redirect(&self, u: f64, slug: &str, domain: &str) -> Option<String> {
        let m = self.size.redirect_mix;
        let choices = [
            (m.wildcard, format!("https://*.{domain}/callback")),
            (m.plain_http, format!("http://{domain}/callback")),
            (m.takeover, format!("https://{slug}.herokuapp.com/callback")),
            (
                m.custom_scheme,
                format!("com.{}.app://callback", slug.replace('-', "")),
            ),
            (m.localhost, "http://localhost:8400/callback".to_string()),
        ];
        let mut acc = 0.0;
        for (share, uri) in choices {
            acc += share;
            if u < acc {
                return Some(uri);
            }
        }
        None
    }

    /// Number of apps in a tenant.
    pub fn app_count(&self) -> usize {
        self.size.apps_per_tenant
    }

    /// Number of grants per app.
    pub fn grants_per_app(&self) -> usize {
        self.size.grants_per_app
    }

    /// Grant `index` of app `app`. Grants are numbered across the tenant (`app * G + index`)
    /// and user `u` holds the grants whose number is `u` modulo the user count, so a user's
    /// grants are found without scanning (see [`Estate::grants_of_user`]).
    pub fn grant(
        &self,
        provider: Provider,
        tenant: usize,
        app: &AppSpec,
        index: usize,
    ) -> GrantSpec {
        let flat = app.index * self.size.grants_per_app + index;
        let r = |salt: u64| self.h(provider, tenant, &[3, flat as u64, salt]);
        let created = app.created + Duration::days((r(1) % 30) as i64);
        let last_used = if app.stale {
            estate_now() - Duration::days(400 + (r(2) % 300) as i64)
        } else {
            estate_now() - Duration::hours((r(2) % (24 * 20)) as i64)
        };
        GrantSpec {
            app: app.index,
            index,
            user: flat % self.size.users_per_tenant,
            created,
            last_used: last_used.max(created),
        }
    }

    /// The (app, grant index) pairs user `user` holds, in app order.
    pub fn grants_of_user(&self, user: usize) -> impl Iterator<Item = (usize, usize)> + use<> {
        let g = self.size.grants_per_app.max(1);
        let total = self.size.apps_per_tenant * self.size.grants_per_app;
        (user..total)
            .step_by(self.size.users_per_tenant)
            .map(move |flat| (flat / g, flat % g))
    }

    /// Number of users in a tenant.
    pub fn user_count(&self) -> usize {
        self.size.users_per_tenant
    }

    /// The key of user `index` (as in [`Estate::user`]), for listings that need only its ids.
    pub fn user_key(&self, provider: Provider, tenant: usize, index: usize) -> String {
        format!("{:016x}", self.h(provider, tenant, &[4, index as u64]))
    }

    /// The user holding grant `index` of app `app` (as in [`Estate::grant`]).
    pub fn grant_user(&self, app: &AppSpec, index: usize) -> usize {
        (app.index * self.size.grants_per_app + index) % self.size.users_per_tenant
    }

    /// User `index` of a tenant.
    pub fn user(&self, provider: Provider, tenant: usize, index: usize) -> UserSpec {
        let names = [
            "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
        ];
        let login = format!("{}{index}", names[index % names.len()]);
        UserSpec {
            index,
            key: self.user_key(provider, tenant, index),
            email: format!("{login}@{}", self.tenant_domain(provider, tenant)),
            login,
        }
    }
}

#[cfg(test)]
mod tests;
