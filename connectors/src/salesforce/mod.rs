//! Salesforce (Metadata API connected apps, SOQL on `ConnectedApplication` and `OauthToken`).
//!
//! `parse` recognises the object kinds and maps Metadata API connected apps, `policy` their token
//! and IP policy, `records` the `ConnectedApplication` and `OauthToken` rows.
//!
//! [`read_document`] reads one saved response: a SOQL page (`{"totalSize", "done", "records":
//! [...]}`), the same wrapped by the Salesforce CLI (`sf data query --json`: `{"status": 0,
//! "result": {...}}`), Metadata API `ConnectedApp` objects as JSON (one, or an array), or a JSON
//! array of records. Users' `OauthToken` rows become grants, and apps known only from them
//! become apps of their own; the `ConnectedAppSettings` metadata singleton becomes the org's
//! tenant policy.

pub mod fetch;
pub mod parse;
pub mod policy;
pub mod records;

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item};
use parse::Kind;

/// Where SOQL responses keep their rows.
pub const PAGE_KEYS: &[&str] = &["records"];

/// Read the apps and grants of one Salesforce document.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    // `sf ... --json` wraps the API response in `result`.
    let value = match (value.get("status"), value.get("result")) {
        (Some(_), Some(result)) if result.is_object() || result.is_array() => result,
        _ => value,
    };
    let mut inv = Inventory::default();
    let mut tokens: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for (label, item) in document_items(value, PAGE_KEYS) {
        let at = in_item(&label);
        match parse::kind_of(item) {
            Some(Kind::OauthToken) => {
                inv.grants.push(records::parse_token(item).map_err(&at)?);
                if let Some(key) = records::token_app_key(item) {
                    tokens.entry(key).or_default().push(item);
                }
            }
            Some(Kind::ConnectedAppSettings) => inv.policies.push(parse::tenant_policy(item)),
            Some(_) => inv.apps.extend(parse::parse_app(item).map_err(&at)?),
            None => {
                return Err(at(ConnectorError::malformed(
                    "not a Salesforce ConnectedApp, ConnectedApplication or OauthToken record",
                )));
            }
        }
    }
    let known: HashSet<&str> = inv
        .apps
        .iter()
        .flat_map(|a| [a.external_id.as_str(), a.name.as_str()])
        .collect();
    let mut derived = Vec::new();
    for ((key, name), rows) in &tokens {
        if known.contains(key.as_str()) || known.contains(name.as_str()) {
            continue;
        }
        derived.push(records::app_from_tokens(key, name, rows));
    }
    // A token row names its app by ConnectedApplication id or by name; when the app is in the
    // document under another key (a Metadata API fullName), point the grant at it.
    let name_of: BTreeMap<&str, &str> = tokens
        .keys()
        .map(|(key, name)| (key.as_str(), name.as_str()))
        .collect();
    for grant in &mut inv.grants {
        if inv
            .apps
            .iter()
            .any(|a| a.external_id == grant.app_external_id)
        {
            continue;
        }
        if let Some(name) = name_of.get(grant.app_external_id.as_str())
            && let Some(app) = inv.apps.iter().find(|a| a.name == *name)
        {
            grant.app_external_id = app.external_id.clone();
        }
    }
    inv.apps.extend(derived);
    Ok(inv)
}

#[cfg(test)]
mod tests;
