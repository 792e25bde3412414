//! Salesforce sObject rows: `ConnectedApplication` (an app in the org, with its access policy
//! but none of its OAuth configuration) and `OauthToken` (one user's authorization of an app;
//! the token fields themselves are never read).

use serde_json::{Value, json};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{ConsentType, Grant, GrantKind, Lifetime, OAuthApp, Principal};
use crate::parse_util::{flag, short, str_at, time_at, uint};
use crate::redact::evidence;

use super::policy::client;

const METADATA_ONLY: &str =
    "only the Metadata API `ConnectedApp` shows this; the ConnectedApplication object does not";

/// Map a `ConnectedApplication` sObject row: an app installed or created in the org, with its
/// access policy but none of its OAuth configuration.
pub fn parse_connected_application(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let id = str_at(value, "Id")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Salesforce ConnectedApplication without `Id`"))?;
    let name = str_at(value, "Name")
        .map(short)
        .unwrap_or_else(|| id.clone());
    let mut app = OAuthApp::new(Provider::Salesforce, &id, name);
    app.created_at = time_at(value, "CreatedDate");
    app.note_unknown(
        "client_id",
        "the consumer key is not on the ConnectedApplication object",
    );
    app.note_unknown(
        "ownership",
        "the ConnectedApplication object does not say whether the app is local or installed",
    );
    for field in [
        "client_type",
        "app_kind",
        "redirect_uris",
        "grant_types",
        "pkce",
        "credentials",
        "network_restricted",
    ] {
        app.note_unknown(field, METADATA_ONLY);
    }
    let period = uint(value.get("RefreshTokenValidityPeriod"));
    let by_inactivity = flag(value.get("OptionsRefreshTokenValidityMetric")) == Some(true);
    let tp = &mut app.token_policy;
    match period {
        None => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Unlimited));
            tp.refresh_token_idle_lifetime = Some(client(Lifetime::Unlimited));
            app.note_inferred(
                "token_policy.refresh_token_lifetime",
                "no RefreshTokenValidityPeriod: refresh tokens are valid until revoked",
            );
        }
        Some(0) => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Seconds(0)));
            tp.refresh_tokens_issued = Some(client(false));
        }
        Some(n) if by_inactivity => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Unlimited));
            app.note_unknown(
                "token_policy.refresh_token_idle_lifetime",
                format!("refresh tokens expire after {n} units of inactivity; the unit (hours, days or months) is not on the object"),
            );
        }
        Some(n) => {
            tp.refresh_token_idle_lifetime = Some(client(Lifetime::Unlimited));
            app.note_unknown(
                "token_policy.refresh_token_lifetime",
                format!("refresh tokens expire after {n} units; the unit (hours, days or months) is not on the object"),
            );
        }
    }
    app.note_unknown(
        "token_policy.access_token_lifetime",
        "the app's session timeout is read from the Metadata API",
    );
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

/// The app an `OauthToken` row belongs to: the `ConnectedApplication` id when the row carries
/// it (`AppMenuItem.ApplicationId`), else the app's name.
pub fn token_app_key(row: &Value) -> Option<(String, String)> {
    let name = str_at(row, "AppName").map(short)?;
    let key = row
        .pointer("/AppMenuItem/ApplicationId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(short)
        .unwrap_or_else(|| format!("app:{name}"));
    Some((key, name))
}

/// Map an `OauthToken` row: one user's authorization of an app (never reads the token fields).
pub fn parse_token(row: &Value) -> Result<Grant, ConnectorError> {
    let (app_key, _) = token_app_key(row)
        .ok_or_else(|| ConnectorError::malformed("Salesforce OauthToken without `AppName`"))?;
    let user = str_at(row, "UserId")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Salesforce OauthToken without `UserId`"))?;
    Ok(Grant {
        external_id: None,
        app_external_id: app_key,
        principal: Principal::User {
            id: user,
            email: None,
            display_name: row
                .pointer("/User/Username")
                .and_then(Value::as_str)
                .map(short),
            active: row.pointer("/User/IsActive").and_then(Value::as_bool),
        },
        resource: None,
        scopes: Vec::new(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: time_at(row, "CreatedDate"),
        expires_at: None,
        last_used_at: time_at(row, "LastUsedDate"),
    })
}

/// An app known only from users' `OauthToken` rows: it may not even be installed in the org
/// (CONNECTORS.md §5.6), so everything but its name is unknown.
pub fn app_from_tokens(key: &str, name: &str, rows: &[&Value]) -> OAuthApp {
    let mut app = OAuthApp::new(Provider::Salesforce, key, name);
    app.last_used_at = rows.iter().filter_map(|r| time_at(r, "LastUsedDate")).max();
    app.note_unknown(
        "ownership",
        "known only from users' OauthToken rows: the app may not be installed in the org",
    );
    for field in [
        "client_id",
        "client_type",
        "app_kind",
        "redirect_uris",
        "grant_types",
        "pkce",
        "credentials",
        "token_policy",
    ] {
        app.note_unknown(field, "the app is known only from users' OauthToken rows");
    }
    app.note_unknown("requested_scopes", "OauthToken rows carry no scopes");
    app.raw = evidence(json!({
        "AppName": name,
        "ApplicationId": rows.iter().find_map(|r| r.pointer("/AppMenuItem/ApplicationId")),
    }));
    app.normalize();
    app
}
