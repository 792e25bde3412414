//! What a rule sees: one app with its grants ([`AppContext`]), its tenant ([`TenantContext`]),
//! and the cross-app facts that reuse and vendor rules need ([`Estate`]).
//!
//! Everything a rule depends on is here explicitly (the clock included), so every check is a
//! pure function and tests build contexts by hand.

use chrono::{DateTime, Utc};
use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    OAuthApp, Principal, RedirectKind, TenantPolicy,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use super::redirect::{self, Analysis};
use super::scopes::{self, Tier};
use super::settings::{Settings, Thresholds};
use super::watchlist::Watchlist;

/// REDIRECT-018's view of DNS: how a redirect host resolves. Tests pass a stub; production uses
/// the system resolver, and only when `rules.dns_check` is on.
pub trait HostResolver: Sync {
    fn resolve(&self, host: &str) -> HostStatus;
}

/// The answer for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostStatus {
    Resolves,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name is a CNAME to `target`, which does not exist.
    DanglingCname {
        target: String,
    },
    /// The lookup failed for another reason; never reported as dangling.
    Unknown,
}

/// The tenant an app is judged in.
pub struct TenantContext<'a> {
    /// The tenant's configured name.
    pub name: &'a str,
    /// The SaaS the tenant is on (for a file tenant, its format).
    pub provider: Provider,
    /// Tenant-wide policy, when the connector read one.
    pub policy: Option<&'a TenantPolicy>,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    pub estate: &'a Estate,
    pub watchlist: &'a Watchlist,
    /// Used by REDIRECT-018 only, and only when `settings.dns_check` is on.
    pub resolver: Option<&'a dyn HostResolver>,
}

impl TenantContext<'_> {
    pub fn thresholds(&self) -> &Thresholds {
        &self.settings.thresholds
    }
}

/// One app, with everything its rules read.
pub struct AppContext<'a> {
    pub tenant: &'a TenantContext<'a>,
    pub app: &'a OAuthApp,
    /// The app's grants; `None` when grants were not collected (the offline `check`).
    pub grants: Option<&'a [Grant]>,
    /// The app as stored by the previous scan (SCOPE-007), when there is one.
    pub previous: Option<&'a OAuthApp>,
    /// What the app can reach, from its grants (or its requested scopes when grants are unknown).
    pub privilege: Privilege,
    redirects: OnceLock<Analysis>,
}

impl<'a> AppContext<'a> {
    pub fn new(
        tenant: &'a TenantContext<'a>,
        app: &'a OAuthApp,
        grants: Option<&'a [Grant]>,
        previous: Option<&'a OAuthApp>,
    ) -> Self {
        let privilege = Privilege::of(app, grants, tenant.now);
        AppContext {
            tenant,
            app,
            grants,
            previous,
            privilege,
            redirects: OnceLock::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.tenant.now
    }

    pub fn thresholds(&self) -> &Thresholds {
        self.tenant.thresholds()
    }

    /// The redirect URI analysis (raw string, then parsed URL), computed once per app.
    pub fn redirects(&self) -> &Analysis {
        self.redirects.get_or_init(|| redirect::analyze(self))
    }

    /// The app's grants, empty when not collected.
    pub fn grants(&self) -> &'a [Grant] {
        self.grants.unwrap_or(&[])
    }

    /// Grants that have not expired.
    pub fn active_grants(&self) -> impl Iterator<Item = &'a Grant> + '_ {
        let now = self.now();
        self.grants()
            .iter()
            .filter(move |g| g.expires_at.is_none_or(|e| e > now))
    }

    /// Credentials that have not expired.
    pub fn active_credentials(&self) -> impl Iterator<Item = &'a Credential> + '_ {
        let now = self.now();
        self.app
            .credentials
            .iter()
            .filter(move |c| c.expires_at.is_none_or(|e| e > now))
    }

    /// Active credentials of one kind.
    pub fn active_of_kind(
        &self,
        kind: CredentialKind,
    ) -> impl Iterator<Item = &'a Credential> + '_ {
        self.active_credentials().filter(move |c| c.kind == kind)
    }

    pub fn has_grant_type(&self, g: &GrantType) -> bool {
        self.app.grant_types.contains(g)
    }

    /// RULES' "`client_type == public` or `app_kind in {native, spa}`".
    pub fn is_public_like(&self) -> bool {
        self.app.client_type == ClientType::Public
            || matches!(self.app.app_kind, AppKind::Native | AppKind::Spa)
    }

    /// Whether any redirect URI is registered for `kind`.
    pub fn has_redirect_kind(&self, kind: RedirectKind) -> bool {
        self.app.redirect_uris.iter().any(|r| r.kind == kind)
    }

    /// Whether refresh tokens are issued: the token policy says so, or the client may use the
    /// refresh grant, or it holds an offline scope. `None` when nothing says either way.
    pub fn refresh_tokens_issued(&self) -> Option<bool> {
        if let Some(s) = &self.app.token_policy.refresh_tokens_issued {
            return Some(s.value);
        }
        if self.has_grant_type(&GrantType::RefreshToken)
            || self.privilege.scopes.iter().any(|s| s.offline)
        {
            return Some(true);
        }
        None
    }
}

type DigestMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<scopes::KeyHasher>>;

/// One permission as the app holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeUse {
    pub scope: String,
    /// `None` when the scope is not in the tier table (RULES: counts as 0.5 impact).
    pub tier: Option<Tier>,
    /// Held as an application (app-only) permission.
    pub app_only: bool,
    /// Held tenant-wide (admin consent for all users, or app-only).
    pub tenant_wide: bool,
    /// Distinct users who consented to it.
    pub users: usize,
    /// Latest use of any grant carrying it, when the provider reports use.
    pub last_used: Option<DateTime<Utc>>,
    /// The tier table flags it as yielding refresh tokens ([`scopes::is_offline_scope`]).
    pub offline: bool,
    /// The tier table flags it as a catch-all scope ([`scopes::is_catch_all`]).
    pub catch_all: bool,
}

/// What an app can reach: its permissions with their tiers, and how broadly they are held.
#[derive(Debug, Clone, PartialEq)]
pub struct Privilege {
    /// Distinct permissions, sorted by name.
    pub scopes: Vec<ScopeUse>,
    /// Highest known tier among the permissions.
    pub max_tier: Option<Tier>,
    /// Any permission missing from the tier table.
    pub has_unknown: bool,
    /// Any permission held tenant-wide.
    pub tenant_wide: bool,
    /// Distinct users with a delegated grant.
    pub delegated_users: usize,
    /// `true` when grants were not collected and the permissions are the requested ones.
    pub from_requested: bool,
}

impl Privilege {
    /// What `app` can reach: from its grants active at `now`, or from its requested scopes
    /// when grants were not collected (`None`).
    pub fn of(app: &OAuthApp, grants: Option<&[Grant]>, now: DateTime<Utc>) -> Privilege {
        // Apps hold a handful of distinct permissions: a vector searched linearly beats a
        // hash map here (this runs once per app, on the catalog's hot path).
        // Sized for the usual app up front: growing these vectors cost more than filling them.
        let n = grants.map_or(0, <[Grant]>::len);
        let mut scopes: Vec<ScopeUse> = Vec::with_capacity(16);
        let mut users: Vec<&str> = Vec::with_capacity(n.min(1024));
        let mut scope_users: Vec<(usize, &str)> = Vec::with_capacity((2 * n).min(2048));
        // Per permission: the last user grant counted for it, and how many user grants hold it.
        let mut grant_counts: Vec<(usize, usize)> = Vec::new();
        let mut tenant_wide = false;
        let from_requested = grants.is_none();
        let slot = |scopes: &mut Vec<ScopeUse>, s: &String| -> usize {
            match scopes.iter().position(|e| e.scope == *s) {
                Some(i) => i,
                None => {
                    // One table lookup gives the tier and both flags.
                    let row = scopes::lookup(app.provider, s);
                    scopes.push(ScopeUse {
                        scope: s.clone(),
                        tier: row.and_then(|r| r.tier),
                        app_only: false,
                        tenant_wide: false,
                        users: 0,
                        last_used: None,
                        offline: row.is_some_and(|r| r.offline),
                        catch_all: row.is_some_and(|r| r.catch_all),
                    });
                    scopes.len() - 1
                }
            }
        };
        match grants {
            Some(grants) => {
                for (n, g) in grants
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.expires_at.is_none_or(|e| e > now))
                {
                    let app_only = g.kind == GrantKind::Application;
                    let wide = app_only
                        || g.consent_type == ConsentType::Admin
                        || matches!(g.principal, Principal::Tenant);
                    tenant_wide |= wide;
                    let user = match &g.principal {
                        Principal::User { id, .. } if !wide => Some(id.as_str()),
                        _ => None,
                    };
                    if let Some(u) = user {
                        users.push(u);
                    }
                    for s in &g.scopes {
                        let i = slot(&mut scopes, s);
                        let e = &mut scopes[i];
                        e.app_only |= app_only;
                        e.tenant_wide |= wide;
                        e.last_used = e.last_used.max(g.last_used_at);
                        if let Some(u) = user {
                            scope_users.push((i, u));
                            if grant_counts.len() < scopes.len() {
                                grant_counts.resize(scopes.len(), (usize::MAX, 0));
                            }
                            let c = &mut grant_counts[i];
                            if c.0 != n {
                                *c = (n, c.1 + 1);
                            }
                        }
                    }
                }
                let user_grants = users.len();
                users.sort_unstable();
                users.dedup();
                if users.len() == user_grants {
                    // Each user holds one grant (the usual shape): a permission's users are
                    // the user grants carrying it, counted once per grant.
                    for (e, (_, count)) in scopes.iter_mut().zip(&grant_counts) {
                        e.users = *count;
                    }
                } else {
                    scope_users.sort_unstable();
                    scope_users.dedup();
                    for (i, _) in &scope_users {
                        scopes[*i].users += 1;
                    }
                }
            }
            None => {
                for s in &app.requested_scopes {
                    slot(&mut scopes, s);
                }
            }
        }
        users.sort_unstable();
        users.dedup();
        // Names are distinct, so an unstable sort gives the same order.
        scopes.sort_unstable_by(|a, b| a.scope.cmp(&b.scope));
        Privilege {
            max_tier: scopes.iter().filter_map(|s| s.tier).min(),
            has_unknown: scopes.iter().any(|s| s.tier.is_none()),
            tenant_wide,
            delegated_users: users.len(),
            from_requested,
            scopes,
        }
    }

    /// The permissions at or above `tier` (T0 is the highest).
    pub fn at_least(&self, tier: Tier) -> impl Iterator<Item = &ScopeUse> {
        self.scopes
            .iter()
            .filter(move |s| s.tier.is_some_and(|t| t <= tier))
    }

    /// Whether any permission is T0 or T1.
    pub fn high_impact(&self) -> bool {
        self.max_tier.is_some_and(|t| t <= Tier::T1)
    }
}

/// Cross-app facts for reuse and vendor rules, built over every app the run can see (all
/// stored tenants in a scan; all files in `check`).
#[derive(Debug, Default)]
pub struct Estate {
    // Digests and fingerprints are hashes, not attacker-chosen text: the fast hasher is safe.
    secret_digests: DigestMap<Vec<AppRef>>,
    key_fingerprints: DigestMap<Vec<AppRef>>,
    vendors: HashMap<String, VendorSpan>,
}

/// An app somewhere in the estate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppRef {
    pub tenant: String,
    pub provider: Provider,
    pub external_id: String,
    pub name: String,
}

/// Where one vendor holds T0/T1 access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorSpan {
    pub tenants: BTreeSet<String>,
    pub providers: BTreeSet<Provider>,
    pub apps: BTreeSet<AppRef>,
}

impl Estate {
    /// Other apps holding a secret with this keyed digest.
    pub fn secret_reuse<'e>(&'e self, digest: &str, tenant: &str, app: &str) -> Vec<&'e AppRef> {
        others(self.secret_digests.get(digest), tenant, app)
    }

    /// Other apps holding a certificate or key with this fingerprint.
    pub fn key_reuse<'e>(&'e self, fingerprint: &str, tenant: &str, app: &str) -> Vec<&'e AppRef> {
        others(self.key_fingerprints.get(fingerprint), tenant, app)
    }

    /// Where the vendor with this key ([`publisher_key`]) holds T0/T1 access.
    pub fn vendor(&self, key: &str) -> Option<&VendorSpan> {
        self.vendors.get(key)
    }
}

fn others<'e>(refs: Option<&'e Vec<AppRef>>, tenant: &str, app: &str) -> Vec<&'e AppRef> {
    refs.map(|v| {
        v.iter()
            .filter(|r| !(r.tenant == tenant && r.external_id == app))
            .collect()
    })
    .unwrap_or_default()
}

/// Builds an [`Estate`] one app at a time.
#[derive(Debug, Default)]
pub struct EstateBuilder {
    estate: Estate,
}

/// The raw materials of one app's estate entry: its secret digests, key fingerprints,
/// vendor key and highest tier. The store keeps these per app so a scan can build the estate
/// without loading every app document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EstateFacts {
    pub secret_digests: Vec<String>,
    pub key_fingerprints: Vec<String>,
    pub vendor: Option<String>,
    pub max_tier: Option<Tier>,
}

impl EstateFacts {
    /// The facts of one app, given its privilege.
    pub fn of(app: &OAuthApp, privilege: &Privilege) -> EstateFacts {
        EstateFacts {
            secret_digests: app
                .credentials
                .iter()
                .filter_map(|c| c.secret_digest.clone())
                .collect(),
            key_fingerprints: app
                .credentials
                .iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        CredentialKind::Certificate | CredentialKind::PrivateKeyJwt
                    )
                })
                .map(|c| c.fingerprint.clone())
                .collect(),
            vendor: publisher_key(app),
            max_tier: privilege.max_tier,
        }
    }
}

impl EstateBuilder {
    pub fn new() -> Self {
        EstateBuilder::default()
    }

    /// Add one app of `tenant`.
    pub fn add(
        &mut self,
        tenant: &str,
        provider: Provider,
        external_id: &str,
        name: &str,
        facts: &EstateFacts,
    ) {
        let r = AppRef {
            tenant: tenant.to_string(),
            provider,
            external_id: external_id.to_string(),
            name: name.to_string(),
        };
        for d in &facts.secret_digests {
            self.estate
                .secret_digests
                .entry(d.clone())
                .or_default()
                .push(r.clone());
        }
        for f in &facts.key_fingerprints {
            self.estate
                .key_fingerprints
                .entry(f.clone())
                .or_default()
                .push(r.clone());
        }
        if let (Some(v), Some(t)) = (&facts.vendor, facts.max_tier)
            && t <= Tier::T1
        {
            let span = self.estate.vendors.entry(v.clone()).or_default();
            span.tenants.insert(r.tenant.clone());
            span.providers.insert(provider);
            span.apps.insert(r);
        }
    }

    pub fn build(self) -> Estate {
        self.estate
    }
}

/// The key a vendor is known by across tenants and providers: its verified domain when it has
/// one, else its publisher name, lower-cased with punctuation and company suffixes removed.
/// `None` for apps without a publisher.
pub fn publisher_key(app: &OAuthApp) -> Option<String> {
    if let Some(d) = app
        .publisher
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        return Some(format!(
            "domain:{}",
            d.trim_start_matches("www.").to_ascii_lowercase()
        ));
    }
    let name = app.publisher.name.as_deref()?;
    let normalized = normalize_vendor_name(name);
    (!normalized.is_empty()).then(|| format!("name:{normalized}"))
}

/// `"Salesloft, Inc."` and `"SALESLOFT"` both become `salesloft`: lower-cased words joined by
/// single spaces, trailing company suffixes dropped (unless that would leave nothing).
pub fn normalize_vendor_name(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "inc",
        "llc",
        "ltd",
        "gmbh",
        "corp",
        "corporation",
        "co",
        "sa",
        "ag",
        "bv",
        "plc",
        "limited",
    ];
    let mut out = String::with_capacity(name.len());
    // Byte offsets in `out` where each word starts.
    let mut starts: [usize; 16] = [0; 16];
    let mut words = 0usize;
    // ASCII names (the usual case) take the byte path; for ASCII, `is_alphanumeric` and
    // `to_lowercase` are their `ascii` forms, so both paths give the same text.
    let ascii = name.is_ascii();
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        if words < starts.len() {
            starts[words] = out.len();
        }
        words += 1;
        if ascii {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            for c in word.chars() {
                out.extend(c.to_lowercase());
            }
        }
    }
    let mut kept = words;
    while kept > 1 && kept <= starts.len() && SUFFIXES.contains(&&out[starts[kept - 1]..]) {
        out.truncate(starts[kept - 1].saturating_sub(1));
        kept -= 1;
    }
    out
}
