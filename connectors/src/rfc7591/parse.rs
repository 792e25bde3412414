//! RFC 7591 client metadata (and the RFC 7591/7592 registration response around it) to the
//! normalized model.
//!
//! Defaults come from the RFC where a field is omitted (`token_endpoint_auth_method` =
//! `client_secret_basic`, `grant_types` = `authorization_code`, `response_types` = `code`, §2)
//! and from OpenID Connect Dynamic Client Registration 1.0 §2 (`application_type` = `web`);
//! each default applied is recorded as an inferred note. Metadata says nothing about PKCE
//! enforcement or token lifetimes: those stay unknown.

use serde::Deserialize;
use serde_json::Value;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, Credential, CredentialKind, GrantType, OAuthApp, Ownership, PkcePolicy,
    PolicySource, Setting,
};
use crate::parse_util::{
    MAX_ITEMS, add_redirects, epoch, host_of, key_credential, scope_list, secret_credential, short,
};
use crate::redact::evidence;

const PROVIDER: &str = "rfc7591";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    client_id: Option<String>,
    /// Returned by a registration endpoint; digested, never kept.
    client_secret: Option<String>,
    client_id_issued_at: Option<i64>,
    client_secret_expires_at: Option<i64>,
    client_name: Option<String>,
    client_uri: Option<String>,
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    application_type: Option<String>,
    scope: Option<String>,
    contacts: Vec<String>,
    software_id: Option<String>,
    jwks_uri: Option<String>,
    jwks: Option<Jwks>,
    tls_client_auth_subject_dn: Option<String>,
    dpop_bound_access_tokens: Option<bool>,
    tls_client_certificate_bound_access_tokens: Option<bool>,
    registration_client_uri: Option<String>,
    /// RFC 7592; only its presence is used.
    registration_access_token: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Jwk {
    kid: Option<String>,
}

/// Map one client's metadata. `Err` when the object names no client at all (no `client_id`,
/// `software_id` or `client_name`).
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    let m = Metadata::deserialize(value)
        .map_err(|e| ConnectorError::malformed(format!("RFC 7591 client metadata: {e}")))?;
    let nonempty = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(short);
    let client_id = nonempty(&m.client_id);
    let Some(id) = client_id
        .clone()
        .or_else(|| nonempty(&m.software_id).map(|s| format!("software:{s}")))
        .or_else(|| nonempty(&m.client_name).map(|s| format!("name:{s}")))
    else {
        return Err(ConnectorError::malformed(
            "RFC 7591 client metadata without `client_id`, `software_id` or `client_name`",
        ));
    };
    let name = nonempty(&m.client_name).unwrap_or_else(|| id.clone());
    let mut app = OAuthApp::new(Provider::Rfc7591, &id, name);
    app.client_id = client_id.clone();
    if client_id.is_none() {
        app.note_unknown(
            "client_id",
            "the metadata has not been registered yet (no `client_id`)",
        );
    }
    app.created_at = m.client_id_issued_at.and_then(epoch);
    app.publisher.domain = m.client_uri.as_deref().and_then(host_of);
    app.owners = m
        .contacts
        .iter()
        .take(MAX_ITEMS)
        .map(|c| short(c))
        .collect();
    app.note_unknown(
        "ownership",
        "client metadata does not say who registered the client",
    );
    app.ownership = Ownership::Unknown;
    app.note_unknown(
        "publisher.verified",
        "client metadata carries no publisher verification",
    );
    if m.registration_client_uri.is_some() || m.registration_access_token.is_some() {
        app.dynamically_registered = Some(true);
        app.note_inferred(
            "dynamically_registered",
            "the object carries RFC 7592 registration management fields",
        );
    }

    let method = match m.token_endpoint_auth_method.as_deref() {
        Some(method) => short(method),
        None => {
            app.note_inferred(
                "token_endpoint_auth_method",
                "omitted, so the RFC 7591 §2 default `client_secret_basic` applies",
            );
            "client_secret_basic".to_string()
        }
    };
    let grants = match &m.grant_types {
        Some(list) => list.iter().take(MAX_ITEMS).map(|g| short(g)).collect(),
        None => {
            app.note_inferred(
                "grant_types",
                "omitted, so the RFC 7591 §2 default `authorization_code` applies",
            );
            vec!["authorization_code".to_string()]
        }
    };
    app.grant_types = grants.iter().map(|g| GrantType::from_wire(g)).collect();
    app.response_types = match &m.response_types {
        Some(list) => list.iter().take(MAX_ITEMS).map(|r| short(r)).collect(),
        None => vec!["code".to_string()],
    };
    if app
        .response_types
        .iter()
        .any(|r| r.split(' ').any(|t| t == "token"))
        && !app.grant_types.contains(&GrantType::Implicit)
    {
        app.grant_types.push(GrantType::Implicit);
        app.note_inferred(
            "grant_types",
            "response_types include `token`, which is the implicit grant (RFC 7591 §2.1)",
        );
    }

    let interactive = app
        .grant_types
        .iter()
        .any(|g| matches!(g, GrantType::AuthorizationCode | GrantType::Implicit));
    app.app_kind = match m.application_type.as_deref() {
        Some("native") => AppKind::Native,
        _ if !interactive && app.grant_types.contains(&GrantType::DeviceCode) => AppKind::Device,
        _ if !interactive && app.grant_types.contains(&GrantType::ClientCredentials) => {
            AppKind::Service
        }
        _ if method == "none" => AppKind::Spa,
        _ => AppKind::Web,
    };
    app.note_inferred(
        "app_kind",
        "application_type (default `web`, OpenID Connect Registration §2), the grant types, and `none` authentication for a web client (a browser app)",
    );
    app.client_type = if method == "none" || app.app_kind == AppKind::Native {
        ClientType::Public
    } else {
        ClientType::Confidential
    };
    app.note_inferred(
        "client_type",
        "token_endpoint_auth_method (`none` is public) and application_type (native apps are public, RFC 8252 §8.4)",
    );
    add_redirects(&mut app, m.redirect_uris.iter().map(String::as_str));
    app.requested_scopes = m.scope.as_deref().map(scope_list).unwrap_or_default();
    app.pkce = PkcePolicy::unknown();
    app.note_unknown(
        "pkce",
        "client metadata has no PKCE field: enforcement is the authorization server's policy (see its code_challenge_methods_supported, RFC 8414)",
    );

    credentials(&mut app, &m, &id, &method);
    app.token_endpoint_auth_method = Some(method);

    let tp = &mut app.token_policy;
    tp.refresh_tokens_issued = Some(Setting::new(
        app.grant_types.contains(&GrantType::RefreshToken),
        PolicySource::Client,
    ));
    tp.sender_constrained = match (
        m.dpop_bound_access_tokens,
        m.tls_client_certificate_bound_access_tokens,
    ) {
        (None, None) => None,
        (dpop, mtls) => Some(Setting::new(
            dpop.unwrap_or(false) || mtls.unwrap_or(false),
            PolicySource::Client,
        )),
    };
    app.note_unknown(
        "token_policy",
        "client metadata carries no token lifetimes: they are the authorization server's policy",
    );
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(Some(app))
}

fn credentials(app: &mut OAuthApp, m: &Metadata, id: &str, method: &str) {
    let keys: Vec<Option<&str>> = m
        .jwks
        .as_ref()
        .map(|j| {
            j.keys
                .iter()
                .take(MAX_ITEMS)
                .map(|k| k.kid.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let key_kind = match method {
        "private_key_jwt" => Some(CredentialKind::PrivateKeyJwt),
        "self_signed_tls_client_auth" => Some(CredentialKind::Certificate),
        _ => None,
    };
    match method {
        "client_secret_basic" | "client_secret_post" | "client_secret_jwt" => {
            let mut secret = secret_credential(PROVIDER, id, m.client_secret.as_deref());
            // RFC 7591 §3.2.1: 0 means the secret never expires.
            match m.client_secret_expires_at {
                Some(0) => secret.never_expires = true,
                Some(t) => secret.expires_at = epoch(t),
                None => app.note_unknown(
                    "credentials",
                    "no client_secret_expires_at: the secret's expiry is not stated",
                ),
            }
            if m.client_secret.is_none() {
                app.note_inferred(
                    "credentials",
                    format!("`{method}` authentication means the server issues a client secret"),
                );
            }
            app.credentials.push(secret);
        }
        "tls_client_auth" => app.credentials.push(key_credential(
            PROVIDER,
            id,
            CredentialKind::Certificate,
            m.tls_client_auth_subject_dn.as_deref(),
        )),
        _ => {}
    }
    if let Some(kind) = key_kind {
        for kid in &keys {
            app.credentials
                .push(key_credential(PROVIDER, id, kind, *kid));
        }
        if let (true, Some(uri)) = (keys.is_empty(), m.jwks_uri.as_deref()) {
            app.credentials.push(Credential {
                display_name: Some(format!("keys at {}", short(uri))),
                ..key_credential(PROVIDER, id, kind, None)
            });
        }
    }
}
