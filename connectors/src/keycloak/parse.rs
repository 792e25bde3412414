//! Keycloak `ClientRepresentation`s and realm settings to the normalized model (field map:
//! CONNECTORS.md §7.5). Keycloak has no publisher concept: every client is first-party.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkceMethod, PkcePolicy, PkceStatus, PolicySource, Principal,
    RedirectKind, RedirectUri, Setting, TenantPolicy,
};
use crate::redact::{bound_str, evidence};

const MAX_NAME: usize = 256;
/// Keycloak's default access token lifespan when the realm does not state one (seconds).
const DEFAULT_ACCESS_TOKEN_LIFESPAN: u64 = 300;
/// Built-in client profiles that contain the `pkce-enforcer` executor.
const BUILTIN_PKCE_PROFILES: [&str; 4] = [
    "oauth-2-1-for-public-client",
    "oauth-2-1-for-confidential-client",
    "fapi-1-baseline",
    "fapi-2-security-profile",
];

/// The realm-level settings that apply to every client.
#[derive(Debug, Clone, Default)]
pub struct RealmSettings {
    pub realm: String,
    pub access_token_lifespan: Option<u64>,
    pub revoke_refresh_token: Option<bool>,
    pub refresh_token_max_reuse: Option<u64>,
    pub sso_session_idle: Option<u64>,
    pub sso_session_max: Option<u64>,
    pub offline_session_idle: Option<u64>,
    pub offline_session_max_enabled: Option<bool>,
    pub offline_session_max: Option<u64>,
    /// Client access types (`public`, `confidential`, `any`) for which an enabled client policy
    /// enforces PKCE, with the policy's name.
    pub pkce_policies: Vec<(String, String)>,
}

impl RealmSettings {
    /// Read the settings from a realm representation (a realm export's top level).
    pub fn from_realm(realm: &Value) -> RealmSettings {
        let num = |k: &str| realm.get(k).and_then(Value::as_u64);
        let flag = |k: &str| realm.get(k).and_then(Value::as_bool);
        RealmSettings {
            realm: realm
                .get("realm")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            access_token_lifespan: num("accessTokenLifespan"),
            revoke_refresh_token: flag("revokeRefreshToken"),
            refresh_token_max_reuse: num("refreshTokenMaxReuse"),
            sso_session_idle: num("ssoSessionIdleTimeout"),
            sso_session_max: num("ssoSessionMaxLifespan"),
            offline_session_idle: num("offlineSessionIdleTimeout"),
            offline_session_max_enabled: flag("offlineSessionMaxLifespanEnabled"),
            offline_session_max: num("offlineSessionMaxLifespan"),
            pkce_policies: pkce_policies(realm),
        }
    }
}

/// Enabled client policies whose profiles enforce PKCE, with the access type they match
/// (`any` for `any-client`). Policies with other conditions are not evaluated (we cannot
/// tell which clients they match) and so do not count.
fn pkce_policies(realm: &Value) -> Vec<(String, String)> {
    let realm_profiles = realm
        .pointer("/clientProfiles/profiles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let enforces_pkce = |profile: &str| {
        BUILTIN_PKCE_PROFILES.contains(&profile)
            || realm_profiles.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some(profile)
                    && p.get("executors")
                        .and_then(Value::as_array)
                        .is_some_and(|ex| {
                            ex.iter().any(|e| {
                                e.get("executor").and_then(Value::as_str) == Some("pkce-enforcer")
                            })
                        })
            })
    };
    let mut out = Vec::new();
    for policy in realm
        .pointer("/clientPolicies/policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let enabled = policy
            .get("enabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let profiles = policy
            .get("profiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        if !enabled || !profiles.into_iter().any(enforces_pkce) {
            continue;
        }
        let name = policy
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        for cond in policy
            .get("conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match cond.get("condition").and_then(Value::as_str) {
                Some("any-client") => out.push(("any".to_string(), name.clone())),
                Some("client-access-type") => {
                    for t in cond
                        .pointer("/configuration/type")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        out.push((t.to_string(), name.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn attr<'a>(client: &'a Value, key: &str) -> Option<&'a str> {
    client
        .get("attributes")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

fn flag(client: &Value, key: &str) -> bool {
    client.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn epoch_seconds(s: &str) -> Option<DateTime<Utc>> {
    s.parse::<i64>()
        .ok()
        .and_then(|v| Utc.timestamp_opt(v, 0).single())
}

/// Map one client of `realm`.
pub fn parse_client(client: &Value, realm: &RealmSettings) -> Result<OAuthApp, ConnectorError> {
    let client_id = client
        .get("clientId")
        .and_then(Value::as_str)
        .ok_or_else(|| ConnectorError::malformed("Keycloak client without `clientId`"))?;
    let id = client
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(client_id);
    let name = client
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(client_id);
    let mut app = OAuthApp::new(Provider::Keycloak, id, bound_str(name, MAX_NAME));
    app.client_id = Some(client_id.to_string());
    app.description = client
        .get("description")
        .and_then(Value::as_str)
        .map(|d| bound_str(d, 1024));
    app.enabled = client.get("enabled").and_then(Value::as_bool);
    app.ownership = Ownership::FirstParty;
    app.note_unknown("owners", "Keycloak clients have no owner field");
    app.note_inferred(
        "ownership",
        "Keycloak clients are all registered in the realm",
    );

    let public = flag(client, "publicClient");
    let bearer_only = flag(client, "bearerOnly");
    app.client_type = if public {
        ClientType::Public
    } else {
        ClientType::Confidential
    };
    let root = client
        .get("rootUrl")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let uris: Vec<String> = client
        .get("redirectUris")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|u| {
            if u.starts_with('/') && !root.is_empty() {
                format!("{root}{u}")
            } else {
                u.to_string()
            }
        })
        .collect();

    let standard = flag(client, "standardFlowEnabled") && !bearer_only;
    if standard {
        app.grant_types.push(GrantType::AuthorizationCode);
    }
    if flag(client, "implicitFlowEnabled") && !bearer_only {
        app.grant_types.push(GrantType::Implicit);
    }
    if flag(client, "directAccessGrantsEnabled") && !bearer_only {
        app.grant_types.push(GrantType::Password);
    }
    if flag(client, "serviceAccountsEnabled") && !public {
        app.grant_types.push(GrantType::ClientCredentials);
    }
    if attr(client, "oauth2.device.authorization.grant.enabled") == Some("true") {
        app.grant_types.push(GrantType::DeviceCode);
    }
    if attr(client, "oidc.ciba.grant.enabled") == Some("true") {
        app.grant_types.push(GrantType::Ciba);
    }
    let refresh = attr(client, "use.refresh.tokens") != Some("false");
    if refresh && (standard || app.grant_types.contains(&GrantType::Password)) {
        app.grant_types.push(GrantType::RefreshToken);
    }

    let native_uri = |u: &str| {
        let l = u.to_ascii_lowercase();
        !(l.starts_with("http://")
            || l.starts_with("https://")
            || l.starts_with('*')
            || l.starts_with('/'))
            || ["http://localhost", "http://127.", "http://[::1]"]
                .iter()
                .any(|p| l.starts_with(p))
    };
    app.app_kind = if bearer_only {
        AppKind::Service
    } else if public && !uris.is_empty() && uris.iter().all(|u| native_uri(u)) {
        AppKind::Native
    } else if public {
        AppKind::Spa
    } else if !standard
        && !app.grant_types.contains(&GrantType::Implicit)
        && app.grant_types.contains(&GrantType::ClientCredentials)
    {
        AppKind::Service
    } else {
        AppKind::Web
    };
    app.note_inferred(
        "app_kind",
        "publicClient, the enabled flows and the redirect URI schemes",
    );
    for uri in uris {
        let kind = if native_uri(&uri) {
            RedirectKind::Native
        } else if app.app_kind == AppKind::Spa {
            RedirectKind::Spa
        } else {
            RedirectKind::Web
        };
        app.redirect_uris.push(RedirectUri {
            uri,
            kind,
            kind_inferred: true,
        });
    }

    let access_type = if public { "public" } else { "confidential" };
    let policy = realm
        .pkce_policies
        .iter()
        .find(|(t, _)| t == "any" || t == access_type);
    app.pkce = match (attr(client, "pkce.code.challenge.method"), policy) {
        (Some("S256"), _) => PkcePolicy {
            status: PkceStatus::Required,
            methods: vec![PkceMethod::S256],
        },
        (_, Some((_, name))) => {
            app.note_inferred(
                "pkce",
                format!("client policy `{name}` enforces PKCE (S256) for {access_type} clients"),
            );
            PkcePolicy {
                status: PkceStatus::Required,
                methods: vec![PkceMethod::S256],
            }
        }
        (Some("plain"), _) => PkcePolicy {
            status: PkceStatus::Required,
            methods: vec![PkceMethod::Plain],
        },
        // Keycloak accepts PKCE from any client; without the attribute it does not require it.
        _ => PkcePolicy {
            status: PkceStatus::Optional,
            methods: vec![PkceMethod::S256, PkceMethod::Plain],
        },
    };

    if !public && !bearer_only {
        let (kind, what) = match client
            .get("clientAuthenticatorType")
            .and_then(Value::as_str)
        {
            Some("client-jwt") => (CredentialKind::PrivateKeyJwt, "jwt"),
            Some("client-x509") => (CredentialKind::Certificate, "x509"),
            _ => (CredentialKind::Secret, "secret"),
        };
        let created = attr(client, "client.secret.creation.time").and_then(epoch_seconds);
        app.credentials.push(Credential {
            kind,
            key_id: None,
            hint: None,
            display_name: Some(format!("client {what}")),
            created_at: if kind == CredentialKind::Secret {
                created
            } else {
                None
            },
            expires_at: None,
            never_expires: false,
            fingerprint: key_fingerprint(client, kind).unwrap_or_else(|| {
                Credential::fingerprint_of(&[
                    "keycloak",
                    id,
                    what,
                    &created
                        .map(|c| c.timestamp().to_string())
                        .unwrap_or_default(),
                ])
            }),
            // Full exports carry the secret; partial exports mask it with asterisks.
            secret_digest: client
                .get("secret")
                .and_then(Value::as_str)
                .filter(|s| kind == CredentialKind::Secret && !s.chars().all(|c| c == '*'))
                .and_then(crate::secret_digest::digest),
        });
        app.note_unknown(
            "credentials",
            "Keycloak secrets have no expiry unless a secret rotation policy sets one",
        );
    }
    app.requested_scopes = ["defaultClientScopes", "optionalClientScopes"]
        .iter()
        .flat_map(|k| {
            client
                .get(*k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
        })
        .map(|s| bound_str(s, MAX_NAME))
        .collect();
    token_policy(&mut app, client, realm, refresh);
    app.raw = evidence(client.clone());
    app.normalize();
    Ok(app)
}

fn token_policy(app: &mut OAuthApp, client: &Value, realm: &RealmSettings, refresh: bool) {
    let tp = &mut app.token_policy;
    let secs = |v: u64| Lifetime::Seconds(v);
    tp.access_token_lifetime = Some(
        match attr(client, "access.token.lifespan")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0)
        {
            Some(v) => Setting::new(secs(v), PolicySource::Client),
            None => match realm.access_token_lifespan {
                Some(v) => Setting::new(secs(v), PolicySource::TenantDefault),
                None => Setting::new(
                    secs(DEFAULT_ACCESS_TOKEN_LIFESPAN),
                    PolicySource::ProviderDefault,
                ),
            },
        },
    );
    tp.refresh_tokens_issued = Some(Setting::new(refresh, PolicySource::Client));
    let realm_setting = |v: Option<u64>| {
        v.map(|v| {
            Setting::new(
                if v == 0 { Lifetime::Unlimited } else { secs(v) },
                PolicySource::TenantDefault,
            )
        })
    };
    tp.refresh_token_idle_lifetime = realm_setting(realm.sso_session_idle);
    tp.session_lifetime = realm_setting(realm.sso_session_max);
    // A refresh token lives as long as its session. Offline tokens (scope `offline_access`)
    // outlive sessions: without `offlineSessionMaxLifespanEnabled` they never expire while used,
    // so we record the longest lifetime a refresh token of this client can reach.
    let offline = client_offers_offline(client);
    tp.refresh_token_lifetime = match (offline, realm.offline_session_max_enabled) {
        (true, Some(false)) | (true, None) => Some(Setting::new(
            Lifetime::Unlimited,
            PolicySource::TenantDefault,
        )),
        (true, Some(true)) => realm_setting(realm.offline_session_max),
        (false, _) => realm_setting(realm.sso_session_max),
    };
    tp.refresh_token_rotation = realm
        .revoke_refresh_token
        .map(|v| Setting::new(v, PolicySource::TenantDefault));
    tp.refresh_token_reuse_detection = realm.revoke_refresh_token.map(|v| {
        Setting::new(
            v && realm.refresh_token_max_reuse.unwrap_or(0) == 0,
            PolicySource::TenantDefault,
        )
    });
    if offline {
        app.note_inferred(
            "token_policy.refresh_token_lifetime",
            "offline_access is among the client's scopes, so offline sessions apply",
        );
    }
}

/// The fingerprint of a `client-jwt` or `client-x509` client's key from the key's own public
/// identity, never the client's, so one key on several clients or realms is found
/// (SECRET-011): the JWKS URL, the first key of an inline JWKS (RFC 7638 thumbprint, the
/// same form as Okta's JWKs), the registered certificate, or for X.509 authentication the
/// subject DN the client accepts. `None` for secrets and when the client shows none of these.
fn key_fingerprint(client: &Value, kind: CredentialKind) -> Option<String> {
    let non_empty = |k: &str| attr(client, k).map(str::trim).filter(|v| !v.is_empty());
    match kind {
        CredentialKind::PrivateKeyJwt if attr(client, "use.jwks.url") == Some("true") => {
            non_empty("jwks.url").map(|u| Credential::fingerprint_of(&["jwks-url", u]))
        }
        CredentialKind::PrivateKeyJwt if attr(client, "use.jwks.string") == Some("true") => {
            let jwks: Value = serde_json::from_str(non_empty("jwks.string")?).ok()?;
            let first = jwks.get("keys")?.as_array()?.first()?;
            Credential::jwk_thumbprint(first).map(|t| Credential::fingerprint_of(&["jwk", &t]))
        }
        CredentialKind::PrivateKeyJwt => non_empty("jwt.credential.certificate").map(|pem| {
            let der_b64: String = pem
                .replace("-----BEGIN CERTIFICATE-----", "")
                .replace("-----END CERTIFICATE-----", "")
                .split_whitespace()
                .collect();
            Credential::fingerprint_of(&["x509-certificate", &der_b64])
        }),
        CredentialKind::Certificate => {
            non_empty("x509.subjectdn").map(|dn| Credential::fingerprint_of(&["x509-subject", dn]))
        }
        CredentialKind::Secret | CredentialKind::ApiToken => None,
    }
}

fn client_offers_offline(client: &Value) -> bool {
    ["defaultClientScopes", "optionalClientScopes"]
        .iter()
        .any(|k| {
            client
                .get(*k)
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|s| s.as_str() == Some("offline_access")))
        })
}

/// A user's consent (`users[].clientConsents[]`) to a client, by the client's `clientId`.
pub fn parse_consent(
    user: &Value,
    consent: &Value,
    app_of: impl Fn(&str) -> Option<String>,
) -> Option<Grant> {
    let client_id = consent.get("clientId").and_then(Value::as_str)?;
    let user_id = user
        .get("id")
        .and_then(Value::as_str)
        .or_else(|| user.get("username").and_then(Value::as_str))?;
    let ms = |k: &str| {
        consent
            .get(k)
            .and_then(Value::as_i64)
            .and_then(|v| Utc.timestamp_millis_opt(v).single())
    };
    let mut grant = Grant {
        external_id: None,
        app_external_id: app_of(client_id).unwrap_or_else(|| client_id.to_string()),
        principal: Principal::User {
            id: user_id.to_string(),
            email: user
                .get("email")
                .and_then(Value::as_str)
                .map(|s| bound_str(s, MAX_NAME)),
            display_name: user
                .get("username")
                .and_then(Value::as_str)
                .map(|s| bound_str(s, MAX_NAME)),
            active: user.get("enabled").and_then(Value::as_bool),
        },
        resource: None,
        scopes: consent
            .get("grantedClientScopes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|s| bound_str(s, MAX_NAME))
            .collect(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: ms("createdDate"),
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    Some(grant)
}

/// Realm-wide policy: whether anonymous dynamic client registration is left open.
pub fn tenant_policy(realm: &Value) -> TenantPolicy {
    let key = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";
    let anonymous: Vec<&Value> = realm
        .pointer(&format!("/components/{}", key.replace('/', "~1")))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("subType").and_then(Value::as_str) == Some("anonymous"))
        .collect();
    // Anonymous registration is restricted by the `trusted-hosts` policy; without it anyone
    // who can reach the realm can register a client.
    let open = (!anonymous.is_empty()).then(|| {
        !anonymous
            .iter()
            .any(|c| c.get("providerId").and_then(Value::as_str) == Some("trusted-hosts"))
    });
    let raw = serde_json::json!({
        "realm": realm.get("realm"),
        "accessTokenLifespan": realm.get("accessTokenLifespan"),
        "revokeRefreshToken": realm.get("revokeRefreshToken"),
        "ssoSessionMaxLifespan": realm.get("ssoSessionMaxLifespan"),
        "offlineSessionMaxLifespanEnabled": realm.get("offlineSessionMaxLifespanEnabled"),
        "anonymousRegistrationPolicies": anonymous.iter().map(|c| c.get("providerId")).collect::<Vec<_>>(),
    });
    TenantPolicy {
        open_dynamic_registration: open,
        raw: evidence(raw),
        ..TenantPolicy::default()
    }
}
