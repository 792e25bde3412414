//! Okta (Management API).
//!
//! `parse` maps Okta objects to the model; `import` reads a saved export directory:
//! `apps.json` (`GET /api/v1/apps`, required) and `grants.json` (`OAuth2ScopeConsentGrant`
//! objects from `GET /api/v1/users/{id}/grants` and `GET /api/v1/apps/{id}/grants`,
//! concatenated; optional). Both are JSON arrays, as Okta returns them. `fetch` collects the
//! same objects over the live API.

pub mod fetch;
pub mod parse;

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

use crate::connector::CollectSummary;
use crate::error::ConnectorError;
use crate::file::{Emit, located, open, open_optional};
use crate::json_stream::for_each_item;
use crate::model::InventoryItem;

/// Read an Okta export directory, emitting the OAuth apps, then their grants.
pub fn import(dir: &Path, emit: &mut Emit<'_>) -> Result<CollectSummary, ConnectorError> {
    let apps_file = dir.join("apps.json");
    let mut app_of_client: HashMap<String, String> = HashMap::new();
    let mut skipped = 0u64;
    for_each_item::<Value, _, _>(open(&apps_file)?, &[], |raw| {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        match parse::parse_app(&raw).map_err(|e| ConnectorError {
            message: format!("app {id}: {}", e.message),
            ..e
        })? {
            Some(app) => {
                if let Some(client) = &app.client_id {
                    app_of_client.insert(client.clone(), app.external_id.clone());
                }
                emit(InventoryItem::App(Box::new(app)))
            }
            None => {
                skipped += 1;
                Ok(())
            }
        }
    })
    .map_err(located(&apps_file))?;
    if skipped > 0 {
        tracing::debug!(skipped, "skipped Okta apps that are not OAuth clients");
    }
    if let Some(f) = open_optional(dir, "grants.json")? {
        for_each_item::<Value, _, _>(f, &[], |raw| {
            match parse::parse_grant(raw, |c| app_of_client.get(c).cloned())? {
                Some(grant) => emit(InventoryItem::Grant(grant)),
                None => Ok(()),
            }
        })
        .map_err(located(&dir.join("grants.json")))?;
    }
    Ok(CollectSummary::default())
}

/// Read the OAuth apps of one saved Okta response held in memory: an app object or a JSON
/// array of them (`GET /api/v1/apps`). Apps that are not OAuth clients are skipped.
pub fn read_document(value: &Value) -> Result<crate::file::Inventory, ConnectorError> {
    use crate::parse_util::{document_items, in_item};
    let mut inv = crate::file::Inventory::default();
    for (label, item) in document_items(value, &[]) {
        inv.apps
            .extend(parse::parse_app(item).map_err(in_item(&label))?);
    }
    Ok(inv)
}

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
