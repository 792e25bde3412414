//! Slack (Web API admin app management and app manifests).
//!
//! `parse` maps admin app-list items and app manifests to the model. [`read_document`] reads
//! one saved response: `admin.apps.approved.list` (`{"ok": true, "approved_apps": [...]}`),
//! `admin.apps.restricted.list` (`restricted_apps`), `admin.apps.requests.list`
//! (`app_requests`), `apps.manifest.export` (`{"ok": true, "manifest": {...}}`), a bare
//! manifest, a single list item, or a JSON array of items or manifests. A response with
//! `"ok": false` is an error, whatever its HTTP status was (CONNECTORS.md §8.4).

pub mod fetch;
pub mod parse;

use serde_json::Value;

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item, short};
use parse::Listing;

/// The admin lists and the approval state their items are in.
pub const LISTS: [(&str, Listing); 3] = [
    ("approved_apps", Listing::Approved),
    ("restricted_apps", Listing::Restricted),
    ("app_requests", Listing::Requested),
];

/// Read the apps (and, for approved apps, their grants) of one Slack document.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    if value.get("ok").and_then(Value::as_bool) == Some(false) {
        let error = value.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(ConnectorError::malformed(format!(
            "Slack returned an error (`ok: false`): {}",
            short(error)
        )));
    }
    let mut inv = Inventory::default();
    if parse::is_manifest(value) {
        inv.apps.push(parse::parse_manifest(value)?);
        return Ok(inv);
    }
    let mut listed = false;
    for (key, listing) in LISTS {
        if let Some(Value::Array(items)) = value.get(key) {
            listed = true;
            for (i, item) in items.iter().enumerate() {
                let app = parse::parse_listed_app(item, listing)
                    .map_err(in_item(&format!("{key}[{i}]")))?;
                inv.apps.push(app);
                inv.grants.extend(parse::parse_grants(item, listing));
            }
        }
    }
    if !listed {
        for (label, item) in document_items(value, &[]) {
            inv.apps
                .extend(parse::parse_app(item).map_err(in_item(&label))?);
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod tests;
