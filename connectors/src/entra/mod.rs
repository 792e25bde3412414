//! Microsoft Entra ID (Microsoft Graph v1.0).
//!
//! `parse` maps Graph objects to the model; `import` reads a saved export directory:
//!
//! | file | Graph endpoint | required |
//! |---|---|---|
//! | `applications.json` | `GET /v1.0/applications` | yes |
//! | `servicePrincipals.json` | `GET /v1.0/servicePrincipals` | yes |
//! | `oauth2PermissionGrants.json` | `GET /v1.0/oauth2PermissionGrants` | yes |
//! | `appRoleAssignments.json` | `appRoleAssignments` of the service principals, concatenated | no |
//! | `authorizationPolicy.json` | `GET /v1.0/policies/authorizationPolicy` | no |
//!
//! Each list file is a bare array or a Graph page (`{"value": [...]}`). Files are streamed:
//! service principals and grants are never all in memory at once.

pub mod fetch;
pub mod parse;

use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::connector::CollectSummary;
use crate::error::ConnectorError;
use crate::file::{Emit, located, open, open_optional};
use crate::json_stream::for_each_item;
use crate::model::InventoryItem;
use parse::{PermissionNames, ServicePrincipal};

const PAGE_KEYS: &[&str] = &["value"];

/// Service principal types that are OAuth clients (managed identities and social identity
/// providers are not).
fn is_app_type(sp: &ServicePrincipal) -> bool {
    matches!(
        sp.service_principal_type.as_deref(),
        None | Some("Application") | Some("Legacy")
    )
}

/// Read an Entra export directory (see the module docs), emitting apps then grants.
pub fn import(dir: &Path, emit: &mut Emit<'_>) -> Result<CollectSummary, ConnectorError> {
    let file = |name: &str| dir.join(name);
    let at = |name: &str| located(&file(name));

    #[derive(Deserialize)]
    struct AppIdOnly {
        #[serde(rename = "appId")]
        app_id: String,
    }
    // Pass 1: which apps are registered in this tenant.
    let mut registered = HashSet::new();
    for_each_item::<AppIdOnly, _, _>(open(&file("applications.json"))?, PAGE_KEYS, |a| {
        registered.insert(a.app_id);
        Ok(())
    })
    .map_err(at("applications.json"))?;

    // Pass 2: service principals. Third-party apps are emitted as they stream past; the
    // first-party ones are kept to merge with their application objects.
    let mut names = PermissionNames::default();
    let mut app_of_sp: HashMap<String, String> = HashMap::new();
    let mut first_party_sps: HashMap<String, ServicePrincipal> = HashMap::new();
    for_each_item::<Value, _, _>(open(&file("servicePrincipals.json"))?, PAGE_KEYS, |raw| {
        let sp = parse::service_principal(&raw)?;
        names.learn(&sp);
        if !is_app_type(&sp) {
            return Ok(());
        }
        app_of_sp.insert(sp.id.clone(), sp.app_id.clone());
        if registered.contains(&sp.app_id) {
            first_party_sps.insert(sp.app_id.clone(), sp);
            Ok(())
        } else {
            emit(InventoryItem::App(Box::new(parse::third_party_app(
                &sp, raw,
            ))))
        }
    })
    .map_err(at("servicePrincipals.json"))?;

    // Pass 3: first-party applications, merged with their service principals.
    for_each_item::<Value, _, _>(open(&file("applications.json"))?, PAGE_KEYS, |raw| {
        let app_id = raw.get("appId").and_then(Value::as_str).unwrap_or_default();
        let sp = first_party_sps.remove(app_id);
        let app = parse::first_party_app(&raw, sp.as_ref(), &names)?;
        emit(InventoryItem::App(Box::new(app)))
    })
    .map_err(at("applications.json"))?;
    drop(first_party_sps);

    // Pass 4: delegated grants. A grant whose client is not in the export is skipped and counted.
    let mut orphans = 0u64;
    for_each_item::<parse::PermissionGrant, _, _>(
        open(&file("oauth2PermissionGrants.json"))?,
        PAGE_KEYS,
        |g| {
            let Some(app_id) = app_of_sp.get(&g.client_id).cloned() else {
                orphans += 1;
                return Ok(());
            };
            let resource = app_of_sp.get(&g.resource_id).cloned();
            emit(InventoryItem::Grant(parse::delegated_grant(
                g, app_id, resource,
            )))
        },
    )
    .map_err(at("oauth2PermissionGrants.json"))?;

    // Pass 5 (optional): application permissions.
    if let Some(f) = open_optional(dir, "appRoleAssignments.json")? {
        for_each_item::<parse::AppRoleAssignment, _, _>(f, PAGE_KEYS, |a| {
            let Some(app_id) = app_of_sp.get(&a.principal_id).cloned() else {
                orphans += 1;
                return Ok(());
            };
            let resource = app_of_sp.get(&a.resource_id).cloned();
            emit(InventoryItem::Grant(parse::application_grant(
                a, app_id, resource, &names,
            )))
        })
        .map_err(at("appRoleAssignments.json"))?;
    }

    // Pass 6 (optional): the tenant's consent policy.
    if let Some(f) = open_optional(dir, "authorizationPolicy.json")? {
        let value: Value = serde_json::from_reader(std::io::BufReader::new(f))
            .map_err(|e| ConnectorError::malformed(format!("invalid JSON: {e}")))
            .map_err(at("authorizationPolicy.json"))?;
        emit(InventoryItem::TenantPolicy(parse::tenant_policy(&value)))?;
    }
    if orphans > 0 {
        tracing::warn!(
            orphans,
            "skipped grants whose client service principal is not in the export"
        );
    }
    Ok(CollectSummary::default())
}

/// Whether a Graph object is a service principal rather than an application (both carry
/// `appId` and `signInAudience`; only service principals carry these).
fn is_service_principal(v: &Value) -> bool {
    [
        "servicePrincipalType",
        "servicePrincipalNames",
        "appOwnerOrganizationId",
        "replyUrls",
        "appDisplayName",
        "appRoleAssignmentRequired",
    ]
    .iter()
    .any(|k| v.get(*k).is_some())
}

/// Read the apps of one saved Graph response held in memory: an `application` or
/// `servicePrincipal`, a JSON array of them, or a page (`{"value": [...]}`); applications and
/// service principals may be mixed. Applications are first-party apps, merged with their
/// service principal when the document has it. A service principal without its application is
/// a third-party app when the document holds applications (an export of the tenant's
/// registrations), and of unknown ownership when it holds none.
pub fn read_document(value: &Value) -> Result<crate::file::Inventory, ConnectorError> {
    use crate::parse_util::{document_items, in_item};
    let items = document_items(value, PAGE_KEYS);
    let mut names = PermissionNames::default();
    let mut sps: Vec<(ServicePrincipal, &Value)> = Vec::new();
    let mut applications = Vec::new();
    for (label, item) in &items {
        if is_service_principal(item) {
            let sp = parse::service_principal(item).map_err(in_item(label))?;
            names.learn(&sp);
            sps.push((sp, item));
        } else {
            applications.push((label, *item));
        }
    }
    let mut inv = crate::file::Inventory::default();
    let mut merged = HashSet::new();
    for (label, item) in &applications {
        let app_id = item
            .get("appId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let sp = sps
            .iter()
            .find(|(sp, _)| sp.app_id == app_id)
            .map(|(sp, _)| sp);
        if sp.is_some() {
            merged.insert(app_id.to_string());
        }
        inv.apps
            .push(parse::first_party_app(item, sp, &names).map_err(in_item(label))?);
    }
    for (sp, raw) in sps {
        if merged.contains(&sp.app_id) || !is_app_type(&sp) {
            continue;
        }
        let mut app = parse::third_party_app(&sp, raw.clone());
        if applications.is_empty() {
            app.ownership = crate::model::Ownership::Unknown;
            app.notes.retain(|n| n.field != "ownership");
            app.note_unknown(
                "ownership",
                "a service principal without the tenant's application list: it may be this tenant's app or another organization's",
            );
            app.normalize();
        }
        inv.apps.push(app);
    }
    Ok(inv)
}

#[cfg(test)]
mod tests;
