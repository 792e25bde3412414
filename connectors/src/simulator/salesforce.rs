//! Salesforce's REST query resource as the simulator serves it:
//! `GET /services/data/vNN.N/query?q=SELECT ... FROM ConnectedApplication` and
//! `... FROM OauthToken` (one row per user grant), answered as SOQL pages
//! (`{"totalSize", "done", "nextRecordsUrl", "records"}`); the next page is
//! `GET /services/data/vNN.N/query/{locator}`, a path relative to the instance URL.

use serde_json::{Value, json};

use super::estate::{AppSpec, GrantSpec};
use super::reply::{Ctx, Cursor, Reply, scan};

const MAX_BATCH: usize = 2000;

/// The `ConnectedApplication` id (18 characters; the index in digits after `0H4`).
pub fn app_id(app: &AppSpec) -> String {
    format!(
        "0H4{:07}{}",
        app.index,
        app.key.get(0..8).unwrap_or_default()
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Object {
    ConnectedApplication,
    OauthToken,
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["services", "data", v, "query"] if v.starts_with('v') => Some("query"),
        ["services", "data", v, "query", _] if v.starts_with('v') => Some("queryMore"),
        _ => None,
    }
}

fn bad_query(message: &str, code: &str) -> Reply {
    Reply::json(
        actix_web::http::StatusCode::BAD_REQUEST,
        &json!([{"message": message, "errorCode": code}]),
    )
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    let version = ctx.seg(2)?.to_string();
    let (object, cursor) = if endpoint == "query" {
        let q = ctx.param("q").unwrap_or_default().to_ascii_lowercase();
        let object = if q.contains("from connectedapplication") {
            Object::ConnectedApplication
        } else if q.contains("from oauthtoken") {
            Object::OauthToken
        } else {
            return Some(bad_query(
                "sObject type is not supported by this org",
                "INVALID_TYPE",
            ));
        };
        (object, Cursor::START)
    } else {
        // Locator: `01g` + object letter + cursor.
        let locator = ctx.seg(4)?;
        let object = match locator.get(0..4) {
            Some("01gA") => Object::ConnectedApplication,
            Some("01gT") => Object::OauthToken,
            _ => return Some(bad_query("invalid query locator", "INVALID_QUERY_LOCATOR")),
        };
        let Some(cursor) = locator.get(4..).and_then(Cursor::decode) else {
            return Some(bad_query("invalid query locator", "INVALID_QUERY_LOCATOR"));
        };
        (object, cursor)
    };
    let apps = ctx.estate.app_count();
    let g = ctx.estate.grants_per_app().max(1);
    let total = match object {
        Object::ConnectedApplication => apps,
        Object::OauthToken => apps * ctx.estate.grants_per_app(),
    };
    let batch = ctx.page_size.clamp(1, MAX_BATCH);
    let (items, next) = scan(cursor.offset, total, batch, |_| true);
    let app_at = |i: usize| ctx.estate.app(ctx.provider, ctx.tenant, i);
    let mut last = None;
    let records: Vec<Value> = items
        .into_iter()
        .map(|i| match object {
            Object::ConnectedApplication => connected_application(&version, &app_at(i)),
            Object::OauthToken => {
                let a = ctx
                    .estate
                    .app_cached(ctx.provider, ctx.tenant, i / g, &mut last);
                let grant = ctx.estate.grant(ctx.provider, ctx.tenant, a, i % g);
                token(ctx, &version, a, &grant)
            }
        })
        .collect();
    let next = ctx.next_cursor(cursor.page, next.unwrap_or(total), next.is_some(), batch);
    let mut body = json!({"totalSize": total, "done": next.is_none(), "records": records});
    if let Some(c) = next {
        let letter = if object == Object::OauthToken {
            'T'
        } else {
            'A'
        };
        body["nextRecordsUrl"] = json!(format!(
            "/services/data/{version}/query/01g{letter}{}",
            c.encode()
        ));
    }
    Some(Reply::ok(&body).page(cursor.page))
}

/// Salesforce's time format: milliseconds and a `+0000` offset.
fn sf_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

fn connected_application(version: &str, a: &AppSpec) -> Value {
    let id = app_id(a);
    json!({
        "attributes": {"type": "ConnectedApplication", "url": format!("/services/data/{version}/sobjects/ConnectedApplication/{id}")},
        "Id": id,
        "Name": a.name,
        "OptionsAllowAdminApprovedUsersOnly": a.first_party,
        "OptionsRefreshTokenValidityMetric": false,
        "RefreshTokenValidityPeriod": if a.non_expiring_refresh { Value::Null } else { json!(90) },
        "OptionsHasSessionLevelPolicy": false,
        "StartUrl": null,
        "CreatedDate": sf_time(a.created),
    })
}

fn token(ctx: &Ctx<'_>, version: &str, a: &AppSpec, g: &GrantSpec) -> Value {
    let user = ctx.estate.user(ctx.provider, ctx.tenant, g.user);
    json!({
        "attributes": {"type": "OauthToken", "url": format!("/services/data/{version}/sobjects/OauthToken/null")},
        "AppName": a.name,
        "AppMenuItemId": format!("0DS{:07}{}", a.index, a.key.get(8..16).unwrap_or_default()),
        "AppMenuItem": {"attributes": {"type": "AppMenuItem"}, "ApplicationId": app_id(a)},
        "UserId": format!("005{:07}{}", user.index, user.key.get(0..8).unwrap_or_default()),
        "User": {"attributes": {"type": "User"}, "Username": user.email, "IsActive": true},
        "CreatedDate": sf_time(g.created),
        "LastUsedDate": sf_time(g.last_used),
        "UseCount": 1 + (g.last_used - g.created).num_hours().unsigned_abs() % 50_000,
    })
}
