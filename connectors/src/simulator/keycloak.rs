//! Keycloak's Admin REST API as the simulator serves it for the tenant's realm:
//! `GET /admin/realms/{realm}` (token and session settings), `/clients`, `/users` (both arrays
//! paged by `first`/`max` offsets with no total; without `max`, everything) and
//! `/users/{id}/consents`, the realm's client policies and profiles, and its client
//! registration policies (`/components?type=...ClientRegistrationPolicy`; anonymous
//! registration is left without its `trusted-hosts` policy, so it is open).

use chrono::Duration;
use serde_json::{Value, json};

use super::auth::Credentials;
use super::estate::{AppSpec, Kind, Reach, estate_now};
use super::reply::{Ctx, Reply, guid, guid_index};

/// Client scopes a consent to an app of this reach grants.
pub fn scope_names(reach: Reach) -> &'static [&'static str] {
    match reach {
        Reach::Narrow => &["profile", "email"],
        Reach::Broad => &["profile", "email", "offline_access", "roles"],
    }
}

/// The `clientId` (readable, unique in the realm).
pub fn client_id(app: &AppSpec) -> String {
    format!(
        "{}-{}",
        super::github::slug(app),
        app.key.get(0..4).unwrap_or_default()
    )
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["admin", "realms", _] => Some("realm"),
        ["admin", "realms", _, "clients"] => Some("clients"),
        ["admin", "realms", _, "users"] => Some("users"),
        ["admin", "realms", _, "users", _, "consents"] => Some("consents"),
        ["admin", "realms", _, "client-policies", "policies"] => Some("client-policies"),
        ["admin", "realms", _, "client-policies", "profiles"] => Some("client-profiles"),
        ["admin", "realms", _, "components"] => Some("components"),
        _ => None,
    }
}

fn not_found() -> Reply {
    Reply::json(
        actix_web::http::StatusCode::NOT_FOUND,
        &json!({"error": "Realm not found."}),
    )
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    let realm = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant).realm?;
    if ctx.seg(2) != Some(realm.as_str()) {
        return Some(not_found());
    }
    let app_at = |i: usize| ctx.estate.app(ctx.provider, ctx.tenant, i);
    match endpoint {
        "realm" => Some(Reply::ok(&json!({
            "id": realm, "realm": realm, "enabled": true, "sslRequired": "external",
            "accessTokenLifespan": 300, "revokeRefreshToken": false, "refreshTokenMaxReuse": 0,
            "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000,
            "offlineSessionIdleTimeout": 2_592_000, "offlineSessionMaxLifespanEnabled": false,
            "offlineSessionMaxLifespan": 5_184_000
        }))),
        "client-policies" => Some(Reply::ok(&json!({"policies": []}))),
        "client-profiles" => Some(Reply::ok(&json!({"profiles": [], "globalProfiles": []}))),
        "components" => Some(Reply::ok(&Value::Array(
            if ctx.param("type") == Some(REGISTRATION_POLICY) {
                registration_policies(&realm)
            } else {
                Vec::new()
            },
        ))),
        "clients" => Some(offsets(ctx, ctx.estate.app_count(), |i| client(&app_at(i)))),
        "users" => Some(offsets(ctx, ctx.estate.user_count(), |i| user(ctx, i))),
        "consents" => {
            let id = ctx.seg(4)?;
            let index = guid_index(id).filter(|i| *i < ctx.estate.user_count())?;
            let u = ctx.estate.user(ctx.provider, ctx.tenant, index);
            if guid(index, 7, &u.key) != id {
                return Some(Reply::json(
                    actix_web::http::StatusCode::NOT_FOUND,
                    &json!({"error": "User not found"}),
                ));
            }
            let consents: Vec<Value> = ctx
                .estate
                .grants_of_user(index)
                .map(|(a, g)| {
                    let app = app_at(a);
                    let grant = ctx.estate.grant(ctx.provider, ctx.tenant, &app, g);
                    json!({
                        "clientId": client_id(&app),
                        "grantedClientScopes": scope_names(app.reach),
                        "createdDate": grant.created.timestamp_millis(),
                        "lastUpdatedDate": grant.last_used.timestamp_millis(),
                    })
                })
                .collect();
            Some(Reply::ok(&Value::Array(consents)).page(0))
        }
        _ => None,
    }
}

const REGISTRATION_POLICY: &str =
    "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";

/// Client registration policies: anonymous registration limited in size and scope but not to
/// trusted hosts, authenticated registration with the defaults.
fn registration_policies(realm: &str) -> Vec<Value> {
    [
        ("anonymous", "max-clients", json!({"max-clients": ["200"]})),
        ("anonymous", "consent-required", json!({})),
        ("anonymous", "full-scope-disabled", json!({})),
        (
            "authenticated",
            "allowed-client-templates",
            json!({"allow-default-scopes": ["true"]}),
        ),
    ]
    .iter()
    .enumerate()
    .map(|(i, (sub, provider, config))| {
        json!({
            "id": format!("{i:08x}-0000-4000-8000-00000000c0{i:02x}"),
            "name": provider,
            "providerId": provider,
            "providerType": REGISTRATION_POLICY,
            "parentId": realm,
            "subType": sub,
            "config": config,
        })
    })
    .collect()
}

/// Items `first..first+max` as a bare array (all of them without `max`).
fn offsets(ctx: &Ctx<'_>, total: usize, render: impl Fn(usize) -> Value) -> Reply {
    let first = ctx
        .param("first")
        .and_then(|f| f.parse::<usize>().ok())
        .unwrap_or(0)
        .min(total);
    let max = ctx.param("max").and_then(|m| m.parse::<usize>().ok());
    let end = max.map_or(total, |m| first.saturating_add(m).min(total));
    let page = max.filter(|m| *m > 0).map_or(0, |m| first / m);
    let items: Vec<Value> = (first..end).map(render).collect();
    Reply::ok(&Value::Array(items)).page(page)
}

fn client(a: &AppSpec) -> Value {
    let public = matches!(a.kind, Kind::Spa | Kind::Native) && !a.has_secret;
    let mut attributes = serde_json::Map::new();
    if matches!(a.kind, Kind::Spa | Kind::Native) && !a.implicit {
        attributes.insert("pkce.code.challenge.method".into(), json!("S256"));
    }
    if a.has_secret && !public {
        attributes.insert(
            "client.secret.creation.time".into(),
            json!(a.created.timestamp().to_string()),
        );
    }
    attributes.insert("use.refresh.tokens".into(), json!("true"));
    let (default_scopes, optional_scopes) = match a.reach {
        Reach::Broad => (
            json!(["web-origins", "roles", "profile", "email", "offline_access"]),
            json!(["address", "phone"]),
        ),
        Reach::Narrow => (
            json!(["web-origins", "profile", "email"]),
            json!(["address", "phone", "offline_access"]),
        ),
    };
    json!({
        "id": guid(a.index, 8, &a.key),
        "clientId": client_id(a),
        "name": a.name,
        "description": format!("{} by {}", a.name, a.publisher),
        "rootUrl": format!("https://{}", a.domain),
        "baseUrl": "/",
        "enabled": a.enabled,
        "clientAuthenticatorType": "client-secret",
        "redirectUris": a.redirect_uris,
        "webOrigins": [],
        "bearerOnly": false,
        "consentRequired": !a.first_party,
        "standardFlowEnabled": a.kind != Kind::Service,
        "implicitFlowEnabled": a.implicit,
        "directAccessGrantsEnabled": false,
        "serviceAccountsEnabled": a.kind == Kind::Service,
        "publicClient": public,
        "protocol": "openid-connect",
        "attributes": attributes,
        "fullScopeAllowed": a.reach == Reach::Broad,
        "defaultClientScopes": default_scopes,
        "optionalClientScopes": optional_scopes
    })
}

fn user(ctx: &Ctx<'_>, index: usize) -> Value {
    let u = ctx.estate.user(ctx.provider, ctx.tenant, index);
    json!({
        "id": guid(index, 7, &u.key),
        "username": u.login,
        "email": u.email,
        "enabled": true,
        "createdTimestamp": (estate_now() - Duration::days(900)).timestamp_millis()
    })
}
