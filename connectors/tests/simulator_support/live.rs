//! The live connectors against the simulator: `TenantSettings` for a simulated tenant in each
//! auth mode it accepts, and a collection that drains the connector's sink.

use connectors::Provider;
use connectors::connector::{CollectSummary, ItemSink};
use connectors::error::ConnectorError;
use connectors::fetch::http_connector;
use connectors::file::Inventory;
use connectors::http::HttpSettings;
use connectors::model::InventoryItem;
use connectors::settings::TenantSettings;
use connectors::simulator::RunningSimulator;
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use url::Url;

/// The test RSA key every assertion is signed with (the simulator checks claims, not signatures).
pub const TEST_KEY: &str = include_str!("../fixtures/keys/test-rsa.pem");

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
