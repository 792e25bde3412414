//! Auth0's Management API v2 as the simulator serves it: `GET /api/v2/clients` and
//! `GET /api/v2/grants` (page-based: `page` from 0, `per_page` at most 100, default 50; a bare
//! array, or `{"total", "start", "limit", <items>}` with `include_totals=true`), and
//! `GET /api/v2/client-grants` (one per machine-to-machine client; checkpoint paging with
//! `from`/`take` and a `next` cursor, or page-based like the others).

use serde_json::{Value, json};

use super::estate::{AppSpec, Kind, Reach};
use super::reply::{Ctx, Reply, scan};

const MAX_PER_PAGE: usize = 100;
const DEFAULT_PER_PAGE: usize = 50;

/// The scopes a grant of an app of this reach carries.
pub fn scope_names(reach: Reach) -> &'static [&'static str] {
    match reach {
        Reach::Narrow => &["openid", "profile"],
        Reach::Broad => &[
            "openid",
            "offline_access",
            "read:contacts",
            "write:contacts",
        ],
    }
}

/// The client id: the index in 6 digits, then key characters (32 in all).
pub fn client_id(app: &AppSpec) -> String {
    format!(
        "{:06}{}{}",
        app.index,
        app.key,
        app.key.get(0..10).unwrap_or_default()
    )
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["api", "v2", "clients"] => Some("clients"),
        ["api", "v2", "grants"] => Some("grants"),
        ["api", "v2", "client-grants"] => Some("client-grants"),
        _ => None,
    }
}

fn bad_request(message: &str) -> Reply {
    Reply::json(
        actix_web::http::StatusCode::BAD_REQUEST,
        &json!({"statusCode": 400, "error": "Bad Request", "message": message, "errorCode": "invalid_query_string"}),
    )
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    let apps = ctx.estate.app_count();
    let g = ctx.estate.grants_per_app().max(1);
    let app_at = |i: usize| ctx.estate.app(ctx.provider, ctx.tenant, i);
    let is_m2m = |i: usize| app_at(i).kind == Kind::Service;
    match endpoint {
        "clients" => Some(paged(
            ctx,
            "clients",
            apps,
            |_| true,
            |i| client(ctx, &app_at(i)),
        )),
        "grants" => {
            let mut last = None;
            Some(paged(
                ctx,
                "grants",
                apps * ctx.estate.grants_per_app(),
                |_| true,
                |flat| {
                    let a = ctx
                        .estate
                        .app_cached(ctx.provider, ctx.tenant, flat / g, &mut last);
                    user_grant(ctx, a, flat % g)
                },
            ))
        }
        "client-grants" if ctx.param("page").is_none() && ctx.param("include_totals").is_none() => {
            let take = ctx
                .param("take")
                .and_then(|t| t.parse().ok())
                .unwrap_or(DEFAULT_PER_PAGE)
                .clamp(1, MAX_PER_PAGE);
            let Some(cursor) = ctx.cursor("from") else {
                return Some(bad_request("Invalid checkpoint"));
            };
            let (items, next) = scan(cursor.offset, apps, take, is_m2m);
            let grants: Vec<Value> = items
                .into_iter()
                .map(|i| client_grant(ctx, &app_at(i)))
                .collect();
            let next = ctx.next_cursor(cursor.page, next.unwrap_or(apps), next.is_some(), take);
            Some(
                Reply::ok(&json!({"client_grants": grants, "next": next.map(|c| c.encode())}))
                    .page(cursor.page),
            )
        }
        "client-grants" => Some(paged(ctx, "client_grants", apps, is_m2m, |i| {
            client_grant(ctx, &app_at(i))
        })),
        _ => None,
    }
}

/// A page-based listing of items `0..total` that satisfy `keep`.
fn paged(
    ctx: &Ctx<'_>,
    key: &str,
    total: usize,
    keep: impl Fn(usize) -> bool,
    render: impl FnMut(usize) -> Value,
) -> Reply {
    let per_page = ctx
        .param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return bad_request("per_page must be between 1 and 100");
    }
    let page = ctx
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    // Items are found by scanning: nothing is materialised beyond the page.
    let start = page.saturating_mul(per_page);
    let items: Vec<Value> = (0..total)
        .filter(|i| keep(*i))
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    let kept = || (0..total).filter(|i| keep(*i)).count();
    let body = if ctx.param("include_totals") == Some("true") {
        json!({"total": kept(), "start": start, "limit": per_page, key: items})
    } else {
        Value::Array(items)
    };
    Reply::ok(&body).page(page)
}

fn client(ctx: &Ctx<'_>, a: &AppSpec) -> Value {
    let (app_type, auth_method, grant_types) = match a.kind {
        Kind::Web => (
            "regular_web",
            "client_secret_post",
            vec!["authorization_code", "refresh_token"],
        ),
        Kind::Spa => ("spa", "none", vec!["authorization_code", "refresh_token"]),
        Kind::Native if a.has_secret => (
            "native",
            "client_secret_post",
            vec!["authorization_code", "refresh_token"],
        ),
        Kind::Native => (
            "native",
            "none",
            vec!["authorization_code", "refresh_token"],
        ),
        Kind::Service => (
            "non_interactive",
            "client_secret_post",
            vec!["client_credentials"],
        ),
    };
    let mut grant_types = grant_types;
    if a.implicit {
        grant_types.push("implicit");
    }
    let non_expiring = a.non_expiring_refresh;
    json!({
        "tenant": ctx.estate.tenant_name(ctx.provider, ctx.tenant),
        "global": false,
        "name": a.name,
        "description": format!("{} by {}", a.name, a.publisher),
        "client_id": client_id(a),
        "app_type": app_type,
        "is_first_party": a.first_party,
        "oidc_conformant": true,
        "callbacks": a.redirect_uris,
        "allowed_logout_urls": [],
        "web_origins": [],
        "grant_types": grant_types,
        "token_endpoint_auth_method": auth_method,
        "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false},
        "refresh_token": {
            "rotation_type": if non_expiring { "non-rotating" } else { "rotating" },
            "expiration_type": if non_expiring { "non-expiring" } else { "expiring" },
            "leeway": 0,
            "token_lifetime": 2_592_000,
            "infinite_token_lifetime": non_expiring,
            "idle_token_lifetime": 1_296_000,
            "infinite_idle_token_lifetime": non_expiring
        },
        "cross_origin_authentication": false,
        "sso_disabled": false
    })
}

fn api_audience(ctx: &Ctx<'_>) -> String {
    format!(
        "https://api.{}/",
        ctx.estate.tenant_domain(ctx.provider, ctx.tenant)
    )
}

fn user_grant(ctx: &Ctx<'_>, a: &AppSpec, index: usize) -> Value {
    let g = ctx.estate.grant(ctx.provider, ctx.tenant, a, index);
    let user = ctx.estate.user(ctx.provider, ctx.tenant, g.user);
    json!({
        "id": format!("cgr_{:06x}{:04x}", a.index, index),
        "clientID": client_id(a),
        "user_id": format!("auth0|{}", user.key),
        "audience": api_audience(ctx),
        "scope": scope_names(a.reach),
    })
}

fn client_grant(ctx: &Ctx<'_>, a: &AppSpec) -> Value {
    let (audience, scope) = match a.reach {
        Reach::Broad => (
            format!("{}/api/v2/", ctx.base_url),
            json!(["read:users", "update:users", "create:clients"]),
        ),
        Reach::Narrow => (api_audience(ctx), json!(["read:data"])),
    };
    json!({
        "id": format!("cgr_m2m{:06x}", a.index),
        "client_id": client_id(a),
        "audience": audience,
        "scope": scope,
        "subject_type": "client",
        "is_system": false
    })
}
