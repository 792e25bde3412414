//! Auth0 grants: users' consents (`GET /api/v2/grants`) and client grants
//! (`GET /api/v2/client-grants`). Neither carries timestamps (CONNECTORS.md §6.6).

use serde::Deserialize;
use serde_json::Value;

use crate::error::ConnectorError;
use crate::model::{ConsentType, Grant, GrantKind, Principal};
use crate::parse_util::{MAX_ITEMS, short};

#[derive(Debug, Deserialize)]
struct UserGrant {
    id: Option<String>,
    /// Auth0 spells it in camel case on grants.
    #[serde(rename = "clientID", alias = "client_id")]
    client_id: String,
    user_id: String,
    audience: Option<String>,
    #[serde(default)]
    scope: Vec<String>,
}

/// Map a user consent (`GET /api/v2/grants` item): the user let the client call `audience`.
/// `app_of` maps a client id to the app's external id (for Auth0 they are the same).
pub fn parse_grant(
    value: &Value,
    app_of: impl Fn(&str) -> Option<String>,
) -> Result<Grant, ConnectorError> {
    let g = UserGrant::deserialize(value)
        .map_err(|e| ConnectorError::malformed(format!("Auth0 grant: {e}")))?;
    let mut grant = Grant {
        external_id: g.id.as_deref().map(short),
        app_external_id: app_of(&g.client_id).unwrap_or_else(|| short(&g.client_id)),
        principal: Principal::User {
            id: short(&g.user_id),
            email: None,
            display_name: None,
            active: None,
        },
        resource: g.audience.as_deref().map(short),
        scopes: g.scope.iter().take(MAX_ITEMS).map(|s| short(s)).collect(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    Ok(grant)
}

#[derive(Debug, Deserialize)]
struct ClientGrant {
    id: Option<String>,
    client_id: String,
    audience: Option<String>,
    #[serde(default)]
    scope: Vec<String>,
    subject_type: Option<String>,
    #[serde(default)]
    allow_all_scopes: bool,
}

/// Map a client grant (`GET /api/v2/client-grants` item): an administrator let the client call
/// `audience` as itself (`subject_type` `client`, the default) or for users (`user`). A grant
/// with `allow_all_scopes` covers every scope of the API, recorded as the scope `*`.
pub fn parse_client_grant(
    value: &Value,
    app_of: impl Fn(&str) -> Option<String>,
) -> Result<Grant, ConnectorError> {
    let g = ClientGrant::deserialize(value)
        .map_err(|e| ConnectorError::malformed(format!("Auth0 client grant: {e}")))?;
    let mut scopes: Vec<String> = g.scope.iter().take(MAX_ITEMS).map(|s| short(s)).collect();
    if g.allow_all_scopes {
        scopes.push("*".into());
    }
    let mut grant = Grant {
        external_id: g.id.as_deref().map(short),
        app_external_id: app_of(&g.client_id).unwrap_or_else(|| short(&g.client_id)),
        principal: Principal::Tenant,
        resource: g.audience.as_deref().map(short),
        scopes,
        consent_type: ConsentType::Admin,
        kind: if g.subject_type.as_deref() == Some("user") {
            GrantKind::Delegated
        } else {
            GrantKind::Application
        },
        created_at: None,
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    Ok(grant)
}
