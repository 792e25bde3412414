//! Okta's Management API as the simulator serves it: `GET /api/v1/apps` (OIDC apps, `limit` at
//! most 200) and `GET /api/v1/apps/{id}/grants` (one scope consent per granted scope; the
//! `_embedded` scope and user only with `expand=scope`/`expand=user`), both paged by a
//! `Link: <...>; rel="next"` header carrying an opaque `after` cursor; `GET /api/v1/users` and
//! `GET /api/v1/users/{id}/grants` (the same END_USER consents, seen from the user), paged alike.

use serde_json::{Value, json};

use super::estate::{AppSpec, Kind, Reach};
use super::reply::{Ctx, Reply, enc, iso, link, scan};

const MAX_LIMIT: usize = 200;

/// The Okta API scopes an app of this reach holds.
pub fn scope_names(reach: Reach) -> &'static [&'static str] {
    match reach {
        Reach::Narrow => &["okta.users.read"],
        Reach::Broad => &[
            "okta.users.manage",
            "okta.apps.manage",
            "okta.groups.manage",
        ],
    }
}

/// The app instance id (20 characters, the index in hex after `0oa`).
pub fn app_id(app: &AppSpec) -> String {
    format!(
        "0oa{:06x}{}",
        app.index,
        app.key.get(0..11).unwrap_or_default()
    )
}

/// The app's OAuth client id.
pub fn client_id(app: &AppSpec) -> String {
    format!(
        "0oc{:06x}{}",
        app.index,
        app.key.get(5..16).unwrap_or_default()
    )
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["api", "v1", "apps"] => Some("apps"),
        ["api", "v1", "apps", _, "grants"] => Some("grants"),
        ["api", "v1", "users"] => Some("users"),
        ["api", "v1", "users", _, "grants"] => Some("user-grants"),
        _ => None,
    }
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    let apps = ctx.estate.app_count();
    let app_at = |i: usize| ctx.estate.app(ctx.provider, ctx.tenant, i);
    match endpoint {
        "apps" => Some(page(ctx, "/api/v1/apps", apps, |i| app(ctx, &app_at(i)))),
        "grants" => {
            let id = ctx.seg(3)?;
            let index = usize::from_str_radix(id.get(3..9)?, 16)
                .ok()
                .filter(|i| *i < apps)?;
            let a = app_at(index);
            if app_id(&a) != id {
                return None;
            }
            let scopes = scope_names(a.reach);
            let total = ctx.estate.grants_per_app() * scopes.len();
            let path = format!("/api/v1/apps/{id}/grants");
            Some(page(ctx, &path, total, |n| grant(ctx, &a, n, scopes)))
        }
        "users" => Some(page(ctx, "/api/v1/users", ctx.estate.user_count(), |i| {
            user(ctx, i)
        })),
        // A user's consents: the same END_USER grants the apps list, seen from the user.
        "user-grants" => {
            let id = ctx.seg(3)?;
            let index = usize::from_str_radix(id.get(3..9)?, 16)
                .ok()
                .filter(|i| *i < ctx.estate.user_count())?;
            if user_id(ctx, index) != id {
                return None;
            }
            let mut last = None;
            let grants: Vec<Value> = ctx
                .estate
                .grants_of_user(index)
                .flat_map(|(app, g)| {
                    let a = ctx
                        .estate
                        .app_cached(ctx.provider, ctx.tenant, app, &mut last);
                    let scopes = scope_names(a.reach);
                    (0..scopes.len())
                        .map(|k| grant(ctx, a, g * scopes.len() + k, scopes))
                        .collect::<Vec<_>>()
                })
                .collect();
            let path = format!("/api/v1/users/{id}/grants");
            Some(page(ctx, &path, grants.len(), |n| grants[n].clone()))
        }
        _ => None,
    }
}

fn not_valid() -> Reply {
    Reply::json(
        actix_web::http::StatusCode::BAD_REQUEST,
        &json!({"errorCode": "E0000031", "errorSummary": "Invalid search criteria.", "errorLink": "E0000031", "errorId": "sim-bad-cursor", "errorCauses": []}),
    )
}

/// A JSON array of items `after..` with the `Link` header Okta sends.
fn page(ctx: &Ctx<'_>, path: &str, total: usize, render: impl FnMut(usize) -> Value) -> Reply {
    let limit = ctx.limit("limit", MAX_LIMIT);
    let Some(cursor) = ctx.cursor("after") else {
        return not_valid();
    };
    let (items, next) = scan(cursor.offset, total, limit, |_| true);
    let body: Vec<Value> = items.into_iter().map(render).collect();
    let url = format!("{}{path}", ctx.base_url);
    let mut reply = Reply::ok(&Value::Array(body))
        .page(cursor.page)
        .header("Link", link(&format!("{url}?limit={limit}"), "self"));
    if let Some(c) = ctx.next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), limit) {
        let expand = ctx
            .param("expand")
            .map(|e| format!("&expand={}", enc(e)))
            .unwrap_or_default();
        reply = reply.header(
            "Link",
            link(
                &format!("{url}?after={}&limit={limit}{expand}", enc(&c.encode())),
                "next",
            ),
        );
    }
    reply
}

fn app(ctx: &Ctx<'_>, a: &AppSpec) -> Value {
    let (application_type, auth_method) = match a.kind {
        Kind::Web => ("web", "client_secret_basic"),
        Kind::Spa => ("browser", "none"),
        Kind::Native if a.has_secret => ("native", "client_secret_post"),
        Kind::Native => ("native", "none"),
        Kind::Service => ("service", "private_key_jwt"),
    };
    let mut grant_types = match a.kind {
        Kind::Service => vec!["client_credentials"],
        _ => vec!["authorization_code", "refresh_token"],
    };
    let mut response_types = vec!["code"];
    if a.implicit {
        grant_types.push("implicit");
        response_types.extend(["token", "id_token"]);
    }
    let wildcard = if a.redirect_uris.iter().any(|u| u.contains('*')) {
        "SUBDOMAIN"
    } else {
        "DISABLED"
    };
    json!({
        "id": app_id(a),
        "name": "oidc_client",
        "label": a.name,
        "status": if a.enabled { "ACTIVE" } else { "INACTIVE" },
        "created": iso(a.created),
        "lastUpdated": iso(a.created),
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {
            "autoKeyRotation": true,
            "client_id": client_id(a),
            "token_endpoint_auth_method": auth_method,
            "pkce_required": matches!(a.kind, Kind::Spa | Kind::Native) && !a.implicit,
        }},
        "settings": {"app": {}, "oauthClient": {
            "client_uri": format!("https://{}", a.domain),
            "redirect_uris": a.redirect_uris,
            "post_logout_redirect_uris": [],
            "response_types": response_types,
            "grant_types": grant_types,
            "application_type": application_type,
            "consent_method": if a.first_party { "TRUSTED" } else { "REQUIRED" },
            "issuer_mode": "DYNAMIC",
            "wildcard_redirect": wildcard,
            "refresh_token": {"rotation_type": if a.kind == Kind::Spa { "ROTATE" } else { "STATIC" }, "leeway": 30},
        }},
        "_links": {"self": {"href": format!("{}/api/v1/apps/{}", ctx.base_url, app_id(a))}}
    })
}

/// Consent `n` of the app: grant `n / scopes` for scope `n % scopes`.
/// A user's id: `00u`, the index in 6 hex digits, then key digits.
fn user_id(ctx: &Ctx<'_>, index: usize) -> String {
    let user = ctx.estate.user(ctx.provider, ctx.tenant, index);
    format!(
        "00u{:06x}{}",
        user.index,
        user.key.get(0..11).unwrap_or_default()
    )
}

fn user(ctx: &Ctx<'_>, index: usize) -> Value {
    let u = ctx.estate.user(ctx.provider, ctx.tenant, index);
    json!({
        "id": user_id(ctx, index),
        "status": "ACTIVE",
        "type": {"id": "oty_sim_default"},
        "profile": {"login": u.email, "email": u.email, "firstName": u.login, "lastName": "Sim"},
        "_links": {}
    })
}

fn grant(ctx: &Ctx<'_>, a: &AppSpec, n: usize, scopes: &[&str]) -> Value {
    let scope = scopes[n % scopes.len()];
    let g = ctx
        .estate
        .grant(ctx.provider, ctx.tenant, a, n / scopes.len());
    let user = ctx.estate.user(ctx.provider, ctx.tenant, g.user);
    let user_id = user_id(ctx, g.user);
    let mut v = json!({
        "id": format!("oag{:06x}{:08x}", a.index, n),
        "status": "ACTIVE",
        "created": iso(g.created),
        "createdBy": {"id": user_id, "type": "User"},
        "lastUpdated": iso(g.created),
        "issuer": ctx.base_url,
        "clientId": client_id(a),
        "userId": user_id,
        "scopeId": scope,
        "source": "END_USER",
        "_links": {}
    });
    let expand = ctx.param("expand").unwrap_or_default();
    let mut embedded = serde_json::Map::new();
    if expand.contains("scope") {
        embedded.insert("scope".into(), json!({"id": scope, "name": scope}));
    }
    if expand.contains("user") {
        embedded.insert("user".into(), json!({"id": user_id, "status": "ACTIVE", "profile": {"login": user.email, "email": user.email}}));
    }
    if !embedded.is_empty() {
        v["_embedded"] = Value::Object(embedded);
    }
    v
}
