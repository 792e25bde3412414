//! Secrets on the wrong kind of client: SECRET-001 (public client), SECRET-002 (public
//! platforms, a secret and app-only access in one registration), SECRET-009 (a shared secret
//! where the provider offers asymmetric authentication).

use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, Credential, CredentialKind, GrantType, RedirectKind, RedirectUri,
};
use serde_json::{Map, Value};

use super::{credential, inferred_from, shown};
use crate::rules::{AppContext, Hit};

/// `token_endpoint_auth_method` values that authenticate with a shared secret. The catalog
/// names `client_secret_basic` and `client_secret_post`; `client_secret_jwt` (RFC 7523 §2.2
/// with an HMAC key) is the same shared secret in another envelope, so it counts too.
const SHARED_SECRET_METHODS: [&str; 3] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
];

/// Methods that authenticate with a key pair or certificate (RFC 7523, RFC 8705).
const ASYMMETRIC_METHODS: [&str; 3] = [
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
];

/// SECRET-009's providers: those offering certificates, private_key_jwt, mTLS or federated
/// credentials to confidential clients (Salesforce through its JWT bearer flow).
const ASYMMETRIC_PROVIDERS: [Provider; 5] = [
    Provider::Entra,
    Provider::Okta,
    Provider::Auth0,
    Provider::Keycloak,
    Provider::Salesforce,
];

/// Most redirect URIs or permissions listed in evidence.
const MAX_LISTED: usize = 10;

fn shared_secret_method<'a>(ctx: &AppContext<'a>) -> Option<&'a str> {
    ctx.app
        .token_endpoint_auth_method
        .as_deref()
        .filter(|m| SHARED_SECRET_METHODS.contains(m))
}

fn active_secrets(ctx: &AppContext<'_>) -> Vec<Value> {
    ctx.active_of_kind(CredentialKind::Secret)
        .map(|c| Value::Object(credential(c)))
        .collect()
}

fn uris_of(ctx: &AppContext<'_>, kind: RedirectKind) -> Vec<String> {
    ctx.app
        .redirect_uris
        .iter()
        .filter(|r| r.kind == kind)
        .take(MAX_LISTED)
        .map(|r| shown(&r.uri))
        .collect()
}

/// When every reason given for a finding (or for one leg of it) was inferred: their
/// inference sources. `None` when any reason was read, or there are none.
fn all_inferred(reasons: Vec<Option<String>>) -> Option<Vec<String>> {
    if reasons.is_empty() {
        return None;
    }
    reasons.into_iter().collect()
}

/// The inference behind a set of redirect URIs' kinds, when none of them was stated.
fn kinds_inferred<'a>(mut uris: impl Iterator<Item = &'a RedirectUri>) -> Option<String> {
    uris.all(|r| r.kind_inferred)
        .then(|| "redirect URI kinds inferred from the URIs".to_string())
}

fn is_public_kind(r: &RedirectUri) -> bool {
    matches!(r.kind, RedirectKind::Native | RedirectKind::Spa)
}

/// SECRET-001: a public-like client holding an active secret or authenticating with one.
/// "Any redirect of kind native/spa is the only kind" reads as: there are redirect URIs and
/// every one is native or SPA (an `unknown` kind leaves the question open, so it does not
/// count). The finding is marked inferred when every reason it gives was inferred.
pub(super) fn secret_001(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    let public_client = app.client_type == ClientType::Public;
    let public_kind = matches!(app.app_kind, AppKind::Native | AppKind::Spa);
    let only_public_redirects =
        !app.redirect_uris.is_empty() && app.redirect_uris.iter().all(is_public_kind);
    if !public_client && !public_kind && !only_public_redirects {
        return None;
    }
    let method = shared_secret_method(ctx);
    if method.is_none() && ctx.active_of_kind(CredentialKind::Secret).next().is_none() {
        return None;
    }
    let mut why = Map::new();
    let mut reasons = Vec::new();
    if public_client {
        why.insert("client_type".into(), "public".into());
        reasons.push(inferred_from(app, &["client_type"]));
    }
    if public_kind {
        why.insert("app_kind".into(), app.app_kind.as_str().into());
        reasons.push(inferred_from(app, &["app_kind"]));
    }
    if only_public_redirects {
        let mut kinds: Vec<&str> = app.redirect_uris.iter().map(|r| r.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        why.insert("redirect_kinds".into(), kinds.into());
        reasons.push(kinds_inferred(app.redirect_uris.iter()));
    }
    let mut hit = Hit::new().with("public_because", why);
    let secrets = active_secrets(ctx);
    if !secrets.is_empty() {
        hit = hit.with("secrets", secrets);
    }
    if let Some(m) = method {
        hit = hit.with("token_endpoint_auth_method", m);
    }
    Some(match all_inferred(reasons) {
        Some(sources) => hit.inferred(sources.join("; ")),
        None => hit,
    })
}

/// SECRET-002: (a) a public platform (SPA or native redirect URIs, or a public client such as
/// Entra's `isFallbackPublicClient`), (b) an active secret, (c) app-only permissions or the
/// `client_credentials` grant. Marked inferred when leg (a) or (c) stands only on inferred
/// values: Entra infers the client credentials grant from the presence of credentials, and
/// Okta and Keycloak infer redirect kinds from the URIs.
pub(super) fn secret_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    let public_uris = || app.redirect_uris.iter().filter(|r| is_public_kind(r));
    let public_client = app.client_type == ClientType::Public;
    let app_only = || ctx.privilege.scopes.iter().filter(|s| s.app_only);
    let client_credentials = ctx.has_grant_type(&GrantType::ClientCredentials);
    if (public_uris().next().is_none() && !public_client)
        || (app_only().next().is_none() && !client_credentials)
        || ctx.active_of_kind(CredentialKind::Secret).next().is_none()
    {
        return None;
    }
    let mut platform = Vec::new();
    let mut access = Vec::new();
    let mut hit = Hit::new().with("secrets", active_secrets(ctx));
    for kind in [RedirectKind::Spa, RedirectKind::Native] {
        let uris = uris_of(ctx, kind);
        if !uris.is_empty() {
            hit = hit.with(&format!("{}_redirect_uris", kind.as_str()), uris);
        }
    }
    if public_uris().next().is_some() {
        platform.push(kinds_inferred(public_uris()));
    }
    if public_client {
        hit = hit.with("client_type", "public");
        platform.push(inferred_from(app, &["client_type"]));
    }
    let permissions: Vec<String> = app_only()
        .take(MAX_LISTED)
        .map(|s| shown(&s.scope))
        .collect();
    if !permissions.is_empty() {
        hit = hit.with("app_only_permissions", permissions);
        access.push(None);
    }
    if client_credentials {
        hit = hit.with("client_credentials_grant", true);
        access.push(inferred_from(app, &["grant_types"]));
    }
    let sources: Vec<String> = [all_inferred(platform), all_inferred(access)]
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    Some(if sources.is_empty() {
        hit
    } else {
        hit.inferred(sources.join("; "))
    })
}

/// SECRET-009: a confidential client on a provider with asymmetric methods that
/// authenticates only with a shared secret: it holds an active secret or uses a shared-secret
/// method, and neither an active certificate or key nor an asymmetric method.
pub(super) fn secret_009(ctx: &AppContext<'_>) -> Option<Hit> {
    let app = ctx.app;
    if app.client_type != ClientType::Confidential || !ASYMMETRIC_PROVIDERS.contains(&app.provider)
    {
        return None;
    }
    let asymmetric = |c: &&Credential| {
        matches!(
            c.kind,
            CredentialKind::Certificate | CredentialKind::PrivateKeyJwt
        )
    };
    if ctx.active_credentials().any(|c| asymmetric(&c))
        || app
            .token_endpoint_auth_method
            .as_deref()
            .is_some_and(|m| ASYMMETRIC_METHODS.contains(&m))
    {
        return None;
    }
    let secrets = active_secrets(ctx);
    let method = shared_secret_method(ctx);
    if secrets.is_empty() && method.is_none() {
        return None;
    }
    let mut hit = Hit::new()
        .with("provider", app.provider.as_str())
        .with("client_type", "confidential");
    if !secrets.is_empty() {
        hit = hit.with("secrets", secrets);
    }
    if let Some(m) = method {
        hit = hit.with("token_endpoint_auth_method", m);
    }
    Some(hit)
}
