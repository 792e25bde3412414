//! The live connectors against the simulator: `TenantSettings` for a simulated tenant in each
//! auth mode it accepts, a collection that drains the connector's sink, and what the estate
//! says each collection must yield.

use connectors::Provider;
use connectors::connector::{CollectSummary, ItemSink};
use connectors::error::ConnectorError;
use connectors::fetch::http_connector;
use connectors::file::Inventory;
use connectors::http::HttpSettings;
use connectors::model::InventoryItem;
use connectors::settings::TenantSettings;
use connectors::simulator::RunningSimulator;
use connectors::simulator::estate::{Kind, Reach};
use secrecy::SecretString;
use serde_json::json;
use std::time::{Duration, Instant};
use url::Url;

/// The test RSA key every assertion is signed with (the simulator checks claims, not signatures).
pub const TEST_KEY: &str = include_str!("../fixtures/keys/test-rsa.pem");

/// Items per page the connectors ask for: every listing spans several pages.
pub const PAGE: u32 = 7;

/// How the connector authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The provider's own grant: client credentials, `private_key_jwt`, JWT bearer or the
    /// GitHub App exchange.
    Grant,
    /// The tenant's static token.
    Static,
}

/// The auth modes the simulator accepts for `p` (Slack has static tokens only).
pub fn auth_modes(p: Provider) -> Vec<AuthMode> {
    match p {
        Provider::Slack => vec![AuthMode::Static],
        _ => vec![AuthMode::Grant, AuthMode::Static],
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Fast retries for tests.
pub fn fast_http() -> HttpSettings {
    HttpSettings {
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        max_retries: 3,
        requests_per_second: None,
        ..HttpSettings::default()
    }
}

/// Settings for tenant `t` of `p` on `sim`, in `mode`, asking `page_size` items per page.
pub fn settings(
    sim: &RunningSimulator,
    p: Provider,
    t: usize,
    mode: AuthMode,
    page_size: u32,
) -> TenantSettings {
    let c = sim.credentials(p, t);
    let mut s = TenantSettings::new(format!("{}-{t}", p.as_str()), p);
    s.base_url = Some(url(&sim.base_url(p, t)));
    s.page_size = Some(page_size);
    s.http = fast_http();
    s.org = c.org.clone();
    s.realm = c.realm.clone();
    s.tenant_id = c.tenant_id.clone();
    if mode == AuthMode::Static {
        s.token = Some(secret(&c.static_token));
        return s;
    }
    let token_url = sim.token_url(p, t).map(|u| url(&u));
    match p {
        Provider::Entra | Provider::Auth0 | Provider::Keycloak => {
            s.token_url = token_url;
            s.client_id = Some(c.client_id.clone());
            s.client_secret = c.client_secret.as_deref().map(secret);
        }
        Provider::Okta => {
            s.token_url = token_url;
            s.client_id = Some(c.client_id.clone());
            s.private_key_pem = Some(secret(TEST_KEY));
        }
        Provider::Salesforce => {
            s.token_url = token_url;
            s.client_id = Some(c.client_id.clone());
            s.username = c.subject.clone();
            s.private_key_pem = Some(secret(TEST_KEY));
        }
        Provider::Google => {
            let account = json!({
                "type": "service_account",
                "client_email": c.issuer,
                "private_key_id": "sim-key",
                "private_key": TEST_KEY,
                "token_uri": token_url.map(|u| u.to_string()),
            });
            s.service_account_json = Some(secret(&account.to_string()));
            s.subject = c.subject.clone();
        }
        Provider::Github => {
            s.app_id = Some(c.client_id.clone());
            s.installation_id = c.installation_id.map(|i| i.to_string());
            s.private_key_pem = Some(secret(TEST_KEY));
        }
        _ => panic!("{p:?} has no grant"),
    }
    s
}

/// Run the live connector for `settings`, gathering every item it sends.
pub async fn collect_live(
    settings: TenantSettings,
) -> (Result<CollectSummary, ConnectorError>, Inventory) {
    let connector = match http_connector(settings) {
        Ok(c) => c,
        Err(e) => return (Err(e), Inventory::default()),
    };
    let (mut sink, mut rx) = ItemSink::channel(8);
    let run = async move {
        let result = connector.collect(&mut sink).await;
        let flushed = sink.flush().await;
        result.and_then(|summary| flushed.map(|()| summary))
    };
    let gather = async {
        let mut inv = Inventory::default();
        while let Some(batch) = rx.recv().await {
            for item in batch {
                match item {
                    InventoryItem::App(a) => inv.apps.push(*a),
                    InventoryItem::Grant(g) => inv.grants.push(g),
                    InventoryItem::TenantPolicy(p) => inv.policies.push(p),
                }
            }
        }
        inv
    };
    tokio::join!(run, gather)
}

/// The listing that holds the inventory itself, by the simulator's endpoint name; for
/// Salesforce its follow-up pages (`queryMore`).
pub fn main_listing(p: Provider) -> &'static str {
    match p {
        Provider::Entra => "servicePrincipals",
        Provider::Okta => "apps",
        Provider::Google => "users",
        Provider::Github => "installations",
        Provider::Salesforce => "queryMore",
        Provider::Slack => "admin.apps.approved.list",
        _ => "clients",
    }
}

/// The (apps, grants) the estate holds for a tenant, as the provider's API shows them.
pub fn expected(sim: &RunningSimulator, p: Provider, t: usize) -> (usize, usize) {
    let e = sim.estate();
    let (n, g, users) = (e.app_count(), e.grants_per_app(), e.user_count());
    let apps: Vec<_> = (0..n).map(|i| e.app(p, t, i)).collect();
    let m2m = apps.iter().filter(|a| a.kind == Kind::Service).count();
    let broad = apps.iter().filter(|a| a.reach == Reach::Broad).count();
    match p {
        // The resource every app-only grant is for (Microsoft Graph) is listed too.
        Provider::Entra => (n + 1, n * g + m2m),
        Provider::Okta => (n, g * (n - broad) + 3 * g * broad),
        // Each member's SSO-authorized token is an app and a grant of its own.
        Provider::Github => (n + users, n + users),
        Provider::Slack => (n, n + broad),
        Provider::Auth0 => (n, n * g + m2m),
        _ => (n, n * g),
    }
}

/// The grants an app of the estate holds as the provider shows them (`g` per app).
pub fn grants_of_app(p: Provider, g: usize, kind: Kind, reach: Reach) -> usize {
    let service = usize::from(kind == Kind::Service);
    let broad = reach == Reach::Broad;
    match p {
        // Delegated grants, plus an application permission for daemons.
        Provider::Entra | Provider::Auth0 => g + service,
        // One consent per granted scope: broad apps hold three scopes.
        Provider::Okta => g * if broad { 3 } else { 1 },
        // The installation itself.
        Provider::Github => 1,
        // A bot-scope grant, plus a user-scope one for broad apps.
        Provider::Slack => 1 + usize::from(broad),
        _ => g,
    }
}

/// Collect tenant `t` of every provider at once, each in its own task; returns per provider
/// the result, the inventory and how long the collection took.
pub async fn collect_all_providers(
    sim: &RunningSimulator,
    t: usize,
    http: impl Fn() -> HttpSettings,
) -> Vec<(Provider, CollectResult, Inventory, Duration)> {
    let mut tasks = Vec::new();
    for p in Provider::SAAS {
        let mode = auth_modes(p)[0];
        let mut s = settings(sim, p, t, mode, PAGE);
        s.http = http();
        tasks.push((
            p,
            tokio::spawn(async move {
                let started = Instant::now();
                let (result, inv) = collect_live(s).await;
                (result, inv, started.elapsed())
            }),
        ));
    }
    let mut out = Vec::new();
    for (p, task) in tasks {
        let (result, inv, took) = task.await.unwrap();
        out.push((p, result, inv, took));
    }
    out
}

pub type CollectResult = Result<connectors::CollectSummary, connectors::ConnectorError>;

/// Requests a tenant's endpoints (token endpoint included) answered so far.
pub fn tenant_requests(sim: &RunningSimulator, p: Provider, t: usize) -> u64 {
    sim.request_counts()
        .iter()
        .filter(|(q, u, _, _)| *q == p && *u == t)
        .map(|(_, _, _, n)| n)
        .sum()
}
