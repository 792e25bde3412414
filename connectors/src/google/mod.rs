//! Google Workspace (Admin SDK Directory API).
//!
//! `parse` maps `tokens.list` items (`GET /admin/directory/v1/users/{userKey}/tokens`) to
//! grants, and derives one app per OAuth client id from them. [`read_document`] reads one saved
//! response (`{"kind": "admin#directory#tokenList", "items": [...]}`), a JSON array of tokens
//! (for example several users' lists concatenated), or a single token.

pub mod fetch;
pub mod parse;

use serde_json::Value;

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item};

/// Where `tokens.list` keeps its items.
pub const PAGE_KEYS: &[&str] = &["items"];

/// Read the tokens of one document: the apps they imply, then one grant per token.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    let mut tokens = Vec::new();
    for (label, item) in document_items(value, PAGE_KEYS) {
        tokens.push(parse::token(item).map_err(in_item(&label))?);
    }
    Ok(Inventory {
        apps: parse::apps_from_tokens(&tokens),
        grants: tokens.iter().map(parse::parse_grant).collect(),
        policies: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
