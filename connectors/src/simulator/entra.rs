//! Microsoft Graph v1.0 as the simulator serves it: applications (first-party apps only),
//! service principals (every app, then the Microsoft Graph resource), delegated permission
//! grants, app role assignments of service apps, and the authorization policy. Pages follow
//! `@odata.nextLink` with `$top` (at most 999) and an opaque `$skiptoken`.

use serde_json::{Value, json};

use super::auth::Credentials;
use super::estate::{AppSpec, Kind, Reach};
use super::reply::{Ctx, Reply, enc, guid, guid_index, iso, scan};

/// Microsoft Graph's well-known appId and the object id of its service principal here.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const GRAPH_SP_ID: &str = "ffffffff-0000-4000-8000-00000000f000";
const MAX_TOP: usize = 999;

/// Graph permissions the estate uses: (id, name) for delegated scopes, then app roles.
const SCOPES: [(&str, &str); 6] = [
    ("37f7f235-527c-4136-accd-4a02d197296e", "openid"),
    ("14dad69e-099b-42c9-810b-d002981feec1", "profile"),
    ("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read"),
    ("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access"),
    ("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read"),
    (
        "863451e7-0667-486c-a5d6-d135439485f0",
        "Files.ReadWrite.All",
    ),
];
const ROLE: (&str, &str) = ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All");

/// The delegated scopes an app of this reach asks for.
pub fn scope_names(reach: Reach) -> &'static [(&'static str, &'static str)] {
    match reach {
        Reach::Narrow => &SCOPES[0..3],
        Reach::Broad => &SCOPES[..],
    }
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["v1.0", "applications"] => Some("applications"),
        ["v1.0", "servicePrincipals"] => Some("servicePrincipals"),
        ["v1.0", "oauth2PermissionGrants"] => Some("oauth2PermissionGrants"),
        ["v1.0", "servicePrincipals", _, "appRoleAssignments"] => Some("appRoleAssignments"),
        ["v1.0", "servicePrincipals", _, "appRoleAssignedTo"] => Some("appRoleAssignedTo"),
        ["v1.0", "policies", "authorizationPolicy"] => Some("authorizationPolicy"),
        _ => None,
    }
}

/// The app's service principal object id.
pub fn sp_id(app: &AppSpec) -> String {
    guid(app.index, 1, &app.key)
}

/// The app's appId (client id).
pub fn app_id(app: &AppSpec) -> String {
    guid(app.index, 3, &app.key)
}

fn org_id(ctx: &Ctx<'_>, app: &AppSpec) -> String {
    if app.first_party {
        Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant)
            .tenant_id
            .unwrap_or_default()
    } else {
        guid(0, 9, &app.key)
    }
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    let apps = ctx.estate.app_count();
    let app = |i: usize| ctx.estate.app(ctx.provider, ctx.tenant, i);
    match endpoint {
        "applications" => Some(list(
            ctx,
            "applications",
            apps,
            |i| app(i).first_party,
            |i| application(&app(i)),
        )),
        "servicePrincipals" => Some(list(
            ctx,
            "servicePrincipals",
            apps + 1,
            |_| true,
            |i| {
                if i == apps {
                    graph_sp()
                } else {
                    service_principal(ctx, &app(i))
                }
            },
        )),
        "oauth2PermissionGrants" => {
            let g = ctx.estate.grants_per_app().max(1);
            let total = apps * ctx.estate.grants_per_app();
            let mut last = None;
            Some(list(
                ctx,
                "oauth2PermissionGrants",
                total,
                |_| true,
                |flat| {
                    let a = ctx
                        .estate
                        .app_cached(ctx.provider, ctx.tenant, flat / g, &mut last);
                    permission_grant(ctx, &a, flat % g)
                },
            ))
        }
        "appRoleAssignments" => {
            let id = ctx.seg(2)?;
            let found = guid_index(id)
                .filter(|i| *i < apps)
                .map(app)
                .filter(|a| sp_id(a) == id);
            let value: Vec<Value> = match found {
                Some(a) if a.kind == Kind::Service => vec![role_assignment(&a)],
                Some(_) => Vec::new(),
                None if id == GRAPH_SP_ID => Vec::new(),
                None => return Some(no_such_object(id)),
            };
            Some(Reply::ok(&json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#appRoleAssignments", "value": value})).page(0))
        }
        // The same assignments seen from the resource: only Microsoft Graph publishes app
        // roles here, so only its listing holds any (paged like every directory listing).
        "appRoleAssignedTo" => {
            let id = ctx.seg(2)?;
            let name = format!("servicePrincipals/{id}/appRoleAssignedTo");
            if id == GRAPH_SP_ID {
                return Some(list(
                    ctx,
                    &name,
                    apps,
                    |i| app(i).kind == Kind::Service,
                    |i| role_assignment(&app(i)),
                ));
            }
            let known = guid_index(id)
                .filter(|i| *i < apps)
                .is_some_and(|i| sp_id(&app(i)) == id);
            if !known {
                return Some(no_such_object(id));
            }
            Some(list(ctx, &name, 0, |_| true, |_| Value::Null))
        }
        "authorizationPolicy" => Some(Reply::ok(&json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity",
            "id": "authorizationPolicy",
            "displayName": "Authorization Policy",
            "allowInvitesFrom": "everyone",
            "defaultUserRolePermissions": {
                "allowedToCreateApps": true,
                "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]
            }
        }))),
        _ => None,
    }
}

/// A Graph collection page over items `0..total` that satisfy `keep`.
/// App `a`'s application permission on Microsoft Graph (service apps hold one).
fn role_assignment(a: &AppSpec) -> Value {
    json!({"id": guid(a.index, 5, &a.key), "appRoleId": ROLE.0, "principalId": sp_id(a), "principalType": "ServicePrincipal", "principalDisplayName": a.name, "resourceId": GRAPH_SP_ID, "resourceDisplayName": "Microsoft Graph", "createdDateTime": iso(a.created)})
}

/// Graph's 404 for an unknown object id.
fn no_such_object(id: &str) -> Reply {
    Reply::json(
        actix_web::http::StatusCode::NOT_FOUND,
        &json!({"error": {"code": "Request_ResourceNotFound", "message": format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", crate::redact::bound_str(id, 64))}}),
    )
}

fn list(
    ctx: &Ctx<'_>,
    name: &str,
    total: usize,
    keep: impl FnMut(usize) -> bool,
    render: impl FnMut(usize) -> Value,
) -> Reply {
    let top = ctx.limit("$top", MAX_TOP);
    let Some(cursor) = ctx.cursor("$skiptoken") else {
        return Reply::json(
            actix_web::http::StatusCode::BAD_REQUEST,
            &json!({"error": {"code": "Request_BadRequest", "message": "Invalid $skiptoken"}}),
        );
    };
    let (items, next) = scan(cursor.offset, total, top, keep);
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{name}"),
        "value": items.into_iter().map(render).collect::<Vec<_>>(),
    });
    if let Some(c) = ctx.next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), top) {
        body["@odata.nextLink"] = json!(format!(
            "{}/v1.0/{name}?$top={top}&$skiptoken={}",
            ctx.base_url,
            enc(&c.encode())
        ));
    }
    Reply::ok(&body).page(cursor.page)
}

fn secret(app: &AppSpec) -> Vec<Value> {
    if !app.has_secret {
        return Vec::new();
    }
    let end = if app.non_expiring_refresh {
        "2299-12-31T00:00:00Z".to_string()
    } else {
        iso(app.created + chrono::Duration::days(730))
    };
    vec![
        json!({"customKeyIdentifier": null, "displayName": "client secret", "endDateTime": end, "hint": app.key.get(0..3), "keyId": guid(app.index, 6, &app.key), "secretText": null, "startDateTime": iso(app.created)}),
    ]
}

fn application(app: &AppSpec) -> Value {
    let (mut web, mut spa, mut native) = (Vec::new(), Vec::new(), Vec::new());
    for uri in &app.redirect_uris {
        match app.kind {
            Kind::Spa => spa.push(uri.clone()),
            Kind::Native => native.push(uri.clone()),
            _ => web.push(uri.clone()),
        }
    }
    let access: Vec<Value> = scope_names(app.reach)
        .iter()
        .map(|(id, _)| json!({"id": id, "type": "Scope"}))
        .chain((app.kind == Kind::Service).then(|| json!({"id": ROLE.0, "type": "Role"})))
        .collect();
    json!({
        "id": guid(app.index, 2, &app.key),
        "appId": app_id(app),
        "displayName": app.name,
        "createdDateTime": iso(app.created),
        "publisherDomain": app.domain,
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": app.kind == Kind::Native,
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
        "web": {"redirectUris": web, "implicitGrantSettings": {"enableAccessTokenIssuance": app.implicit, "enableIdTokenIssuance": app.implicit}},
        "spa": {"redirectUris": spa},
        "publicClient": {"redirectUris": native},
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": access}],
        "passwordCredentials": secret(app),
        "keyCredentials": []
    })
}

fn service_principal(ctx: &Ctx<'_>, app: &AppSpec) -> Value {
    json!({
        "id": sp_id(app),
        "appId": app_id(app),
        "displayName": app.name,
        "appDisplayName": app.name,
        "accountEnabled": app.enabled,
        "appOwnerOrganizationId": org_id(ctx, app),
        "publisherName": app.publisher,
        "servicePrincipalType": "Application",
        "createdDateTime": iso(app.created),
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
        "replyUrls": app.redirect_uris,
        "passwordCredentials": [],
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "appRoles": []
    })
}

fn graph_sp() -> Value {
    json!({
        "id": GRAPH_SP_ID,
        "appId": GRAPH_APP_ID,
        "displayName": "Microsoft Graph",
        "accountEnabled": true,
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "publisherName": "Microsoft Services",
        "servicePrincipalType": "Application",
        "replyUrls": [],
        "oauth2PermissionScopes": SCOPES.iter().map(|(id, v)| json!({"id": id, "value": v, "type": "User"})).collect::<Vec<_>>(),
        "appRoles": [{"id": ROLE.0, "value": ROLE.1, "allowedMemberTypes": ["Application"]}]
    })
}

fn permission_grant(ctx: &Ctx<'_>, app: &AppSpec, index: usize) -> Value {
    let grant = ctx.estate.grant(ctx.provider, ctx.tenant, app, index);
    let user = ctx.estate.user(ctx.provider, ctx.tenant, grant.user);
    let scope: Vec<&str> = scope_names(app.reach).iter().map(|(_, v)| *v).collect();
    json!({
        "clientId": sp_id(app),
        "consentType": "Principal",
        "id": format!("{}{:04x}", guid(app.index, 4, &app.key).replace('-', ""), index),
        "principalId": guid(user.index, 7, &user.key),
        "resourceId": GRAPH_SP_ID,
        "scope": scope.join(" ")
    })
}
