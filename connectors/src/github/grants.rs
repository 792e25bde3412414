//! Grants GitHub shows: what an installation lets a GitHub App do in an account, and what an
//! OAuth authorization lets an OAuth app do for a user.

use serde_json::Value;

use crate::model::{ConsentType, Grant, GrantKind, Principal};
use crate::parse_util::{short, str_at, strings, time_at};

use super::parse::permission_scopes;

/// An installation's grant: the app acting as itself (installation tokens) on the account, with
/// its permissions as scopes (`contents:write`) plus `repository_selection:all|selected`, which
/// says how many of the account's repositories the permissions reach.
pub fn installation_grant(v: &Value) -> Option<Grant> {
    let app = str_at(v, "app_slug").map(short).or_else(|| {
        v.get("app_id")
            .map(|id| format!("app:{}", short(&id.to_string())))
    })?;
    let mut scopes = permission_scopes(v.get("permissions"));
    if let Some(selection) = str_at(v, "repository_selection") {
        scopes.push(format!("repository_selection:{}", short(selection)));
    }
    let mut grant = Grant {
        external_id: v
            .get("id")
            .filter(|x| !x.is_null())
            .map(|id| short(&id.to_string())),
        app_external_id: app,
        principal: Principal::Tenant,
        resource: v
            .pointer("/account/login")
            .and_then(Value::as_str)
            .map(short),
        scopes,
        consent_type: ConsentType::Admin,
        kind: GrantKind::Application,
        created_at: time_at(v, "created_at"),
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    Some(grant)
}

/// An OAuth authorization's grant: the user let the app act for them with `scopes`.
pub fn authorization_grant(v: &Value) -> Option<Grant> {
    let client_id = v
        .pointer("/app/client_id")
        .and_then(Value::as_str)
        .map(short)?;
    let login = v.pointer("/user/login").and_then(Value::as_str).map(short);
    let mut grant = Grant {
        external_id: v
            .get("id")
            .filter(|x| !x.is_null())
            .map(|id| short(&id.to_string())),
        app_external_id: client_id,
        principal: match login {
            Some(id) => Principal::User {
                id,
                email: None,
                display_name: None,
                active: None,
            },
            None => Principal::Tenant,
        },
        resource: None,
        scopes: strings(v.get("scopes")),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: time_at(v, "created_at"),
        expires_at: time_at(v, "expires_at"),
        last_used_at: None,
    };
    grant.normalize();
    Some(grant)
}
