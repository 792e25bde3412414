//! Collect a Keycloak realm over the Admin REST API (CONNECTORS.md §7).
//!
//! Auth: a ready admin token (`token_env`), or a confidential client's service account
//! (`client_id` + `client_secret_env`) with client credentials at
//! `{base_url}/realms/{auth_realm}/protocol/openid-connect/token` (`auth_realm` defaults to
//! `realm`). `base_url` is the server root, with its `/auth` prefix on older servers.
//!
//! Calls, in order, all under `{base_url}/admin/realms/{realm}`:
//! 1. `GET /`: the realm's token and session settings (`view-realm`);
//! 2. `GET /client-policies/policies` and `/client-policies/profiles`: client policies that
//!    enforce PKCE on matching clients;
//! 3. `GET /components?type=…ClientRegistrationPolicy`: the dynamic-registration policies;
//! 4. `GET /clients?first=N&max=M`: the clients, streamed out as they arrive;
//! 5. `GET /users?first=N&max=M&briefRepresentation=true`, then `GET /users/{id}/consents`
//!    for each user (the users of a page several at a time): the users' consents.
//!
//! The listings page with `first`/`max` offsets and no total: a short page ends them. A 403 on
//! anything but the clients is recorded as a coverage gap (a 404 is skipped) and the rest goes on; without
//! the realm settings, each client notes its token policy as unknown, and without the client
//! policies, PKCE that a client does not require itself is unknown. A client's `secret`, which
//! the admin API returns to its readers, goes through the parser: a keyed digest is kept, the
//! value is redacted from the evidence.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use url::Url;

use super::parse::{self, RealmSettings};
use crate::Provider;
use crate::auth::{Grant, OAuthToken, Scheme, TokenSource};
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::fetch::{Offsets, Session, json_list, path_segment, static_token, token_url};
use crate::model::{InventoryItem, PkcePolicy, PkceStatus};
use crate::redact::bound_str;
use crate::settings::TenantSettings;

/// Items per page asked for.
const MAX_PAGE: u32 = 100;
/// The component type of client-registration policies.
const REGISTRATION_POLICY: &str =
    "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";

/// The Keycloak connector, for one realm.
pub struct KeycloakConnector {
    settings: TenantSettings,
    base: Url,
    /// The audited realm, as a URL path segment.
    realm: String,
    auth: Arc<dyn TokenSource>,
}

impl KeycloakConnector {
    /// A connector for `settings`; a config error names the first missing or invalid key.
    pub fn new(settings: TenantSettings) -> Result<KeycloakConnector, ConnectorError> {
        let base = settings.base_url(None)?;
        let realm = segment(&settings, "realm", &settings.realm)?;
        let auth = match static_token(&settings, Scheme::Bearer) {
            Some(token) => token,
            None => Arc::new(OAuthToken::new(client_credentials(&settings, &base)?)),
        };
        Ok(KeycloakConnector {
            settings,
            base,
            realm,
            auth,
        })
    }
}

/// The required realm name `key` as a URL path segment.
fn segment(
    settings: &TenantSettings,
    key: &str,
    value: &Option<String>,
) -> Result<String, ConnectorError> {
    let name = settings.require(key, value)?;
    path_segment(name).map_err(|_| settings.config_error(key, "is not a valid realm name"))
}

/// Client credentials of a service-account client in `auth_realm`.
fn client_credentials(settings: &TenantSettings, base: &Url) -> Result<Grant, ConnectorError> {
    let client_id = settings
        .require("client_id", &settings.client_id)?
        .to_string();
    let Some(secret) = settings.client_secret.clone() else {
        return Err(settings.config_error(
            "client_secret_env",
            "(or client_secret_file, or token_env) is required for provider keycloak",
        ));
    };
    let auth_realm = match &settings.auth_realm {
        Some(_) => segment(settings, "auth_realm", &settings.auth_realm)?,
        None => segment(settings, "realm", &settings.realm)?,
    };
    let default = crate::auth::oauth::join(
        base,
        &format!("realms/{auth_realm}/protocol/openid-connect/token"),
    )?;
    Ok(Grant::ClientSecret {
        token_url: token_url(settings, default.as_str())?,
        client_id,
        secret,
        scope: None,
        audience: None,
    })
}

/// A `first`/`max` listing of bare JSON arrays.
struct Pages {
    path: String,
    extra: &'static str,
    max: u32,
    offsets: Offsets,
}

impl Pages {
    fn new(session: &Session, path: String, extra: &'static str, max: u32) -> Pages {
        let offsets = Offsets::new(session, &format!("GET /{path}"), max);
        Pages {
            path,
            extra,
            max,
            offsets,
        }
    }

    async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some((_, first)) = self.offsets.next() else {
            return Ok(None);
        };
        let url = session.url(&format!(
            "{}?first={first}&max={}{}",
            self.path, self.max, self.extra
        ))?;
        let (body, response) = session.get(url).await?;
        let items = json_list(body).map_err(|e| session.http.name(e, &response.url))?;
        self.offsets.record(&items, None)?;
        Ok(Some(items))
    }
}

#[async_trait]
impl Connector for KeycloakConnector {
    fn provider(&self) -> Provider {
        Provider::Keycloak
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let mut session =
            Session::for_tenant(&self.settings, self.auth.clone(), self.base.clone())?;
        let max = self.settings.page_size(MAX_PAGE);
        let admin = format!("admin/realms/{}", self.realm);

        // 1–3. The realm's settings, client policies and registration policies, gathered into
        // the shape of a realm export for the parser.
        let realm = self.realm_settings(&mut session, &admin).await?;
        let settings = realm
            .as_ref()
            .map(RealmSettings::from_realm)
            .unwrap_or_default();
        let policies_read = realm
            .as_ref()
            .is_some_and(|r| r.get("clientPolicies").is_some());

        // 4. Clients; their `clientId`s are held for the consents.
        let mut app_of_client: HashMap<String, String> = HashMap::new();
        let path = format!("{admin}/clients");
        let mut pages = Pages::new(&session, path, "", max);
        while let Some(items) = pages.next(&session).await? {
            for raw in items {
                let mut app = parse::parse_client(&raw, &settings).map_err(|e| {
                    let id = raw.get("clientId").and_then(Value::as_str).unwrap_or("?");
                    ConnectorError {
                        message: format!("client {:?}: {}", bound_str(id, 64), e.message),
                        ..e
                    }
                    .at(format!(
                        "tenant {}, GET /admin/realms/{{realm}}/clients",
                        self.settings.name
                    ))
                })?;
                if realm.is_none() {
                    app.note_unknown(
                        "token_policy",
                        "the realm's token and session settings could not be read (view-realm)",
                    );
                }
                // Without the client policies, PKCE the client does not require itself may
                // still be enforced by a policy.
                if !policies_read && app.pkce.status == PkceStatus::Optional {
                    app.pkce = PkcePolicy::unknown();
                    app.note_unknown(
                        "pkce",
                        "the realm's client policies, which may enforce PKCE, could not be read",
                    );
                }
                app.normalize();
                if let Some(c) = &app.client_id {
                    app_of_client.insert(c.clone(), app.external_id.clone());
                }
                sink.send(InventoryItem::App(Box::new(app))).await?;
            }
        }

        // 5. Users' consents.
        if let Err(e) = self
            .consents(&session, &admin, max, &app_of_client, sink)
            .await
        {
            session.gap_or_fail("user consents (/users, /users/{id}/consents)", e)?;
        }

        if let Some(realm) = realm.filter(|r| r.get("components").is_some()) {
            sink.send(InventoryItem::TenantPolicy(parse::tenant_policy(&realm)))
                .await?;
        }
        Ok(session.summary())
    }
}

impl KeycloakConnector {
    /// The realm representation with `clientPolicies`, `clientProfiles` and the registration
    /// policies under `components`, as far as they can be read; `None` when the realm itself
    /// cannot.
    async fn realm_settings(
        &self,
        session: &mut Session,
        admin: &str,
    ) -> Result<Option<Value>, ConnectorError> {
        let mut realm = match session.get(session.url(admin)?).await {
            Ok((Value::Object(realm), _)) => Value::Object(realm),
            Ok((_, response)) => {
                let e = ConnectorError::malformed("the realm is not a JSON object");
                return Err(session.http.name(e, &response.url));
            }
            Err(e) => {
                session.gap_or_fail("realm settings (/admin/realms/{realm})", e)?;
                return Ok(None);
            }
        };
        for (key, what, path) in [
            (
                "clientPolicies",
                "client policies (/client-policies/policies)",
                "client-policies/policies",
            ),
            (
                "clientProfiles",
                "client profiles (/client-policies/profiles)",
                "client-policies/profiles",
            ),
        ] {
            match session.get(session.url(&format!("{admin}/{path}"))?).await {
                Ok((value, _)) => realm[key] = value,
                Err(e) => session.gap_or_fail(what, e)?,
            }
        }
        let url = session.url(&format!("{admin}/components?type={REGISTRATION_POLICY}"))?;
        match session.get(url).await {
            Ok((value, response)) => {
                let items = json_list(value).map_err(|e| session.http.name(e, &response.url))?;
                realm["components"] = json!({ REGISTRATION_POLICY: items });
            }
            Err(e) => {
                session.gap_or_fail("client registration policies (/components)", e)?;
                if let Some(map) = realm.as_object_mut() {
                    map.remove("components");
                }
            }
        }
        Ok(Some(realm))
    }

    async fn consents(
        &self,
        session: &Session,
        admin: &str,
        max: u32,
        app_of_client: &HashMap<String, String>,
        sink: &mut ItemSink,
    ) -> Result<(), ConnectorError> {
        let path = format!("{admin}/users");
        let mut pages = Pages::new(session, path, "&briefRepresentation=true", max);
        let width = self.settings.http.concurrency.max(1);
        while let Some(users) = pages.next(session).await? {
            // A user without a usable id has no consents to ask for.
            let with_urls: Vec<(Value, Url)> = users
                .into_iter()
                .filter_map(|user| {
                    let id = path_segment(user.get("id").and_then(Value::as_str)?).ok()?;
                    let url = session.url(&format!("{admin}/users/{id}/consents")).ok()?;
                    Some((user, url))
                })
                .collect();
            // The users of a page are asked several at a time.
            let mut calls = stream::iter(with_urls)
                .map(|(user, url)| async move {
                    let found = match session.get(url).await {
                        Ok((value, response)) => {
                            json_list(value).map_err(|e| session.http.name(e, &response.url))
                        }
                        Err(e) => Err(e),
                    };
                    (user, found)
                })
                .buffer_unordered(width);
            while let Some((user, found)) = calls.next().await {
                let consents = match found {
                    Ok(consents) => consents,
                    // The user was deleted since the listing.
                    Err(e) if e.kind == ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                for consent in consents {
                    if let Some(grant) =
                        parse::parse_consent(&user, &consent, |c| app_of_client.get(c).cloned())
                    {
                        sink.send(InventoryItem::Grant(grant)).await?;
                    }
                }
            }
        }
        Ok(())
    }
}
