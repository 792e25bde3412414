//! GitHub objects to the normalized model (field map: CONNECTORS.md §4.5, gaps §4.6).
//!
//! Shapes read: a GitHub App (`GET /apps/{slug}`, `GET /app`, or the manifest conversion
//! response that also carries its secrets), a GitHub App manifest (what a developer registers
//! from, with `callback_urls`), an installation (`GET /orgs/{org}/installations` item), an OAuth
//! app (the `app` of an OAuth authorization, or `{client_id, name, url, callback_url}`), and two
//! kinds of member credentials: SAML SSO credential authorizations and fine-grained personal
//! access tokens, which are long-lived API tokens rather than OAuth clients (SECRET-013).
//!
//! GitHub exposes no client type, no PKCE flag (PKCE S256 is accepted, never required), no
//! token-expiry setting, and no callback URLs or secrets of registered apps: those stay unknown
//! or are inferred from GitHub's documented behaviour, with a note saying so.

use serde_json::{Map, Value};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    Credential, CredentialKind, GrantType, OAuthApp, Ownership, PkceMethod, PkcePolicy, PkceStatus,
};
use crate::parse_util::{
    MAX_ITEMS, add_redirects, host_of, secret_credential, short, str_at, str_items, text, time_at,
};
use crate::redact::evidence;

pub(crate) const PROVIDER: &str = "github";

/// What a GitHub object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A registered GitHub App (`slug` + `owner`).
    App,
    /// A GitHub App manifest (`default_permissions`, `hook_attributes`, `callback_urls`).
    Manifest,
    /// An installation of a GitHub App in an account (`app_slug` + `account`).
    Installation,
    /// An OAuth app (`client_id` + `name` + `url`, or an authorization's `app`).
    OauthApp,
    /// An OAuth authorization (a user's token for an OAuth app: `app` + `scopes`).
    Authorization,
    /// A SAML SSO credential authorization (`credential_id` + `credential_type`).
    CredentialAuthorization,
    /// A fine-grained personal access token with access to the organization.
    FineGrainedToken,
}

/// Classify a GitHub object; `None` when it is none of the kinds we read.
pub fn kind_of(v: &Value) -> Option<Kind> {
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    if has("credential_id") && has("credential_type") {
        Some(Kind::CredentialAuthorization)
    } else if has("token_name") && (has("access_granted_at") || has("token_id")) {
        Some(Kind::FineGrainedToken)
    } else if has("app_slug") || (has("app_id") && has("account")) {
        Some(Kind::Installation)
    } else if has("slug") && (has("owner") || has("client_id")) {
        Some(Kind::App)
    } else if has("default_permissions") || has("hook_attributes") || has("callback_urls") {
        Some(Kind::Manifest)
    } else if v.get("app").is_some_and(|a| a.get("client_id").is_some()) {
        Some(Kind::Authorization)
    } else if has("client_id") && (has("name") || has("callback_url")) {
        Some(Kind::OauthApp)
    } else {
        None
    }
}

/// Map a GitHub object that stands for an app or a member credential; `Ok(None)` for kinds that
/// are not (SSH keys among credential authorizations).
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    match kind_of(value) {
        Some(Kind::App) => github_app(value, false).map(Some),
        Some(Kind::Manifest) => github_app(value, true).map(Some),
        Some(Kind::Installation) => installation_app(value).map(Some),
        Some(Kind::OauthApp) => oauth_app(value).map(Some),
        Some(Kind::Authorization) => oauth_app(value.get("app").unwrap_or(value)).map(Some),
        Some(Kind::CredentialAuthorization) => {
            Ok(super::credentials::credential_authorization_app(value))
        }
        Some(Kind::FineGrainedToken) => super::credentials::fine_grained_token_app(value).map(Some),
        None => Err(ConnectorError::malformed(
            "not a GitHub App, manifest, installation, OAuth app or credential object",
        )),
    }
}

/// `permissions` (`{"contents": "write", ...}`) as scopes `contents:write`, sorted.
pub(crate) fn permission_scopes(permissions: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = permissions
        .and_then(Value::as_object)
        .map(Map::iter)
        .into_iter()
        .flatten()
        .take(MAX_ITEMS)
        .filter_map(|(k, v)| v.as_str().map(|level| short(&format!("{k}:{level}"))))
        .collect();
    out.sort();
    out
}

/// GitHub accepts PKCE (S256 only) from every app since 2025-07-14 but never requires it.
fn optional_s256(app: &mut OAuthApp) {
    app.pkce = PkcePolicy {
        status: PkceStatus::Optional,
        methods: vec![PkceMethod::S256],
    };
    app.note_inferred(
        "pkce",
        "GitHub's documented behaviour: PKCE with S256 is accepted from every app, never required, and there is no setting",
    );
}

/// What GitHub never shows about any app.
fn common_gaps(app: &mut OAuthApp) {
    app.note_unknown(
        "client_type",
        "GitHub does not distinguish public from confidential clients",
    );
    app.note_unknown(
        "app_kind",
        "GitHub does not say what kind of software an app is",
    );
    app.note_unknown(
        "publisher.verified",
        "the Marketplace verified-publisher badge is not in the API",
    );
    app.note_unknown(
        "token_policy",
        "user tokens last 8 hours with 6-month refresh tokens when the app opted into expiring tokens, and never expire otherwise; the API does not say which applies",
    );
    app.grant_types.push(GrantType::AuthorizationCode);
    app.note_inferred(
        "grant_types",
        "every GitHub App and OAuth app can use the web authorization flow; whether the device flow is enabled is not exposed",
    );
    optional_s256(app);
}

/// A GitHub App (registered app object, or a manifest when `manifest`).
fn github_app(value: &Value, manifest: bool) -> Result<OAuthApp, ConnectorError> {
    let slug = str_at(value, "slug").map(short);
    let name = str_at(value, "name").map(short);
    let id = slug
        .clone()
        .or_else(|| name.clone().map(|n| format!("manifest:{n}")))
        .ok_or_else(|| ConnectorError::malformed("GitHub App without `slug` or `name`"))?;
    let mut app = OAuthApp::new(Provider::Github, &id, name.unwrap_or_else(|| id.clone()));
    app.client_id = str_at(value, "client_id").map(short);
    app.description = str_at(value, "description").map(text);
    app.created_at = time_at(value, "created_at");
    app.publisher.name = value
        .pointer("/owner/login")
        .and_then(Value::as_str)
        .map(short);
    app.publisher.domain = str_at(value, "external_url")
        .or_else(|| str_at(value, "url"))
        .and_then(host_of);
    app.ownership = Ownership::Unknown;
    app.note_unknown(
        "ownership",
        "compare the app's owner with the audited organization: the app object alone does not say",
    );
    app.requested_scopes = permission_scopes(
        value
            .get("permissions")
            .or_else(|| value.get("default_permissions")),
    );
    common_gaps(&mut app);

    let callbacks: Vec<&str> = str_items(value.get("callback_urls"))
        .into_iter()
        .chain(str_items(value.get("callback_url")))
        .collect();
    if callbacks.is_empty() {
        app.note_unknown(
            "redirect_uris",
            "the GitHub API does not expose a registered app's callback URLs",
        );
    }
    add_redirects(&mut app, callbacks);

    // The manifest conversion response (`POST /app-manifests/{code}/conversions`) returns the
    // new app's client secret and private key once.
    let secret = str_at(value, "client_secret");
    if secret.is_some() {
        app.credentials
            .push(secret_credential(PROVIDER, &id, secret));
    }
    if str_at(value, "pem").is_some() {
        app.credentials.push(Credential {
            display_name: Some("app private key".into()),
            ..crate::parse_util::key_credential(PROVIDER, &id, CredentialKind::PrivateKeyJwt, None)
        });
    }
    if app.credentials.is_empty() {
        app.note_unknown(
            "credentials",
            "the API lists neither an app's client secrets nor its private keys",
        );
    }
    if manifest {
        app.ownership = Ownership::FirstParty;
        app.note_inferred(
            "ownership",
            "a manifest is the registration of your own app",
        );
        app.enabled = None;
    }
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

/// A GitHub App seen through one of its installations.
fn installation_app(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let slug = str_at(value, "app_slug")
        .map(short)
        .or_else(|| {
            value
                .get("app_id")
                .map(|id| format!("app:{}", short(&id.to_string())))
        })
        .ok_or_else(|| ConnectorError::malformed("GitHub installation without `app_slug`"))?;
    let mut app = OAuthApp::new(Provider::Github, &slug, slug.clone());
    app.client_id = str_at(value, "client_id").map(short);
    app.created_at = time_at(value, "created_at");
    app.enabled = Some(value.get("suspended_at").is_none_or(Value::is_null));
    app.requested_scopes = permission_scopes(value.get("permissions"));
    app.ownership = Ownership::Unknown;
    app.note_unknown(
        "ownership",
        "an installation names the account it is installed in, not the app's owner",
    );
    app.note_unknown("publisher", "an installation does not name the app's owner");
    app.note_unknown(
        "redirect_uris",
        "the GitHub API does not expose a registered app's callback URLs",
    );
    app.note_unknown(
        "credentials",
        "the API lists neither an app's client secrets nor its private keys",
    );
    common_gaps(&mut app);
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

/// An OAuth app: `{client_id, name, url}` (an authorization's `app`), optionally with the
/// `callback_url` registered for it.
fn oauth_app(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let client_id = str_at(value, "client_id")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("GitHub OAuth app without `client_id`"))?;
    let name = str_at(value, "name")
        .map(short)
        .unwrap_or_else(|| client_id.clone());
    let mut app = OAuthApp::new(Provider::Github, &client_id, name);
    app.client_id = Some(client_id.clone());
    app.description = str_at(value, "description").map(text);
    app.publisher.domain = str_at(value, "url")
        .or_else(|| str_at(value, "homepage_url"))
        .and_then(host_of);
    app.note_unknown(
        "ownership",
        "GitHub's API does not list the OAuth apps an organization owns",
    );
    common_gaps(&mut app);
    let callbacks: Vec<&str> = str_items(value.get("callback_url"))
        .into_iter()
        .chain(str_items(value.get("callback_urls")))
        .collect();
    if callbacks.is_empty() {
        app.note_unknown(
            "redirect_uris",
            "the GitHub API does not expose an OAuth app's callback URL",
        );
    } else {
        app.note_inferred(
            "redirect_uris",
            "GitHub's documented matching for OAuth apps: a redirect_uri may be any subdirectory of the callback URL, and a loopback callback accepts any port",
        );
    }
    add_redirects(&mut app, callbacks);
    let secret = str_at(value, "client_secret");
    if secret.is_some() {
        app.credentials
            .push(secret_credential(PROVIDER, &client_id, secret));
    } else {
        app.note_unknown(
            "credentials",
            "the API does not list an OAuth app's client secrets",
        );
    }
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}
