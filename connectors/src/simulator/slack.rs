//! Slack's admin app-management API as the simulator serves it: `admin.apps.approved.list`
//! (GET query or POST form; `limit` at most 1000, `cursor`), answered with `ok: true`,
//! `approved_apps` and `response_metadata.next_cursor` (empty on the last page). Unknown
//! methods get `ok: false` with `unknown_method`, as Slack answers, with HTTP 200.

use serde_json::{Value, json};

use super::estate::{AppSpec, Reach};
use super::reply::{Ctx, Cursor, Reply, scan};

const MAX_LIMIT: usize = 1000;

/// (name, token type, sensitive) scopes an app of this reach holds.
pub fn scopes(reach: Reach) -> &'static [(&'static str, &'static str, bool)] {
    match reach {
        Reach::Narrow => &[("commands", "bot", false), ("chat:write", "bot", false)],
        Reach::Broad => &[
            ("channels:history", "bot", true),
            ("chat:write", "bot", false),
            ("im:history", "user", true),
            ("users:read.email", "user", true),
            ("files:read", "user", true),
        ],
    }
}

/// The app id: `A`, the index in hex, then part of its key.
pub fn app_id(app: &AppSpec) -> String {
    format!(
        "A{:06X}{}",
        app.index,
        app.key.get(0..4).unwrap_or_default().to_ascii_uppercase()
    )
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    match ctx.segs.as_slice() {
        [method] if method == "admin.apps.approved.list" => Some("admin.apps.approved.list"),
        [method] if method == "admin.apps.restricted.list" => Some("admin.apps.restricted.list"),
        [method] if method == "admin.apps.requests.list" => Some("admin.apps.requests.list"),
        [_] => Some("unknown_method"),
        _ => None,
    }
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    // The estate blocks no app and has no pending request: those lists are empty.
    let empty = |key: &str| {
        Some(Reply::ok(
            &json!({"ok": true, key: [], "response_metadata": {"next_cursor": ""}}),
        ))
    };
    match endpoint {
        "admin.apps.approved.list" => {}
        "admin.apps.restricted.list" => return empty("restricted_apps"),
        "admin.apps.requests.list" => return empty("app_requests"),
        _ => return Some(Reply::ok(&json!({"ok": false, "error": "unknown_method"}))),
    }
    // Web API methods take their arguments from the query or a form body.
    let form: Vec<(String, String)> = form_urlencoded::parse(ctx.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let arg = |name: &str| {
        ctx.param(name)
            .map(str::to_string)
            .or_else(|| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    };
    let limit = arg("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(ctx.page_size)
        .clamp(1, MAX_LIMIT);
    let cursor = match arg("cursor").as_deref() {
        None | Some("") => Cursor::START,
        Some(text) => match Cursor::decode(text) {
            Some(c) => c,
            None => return Some(Reply::ok(&json!({"ok": false, "error": "invalid_cursor"}))),
        },
    };
    let total = ctx.estate.app_count();
    let (items, next) = scan(cursor.offset, total, limit, |_| true);
    let apps: Vec<Value> = items
        .into_iter()
        .map(|i| approved(&ctx.estate.app(ctx.provider, ctx.tenant, i)))
        .collect();
    let next_cursor = ctx
        .next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), limit)
        .map(|c| c.encode())
        .unwrap_or_default();
    Some(
        Reply::ok(&json!({"ok": true, "approved_apps": apps, "response_metadata": {"next_cursor": next_cursor}}))
            .page(cursor.page),
    )
}

fn approved(a: &AppSpec) -> Value {
    let id = app_id(a);
    let scopes: Vec<Value> = scopes(a.reach)
        .iter()
        .map(|(name, token_type, sensitive)| json!({"name": name, "description": format!("{name} access"), "is_sensitive": sensitive, "token_type": token_type}))
        .collect();
    json!({
        "app": {
            "id": id,
            "name": a.name,
            "description": format!("{} by {}", a.name, a.publisher),
            "help_url": format!("https://{}/help", a.domain),
            "privacy_policy_url": format!("https://{}/privacy", a.domain),
            "app_homepage_url": format!("https://{}", a.domain),
            "app_directory_url": format!("https://slack.com/apps/{id}"),
            "is_app_directory_approved": !a.first_party,
            "is_internal": a.first_party,
            "is_granular_bot_app": true,
            "additional_info": "",
            "icons": {}
        },
        "scopes": scopes,
        "date_updated": a.created.timestamp(),
        "last_resolved_by": {"actor_id": "U01ADMIN0001", "actor_type": "user"}
    })
}
