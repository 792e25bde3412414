//! The Auth0 Management API `Client` to the normalized model (field map: CONNECTORS.md §6.5,
//! gaps §6.6).
//!
//! Auth0 has no PKCE setting on clients (enforcement lives in post-login Actions), no dates on
//! client secrets, and sets access-token lifetimes per API rather than per client: those stay
//! unknown, with the reason in the app's notes.

use serde::Deserialize;
use serde_json::Value;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, CredentialKind, GrantType, Lifetime, OAuthApp, Ownership, PkcePolicy,
    PolicySource, Setting,
};
use crate::parse_util::{
    MAX_ITEMS, add_redirects, host_of, key_credential, secret_credential, short, text,
};
use crate::redact::evidence;

const PROVIDER: &str = "auth0";
/// Auth0's password grant with a connection (realm): ROPC by another name.
const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Client {
    client_id: String,
    name: Option<String>,
    description: Option<String>,
    app_type: Option<String>,
    is_first_party: Option<bool>,
    token_endpoint_auth_method: Option<String>,
    client_authentication_methods: Option<AuthMethods>,
    callbacks: Vec<String>,
    grant_types: Option<Vec<String>>,
    refresh_token: Option<RefreshToken>,
    jwt_configuration: Option<JwtConfiguration>,
    /// Present only with `read:client_keys`; its value is digested, never kept.
    client_secret: Option<String>,
    require_proof_of_possession: Option<bool>,
    external_client_id: Option<String>,
    external_metadata_created_by: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JwtConfiguration {
    /// `RS256` (the tenant's key) or `HS256` (the client secret).
    alg: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuthMethods {
    private_key_jwt: Option<CredentialList>,
    tls_client_auth: Option<CredentialList>,
    self_signed_tls_client_auth: Option<CredentialList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CredentialList {
    credentials: Vec<CredentialRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CredentialRef {
    id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RefreshToken {
    rotation_type: Option<String>,
    expiration_type: Option<String>,
    leeway: Option<u64>,
    token_lifetime: Option<u64>,
    idle_token_lifetime: Option<u64>,
    infinite_token_lifetime: Option<bool>,
    infinite_idle_token_lifetime: Option<bool>,
}

/// Map an Auth0 `Client` (`GET /api/v2/clients` item).
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    let mut c = Client::deserialize(value)
        .map_err(|e| ConnectorError::malformed(format!("Auth0 client: {e}")))?;
    if c.client_id.is_empty() {
        return Err(ConnectorError::malformed(
            "Auth0 client without `client_id`",
        ));
    }
    let id = short(&c.client_id);
    let name = c.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&id);
    let mut app = OAuthApp::new(Provider::Auth0, &id, short(name));
    app.client_id = Some(id.clone());
    app.description = c.description.as_deref().map(text);

    app.ownership = match c.is_first_party {
        Some(true) => Ownership::FirstParty,
        Some(false) => Ownership::ThirdParty,
        None => {
            app.note_unknown("ownership", "the client object has no `is_first_party`");
            Ownership::Unknown
        }
    };
    app.dynamically_registered = match c.external_metadata_created_by.as_deref() {
        Some("client") => Some(true),
        Some("admin") => Some(false),
        _ => None,
    };
    app.publisher.domain = c.external_client_id.as_deref().and_then(host_of);
    app.note_unknown("publisher.verified", "Auth0 has no publisher verification");

    app.app_kind = match c.app_type.as_deref() {
        Some("native") => AppKind::Native,
        Some("spa") => AppKind::Spa,
        Some("regular_web") => AppKind::Web,
        Some("non_interactive" | "resource_server") => AppKind::Service,
        Some(other) => {
            app.note_unknown(
                "app_kind",
                format!("app_type `{}` is an SSO integration type", short(other)),
            );
            AppKind::Unknown
        }
        None => {
            app.note_unknown("app_kind", "the client has no `app_type`");
            AppKind::Unknown
        }
    };

    let methods = c.client_authentication_methods.take().unwrap_or_default();
    let key_methods: Vec<(&str, CredentialKind, &CredentialList)> = [
        (
            "private_key_jwt",
            CredentialKind::PrivateKeyJwt,
            &methods.private_key_jwt,
        ),
        (
            "tls_client_auth",
            CredentialKind::Certificate,
            &methods.tls_client_auth,
        ),
        (
            "self_signed_tls_client_auth",
            CredentialKind::Certificate,
            &methods.self_signed_tls_client_auth,
        ),
    ]
    .into_iter()
    .filter_map(|(name, kind, list)| list.as_ref().map(|l| (name, kind, l)))
    .collect();
    app.token_endpoint_auth_method = c
        .token_endpoint_auth_method
        .as_deref()
        .or(key_methods.first().map(|(name, _, _)| *name))
        .map(short);
    app.client_type = match (app.token_endpoint_auth_method.as_deref(), app.app_kind) {
        (Some("none"), _) | (_, AppKind::Native | AppKind::Spa) => ClientType::Public,
        (Some(_), _) | (None, AppKind::Web | AppKind::Service) => ClientType::Confidential,
        (None, _) => ClientType::Unknown,
    };
    app.note_inferred(
        "client_type",
        "token_endpoint_auth_method (`none` is public), client_authentication_methods and app_type (native and SPA apps cannot keep a secret, RFC 8252 §8.4)",
    );

    add_redirects(&mut app, c.callbacks.iter().map(String::as_str));
    match &c.grant_types {
        Some(list) => {
            app.grant_types = list
                .iter()
                .take(MAX_ITEMS)
                .map(|g| match g.as_str() {
                    PASSWORD_REALM => GrantType::Password,
                    other => GrantType::from_wire(&short(other)),
                })
                .collect();
        }
        None => app.note_unknown(
            "grant_types",
            "the client has no `grant_types`; Auth0 then applies its defaults for the app type",
        ),
    }
    app.pkce = PkcePolicy::unknown();
    app.note_unknown(
        "pkce",
        "Auth0 has no PKCE setting on clients: it is enforced only by a post-login Action that denies requests without a code_challenge",
    );

    let method = app.token_endpoint_auth_method.as_deref();
    let authenticates = matches!(method, Some("client_secret_post" | "client_secret_basic"))
        || (c.client_secret.is_some() && method.is_none() && key_methods.is_empty());
    // HS256 ID tokens are signed with the client secret, so a client that accepts them holds
    // the secret whatever its token endpoint authentication.
    let signs_id_tokens =
        c.jwt_configuration.as_ref().and_then(|j| j.alg.as_deref()) == Some("HS256");
    if authenticates || signs_id_tokens {
        app.credentials
            .push(secret_credential(PROVIDER, &id, c.client_secret.as_deref()));
        app.note_unknown(
            "credentials",
            "Auth0 client secrets carry no creation or expiry dates",
        );
        if signs_id_tokens && !authenticates {
            app.note_inferred(
                "credentials",
                "jwt_configuration.alg HS256: ID tokens are signed with the client secret, so the client holds it",
            );
        }
    } else if c.client_secret.is_some() {
        app.note_inferred(
            "credentials",
            "Auth0 returned a client_secret, but the client does not authenticate with it",
        );
    }
    for (_, kind, list) in &key_methods {
        for cred in list.credentials.iter().take(MAX_ITEMS) {
            app.credentials
                .push(key_credential(PROVIDER, &id, *kind, cred.id.as_deref()));
        }
    }

    token_policy(&mut app, &c);
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(Some(app))
}

/// A value set on the client itself.
fn client<T>(value: T) -> Setting<T> {
    Setting::new(value, PolicySource::Client)
}

fn token_policy(app: &mut OAuthApp, c: &Client) {
    let tp = &mut app.token_policy;
    if let Some(grants) = &c.grant_types {
        tp.refresh_tokens_issued = Some(client(grants.iter().any(|g| g == "refresh_token")));
    }
    tp.sender_constrained = c.require_proof_of_possession.map(client);
    app.note_unknown(
        "token_policy.access_token_lifetime",
        "Auth0 sets access-token lifetimes per API (resource server `token_lifetime`), not on the client",
    );
    let Some(r) = &c.refresh_token else {
        app.note_unknown(
            "token_policy.refresh_token_lifetime",
            "the client has no `refresh_token` settings object",
        );
        return;
    };
    let tp = &mut app.token_policy;
    let rotating = r.rotation_type.as_deref().map(|t| t == "rotating");
    tp.refresh_token_rotation = rotating.map(client);
    if rotating == Some(true) {
        // Rotating refresh tokens come with automatic reuse detection (the token family is
        // revoked when a used token comes back after the leeway).
        tp.refresh_token_reuse_detection = Some(Setting::new(true, PolicySource::ProviderDefault));
        tp.refresh_token_reuse_interval = r.leeway.map(client);
    }
    let lifetime = |infinite: Option<bool>, secs: Option<u64>| match (infinite, secs) {
        (Some(true), _) => Some(Lifetime::Unlimited),
        (_, Some(s)) if s > 0 => Some(Lifetime::Seconds(s)),
        _ => None,
    };
    let (absolute, idle) = match r.expiration_type.as_deref() {
        Some("non-expiring") => (Some(Lifetime::Unlimited), Some(Lifetime::Unlimited)),
        _ => (
            lifetime(r.infinite_token_lifetime, r.token_lifetime),
            lifetime(r.infinite_idle_token_lifetime, r.idle_token_lifetime),
        ),
    };
    tp.refresh_token_lifetime = absolute.map(client);
    tp.refresh_token_idle_lifetime = idle.map(client);
}
