//! Microsoft Graph v1.0 as the simulator serves it: applications (first-party apps only),
//! service principals (every app, then the Microsoft Graph resource), delegated permission
//! grants, app role assignments of service apps, and the authorization policy. Pages follow
//! `@odata.nextLink` with `$top` (at most 999) and an opaque `$skiptoken`.

use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::value::RawValue;
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
        "applications" => {
            let select = Select::of(ctx);
            // `scan` asks about an app before `render` draws it: build each one once.
            let last = std::cell::RefCell::new(None);
            let first_party = |i| {
                let mut last = last.borrow_mut();
                ctx.estate
                    .app_cached(ctx.provider, ctx.tenant, i, &mut last)
                    .first_party
            };
            let render = |i| {
                let mut last = last.borrow_mut();
                let a = ctx
                    .estate
                    .app_cached(ctx.provider, ctx.tenant, i, &mut last);
                if select.is_only("appId") {
                    // What the connector asks for first: the registered apps' ids.
                    serde_json::value::to_raw_value(&json!({"appId": app_id(a)})).ok()
                } else {
                    select.raw(&application(a))
                }
            };
            Some(list(ctx, "applications", apps, first_party, render))
        }
        "servicePrincipals" => {
            let select = Select::of(ctx);
            Some(list(
                ctx,
                "servicePrincipals",
                apps + 1,
                |_| true,
                |i| {
                    if i == apps {
                        select.raw(&graph_sp())
                    } else {
                        select.raw(&service_principal(ctx, &app(i)))
                    }
                },
            ))
        }
        "oauth2PermissionGrants" => {
            let g = ctx.estate.grants_per_app().max(1);
            let total = apps * ctx.estate.grants_per_app();
            let mut last: Option<GrantsOf> = None;
            Some(list(
                ctx,
                "oauth2PermissionGrants",
                total,
                |_| true,
                |flat| {
                    let of = match last.take() {
                        Some(of) if of.app.index == flat / g => of,
                        _ => GrantsOf::new(ctx.estate.app(ctx.provider, ctx.tenant, flat / g)),
                    };
                    let grant = of.grant(ctx, flat % g);
                    last = Some(of);
                    grant
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

fn list<T: Serialize>(
    ctx: &Ctx<'_>,
    name: &str,
    total: usize,
    keep: impl FnMut(usize) -> bool,
    render: impl FnMut(usize) -> T,
) -> Reply {
    let top = ctx.limit("$top", MAX_TOP);
    let Some(cursor) = ctx.cursor("$skiptoken") else {
        return Reply::json(
            actix_web::http::StatusCode::BAD_REQUEST,
            &json!({"error": {"code": "Request_BadRequest", "message": "Invalid $skiptoken"}}),
        );
    };
    let (items, next) = scan(cursor.offset, total, top, keep);
    let next_link = ctx
        .next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), top)
        .map(|c| {
            format!(
                "{}/v1.0/{name}?$top={top}&$skiptoken={}",
                ctx.base_url,
                enc(&c.encode())
            )
        });
    let page = Page {
        context: format!("https://graph.microsoft.com/v1.0/$metadata#{name}"),
        value: items.into_iter().map(render).collect(),
        next_link,
    };
    Reply::serialized(StatusCode::OK, &page).page(cursor.page)
}

/// OData `$select`: the properties a listing returns (all of them when absent).
struct Select(Option<Vec<String>>);

impl Select {
    fn of(ctx: &Ctx<'_>) -> Select {
        Select(
            ctx.param("$select")
                .map(|s| s.split(',').map(|p| p.trim().to_string()).collect()),
        )
    }

    /// Whether exactly `property` is selected.
    fn is_only(&self, property: &str) -> bool {
        self.0.as_deref().is_some_and(|keep| keep == [property])
    }

    /// One item of the listing as JSON text, cut down to the selected properties.
    fn raw<T: Serialize>(&self, item: &T) -> Option<Box<RawValue>> {
        match &self.0 {
            None => serde_json::value::to_raw_value(item).ok(),
            Some(keep) => {
                let mut value = serde_json::to_value(item).ok()?;
                if let Value::Object(map) = &mut value {
                    map.retain(|k, _| keep.iter().any(|p| p == k));
                }
                serde_json::value::to_raw_value(&value).ok()
            }
        }
    }
}

/// A Graph collection page.
#[derive(Serialize)]
struct Page<T> {
    #[serde(rename = "@odata.context")]
    context: String,
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
}

/// A Graph `passwordCredential` (the secret itself is never returned).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordCredential<'a> {
    custom_key_identifier: Option<()>,
    display_name: &'static str,
    end_date_time: String,
    hint: Option<&'a str>,
    key_id: String,
    secret_text: Option<()>,
    start_date_time: String,
}

fn secret(app: &AppSpec) -> Vec<PasswordCredential<'_>> {
    if !app.has_secret {
        return Vec::new();
    }
    let end = if app.non_expiring_refresh {
        "2299-12-31T00:00:00Z".to_string()
    } else {
        iso(app.created + chrono::Duration::days(730))
    };
    vec![PasswordCredential {
        custom_key_identifier: None,
        display_name: "client secret",
        end_date_time: end,
        hint: app.key.get(0..3),
        key_id: guid(app.index, 6, &app.key),
        secret_text: None,
        start_date_time: iso(app.created),
    }]
}

/// `verifiedPublisher` of an app no publisher verified.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UnverifiedPublisher {
    display_name: Option<()>,
    verified_publisher_id: Option<()>,
    added_date_time: Option<()>,
}

const UNVERIFIED: UnverifiedPublisher = UnverifiedPublisher {
    display_name: None,
    verified_publisher_id: None,
    added_date_time: None,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RedirectSet<'a> {
    redirect_uris: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    implicit_grant_settings: Option<ImplicitGrant>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImplicitGrant {
    enable_access_token_issuance: bool,
    enable_id_token_issuance: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceAccess {
    resource_app_id: &'static str,
    resource_access: Vec<Access>,
}

#[derive(Serialize)]
struct Access {
    id: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A Graph `application` (a registration in this tenant).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Application<'a> {
    id: String,
    app_id: String,
    display_name: &'a str,
    created_date_time: String,
    publisher_domain: &'a str,
    sign_in_audience: &'static str,
    is_fallback_public_client: bool,
    verified_publisher: UnverifiedPublisher,
    web: RedirectSet<'a>,
    spa: RedirectSet<'a>,
    public_client: RedirectSet<'a>,
    required_resource_access: [ResourceAccess; 1],
    password_credentials: Vec<PasswordCredential<'a>>,
    key_credentials: [(); 0],
}

fn application(app: &AppSpec) -> Application<'_> {
    let (mut web, mut spa, mut native) = (Vec::new(), Vec::new(), Vec::new());
    for uri in &app.redirect_uris {
        match app.kind {
            Kind::Spa => spa.push(uri.as_str()),
            Kind::Native => native.push(uri.as_str()),
            _ => web.push(uri.as_str()),
        }
    }
    let access = scope_names(app.reach)
        .iter()
        .map(|(id, _)| Access { id, kind: "Scope" })
        .chain((app.kind == Kind::Service).then_some(Access {
            id: ROLE.0,
            kind: "Role",
        }))
        .collect();
    let set = |redirect_uris| RedirectSet {
        redirect_uris,
        implicit_grant_settings: None,
    };
    Application {
        id: guid(app.index, 2, &app.key),
        app_id: app_id(app),
        display_name: &app.name,
        created_date_time: iso(app.created),
        publisher_domain: &app.domain,
        sign_in_audience: "AzureADMyOrg",
        is_fallback_public_client: app.kind == Kind::Native,
        verified_publisher: UNVERIFIED,
        web: RedirectSet {
            redirect_uris: web,
            implicit_grant_settings: Some(ImplicitGrant {
                enable_access_token_issuance: app.implicit,
                enable_id_token_issuance: app.implicit,
            }),
        },
        spa: set(spa),
        public_client: set(native),
        required_resource_access: [ResourceAccess {
            resource_app_id: GRAPH_APP_ID,
            resource_access: access,
        }],
        password_credentials: secret(app),
        key_credentials: [],
    }
}

/// A Graph `servicePrincipal` of one of the estate's apps.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServicePrincipal<'a> {
    id: String,
    app_id: String,
    display_name: &'a str,
    app_display_name: &'a str,
    account_enabled: bool,
    app_owner_organization_id: String,
    publisher_name: &'a str,
    service_principal_type: &'static str,
    created_date_time: String,
    verified_publisher: UnverifiedPublisher,
    reply_urls: &'a [String],
    password_credentials: [(); 0],
    key_credentials: [(); 0],
    oauth2_permission_scopes: [(); 0],
    app_roles: [(); 0],
}

fn service_principal<'a>(ctx: &Ctx<'_>, app: &'a AppSpec) -> ServicePrincipal<'a> {
    ServicePrincipal {
        id: sp_id(app),
        app_id: app_id(app),
        display_name: &app.name,
        app_display_name: &app.name,
        account_enabled: app.enabled,
        app_owner_organization_id: org_id(ctx, app),
        publisher_name: &app.publisher,
        service_principal_type: "Application",
        created_date_time: iso(app.created),
        verified_publisher: UNVERIFIED,
        reply_urls: &app.redirect_uris,
        password_credentials: [],
        key_credentials: [],
        oauth2_permission_scopes: [],
        app_roles: [],
    }
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

/// A Graph `oAuth2PermissionGrant` (the largest listing: typed, not a `Value` tree).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PermissionGrant {
    client_id: String,
    consent_type: &'static str,
    id: String,
    principal_id: String,
    resource_id: &'static str,
    scope: &'static str,
}

/// One app's share of the grants listing: what every grant of the app repeats, built once.
struct GrantsOf {
    app: AppSpec,
    client_id: String,
    /// The grant id's prefix (a hyphenless guid); the grant's index follows it.
    id_prefix: String,
}

impl GrantsOf {
    fn new(app: AppSpec) -> GrantsOf {
        GrantsOf {
            client_id: sp_id(&app),
            id_prefix: guid(app.index, 4, &app.key).replace('-', ""),
            app,
        }
    }

    /// The app's grant `index`.
    fn grant(&self, ctx: &Ctx<'_>, index: usize) -> PermissionGrant {
        let user = ctx.estate.grant_user(&self.app, index);
        let user_key = ctx.estate.user_key(ctx.provider, ctx.tenant, user);
        PermissionGrant {
            client_id: self.client_id.clone(),
            consent_type: "Principal",
            id: format!("{}{index:04x}", self.id_prefix),
            principal_id: guid(user, 7, &user_key),
            resource_id: GRAPH_SP_ID,
            scope: match self.app.reach {
                Reach::Narrow => NARROW_SCOPE,
                Reach::Broad => BROAD_SCOPE,
            },
        }
    }
}

/// The `scope` strings of [`scope_names`], space-separated.
const NARROW_SCOPE: &str = "openid profile User.Read";
const BROAD_SCOPE: &str = "openid profile User.Read offline_access Mail.Read Files.ReadWrite.All";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_scope_strings_list_the_reach_scopes() {
        for (reach, scope) in [(Reach::Narrow, NARROW_SCOPE), (Reach::Broad, BROAD_SCOPE)] {
            let names: Vec<&str> = scope_names(reach).iter().map(|(_, v)| *v).collect();
            assert_eq!(scope, names.join(" "), "{reach:?}");
        }
    }
}
