//! Auth0 (Management API v2).
//!
//! `parse` maps Auth0 clients to the model, `grants` the user and client grants.
//! [`read_document`] reads one saved response: a `Client`, a bare array, or a page with
//! `include_totals=true`
//! (`{"total", "start", "limit", "clients" | "grants" | "client_grants": [...]}`); user grants
//! (`/api/v2/grants`) and client grants (`/api/v2/client-grants`) may sit beside the clients.
//! `fetch` collects the same objects over the live API.

pub mod fetch;
pub mod grants;
pub mod parse;

use serde_json::Value;

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item};

/// Where Auth0 list responses keep their items.
pub const PAGE_KEYS: &[&str] = &["clients", "grants", "client_grants"];

/// What an item of an Auth0 document is.
enum Item {
    Client,
    UserGrant,
    ClientGrant,
}

fn classify(v: &Value) -> Item {
    let has = |k: &str| v.get(k).is_some();
    if has("audience") && has("user_id") {
        Item::UserGrant
    } else if has("audience") {
        Item::ClientGrant
    } else {
        Item::Client
    }
}

/// Read the clients and grants of one saved Auth0 response.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    let mut inv = Inventory::default();
    for (label, item) in document_items(value, PAGE_KEYS) {
        let at = in_item(&label);
        match classify(item) {
            Item::Client => inv.apps.extend(parse::parse_app(item).map_err(&at)?),
            Item::UserGrant => inv
                .grants
                .push(grants::parse_grant(item, |_| None).map_err(&at)?),
            Item::ClientGrant => inv
                .grants
                .push(grants::parse_client_grant(item, |_| None).map_err(&at)?),
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
