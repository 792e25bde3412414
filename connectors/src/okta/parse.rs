//! Okta Management API objects (`OpenIdConnectApplication`, `OAuth2ScopeConsentGrant`) to the
//! normalized model (field map: CONNECTORS.md §2.5).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkceMethod, PkcePolicy, PkceStatus, PolicySource, Principal,
    RedirectKind, RedirectUri, Setting, TokenPolicy,
};
use crate::redact::{bound_str, evidence};

const MAX_NAME: usize = 256;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct App {
    id: String,
    name: Option<String>,
    label: Option<String>,
    status: Option<String>,
    #[serde(rename = "signOnMode")]
    sign_on_mode: Option<String>,
    created: Option<DateTime<Utc>>,
    credentials: Option<AppCredentials>,
    settings: Option<AppSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AppCredentials {
    #[serde(rename = "oauthClient")]
    oauth_client: Option<OauthCredentials>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OauthCredentials {
    client_id: Option<String>,
    token_endpoint_auth_method: Option<String>,
    pkce_required: Option<bool>,
    /// Present on some reads: its presence says the client has a secret, and its value is
    /// only ever turned into a keyed digest (SECRET-010), never kept.
    client_secret: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AppSettings {
    #[serde(rename = "oauthClient")]
    oauth_client: Option<OauthSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OauthSettings {
    client_uri: Option<String>,
    redirect_uris: Vec<String>,
    response_types: Vec<String>,
    grant_types: Vec<String>,
    application_type: Option<String>,
    wildcard_redirect: Option<String>,
    refresh_token: Option<RefreshSettings>,
    jwks: Option<Jwks>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RefreshSettings {
    rotation_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Jwks {
    /// Public JWKs, kept whole for their RFC 7638 thumbprint.
    keys: Vec<Value>,
}

/// Map an Okta app object. `Ok(None)` for apps that are not OAuth clients (SAML, bookmark,
/// SWA ...), which the inventory skips.
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    let a =
        App::deserialize(value).map_err(|e| ConnectorError::malformed(format!("Okta app: {e}")))?;
    let creds = a.credentials.and_then(|c| c.oauth_client);
    let settings = a.settings.and_then(|s| s.oauth_client);
    let is_oidc = a.sign_on_mode.as_deref() == Some("OPENID_CONNECT")
        || creds.is_some()
        || settings.is_some();
    if !is_oidc {
        return Ok(None);
    }
    if a.id.is_empty() {
        return Err(ConnectorError::malformed("Okta app without `id`"));
    }
    let creds = creds.unwrap_or_default();
    let settings = settings.unwrap_or_default();
    let label = a.label.as_deref().or(a.name.as_deref()).unwrap_or(&a.id);
    let mut app = OAuthApp::new(Provider::Okta, &a.id, bound_str(label, MAX_NAME));
    app.client_id = creds.client_id.clone();
    app.created_at = a.created;
    app.enabled = a.status.as_deref().map(|s| s == "ACTIVE");

    // Custom OIDC integrations carry the generic type key; catalog (OIN) apps carry the vendor's.
    match a.name.as_deref() {
        Some("oidc_client") => app.ownership = Ownership::FirstParty,
        Some(key) => {
            app.ownership = Ownership::ThirdParty;
            app.publisher.name = Some(bound_str(key, MAX_NAME));
        }
        None => app.note_unknown("ownership", "the app has no type key (`name`)"),
    }
    app.note_inferred("ownership", "the app's type key: `oidc_client` is a custom integration, anything else an Okta Integration Network app");
    app.publisher.domain = settings.client_uri.as_deref().and_then(host_of);
    app.note_unknown("publisher.verified", "Okta has no publisher verification");
    app.note_unknown("owners", "Okta apps have no owner field");

    let auth_method = creds.token_endpoint_auth_method.as_deref();
    app.app_kind = match settings.application_type.as_deref() {
        Some("web") => AppKind::Web,
        Some("native") => AppKind::Native,
        Some("browser") => AppKind::Spa,
        Some("service") => AppKind::Service,
        _ => AppKind::Unknown,
    };
    app.client_type = match (auth_method, app.app_kind) {
        (Some("none"), _) | (_, AppKind::Native | AppKind::Spa) => ClientType::Public,
        (Some(_), _) => ClientType::Confidential,
        (None, AppKind::Web | AppKind::Service) => ClientType::Confidential,
        (None, _) => ClientType::Unknown,
    };
    app.note_inferred(
        "client_type",
        "token_endpoint_auth_method (`none` is public) and application_type",
    );

    for uri in &settings.redirect_uris {
        app.redirect_uris.push(RedirectUri {
            uri: uri.clone(),
            kind: redirect_kind(uri, app.app_kind),
            kind_inferred: true,
        });
    }
    if settings.wildcard_redirect.as_deref() == Some("SUBDOMAIN") {
        app.note_inferred(
            "redirect_uris",
            "wildcard_redirect = SUBDOMAIN: `*` in a redirect's host matches any subdomain",
        );
    }
    app.grant_types = settings
        .grant_types
        .iter()
        .map(|g| GrantType::from_wire(g))
        .collect();
    if settings
        .response_types
        .iter()
        .any(|r| r == "token" || r == "id_token")
        && !app.grant_types.contains(&GrantType::Implicit)
    {
        app.grant_types.push(GrantType::Implicit);
        app.note_inferred(
            "grant_types",
            "response_types include `token` or `id_token`",
        );
    }
    app.response_types = settings
        .response_types
        .iter()
        .map(|r| bound_str(r, MAX_NAME))
        .collect();
    app.pkce = match creds.pkce_required {
        Some(true) => PkcePolicy {
            status: PkceStatus::Required,
            methods: vec![PkceMethod::S256],
        },
        Some(false) => PkcePolicy {
            status: PkceStatus::Optional,
            methods: vec![PkceMethod::S256],
        },
        None => {
            app.note_unknown("pkce", "the app object has no `pkce_required` field");
            PkcePolicy::unknown()
        }
    };

    if creds.client_secret.as_ref().is_some_and(|v| !v.is_null())
        || matches!(
            auth_method,
            Some("client_secret_basic" | "client_secret_post" | "client_secret_jwt")
        )
    {
        app.credentials.push(Credential {
            kind: CredentialKind::Secret,
            key_id: None,
            hint: None,
            display_name: Some("client secret".into()),
            created_at: None,
            expires_at: None,
            never_expires: false,
            fingerprint: Credential::fingerprint_of(&["okta", &a.id, "client_secret"]),
            secret_digest: creds
                .client_secret
                .as_ref()
                .and_then(Value::as_str)
                .filter(|s| !s.chars().all(|c| c == '*'))
                .and_then(crate::secret_digest::digest),
        });
        app.note_unknown("credentials", "secret dates are read from /api/v1/apps/{id}/credentials/secrets, which the app object does not include");
    }
    for key in settings.jwks.map(|j| j.keys).unwrap_or_default() {
        let kid = key.get("kid").and_then(Value::as_str).unwrap_or_default();
        // The key's own thumbprint, so the same key on several apps is found (SECRET-011);
        // app-scoped only when the JWK lacks its public members.
        let fingerprint = match Credential::jwk_thumbprint(&key) {
            Some(thumbprint) => Credential::fingerprint_of(&["jwk", &thumbprint]),
            None => Credential::fingerprint_of(&["okta", &a.id, "jwk", kid]),
        };
        app.credentials.push(Credential {
            kind: CredentialKind::PrivateKeyJwt,
            key_id: Some(bound_str(kid, MAX_NAME)),
            hint: None,
            display_name: None,
            created_at: None,
            expires_at: None,
            never_expires: false,
            fingerprint,
            secret_digest: None,
        });
    }

    if let Some(rotation) = settings.refresh_token.and_then(|r| r.rotation_type) {
        app.token_policy.refresh_token_rotation =
            Some(Setting::new(rotation == "ROTATE", PolicySource::Client));
    }
    app.token_policy = org_server_defaults(app.token_policy);
    app.note_inferred("token_policy", "Okta's org authorization server defaults (1 hour access, 90 day refresh); custom authorization server policy rules are not in the app object");
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(Some(app))
}

/// The org authorization server's fixed token lifetimes (CONNECTORS.md §2.6, RULES.md §9).
fn org_server_defaults(mut p: TokenPolicy) -> TokenPolicy {
    let d = PolicySource::ProviderDefault;
    p.access_token_lifetime
        .get_or_insert(Setting::new(Lifetime::Seconds(3600), d));
    p.refresh_token_lifetime
        .get_or_insert(Setting::new(Lifetime::Seconds(90 * 24 * 3600), d));
    p
}

fn host_of(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    Some(bound_str(host.split(':').next().unwrap_or(host), MAX_NAME)).filter(|h| !h.is_empty())
}

/// Okta does not type redirect URIs: custom schemes and loopback are native, the rest follow
/// the app type.
fn redirect_kind(uri: &str, kind: AppKind) -> RedirectKind {
    let lower = uri.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    let loopback = ["http://localhost", "http://127.", "http://[::1]"]
        .iter()
        .any(|p| lower.starts_with(p));
    match (web, loopback, kind) {
        (false, _, _) | (_, true, AppKind::Native) => RedirectKind::Native,
        (_, _, AppKind::Spa) => RedirectKind::Spa,
        (_, _, AppKind::Native) => RedirectKind::Native,
        _ => RedirectKind::Web,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeConsentGrant {
    id: String,
    client_id: String,
    scope_id: Option<String>,
    user_id: Option<String>,
    source: Option<String>,
    status: Option<String>,
    issuer: Option<String>,
    created: Option<DateTime<Utc>>,
    #[serde(rename = "_embedded")]
    embedded: Option<Value>,
}

/// Map an `OAuth2ScopeConsentGrant`; `app_of` finds the app id for a client id. `Ok(None)` for
/// grants that are not active.
pub fn parse_grant(
    value: Value,
    app_of: impl Fn(&str) -> Option<String>,
) -> Result<Option<Grant>, ConnectorError> {
    let g: ScopeConsentGrant = serde_json::from_value(value)
        .map_err(|e| ConnectorError::malformed(format!("Okta grant: {e}")))?;
    if g.status.as_deref().is_some_and(|s| s != "ACTIVE") {
        return Ok(None);
    }
    let scope = g
        .embedded
        .as_ref()
        .and_then(|e| e.pointer("/scope/name"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(g.scope_id)
        .unwrap_or_default();
    let user = g.embedded.as_ref().and_then(|e| e.get("user"));
    let principal = match g.user_id {
        Some(id) => Principal::User {
            id,
            email: user
                .and_then(|u| u.pointer("/profile/email").or(u.get("email")))
                .and_then(Value::as_str)
                .map(|s| bound_str(s, MAX_NAME)),
            display_name: user
                .and_then(|u| u.pointer("/profile/login"))
                .and_then(Value::as_str)
                .map(|s| bound_str(s, MAX_NAME)),
            // Okta user status: ACTIVE, PROVISIONED, ... versus SUSPENDED and DEPROVISIONED.
            active: user
                .and_then(|u| u.get("status"))
                .and_then(Value::as_str)
                .map(|s| !matches!(s, "SUSPENDED" | "DEPROVISIONED" | "LOCKED_OUT")),
        },
        None => Principal::Tenant,
    };
    let mut grant = Grant {
        external_id: Some(g.id),
        app_external_id: app_of(&g.client_id).unwrap_or(g.client_id),
        principal,
        resource: g.issuer,
        scopes: vec![bound_str(&scope, MAX_NAME)],
        consent_type: match g.source.as_deref() {
            Some("ADMIN") => ConsentType::Admin,
            Some("END_USER") => ConsentType::User,
            _ => ConsentType::Unknown,
        },
        kind: GrantKind::Delegated,
        created_at: g.created,
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    Ok(Some(grant))
}
