//! Recognise which provider's API shape a JSON document is in, and read its apps.
//!
//! This is the entry point of the offline `oauth-audit check FILE…` command: a file holds one
//! app object, a JSON array of them, or a list/page object in the provider's own shape, and its
//! format is detected from fields only that provider uses unless `--provider` names it. The
//! per-provider parsing lives in each provider module's `read_document`; this module only
//! recognises and dispatches. It does no I/O.

use serde_json::Value;
use std::fmt;
use std::str::FromStr;

use crate::Provider;
use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::model::OAuthApp;

/// A document format: one per provider, plus generic RFC 7591 client metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Entra,
    Okta,
    Google,
    Github,
    Salesforce,
    Slack,
    Auth0,
    Keycloak,
    Rfc7591,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 9] = [
        Format::Entra,
        Format::Okta,
        Format::Google,
        Format::Github,
        Format::Salesforce,
        Format::Slack,
        Format::Auth0,
        Format::Keycloak,
        Format::Rfc7591,
    ];

    /// The name `--provider` takes (the provider's stable name).
    pub fn as_str(self) -> &'static str {
        self.provider().as_str()
    }

    /// The provider whose shape this is (the model's `provider` of the apps read).
    pub fn provider(self) -> Provider {
        match self {
            Format::Entra => Provider::Entra,
            Format::Okta => Provider::Okta,
            Format::Google => Provider::Google,
            Format::Github => Provider::Github,
            Format::Salesforce => Provider::Salesforce,
            Format::Slack => Provider::Slack,
            Format::Auth0 => Provider::Auth0,
            Format::Keycloak => Provider::Keycloak,
            Format::Rfc7591 => Provider::Rfc7591,
        }
    }

    /// The format of a provider's documents.
    pub fn of(provider: Provider) -> Format {
        Format::ALL
            .into_iter()
            .find(|f| f.provider() == provider)
            .unwrap_or(Format::Rfc7591)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name was not one of the formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format `{0}` (expected one of: entra, okta, google, github, salesforce, slack, auth0, keycloak, rfc7591)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// What an unrecognised document was expected to look like.
pub const EXPECTED: &str = "expected one of: a Microsoft Graph application or servicePrincipal \
(or a page {\"value\": [...]}); an Okta app (GET /api/v1/apps); a Keycloak client or realm export \
({\"realm\", \"clients\": [...]}); an Auth0 client (or {\"clients\": [...]}); a Salesforce \
ConnectedApp, ConnectedApplication or OauthToken record (or {\"records\": [...]}); a GitHub App, \
manifest, installation (or {\"installations\": [...]}), OAuth app or credential authorization; a \
Slack admin app list ({\"ok\": true, \"approved_apps\": [...]}) or app manifest; a Google Workspace \
token list ({\"items\": [...]}); or RFC 7591 client metadata (redirect_uris with \
token_endpoint_auth_method or client_name). A JSON array of such objects is accepted too; name \
the format with --provider to see why a document does not parse";

/// Items looked at to recognise a list.
const SAMPLE: usize = 20;

/// The format of a document, from fields only that provider uses; `None` when no format
/// matches. Lists (JSON arrays and page objects) are recognised by their first recognisable
/// items.
pub fn detect(value: &Value) -> Option<Format> {
    match value {
        Value::Array(items) => detect_items(items),
        Value::Object(_) => detect_page(value).or_else(|| detect_item(value)),
        _ => None,
    }
}

fn detect_items(items: &[Value]) -> Option<Format> {
    items.iter().take(SAMPLE).find_map(detect_item)
}

fn array<'a>(value: &'a Value, key: &str) -> Option<&'a [Value]> {
    value.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// Page and list objects, by the keys each provider keeps its items under.
fn detect_page(v: &Value) -> Option<Format> {
    let has = |k: &str| v.get(k).is_some();
    if v.get("realm").is_some_and(Value::is_string) && array(v, "clients").is_some() {
        return Some(Format::Keycloak);
    }
    if ["approved_apps", "restricted_apps", "app_requests"]
        .iter()
        .any(|k| array(v, k).is_some())
        || (v.get("ok").is_some_and(Value::is_boolean) && has("manifest"))
    {
        return Some(Format::Slack);
    }
    if array(v, "installations").is_some() {
        return Some(Format::Github);
    }
    if let Some(records) = array(v, "records") {
        return detect_items(records).or(Some(Format::Salesforce));
    }
    if let (Some(_), Some(result)) = (v.get("status"), v.get("result")) {
        return detect(result).filter(|f| *f == Format::Salesforce);
    }
    if let Some(items) = array(v, "items") {
        let token_list = v
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.starts_with("admin#directory#token"));
        return detect_items(items).or(token_list.then_some(Format::Google));
    }
    if array(v, "grants").is_some() || array(v, "client_grants").is_some() {
        return Some(Format::Auth0);
    }
    if let Some(found) = ["value", "clients"]
        .iter()
        .find_map(|k| array(v, k).and_then(detect_items))
    {
        return Some(found);
    }
    // Empty pages still say whose they are.
    if array(v, "value").is_some() && has("@odata.context") {
        Some(Format::Entra)
    } else if array(v, "clients").is_some() && has("total") && has("limit") {
        Some(Format::Auth0)
    } else {
        None
    }
}

/// A single object, by the fields only one provider's objects carry. The order matters where
/// shapes share field names: Auth0 clients have `client_id` and `name` like GitHub OAuth apps,
/// and `token_endpoint_auth_method` and `grant_types` like RFC 7591 metadata.
fn detect_item(v: &Value) -> Option<Format> {
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    let any = |keys: &[&str]| keys.iter().any(|k| has(k));
    if !v.is_object() {
        return None;
    }
    if crate::salesforce::parse::kind_of(v).is_some() {
        return Some(Format::Salesforce);
    }
    if has("appId")
        && any(&[
            "signInAudience",
            "web",
            "spa",
            "publicClient",
            "servicePrincipalType",
            "appOwnerOrganizationId",
            "requiredResourceAccess",
            "passwordCredentials",
            "keyCredentials",
            "replyUrls",
        ])
    {
        return Some(Format::Entra);
    }
    if v.pointer("/settings/oauthClient").is_some()
        || v.pointer("/credentials/oauthClient").is_some()
        || has("signOnMode")
        || (has("_links") && has("label"))
    {
        return Some(Format::Okta);
    }
    if (has("clientId") && has("displayText"))
        || v.get("kind").and_then(Value::as_str) == Some("admin#directory#token")
    {
        return Some(Format::Google);
    }
    if has("clientId")
        && any(&[
            "publicClient",
            "standardFlowEnabled",
            "bearerOnly",
            "redirectUris",
            "protocol",
            "directAccessGrantsEnabled",
            "serviceAccountsEnabled",
        ])
    {
        return Some(Format::Keycloak);
    }
    if any(&[
        "app_type",
        "callbacks",
        "is_first_party",
        "jwt_configuration",
    ]) || (has("client_id") && has("tenant"))
        || (has("clientID") && has("audience"))
        || (has("client_id") && has("audience") && !has("redirect_uris"))
    {
        return Some(Format::Auth0);
    }
    let slack_item = v.pointer("/app/id").is_some()
        && v.pointer("/app/client_id").is_none()
        && array(v, "scopes").is_some();
    if slack_item || crate::slack::parse::is_manifest(v) {
        return Some(Format::Slack);
    }
    if has("redirect_uris")
        && any(&[
            "token_endpoint_auth_method",
            "client_name",
            "grant_types",
            "response_types",
            "application_type",
        ])
        || (has("client_id") && has("token_endpoint_auth_method"))
        || any(&["software_statement", "registration_client_uri"])
    {
        return Some(Format::Rfc7591);
    }
    if crate::github::parse::kind_of(v).is_some() {
        return Some(Format::Github);
    }
    None
}

/// Read the apps of a document: in `format` when given, else in the detected format.
/// Unrecognised documents are [`ErrorKind::Malformed`](crate::ErrorKind::Malformed) errors
/// that say which shapes are accepted.
pub fn parse_document(
    format: Option<Format>,
    value: &Value,
) -> Result<(Format, Vec<OAuthApp>), ConnectorError> {
    read_document(format, value).map(|(format, inv)| (format, inv.apps))
}

/// Read everything a document holds: its apps, and the grants and tenant policy some shapes
/// carry too (Google tokens, Salesforce `OauthToken` rows, Slack approvals, GitHub
/// installations, Auth0 grants, a Keycloak realm export's consents and registration policy).
pub fn read_document(
    format: Option<Format>,
    value: &Value,
) -> Result<(Format, Inventory), ConnectorError> {
    if !(value.is_object() || value.is_array()) {
        return Err(ConnectorError::malformed(format!(
            "the document is not a JSON object or array: {EXPECTED}"
        )));
    }
    let detected = detect(value);
    let Some(format) = format.or(detected) else {
        return Err(ConnectorError::malformed(format!(
            "unrecognised document: {EXPECTED}"
        )));
    };
    let inv = match format {
        Format::Entra => crate::entra::read_document(value),
        Format::Okta => crate::okta::read_document(value),
        Format::Google => crate::google::read_document(value),
        Format::Github => crate::github::read_document(value),
        Format::Salesforce => crate::salesforce::read_document(value),
        Format::Slack => crate::slack::read_document(value),
        Format::Auth0 => crate::auth0::read_document(value),
        Format::Keycloak => crate::keycloak::read_document(value),
        Format::Rfc7591 => crate::rfc7591::read_document(value),
    }
    .map_err(|e| {
        let hint = match detected {
            Some(other) if other != format => format!(" (the document looks like {other})"),
            _ => String::new(),
        };
        ConnectorError {
            message: crate::redact::bound_str(
                &format!("{format} document: {}{hint}", e.message),
                crate::parse_util::MAX_MESSAGE,
            ),
            ..e
        }
    })?;
    // A format named by the caller that finds nothing in a document another format recognises
    // is almost certainly the wrong one: say so rather than report an empty inventory.
    if let Some(other) = detected.filter(|d| *d != format)
        && inv.apps.is_empty()
        && inv.grants.is_empty()
        && inv.policies.is_empty()
    {
        return Err(ConnectorError::malformed(format!(
            "no {format} apps in the document, which looks like {other}"
        )));
    }
    Ok((format, inv))
}

#[cfg(test)]
mod tests;
