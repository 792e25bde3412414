//! Generic OAuth client metadata (RFC 7591 §2), for clients of any authorization server.
//!
//! Not a SaaS: this is the format a developer writes when requesting a registration, that a
//! registration endpoint returns (RFC 7591 §3.2.1, with RFC 7592 management fields), and that
//! some providers expose as a client view (Okta `/oauth2/v1/clients`). It feeds the offline
//! `check` command and the file importer. [`read_document`] reads one object, a JSON array of
//! them, or a page with a `clients` list.

pub mod parse;

use serde_json::Value;

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item};

/// Where a list of client metadata objects may sit in a page object.
pub const PAGE_KEYS: &[&str] = &["clients"];

/// Read the clients of one metadata document.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    let mut inv = Inventory::default();
    for (label, item) in document_items(value, PAGE_KEYS) {
        inv.apps
            .extend(parse::parse_app(item).map_err(in_item(&label))?);
    }
    Ok(inv)
}

#[cfg(test)]
mod tests;
