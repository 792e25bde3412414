//! Google Workspace's Directory API as the simulator serves it: `users.list` (paged by
//! `nextPageToken`, `maxResults` at most 500, `customer` or `domain` required) and
//! `tokens.list` per user (`{"kind": "admin#directory#tokenList", "items": [...]}`, unpaged).
//! A user key is the user's numeric id or primary email.

use serde_json::{Value, json};

use super::estate::{AppSpec, Kind, Reach, UserSpec};
use super::reply::{Ctx, Reply, scan};

const MAX_RESULTS: usize = 500;

/// The OAuth scopes an app of this reach holds.
pub fn scope_names(reach: Reach) -> &'static [&'static str] {
    match reach {
        Reach::Narrow => &["openid", "https://www.googleapis.com/auth/userinfo.email"],
        Reach::Broad => &[
            "https://mail.google.com/",
            "https://www.googleapis.com/auth/drive",
            "https://www.googleapis.com/auth/calendar",
            "openid",
        ],
    }
}

/// The app's OAuth client id.
pub fn client_id(app: &AppSpec) -> String {
    format!(
        "{:012}-{}.apps.googleusercontent.com",
        480_000_000_000u64 + app.index as u64,
        app.key
    )
}

/// The user's numeric id: `1`, the index in 9 digits, then 11 digits from its key.
pub fn user_id(user: &UserSpec) -> String {
    let tail = u64::from_str_radix(&user.key, 16).unwrap_or(0) % 100_000_000_000;
    format!("1{:09}{tail:011}", user.index)
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["admin", "directory", "v1", "users"] => Some("users"),
        ["admin", "directory", "v1", "users", _, "tokens"] => Some("tokens"),
        _ => None,
    }
}

fn error(code: u16, message: &str, reason: &str) -> Reply {
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message, "errors": [{"message": message, "domain": "global", "reason": reason}]}}),
    )
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    match endpoint {
        "users" => Some(users(ctx)),
        "tokens" => {
            let key = ctx.seg(4)?;
            let Some(user) = find_user(ctx, key) else {
                return Some(error(404, "Resource Not Found: userKey", "notFound"));
            };
            let uid = user_id(&user);
            let items: Vec<Value> = ctx
                .estate
                .grants_of_user(user.index)
                .map(|(a, _)| token(&ctx.estate.app(ctx.provider, ctx.tenant, a), &uid))
                .collect();
            Some(Reply::ok(&json!({"kind": "admin#directory#tokenList", "etag": format!("\"sim/{uid}\""), "items": items})).page(0))
        }
        _ => None,
    }
}

fn find_user(ctx: &Ctx<'_>, key: &str) -> Option<UserSpec> {
    let index = if let Some((login, _)) = key.split_once('@') {
        login
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .ok()?
    } else {
        key.get(1..10)?.parse().ok()?
    };
    if index >= ctx.estate.user_count() {
        return None;
    }
    let user = ctx.estate.user(ctx.provider, ctx.tenant, index);
    (user_id(&user) == key || user.email == key).then_some(user)
}

fn users(ctx: &Ctx<'_>) -> Reply {
    if ctx.param("customer").is_none() && ctx.param("domain").is_none() {
        return error(400, "Bad Request", "badRequest");
    }
    let max = ctx.limit("maxResults", MAX_RESULTS);
    let Some(cursor) = ctx.cursor("pageToken") else {
        return error(400, "Invalid page token", "invalid");
    };
    let total = ctx.estate.user_count();
    let (items, next) = scan(cursor.offset, total, max, |_| true);
    let users: Vec<Value> = items
        .into_iter()
        .map(|i| {
            let u = ctx.estate.user(ctx.provider, ctx.tenant, i);
            json!({"kind": "admin#directory#user", "id": user_id(&u), "primaryEmail": u.email, "name": {"fullName": u.login}, "isAdmin": i == 0, "suspended": false})
        })
        .collect();
    let mut body =
        json!({"kind": "admin#directory#users", "etag": "\"sim/users\"", "users": users});
    if let Some(c) = ctx.next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), max) {
        body["nextPageToken"] = json!(c.encode());
    }
    Reply::ok(&body).page(cursor.page)
}

fn token(app: &AppSpec, user_id: &str) -> Value {
    json!({
        "kind": "admin#directory#token",
        "etag": format!("\"sim/{}/{user_id}\"", app.key),
        "clientId": client_id(app),
        "displayText": app.name,
        "anonymous": false,
        "nativeApp": app.kind == Kind::Native,
        "userKey": user_id,
        "scopes": scope_names(app.reach),
    })
}
