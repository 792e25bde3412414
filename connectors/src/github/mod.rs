//! GitHub (REST API: GitHub Apps, installations, OAuth apps, organization credentials).
//!
//! `parse` maps apps and installations, `credentials` members' long-lived tokens, `grants` what
//! installations and OAuth authorizations allow. [`read_document`] reads one saved response:
//! `GET /orgs/{org}/installations` (`{"total_count", "installations": [...]}`), a GitHub App, a
//! manifest, an OAuth app or authorization, or a JSON array of any of these (for example
//! `GET /orgs/{org}/credential-authorizations`). An installation of an app that is also in the
//! document adds its grant to that app instead of a second copy.

pub mod credentials;
pub mod fetch;
pub mod grants;
pub mod parse;

use serde_json::Value;

use crate::error::ConnectorError;
use crate::file::Inventory;
use crate::parse_util::{document_items, in_item};
use parse::Kind;

/// Where GitHub list responses keep their items.
pub const PAGE_KEYS: &[&str] = &["installations"];

/// Read the apps and grants of one GitHub document.
pub fn read_document(value: &Value) -> Result<Inventory, ConnectorError> {
    let mut inv = Inventory::default();
    let mut installations = Vec::new();
    for (label, item) in document_items(value, PAGE_KEYS) {
        let Some(kind) = parse::kind_of(item) else {
            return Err(in_item(&label)(ConnectorError::malformed(
                "not a GitHub App, manifest, installation, OAuth app or credential object",
            )));
        };
        if kind == Kind::Installation {
            installations.push((label, item));
            continue;
        }
        let at = in_item(&label);
        let app = parse::parse_app(item).map_err(&at)?;
        match kind {
            Kind::Authorization => inv.grants.extend(grants::authorization_grant(item)),
            Kind::CredentialAuthorization | Kind::FineGrainedToken => {
                inv.grants
                    .extend(app.as_ref().map(credentials::member_token_grant));
            }
            _ => {}
        }
        if let Some(app) = app
            && !inv.apps.iter().any(|a| a.external_id == app.external_id)
        {
            inv.apps.push(app);
        }
    }
    for (label, item) in installations {
        inv.grants.extend(grants::installation_grant(item));
        let app = parse::parse_app(item).map_err(in_item(&label))?;
        let Some(app) = app else { continue };
        match inv
            .apps
            .iter_mut()
            .find(|a| a.external_id == app.external_id)
        {
            // A suspended installation disables the app here.
            Some(known) if app.enabled == Some(false) => known.enabled = Some(false),
            Some(known) => known.enabled = known.enabled.or(app.enabled),
            None => inv.apps.push(app),
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod tests;
