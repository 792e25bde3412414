//! Organization members' long-lived credentials that GitHub lists for an organization: SAML
//! SSO credential authorizations (`GET /orgs/{org}/credential-authorizations`) and fine-grained
//! personal access tokens (`GET /orgs/{org}/personal-access-tokens`).
//!
//! They are API tokens, not OAuth clients, but they are how most integrations reach an
//! organization, so each becomes an app holding one `api_token` credential (SECRET-013) and one
//! grant for its owner. The token value is never in these responses; `token_last_eight` is not
//! kept either (a hint is the first characters of a secret, never its end).

use serde_json::Value;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    ConsentType, Credential, CredentialKind, Grant, GrantKind, OAuthApp, Ownership, PkcePolicy,
    Principal,
};
use crate::parse_util::{MAX_ITEMS, short, str_at, strings, time_at};
use crate::redact::evidence;

use super::parse::{PROVIDER, permission_scopes};

fn api_token(app_id: &str, v: &Value, expires_key: &str) -> Credential {
    let expires = v.get(expires_key);
    Credential {
        kind: CredentialKind::ApiToken,
        key_id: None,
        hint: None,
        display_name: None,
        created_at: None,
        expires_at: expires
            .and_then(Value::as_str)
            .and_then(crate::parse_util::datetime),
        // The field is there and null: the token was created without an expiry.
        never_expires: expires.is_some_and(Value::is_null),
        fingerprint: Credential::fingerprint_of(&[PROVIDER, app_id, "api_token"]),
        secret_digest: None,
    }
}

fn member_token_app(id: &str, name: String, login: Option<&str>) -> OAuthApp {
    let mut app = OAuthApp::new(Provider::Github, id, name);
    app.owners = login.map(short).into_iter().collect();
    app.ownership = Ownership::FirstParty;
    app.note_inferred("ownership", "an organization member's own credential");
    app.pkce = PkcePolicy::unknown();
    for field in ["client_type", "app_kind", "pkce", "redirect_uris"] {
        app.note_unknown(field, "a personal access token, not an OAuth client");
    }
    app
}

/// Whether a credential authorization is a personal access token: the only token type GitHub
/// documents there (the other is `SSH key`; whether OAuth app tokens appear is open,
/// CONNECTORS.md §10 item 5, and one would not say which app it belongs to).
fn is_personal_access_token(credential_type: &str) -> bool {
    credential_type
        .to_ascii_lowercase()
        .contains("personal access token")
}

/// The app a credential authorization stands for; `None` for SSH keys and any other credential
/// that is not a personal access token.
pub fn credential_authorization_app(v: &Value) -> Option<OAuthApp> {
    let id = v.get("credential_id").map(|c| short(&c.to_string()))?;
    let kind = str_at(v, "credential_type").unwrap_or("");
    if !is_personal_access_token(kind) {
        return None;
    }
    let login = str_at(v, "login");
    let name = str_at(v, "authorized_credential_title")
        .or_else(|| str_at(v, "authorized_credential_note"))
        .map(short)
        .unwrap_or_else(|| {
            format!(
                "{} of {}",
                short(kind),
                login.map(short).unwrap_or_default()
            )
        });
    let app_id = format!("credential:{id}");
    let mut app = member_token_app(&app_id, name, login);
    app.created_at = time_at(v, "credential_authorized_at");
    app.last_used_at = time_at(v, "credential_accessed_at");
    app.requested_scopes = strings(v.get("scopes"));
    let mut token = api_token(&app_id, v, "authorized_credential_expires_at");
    token.created_at = app.created_at;
    if v.get("authorized_credential_expires_at").is_none() {
        app.note_unknown(
            "credentials",
            "the authorization does not state the token's expiry",
        );
    }
    app.credentials.push(token);
    app.raw = evidence(v.clone());
    app.normalize();
    Some(app)
}

/// The app a fine-grained personal access token stands for.
pub fn fine_grained_token_app(v: &Value) -> Result<OAuthApp, ConnectorError> {
    let id = v
        .get("token_id")
        .or_else(|| v.get("id"))
        .filter(|x| !x.is_null())
        .map(|x| short(&x.to_string()))
        .ok_or_else(|| ConnectorError::malformed("GitHub fine-grained token without an id"))?;
    let login = v.pointer("/owner/login").and_then(Value::as_str);
    let name = str_at(v, "token_name")
        .map(short)
        .unwrap_or_else(|| format!("token {id}"));
    let app_id = format!("fine-grained-pat:{id}");
    let mut app = member_token_app(&app_id, name, login);
    app.created_at = time_at(v, "access_granted_at");
    app.last_used_at = time_at(v, "token_last_used_at");
    app.enabled = v
        .get("token_expired")
        .and_then(Value::as_bool)
        .map(|expired| !expired);
    app.requested_scopes = fine_grained_scopes(v.get("permissions"));
    let mut token = api_token(&app_id, v, "token_expires_at");
    token.created_at = app.created_at;
    app.credentials.push(token);
    app.raw = evidence(v.clone());
    app.normalize();
    Ok(app)
}

/// `{"organization": {...}, "repository": {...}, "other": {...}}` as `repository:contents:read`.
fn fine_grained_scopes(permissions: Option<&Value>) -> Vec<String> {
    ["organization", "repository", "other"]
        .iter()
        .flat_map(|group| {
            permission_scopes(permissions.and_then(|p| p.get(*group)))
                .into_iter()
                .map(move |s| short(&format!("{group}:{s}")))
        })
        .take(MAX_ITEMS)
        .collect()
}

/// The owner's grant of a member credential: what the token may do in the organization.
pub fn member_token_grant(app: &OAuthApp) -> Grant {
    let mut grant = Grant {
        external_id: None,
        app_external_id: app.external_id.clone(),
        principal: match app.owners.first() {
            Some(login) => Principal::User {
                id: login.clone(),
                email: None,
                display_name: None,
                active: None,
            },
            None => Principal::Tenant,
        },
        resource: None,
        scopes: app.requested_scopes.clone(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: app.created_at,
        expires_at: app.credentials.first().and_then(|c| c.expires_at),
        last_used_at: app.last_used_at,
    };
    grant.normalize();
    grant
}
