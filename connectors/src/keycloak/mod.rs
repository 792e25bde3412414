//! Keycloak (Admin REST API representations).
//!
//! `parse` maps clients and realm settings to the model; `import` reads a realm export file
//! (admin console "Partial export" or `kc.sh export`): the realm's token settings, `clients`,
//! optional `users[].clientConsents`, client policies and registration policies.

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

#[cfg(test)]
mod tests;
