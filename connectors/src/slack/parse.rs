//! Slack objects to the normalized model (field map: CONNECTORS.md §8.5, gaps §8.6).
//!
//! Two shapes: the admin app-management lists (`admin.apps.approved.list`,
//! `admin.apps.restricted.list`, `admin.apps.requests.list`), which show any app's scopes and
//! approval state but nothing about its OAuth configuration; and the app manifest
//! (`apps.manifest.export`, or a `manifest.json` in a repository), which shows the full OAuth
//! configuration of an app you own.

use serde_json::{Value, json};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Grant, GrantKind, GrantType, Lifetime, OAuthApp, Ownership,
    PkcePolicy, PkceStatus, PolicySource, Principal, Setting,
};
use crate::parse_util::{
    add_redirects, flag, host_of, secret_credential, short, str_at, str_items, strings, text,
};
use crate::redact::evidence;

const PROVIDER: &str = "slack";
/// Access tokens of apps with token rotation live 12 hours.
const ROTATED_ACCESS_SECONDS: u64 = 12 * 3600;
/// Refresh tokens of PKCE apps expire after 30 days (CONNECTORS.md §8.6).
const PKCE_REFRESH_SECONDS: u64 = 30 * 24 * 3600;
const ADMIN_API_GAP: &str =
    "the admin app APIs show an app's scopes and approval, not its OAuth configuration";

/// Which admin list an app item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `admin.apps.approved.list`: approved for installation.
    Approved,
    /// `admin.apps.restricted.list`: blocked from installation.
    Restricted,
    /// `admin.apps.requests.list`: a user asked to install it; not decided yet.
    Requested,
    /// An item read on its own, without its list.
    Unlisted,
}

/// Whether `value` is an app manifest, bare or as `apps.manifest.export` returns it.
pub fn is_manifest(value: &Value) -> bool {
    let m = value.get("manifest").unwrap_or(value);
    m.get("display_information").is_some()
        || m.get("oauth_config").is_some_and(Value::is_object)
        || m.pointer("/_metadata/major_version").is_some()
}

/// Map one Slack app object: a manifest, or an item of an admin app list.
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    if is_manifest(value) {
        parse_manifest(value).map(Some)
    } else {
        parse_listed_app(value, Listing::Unlisted).map(Some)
    }
}

/// Map an item of an admin app list (`{"app": {...}, "scopes": [...], ...}`).
pub fn parse_listed_app(value: &Value, listing: Listing) -> Result<OAuthApp, ConnectorError> {
    let info = value
        .get("app")
        .filter(|a| a.is_object())
        .ok_or_else(|| ConnectorError::malformed("Slack app item without an `app` object"))?;
    let id = str_at(info, "id")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Slack app without `id`"))?;
    let name = str_at(info, "name")
        .map(short)
        .unwrap_or_else(|| id.clone());
    let mut app = OAuthApp::new(Provider::Slack, &id, name);
    app.client_id = None;
    app.note_unknown(
        "client_id",
        "the admin app APIs show the app id, not its OAuth client id",
    );
    app.description = str_at(info, "description").map(text);
    app.publisher.domain = str_at(info, "app_homepage_url").and_then(host_of);
    app.publisher.verified = flag(info.get("is_app_directory_approved"));
    app.note_inferred(
        "publisher.verified",
        "is_app_directory_approved: Slack reviewed the app for its Marketplace",
    );
    let internal = match str_at(info, "developer_type") {
        Some("internal") => Some(true),
        Some(_) => Some(false),
        None => flag(info.get("is_internal")),
    };
    app.ownership = match internal {
        Some(true) => Ownership::FirstParty,
        Some(false) => Ownership::ThirdParty,
        None => {
            app.note_unknown(
                "ownership",
                "the item has neither developer_type nor is_internal",
            );
            Ownership::Unknown
        }
    };
    app.enabled = match listing {
        Listing::Approved => Some(true),
        Listing::Restricted => Some(false),
        Listing::Requested => {
            app.note_unknown(
                "enabled",
                "an install request that no admin has decided yet",
            );
            None
        }
        Listing::Unlisted => None,
    };
    let (bot, user) = scopes_by_token_type(value);
    app.requested_scopes = bot.iter().chain(&user).cloned().collect();

    for field in [
        "client_type",
        "app_kind",
        "redirect_uris",
        "grant_types",
        "pkce",
        "credentials",
    ] {
        app.note_unknown(field, ADMIN_API_GAP);
    }
    app.note_unknown(
        "token_policy.access_token_lifetime",
        "token rotation is set in the app's own configuration, which the admin APIs do not show (without it Slack tokens never expire)",
    );
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

/// Bot and user scope names of a list item (`scopes[]` with `token_type`).
fn scopes_by_token_type(value: &Value) -> (Vec<String>, Vec<String>) {
    let (mut bot, mut user) = (Vec::new(), Vec::new());
    for s in value
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // Requests list scopes as objects too; a bare string is accepted as a user scope.
        let (name, token_type) = match s {
            Value::String(name) => (Some(name.as_str()), None),
            other => (str_at(other, "name"), str_at(other, "token_type")),
        };
        let Some(name) = name else { continue };
        if token_type == Some("bot") {
            bot.push(short(name));
        } else {
            user.push(short(name));
        }
    }
    (bot, user)
}

/// The grants an approved app holds: its bot scopes (the app acting as itself) and its user
/// scopes (acting for the users who install it), approved for the whole organization. Slack
/// has no grant ids, so the token type is the grant's resource (`slack:bot`, `slack:user`).
pub fn parse_grants(value: &Value, listing: Listing) -> Vec<Grant> {
    let Some(app_id) = value.pointer("/app/id").and_then(Value::as_str) else {
        return Vec::new();
    };
    if listing != Listing::Approved {
        return Vec::new();
    }
    let (bot, user) = scopes_by_token_type(value);
    [
        (bot, GrantKind::Application, "slack:bot"),
        (user, GrantKind::Delegated, "slack:user"),
    ]
    .into_iter()
    .filter(|(scopes, _, _)| !scopes.is_empty())
    .map(|(scopes, kind, resource)| {
        let mut g = Grant {
            external_id: None,
            app_external_id: short(app_id),
            principal: Principal::Tenant,
            resource: Some(resource.to_string()),
            scopes,
            consent_type: ConsentType::Admin,
            kind,
            created_at: None,
            expires_at: None,
            last_used_at: None,
        };
        g.normalize();
        g
    })
    .collect()
}

/// Map an app manifest (bare, or `{"ok": true, "manifest": {...}}` with an optional `app_id`).
pub fn parse_manifest(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let m = value.get("manifest").unwrap_or(value);
    if !m.is_object() {
        return Err(ConnectorError::malformed("Slack manifest is not an object"));
    }
    let name = m
        .pointer("/display_information/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(short);
    let (id, keyed_by_name) = match (str_at(value, "app_id"), &name) {
        (Some(id), _) => (short(id), false),
        (None, Some(n)) => (format!("manifest:{n}"), true),
        (None, None) => {
            return Err(ConnectorError::malformed(
                "Slack manifest without display_information.name or app_id",
            ));
        }
    };
    let mut app = OAuthApp::new(Provider::Slack, &id, name.unwrap_or_else(|| id.clone()));
    if keyed_by_name {
        app.note_unknown(
            "external_id",
            "a manifest does not carry its app id; the app is keyed by its name",
        );
    }
    app.note_unknown("client_id", "a manifest does not carry the app's client id");
    app.description = m
        .pointer("/display_information/description")
        .and_then(Value::as_str)
        .map(text);
    app.ownership = Ownership::FirstParty;
    app.note_inferred("ownership", "Slack exports manifests only for apps you own");
    app.publisher.verified = None;

    let oauth = m.get("oauth_config").cloned().unwrap_or(json!({}));
    let settings = m.get("settings");
    let pkce = flag(oauth.get("pkce_enabled"));
    let redirects = str_items(oauth.get("redirect_urls"));
    let custom_scheme = redirects
        .iter()
        .any(|u| !(u.starts_with("https://") || u.starts_with("http://")));
    app.app_kind = match (pkce, custom_scheme) {
        (Some(true), true) => AppKind::Native,
        (Some(true), false) => AppKind::Unknown,
        _ => AppKind::Web,
    };
    app.note_inferred(
        "app_kind",
        "pkce_enabled and the redirect URL schemes: apps without PKCE exchange codes with their client secret on a server",
    );
    add_redirects(&mut app, redirects.iter().copied());
    if pkce == Some(true) {
        app.client_type = ClientType::Public;
        app.pkce = PkcePolicy {
            status: PkceStatus::Required,
            methods: Vec::new(),
        };
        app.note_inferred(
            "client_type",
            "pkce_enabled makes a Slack app a public client",
        );
    } else {
        app.client_type = ClientType::Confidential;
        app.pkce = PkcePolicy::unknown();
        app.note_unknown(
            "pkce",
            "pkce_enabled is off: Slack does not document whether such an app's code exchange checks a code_verifier",
        );
        app.credentials.push(secret_credential(PROVIDER, &id, None));
        app.note_unknown(
            "credentials",
            "Slack does not expose when a client secret was created or rotated",
        );
    }

    let rotation_setting = settings.and_then(|s| flag(s.get("token_rotation_enabled")));
    // Custom-scheme redirects of PKCE apps always get rotating tokens (CONNECTORS.md §8.6).
    let forced = pkce == Some(true) && custom_scheme;
    let (rotating, source) = match (rotation_setting, forced) {
        (_, true) => (true, PolicySource::ProviderDefault),
        (Some(v), false) => (v, PolicySource::Client),
        (None, false) => (false, PolicySource::ProviderDefault),
    };
    app.grant_types.push(GrantType::AuthorizationCode);
    let tp = &mut app.token_policy;
    tp.access_token_lifetime = Some(Setting::new(
        if rotating {
            Lifetime::Seconds(ROTATED_ACCESS_SECONDS)
        } else {
            Lifetime::Unlimited
        },
        source,
    ));
    tp.refresh_tokens_issued = Some(Setting::new(rotating, source));
    if rotating {
        app.grant_types.push(GrantType::RefreshToken);
        let tp = &mut app.token_policy;
        // A refresh token is revoked once it has been exchanged.
        tp.refresh_token_rotation = Some(Setting::new(true, PolicySource::ProviderDefault));
        if pkce == Some(true) {
            tp.refresh_token_lifetime = Some(Setting::new(
                Lifetime::Seconds(PKCE_REFRESH_SECONDS),
                PolicySource::ProviderDefault,
            ));
        } else {
            app.note_unknown(
                "token_policy.refresh_token_lifetime",
                "Slack documents no expiry for the refresh tokens of apps without PKCE",
            );
        }
    }
    app.network_restricted =
        settings.map(|s| !strings(s.get("allowed_ip_address_ranges")).is_empty());

    let bot = strings(oauth.pointer("/scopes/bot"));
    let user = strings(oauth.pointer("/scopes/user"));
    app.requested_scopes = bot.into_iter().chain(user).collect();
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}
