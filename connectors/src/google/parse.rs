//! Google Workspace Directory API `tokens.list` items to the normalized model (field map:
//! CONNECTORS.md §3.5, gaps §3.6).
//!
//! Workspace sees only grants: each token is one user's consent to one OAuth client. The app is
//! derived from the tokens that share a `clientId` (one app per client id), so everything
//! Workspace cannot see about it (redirect URIs, secrets, PKCE, client type of a web client,
//! publisher) stays unknown, with the reason in the app's notes.

use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Grant, GrantKind, Lifetime, OAuthApp, Ownership,
    PolicySource, Principal, Setting,
};
use crate::parse_util::{MAX_ITEMS, short};
use crate::redact::evidence;

/// Google's access tokens live one hour (RULES.md §5).
const ACCESS_TOKEN_SECONDS: u64 = 3600;
/// Refresh tokens unused for six months are revoked (CONNECTORS.md §3.6).
const REFRESH_IDLE_SECONDS: u64 = 183 * 24 * 3600;

/// One `admin#directory#token`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Token {
    pub client_id: String,
    pub display_text: Option<String>,
    pub scopes: Vec<String>,
    pub native_app: Option<bool>,
    pub anonymous: Option<bool>,
    pub user_key: Option<String>,
}

/// Read one token item.
pub fn token(value: &Value) -> Result<Token, ConnectorError> {
    let t = Token::deserialize(value)
        .map_err(|e| ConnectorError::malformed(format!("Google token: {e}")))?;
    if t.client_id.is_empty() {
        return Err(ConnectorError::malformed("Google token without `clientId`"));
    }
    Ok(t)
}

/// The grant a token stands for: `userKey` consented to the client's scopes.
pub fn parse_grant(t: &Token) -> Grant {
    let mut grant = Grant {
        external_id: None,
        app_external_id: short(&t.client_id),
        principal: match &t.user_key {
            Some(user) => Principal::User {
                id: short(user),
                email: None,
                display_name: None,
                active: None,
            },
            None => Principal::Tenant,
        },
        resource: None,
        scopes: t.scopes.iter().take(MAX_ITEMS).map(|s| short(s)).collect(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    grant
}

/// One app per client id among `tokens`, in client-id order.
pub fn apps_from_tokens(tokens: &[Token]) -> Vec<OAuthApp> {
    let mut clients = Clients::default();
    for t in tokens {
        clients.add(t);
    }
    clients.into_apps()
}

/// What the tokens of each client id say about the client, gathered one token at a time, so a
/// collector can read users' tokens as they come and hold only this per client. The result
/// does not depend on the order tokens arrive in.
#[derive(Debug, Default)]
pub struct Clients {
    by_client: BTreeMap<String, Client>,
}

#[derive(Debug, Default)]
struct Client {
    /// The smallest non-empty `displayText` seen (order-independent).
    name: Option<String>,
    /// Distinct scopes, the first `MAX_ITEMS` in sort order.
    scopes: BTreeSet<String>,
    native: bool,
    anonymous: bool,
}

impl Clients {
    /// Count `t` towards its client.
    pub fn add(&mut self, t: &Token) {
        let client = self.by_client.entry(short(&t.client_id)).or_default();
        if let Some(name) = t.display_text.as_deref().filter(|n| !n.is_empty()) {
            let name = short(name);
            if client.name.as_ref().is_none_or(|known| name < *known) {
                client.name = Some(name);
            }
        }
        for scope in t.scopes.iter().take(MAX_ITEMS) {
            client.scopes.insert(short(scope));
            if client.scopes.len() > MAX_ITEMS {
                client.scopes.pop_last();
            }
        }
        client.native |= t.native_app == Some(true);
        client.anonymous |= t.anonymous == Some(true);
    }

    /// One app per client id, in client-id order.
    pub fn into_apps(self) -> Vec<OAuthApp> {
        self.by_client
            .into_iter()
            .map(|(id, client)| app_of(id, client))
            .collect()
    }
}

fn app_of(id: String, client: Client) -> OAuthApp {
    let name = client.name.unwrap_or_else(|| id.clone());
    let mut app = OAuthApp::new(Provider::Google, &id, name);
    app.client_id = Some(id.clone());
    app.ownership = Ownership::ThirdParty;
    app.note_inferred(
        "ownership",
        "tokens.list shows the apps users authorized; Workspace does not say whether a client belongs to one of this organization's own projects",
    );
    let scopes: Vec<String> = client.scopes.into_iter().collect();
    app.requested_scopes = scopes.clone();

    let (native, anonymous) = (client.native, client.anonymous);
    if native {
        app.app_kind = AppKind::Native;
        app.client_type = ClientType::Public;
        app.note_inferred(
            "client_type",
            "nativeApp: an installed (desktop or mobile) client, which cannot keep a secret",
        );
    } else {
        app.note_unknown(
            "client_type",
            "tokens.list says only that the client is not an installed app; a web client's type is not visible",
        );
        app.note_unknown("app_kind", "not an installed app; whether it is a web server, browser or service client is not visible");
    }
    if anonymous {
        app.note_unknown(
            "publisher",
            "anonymous: the client id is not registered with Google, so it has no project or publisher",
        );
    } else {
        app.note_unknown(
            "publisher",
            "tokens.list does not name the app's publisher or its verification status",
        );
    }
    for field in ["redirect_uris", "grant_types", "credentials", "pkce"] {
        app.note_unknown(
            field,
            "Workspace sees only the users' grants, not the third-party client's registration",
        );
    }

    let d = PolicySource::ProviderDefault;
    let tp = &mut app.token_policy;
    tp.access_token_lifetime = Some(Setting::new(Lifetime::Seconds(ACCESS_TOKEN_SECONDS), d));
    tp.refresh_token_lifetime = Some(Setting::new(Lifetime::Unlimited, d));
    tp.refresh_token_idle_lifetime = Some(Setting::new(Lifetime::Seconds(REFRESH_IDLE_SECONDS), d));
    app.note_inferred(
        "token_policy",
        "Google's fixed behaviour: 1 hour access tokens; refresh tokens last until revoked or unused for 6 months (7 days for apps in testing)",
    );
    app.note_unknown(
        "token_policy.refresh_tokens_issued",
        "tokens.list does not say whether the client obtained offline access",
    );

    // Evidence is the client as every token describes it, without per-user fields, so a new
    // user's consent does not change the app.
    app.raw = evidence(json!({
        "kind": "admin#directory#token",
        "clientId": id,
        "displayText": app.name,
        "nativeApp": native,
        "anonymous": anonymous,
        "scopes": scopes,
    }));
    app.normalize();
    app
}
