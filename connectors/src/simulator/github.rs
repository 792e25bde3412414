//! GitHub's REST API as the simulator serves it for the App's organization:
//! `GET /orgs/{org}/installations` (`{"total_count", "installations"}`) and
//! `GET /orgs/{org}/credential-authorizations` (a bare array: one SSO-authorized personal
//! access token per member), both paged by `page`/`per_page` (at most 100) with a
//! `Link: <...>; rel="next"` header; `GET /apps/{slug}` (the App's name and owner) and
//! `GET /orgs/{org}/personal-access-tokens` (empty; 403 to a personal access token, as only
//! GitHub Apps may list them). Every app of the estate is an installed GitHub App.

use serde_json::{Value, json};

use super::auth::Credentials;
use super::estate::{AppSpec, Reach, estate_now, hash};
use super::reply::{Ctx, Reply, iso, link};

const MAX_PER_PAGE: usize = 100;

/// The app's slug: its name in lower case, other characters as `-`.
pub fn slug(app: &AppSpec) -> String {
    let s: String = app
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{s}-{}", app.index)
}

pub fn endpoint(ctx: &Ctx<'_>) -> Option<&'static str> {
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["orgs", _, "installations"] => Some("installations"),
        ["orgs", _, "credential-authorizations"] => Some("credential-authorizations"),
        ["orgs", _, "personal-access-tokens"] => Some("personal-access-tokens"),
        ["apps", _] => Some("apps"),
        _ => None,
    }
}

fn not_found() -> Reply {
    Reply::json(
        actix_web::http::StatusCode::NOT_FOUND,
        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

pub fn respond(ctx: &Ctx<'_>, endpoint: &'static str) -> Option<Reply> {
    if endpoint == "apps" {
        // The slug ends with the app's index; any other slug is unknown.
        let wanted = ctx.seg(1)?;
        let found = wanted
            .rsplit('-')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < ctx.estate.app_count())
            .map(|i| ctx.estate.app(ctx.provider, ctx.tenant, i))
            .filter(|a| slug(a) == wanted);
        return Some(match found {
            Some(a) => Reply::ok(&app(ctx, &a)),
            None => not_found(),
        });
    }
    let org = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant).org?;
    if ctx.seg(1) != Some(org.as_str()) {
        return Some(not_found());
    }
    let per_page = ctx.limit("per_page", MAX_PER_PAGE);
    let page = ctx
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    if endpoint == "personal-access-tokens" {
        // Only a GitHub App may list them; the estate's members hold no fine-grained tokens.
        let c = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant);
        let with_pat = ctx
            .authorization
            .as_deref()
            .and_then(|a| a.split_once(' '))
            .is_some_and(|(_, token)| token == c.static_token);
        if with_pat {
            return Some(Reply::json(
                actix_web::http::StatusCode::FORBIDDEN,
                &json!({"message": "Resource not accessible by personal access token", "documentation_url": "https://docs.github.com/rest", "status": "403"}),
            ));
        }
        return Some(Reply::ok(&json!([])));
    }
    let (total, items): (usize, Vec<Value>) = match endpoint {
        "installations" => {
            let total = ctx.estate.app_count();
            let items = indexes(page, per_page, total)
                .map(|i| installation(ctx, &org, &ctx.estate.app(ctx.provider, ctx.tenant, i)))
                .collect();
            (total, items)
        }
        _ => {
            let total = ctx.estate.user_count();
            let items = indexes(page, per_page, total)
                .map(|i| credential(ctx, i))
                .collect();
            (total, items)
        }
    };
    let last = total.div_ceil(per_page).max(1);
    let body = if endpoint == "installations" {
        json!({"total_count": total, "installations": items})
    } else {
        Value::Array(items)
    };
    let url = |p: usize| {
        format!(
            "{}/orgs/{org}/{endpoint}?per_page={per_page}&page={p}",
            ctx.base_url
        )
    };
    let mut links = Vec::new();
    if let Some(next) = ctx.next_page_number(page - 1, page < last) {
        links.push(link(&url(next + 1), "next"));
        links.push(link(&url(last), "last"));
    }
    if page > 1 {
        links.push(link(&url(1), "first"));
        links.push(link(&url(page - 1), "prev"));
    }
    let mut reply = Reply::ok(&body).page(page - 1);
    if !links.is_empty() {
        reply = reply.header("Link", links.join(", "));
    }
    Some(reply)
}

fn indexes(page: usize, per_page: usize, total: usize) -> std::ops::Range<usize> {
    let start = ((page - 1) * per_page).min(total);
    start..(start + per_page).min(total)
}

fn installation(ctx: &Ctx<'_>, org: &str, a: &AppSpec) -> Value {
    let permissions = match a.reach {
        Reach::Narrow => json!({"metadata": "read", "issues": "read"}),
        Reach::Broad => {
            json!({"administration": "write", "contents": "write", "members": "read", "metadata": "read"})
        }
    };
    let id = 50_000_000 + a.index as u64;
    json!({
        "id": id,
        "account": {"login": org, "id": 90_000_000 + ctx.tenant as u64, "type": "Organization"},
        "repository_selection": if a.reach == Reach::Broad { "all" } else { "selected" },
        "access_tokens_url": format!("{}/app/installations/{id}/access_tokens", ctx.base_url),
        "app_id": 800_000 + a.index as u64,
        "app_slug": slug(a),
        "client_id": format!("Iv23li{}", a.key.get(0..14).unwrap_or_default()),
        "target_id": 90_000_000 + ctx.tenant as u64,
        "target_type": "Organization",
        "permissions": permissions,
        "events": [],
        "created_at": iso(a.created),
        "updated_at": iso(a.created),
        "suspended_by": if a.enabled { Value::Null } else { json!({"login": "octo-admin", "id": 4455, "type": "User"}) },
        "suspended_at": if a.enabled { Value::Null } else { json!(iso(a.created)) },
    })
}

/// The App object (`GET /apps/{slug}`): its name and owner, which an installation lacks.
fn app(ctx: &Ctx<'_>, a: &AppSpec) -> Value {
    let org = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant)
        .org
        .unwrap_or_default();
    let owner = if a.first_party {
        json!({"login": org, "id": 90_000_000 + ctx.tenant as u64, "type": "Organization"})
    } else {
        let login: String = a.domain.split('.').next().unwrap_or("vendor").to_string();
        json!({"login": login, "id": 91_000_000 + a.index as u64, "type": "Organization"})
    };
    json!({
        "id": 800_000 + a.index as u64,
        "slug": slug(a),
        "client_id": format!("Iv23li{}", a.key.get(0..14).unwrap_or_default()),
        "owner": owner,
        "name": a.name,
        "description": format!("{} by {}", a.name, a.publisher),
        "external_url": format!("https://{}", a.domain),
        "html_url": format!("https://github.com/apps/{}", slug(a)),
        "created_at": iso(a.created),
        "updated_at": iso(a.created),
        "permissions": installation(ctx, &org, a)["permissions"].clone(),
        "events": [],
    })
}

fn credential(ctx: &Ctx<'_>, index: usize) -> Value {
    let user = ctx.estate.user(ctx.provider, ctx.tenant, index);
    let h = hash(&[ctx.estate.seed(), index as u64, 31]);
    let broad = h.is_multiple_of(4);
    let authorized = estate_now() - chrono::Duration::days(30 + (h % 700) as i64);
    json!({
        "login": user.login,
        "credential_id": 160_000 + index as u64,
        "credential_type": "personal access token",
        "token_last_eight": format!("{:08x}", h as u32),
        "credential_authorized_at": iso(authorized),
        "credential_accessed_at": iso(authorized + chrono::Duration::days((h % 20) as i64)),
        "authorized_credential_id": 12_000_000 + index as u64,
        "authorized_credential_note": format!("{} automation", user.login),
        "authorized_credential_expires_at": if broad { Value::Null } else { json!(iso(estate_now() + chrono::Duration::days(90))) },
        "scopes": if broad { json!(["repo", "admin:org"]) } else { json!(["read:org"]) },
    })
}
