//! Microsoft Graph v1.0 objects (`application`, `servicePrincipal`, `oAuth2PermissionGrant`,
//! `appRoleAssignment`, `authorizationPolicy`) to the normalized model.
//!
//! An Entra app is keyed by its `appId` (the OAuth client id), which the application object
//! and its service principal share. First-party apps are read from the application object
//! merged with its service principal; third-party apps are visible only as service principals,
//! so their client type, redirect kinds and credentials are unknown (CONNECTORS.md §1.6).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkceMethod, PkcePolicy, PkceStatus, PolicySource, Principal,
    RedirectKind, RedirectUri, Setting, TenantPolicy, UserConsentPolicy,
};
use crate::redact::{bound_str, evidence};

/// Longest app name kept; provider strings are attacker-controlled.
const MAX_NAME: usize = 256;
const NO_PKCE_FLAG: &str = "Entra exposes no PKCE setting for web and public-client redirects";

/// Permission names by (resource appId, permission id), from resource service principals'
/// `oauth2PermissionScopes` and `appRoles`, so GUIDs in grants read as `Mail.Read`.
#[derive(Debug, Default)]
pub struct PermissionNames {
    by_id: HashMap<(String, String), String>,
}

impl PermissionNames {
    /// Learn the permissions a resource service principal publishes.
    pub fn learn(&mut self, sp: &ServicePrincipal) {
        for p in sp.oauth2_permission_scopes.iter().chain(&sp.app_roles) {
            if let (Some(id), Some(value)) = (&p.id, &p.value) {
                self.by_id
                    .insert((sp.app_id.clone(), id.clone()), value.clone());
            }
        }
    }

    /// The permission's name, or its id when the resource was not in the export.
    pub fn name(&self, resource_app_id: &str, id: &str) -> String {
        self.by_id
            .get(&(resource_app_id.to_string(), id.to_string()))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub id: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedPublisher {
    pub display_name: Option<String>,
    pub verified_publisher_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    pub hint: Option<String>,
    pub start_date_time: Option<DateTime<Utc>>,
    pub end_date_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    pub custom_key_identifier: Option<String>,
    pub start_date_time: Option<DateTime<Utc>>,
    pub end_date_time: Option<DateTime<Utc>>,
}

/// The fields of a Graph `servicePrincipal` the model uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    pub app_display_name: Option<String>,
    pub app_description: Option<String>,
    pub description: Option<String>,
    pub account_enabled: Option<bool>,
    pub app_owner_organization_id: Option<String>,
    pub publisher_name: Option<String>,
    pub service_principal_type: Option<String>,
    pub verified_publisher: Option<VerifiedPublisher>,
    pub reply_urls: Vec<String>,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
    pub oauth2_permission_scopes: Vec<Permission>,
    pub app_roles: Vec<Permission>,
    pub created_date_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RedirectSet {
    redirect_uris: Vec<String>,
    implicit_grant_settings: Option<ImplicitGrantSettings>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ImplicitGrantSettings {
    enable_access_token_issuance: bool,
    enable_id_token_issuance: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ResourceAccessSet {
    resource_app_id: String,
    resource_access: Vec<Permission>,
}

/// The fields of a Graph `application` (a registration in this tenant) the model uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Application {
    app_id: String,
    display_name: Option<String>,
    description: Option<String>,
    created_date_time: Option<DateTime<Utc>>,
    publisher_domain: Option<String>,
    is_fallback_public_client: Option<bool>,
    verified_publisher: Option<VerifiedPublisher>,
    disabled_by_microsoft_status: Option<String>,
    web: Option<RedirectSet>,
    spa: Option<RedirectSet>,
    public_client: Option<RedirectSet>,
    required_resource_access: Vec<ResourceAccessSet>,
    password_credentials: Vec<PasswordCredential>,
    key_credentials: Vec<KeyCredential>,
}

fn malformed(what: &str, e: serde_json::Error) -> ConnectorError {
    ConnectorError::malformed(format!("{what}: {e}"))
}

/// Read the model fields of a service principal object.
pub fn service_principal(value: &Value) -> Result<ServicePrincipal, ConnectorError> {
    let sp = ServicePrincipal::deserialize(value).map_err(|e| malformed("servicePrincipal", e))?;
    if sp.id.is_empty() || sp.app_id.is_empty() {
        return Err(ConnectorError::malformed(
            "servicePrincipal without `id` or `appId`",
        ));
    }
    Ok(sp)
}

/// A third-party app: another organisation's app, seen through its service principal only.
pub fn third_party_app(sp: &ServicePrincipal, raw: Value) -> OAuthApp {
    let name = sp
        .display_name
        .as_deref()
        .or(sp.app_display_name.as_deref())
        .unwrap_or(&sp.app_id);
    let mut app = OAuthApp::new(Provider::Entra, &sp.app_id, bound_str(name, MAX_NAME));
    app.client_id = Some(sp.app_id.clone());
    app.description = sp
        .app_description
        .clone()
        .or_else(|| sp.description.clone());
    app.ownership = Ownership::ThirdParty;
    app.note_inferred("ownership", "appOwnerOrganizationId differs from this tenant's, and no application object is registered here");
    apply_service_principal(&mut app, sp);
    for uri in &sp.reply_urls {
        app.redirect_uris.push(inferred_redirect(uri));
    }
    if !sp.reply_urls.is_empty() {
        app.grant_types.push(GrantType::AuthorizationCode);
        app.note_inferred(
            "grant_types",
            "reply URLs are registered, so the authorization code flow is possible",
        );
    }
    app.note_unknown(
        "client_type",
        "Graph does not expose a third-party app's client type",
    );
    app.note_unknown(
        "app_kind",
        "Graph shows only reply URLs for a third-party app, not their platforms",
    );
    app.note_unknown("pkce", NO_PKCE_FLAG);
    app.note_unknown(
        "owners",
        "owners of another organisation's app are not visible",
    );
    app.raw = evidence(raw);
    app.normalize();
    app
}

/// A first-party app: the application registered in this tenant, merged with its service
/// principal when there is one.
pub fn first_party_app(
    value: &Value,
    sp: Option<&ServicePrincipal>,
    names: &PermissionNames,
) -> Result<OAuthApp, ConnectorError> {
    let a = Application::deserialize(value).map_err(|e| malformed("application", e))?;
    if a.app_id.is_empty() {
        return Err(ConnectorError::malformed("application without `appId`"));
    }
    let name = a.display_name.as_deref().unwrap_or(&a.app_id);
    let mut app = OAuthApp::new(Provider::Entra, &a.app_id, bound_str(name, MAX_NAME));
    app.client_id = Some(a.app_id.clone());
    app.description = a.description.clone();
    app.ownership = Ownership::FirstParty;
    app.created_at = a.created_date_time;
    app.publisher.domain = a.publisher_domain.clone();
    app.publisher.name = a
        .verified_publisher
        .as_ref()
        .and_then(|v| v.display_name.clone());
    app.publisher.verified = Some(
        a.verified_publisher
            .as_ref()
            .is_some_and(|v| v.verified_publisher_id.is_some()),
    );
    if let Some(sp) = sp {
        apply_service_principal(&mut app, sp);
    } else {
        app.note_unknown(
            "enabled",
            "no service principal: the app cannot sign in to this tenant",
        );
    }
    if a.disabled_by_microsoft_status.is_some() {
        app.enabled = Some(false);
    }

    let platform = |set: &Option<RedirectSet>| {
        set.as_ref()
            .map(|s| s.redirect_uris.clone())
            .unwrap_or_default()
    };
    let (web, spa, native) = (
        platform(&a.web),
        platform(&a.spa),
        platform(&a.public_client),
    );
    for (uris, kind) in [
        (&web, RedirectKind::Web),
        (&spa, RedirectKind::Spa),
        (&native, RedirectKind::Native),
    ] {
        for uri in uris {
            app.redirect_uris.push(RedirectUri {
                uri: uri.clone(),
                kind,
                kind_inferred: false,
            });
        }
    }
    let fallback_public = a.is_fallback_public_client.unwrap_or(false);
    let has_secret_material = !a.password_credentials.is_empty() || !a.key_credentials.is_empty();
    app.app_kind = if !native.is_empty() {
        AppKind::Native
    } else if !spa.is_empty() && web.is_empty() {
        AppKind::Spa
    } else if !web.is_empty() {
        AppKind::Web
    } else if has_secret_material {
        AppKind::Service
    } else {
        AppKind::Unknown
    };
    app.note_inferred(
        "app_kind",
        "the platforms its redirect URIs are registered under (web, spa, publicClient)",
    );
    app.client_type =
        if fallback_public || (web.is_empty() && (!native.is_empty() || !spa.is_empty())) {
            ClientType::Public
        } else if !web.is_empty() || has_secret_material {
            ClientType::Confidential
        } else {
            ClientType::Unknown
        };
    app.note_inferred(
        "client_type",
        "isFallbackPublicClient and the redirect URI platforms",
    );

    let implicit = a
        .web
        .as_ref()
        .and_then(|w| w.implicit_grant_settings.clone())
        .unwrap_or_default();
    if !app.redirect_uris.is_empty() {
        app.grant_types
            .extend([GrantType::AuthorizationCode, GrantType::RefreshToken]);
    }
    if implicit.enable_access_token_issuance || implicit.enable_id_token_issuance {
        app.grant_types.push(GrantType::Implicit);
    }
    if !app.redirect_uris.is_empty() {
        app.response_types.push("code".into());
    }
    if implicit.enable_access_token_issuance {
        app.response_types.push("token".into());
    }
    if implicit.enable_id_token_issuance {
        app.response_types.push("id_token".into());
    }
    if has_secret_material {
        app.grant_types.push(GrantType::ClientCredentials);
    }
    if fallback_public {
        app.grant_types
            .extend([GrantType::Password, GrantType::DeviceCode]);
    }
    app.note_inferred(
        "grant_types",
        "redirect URIs, implicitGrantSettings, credentials and isFallbackPublicClient",
    );

    app.pkce = if !spa.is_empty() && web.is_empty() && native.is_empty() {
        app.note_inferred(
            "pkce",
            "the SPA platform only allows the code flow with PKCE",
        );
        PkcePolicy {
            status: PkceStatus::Required,
            methods: vec![PkceMethod::S256],
        }
    } else {
        app.note_unknown("pkce", NO_PKCE_FLAG);
        PkcePolicy::unknown()
    };

    for c in &a.password_credentials {
        app.credentials.push(secret(&a.app_id, c));
    }
    for c in &a.key_credentials {
        app.credentials.push(certificate(&a.app_id, c));
    }
    for set in &a.required_resource_access {
        for p in &set.resource_access {
            if let Some(id) = &p.id {
                app.requested_scopes
                    .push(names.name(&set.resource_app_id, id));
            }
        }
    }
    app.token_policy = default_token_policy(app.app_kind == AppKind::Spa);
    app.note_unknown(
        "owners",
        "owners are read from /applications/{id}/owners, which the export does not hold",
    );
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

fn apply_service_principal(app: &mut OAuthApp, sp: &ServicePrincipal) {
    app.enabled = sp.account_enabled;
    if app.publisher.name.is_none() {
        app.publisher.name = sp.publisher_name.clone().or_else(|| {
            sp.verified_publisher
                .as_ref()
                .and_then(|v| v.display_name.clone())
        });
    }
    let verified = sp
        .verified_publisher
        .as_ref()
        .is_some_and(|v| v.verified_publisher_id.is_some());
    app.publisher.verified = Some(app.publisher.verified.unwrap_or(false) || verified);
    if app.created_at.is_none() {
        app.created_at = sp.created_date_time;
    }
    for c in &sp.password_credentials {
        app.credentials.push(secret(&sp.app_id, c));
    }
    for c in &sp.key_credentials {
        app.credentials.push(certificate(&sp.app_id, c));
    }
}

fn secret(app_id: &str, c: &PasswordCredential) -> Credential {
    let key = c.key_id.as_deref().unwrap_or("");
    Credential {
        kind: CredentialKind::Secret,
        key_id: c.key_id.clone(),
        hint: c.hint.as_deref().map(|h| bound_str(h, 8)),
        display_name: c.display_name.as_deref().map(|n| bound_str(n, MAX_NAME)),
        created_at: c.start_date_time,
        expires_at: c.end_date_time,
        never_expires: false,
        fingerprint: Credential::fingerprint_of(&["entra", app_id, "secret", key]),
        secret_digest: None,
    }
}

/// A key credential. Its fingerprint is the certificate's own identity, `customKeyIdentifier`
/// (the thumbprint Graph records on upload), and not the app's, so one certificate on several
/// apps or tenants is detectable (SECRET-011). The identifier can be set by hand, so two apps
/// naming different certificates alike would look like reuse; without it the fingerprint is
/// scoped to the app and its `keyId`.
fn certificate(app_id: &str, c: &KeyCredential) -> Credential {
    let fingerprint = match c
        .custom_key_identifier
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(thumbprint) => Credential::fingerprint_of(&["entra", "certificate", thumbprint]),
        None => Credential::fingerprint_of(&[
            "entra",
            app_id,
            "certificate",
            c.key_id.as_deref().unwrap_or(""),
        ]),
    };
    Credential {
        kind: CredentialKind::Certificate,
        key_id: c.key_id.clone(),
        hint: None,
        display_name: c.display_name.as_deref().map(|n| bound_str(n, MAX_NAME)),
        created_at: c.start_date_time,
        expires_at: c.end_date_time,
        never_expires: false,
        fingerprint,
        secret_digest: None,
    }
}

/// Entra's platform defaults (CONNECTORS.md §1.5-1.6): access tokens live 60-90 minutes
/// (we record the upper bound), refresh tokens roll for 90 days of inactivity with no absolute
/// limit and are replaced on every use; SPA refresh tokens end after 24 hours.
fn default_token_policy(spa: bool) -> crate::model::TokenPolicy {
    let d = PolicySource::ProviderDefault;
    crate::model::TokenPolicy {
        access_token_lifetime: Some(Setting::new(Lifetime::Seconds(90 * 60), d)),
        refresh_tokens_issued: None,
        refresh_token_lifetime: Some(Setting::new(
            if spa {
                Lifetime::Seconds(24 * 3600)
            } else {
                Lifetime::Unlimited
            },
            d,
        )),
        refresh_token_idle_lifetime: Some(Setting::new(Lifetime::Seconds(90 * 24 * 3600), d)),
        refresh_token_rotation: Some(Setting::new(true, d)),
        refresh_token_reuse_detection: None,
        session_lifetime: None,
        ..Default::default()
    }
}

/// A redirect URI whose platform Graph does not say: native when it uses a custom scheme or
/// a loopback host, web otherwise.
fn inferred_redirect(uri: &str) -> RedirectUri {
    let lower = uri.to_ascii_lowercase();
    let native = !(lower.starts_with("https://") || lower.starts_with("http://"))
        || ["http://localhost", "http://127.", "http://[::1]"]
            .iter()
            .any(|p| lower.starts_with(p));
    RedirectUri {
        uri: uri.to_string(),
        kind: if native {
            RedirectKind::Native
        } else {
            RedirectKind::Web
        },
        kind_inferred: true,
    }
}

/// A Graph `oAuth2PermissionGrant` (delegated permissions).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionGrant {
    pub id: String,
    pub client_id: String,
    pub consent_type: Option<String>,
    pub principal_id: Option<String>,
    pub resource_id: String,
    #[serde(default)]
    pub scope: Option<String>,
}

/// Map a delegated grant; `app_id` and `resource_app_id` are resolved from service principal ids.
pub fn delegated_grant(
    g: PermissionGrant,
    app_id: String,
    resource_app_id: Option<String>,
) -> Grant {
    let (principal, consent_type) = match (g.consent_type.as_deref(), g.principal_id) {
        (Some("AllPrincipals"), _) => (Principal::Tenant, ConsentType::Admin),
        (_, Some(id)) => (
            Principal::User {
                id,
                email: None,
                display_name: None,
                active: None,
            },
            ConsentType::User,
        ),
        (_, None) => (Principal::Tenant, ConsentType::Unknown),
    };
    let mut grant = Grant {
        external_id: Some(g.id),
        app_external_id: app_id,
        principal,
        resource: Some(resource_app_id.unwrap_or(g.resource_id)),
        scopes: g
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .map(|s| bound_str(s, 256))
            .collect(),
        consent_type,
        kind: GrantKind::Delegated,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    };
    grant.normalize();
    grant
}

/// A Graph `appRoleAssignment` (an application permission: app-only, tenant-wide).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub app_role_id: String,
    pub principal_id: String,
    pub resource_id: String,
    pub created_date_time: Option<DateTime<Utc>>,
}

/// Map an application permission; the role id is resolved to its name where known.
pub fn application_grant(
    a: AppRoleAssignment,
    app_id: String,
    resource_app_id: Option<String>,
    names: &PermissionNames,
) -> Grant {
    let resource = resource_app_id.unwrap_or(a.resource_id);
    Grant {
        external_id: Some(a.id),
        app_external_id: app_id,
        principal: Principal::Tenant,
        scopes: vec![names.name(&resource, &a.app_role_id)],
        resource: Some(resource),
        consent_type: ConsentType::Admin,
        kind: GrantKind::Application,
        created_at: a.created_date_time,
        expires_at: None,
        last_used_at: None,
    }
}

/// The tenant's user-consent setting from `GET /policies/authorizationPolicy`.
pub fn tenant_policy(value: &Value) -> TenantPolicy {
    let policy = value.get("value").and_then(|v| v.get(0)).unwrap_or(value);
    let assigned: Option<Vec<String>> = policy
        .pointer("/defaultUserRolePermissions/permissionGrantPoliciesAssigned")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let user_consent = assigned.map(|list| {
        if list
            .iter()
            .any(|p| p.ends_with("microsoft-user-default-legacy"))
        {
            UserConsentPolicy::AllowAll
        } else if list
            .iter()
            .any(|p| p.starts_with("ManagePermissionGrantsForSelf."))
        {
            UserConsentPolicy::Limited
        } else {
            UserConsentPolicy::AdminOnly
        }
    });
    TenantPolicy {
        user_consent,
        raw: evidence(policy.clone()),
        ..TenantPolicy::default()
    }
}
