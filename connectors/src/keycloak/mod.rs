//! Keycloak (Admin REST API representations).
//!
//! `parse` maps clients and realm settings to the model; `import` reads a realm export file
//! (admin console "Partial export" or `kc.sh export`): the realm's token settings, `clients`,
//! optional `users[].clientConsents`, client policies and registration policies. `fetch`
//! collects the same objects over the Admin REST API.

pub mod fetch;
pub mod parse;

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

use crate::connector::CollectSummary;
use crate::error::ConnectorError;
use crate::file::{Emit, located, open};
use crate::model::InventoryItem;

/// Read a realm export, emitting its clients, then the users' consents, then the realm policy.
pub fn import(path: &Path, emit: &mut Emit<'_>) -> Result<CollectSummary, ConnectorError> {
    let at = located(path);
    let realm: Value = serde_json::from_reader(std::io::BufReader::new(open(path)?))
        .map_err(|e| at(ConnectorError::malformed(format!("invalid JSON: {e}"))))?;
    let clients = realm
        .get("clients")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            at(ConnectorError::malformed(
                "a realm export with a `clients` list was expected",
            ))
        })?;
    let settings = parse::RealmSettings::from_realm(&realm);
    let mut app_of_client: HashMap<String, String> = HashMap::new();
    for (i, client) in clients.iter().enumerate() {
        let app = parse::parse_client(client, &settings).map_err(|e| {
            at(ConnectorError {
                message: format!("clients[{i}]: {}", e.message),
                ..e
            })
        })?;
        if let Some(c) = &app.client_id {
            app_of_client.insert(c.clone(), app.external_id.clone());
        }
        emit(InventoryItem::App(Box::new(app)))?;
    }
    for user in realm
        .get("users")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for consent in user
            .get("clientConsents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(grant) =
                parse::parse_consent(user, consent, |c| app_of_client.get(c).cloned())
            {
                emit(InventoryItem::Grant(grant))?;
            }
        }
    }
    emit(InventoryItem::TenantPolicy(parse::tenant_policy(&realm)))?;
    Ok(CollectSummary::default())
}

/// Read the clients of one Keycloak document held in memory: a realm export
/// (`{"realm", "clients": [...]}`, whose realm-level token settings and client policies apply
/// to every client, with its users' consents and registration policy), a `{"clients": [...]}`
/// object, a JSON array of clients (`GET /admin/realms/{realm}/clients`), or one client. Without
/// the realm, realm-level settings are unknown and each app says so.
pub fn read_document(value: &Value) -> Result<crate::file::Inventory, ConnectorError> {
    use crate::parse_util::{document_items, in_item};
    let realm = value
        .get("realm")
        .is_some_and(Value::is_string)
        .then_some(value);
    let settings = realm
        .map(parse::RealmSettings::from_realm)
        .unwrap_or_default();
    let mut inv = crate::file::Inventory::default();
    let mut app_of_client: HashMap<String, String> = HashMap::new();
    for (label, client) in document_items(value, &["clients"]) {
        let mut app = parse::parse_client(client, &settings).map_err(in_item(&label))?;
        if realm.is_none() {
            app.note_unknown(
                "token_policy",
                "realm-level token and session settings are not in the document (export the realm to include them)",
            );
            app.normalize();
        }
        if let Some(c) = &app.client_id {
            app_of_client.insert(c.clone(), app.external_id.clone());
        }
        inv.apps.push(app);
    }
    if let Some(realm) = realm {
        for user in realm
            .get("users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for consent in user
                .get("clientConsents")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                inv.grants.extend(parse::parse_consent(user, consent, |c| {
                    app_of_client.get(c).cloned()
                }));
            }
        }
        inv.policies.push(parse::tenant_policy(realm));
    }
    Ok(inv)
}

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
