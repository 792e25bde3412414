//! Salesforce objects to the normalized model (field map: CONNECTORS.md §5.5, gaps §5.6):
//! recognising the three kinds we read, and the Metadata API `ConnectedApp` (as JSON: jsforce
//! `readMetadata`, or XML converted to JSON, where every scalar may be a string). The
//! `ConnectedApplication` sObject and `OauthToken` rows are in [`super::records`], the
//! connected app's token and IP policy in [`super::policy`].
//!
//! The Metadata API is the only place with callback URLs, PKCE and secret requirements and the
//! IP policy; the sObject and the token rows leave those unknown, with the reason noted.

use serde_json::{Value, json};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, Credential, CredentialKind, GrantType, OAuthApp, Ownership, PkcePolicy,
    PkceStatus, TenantPolicy,
};
use crate::parse_util::{
    add_redirects, flag, host_of, secret_credential, short, str_at, strings, text,
};
use crate::redact::evidence;

const PROVIDER: &str = "salesforce";

/// What a Salesforce record or metadata object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Metadata API `ConnectedApp`.
    ConnectedApp,
    /// The `ConnectedApplication` sObject.
    ConnectedApplication,
    /// An `OauthToken` row.
    OauthToken,
    /// The Metadata API singleton `ConnectedAppSettings` (org-wide API Access Control).
    ConnectedAppSettings,
}

/// Classify a Salesforce object; `None` when it is none of the kinds we read.
pub fn kind_of(v: &Value) -> Option<Kind> {
    match v.pointer("/attributes/type").and_then(Value::as_str) {
        Some("ConnectedApplication") => return Some(Kind::ConnectedApplication),
        Some("OauthToken") => return Some(Kind::OauthToken),
        Some("ConnectedApp") => return Some(Kind::ConnectedApp),
        _ => {}
    }
    let has = |k: &str| v.get(k).is_some();
    if has("enableAdminApprovedAppsOnly") {
        return Some(Kind::ConnectedAppSettings);
    }
    if has("oauthConfig") || (has("fullName") && (has("label") || has("contactEmail"))) {
        Some(Kind::ConnectedApp)
    } else if has("AppName") && (has("UserId") || has("AppMenuItemId")) {
        Some(Kind::OauthToken)
    } else if has("OptionsAllowAdminApprovedUsersOnly") || has("RefreshTokenValidityPeriod") {
        Some(Kind::ConnectedApplication)
    } else {
        None
    }
}

/// Map a `ConnectedApp` or `ConnectedApplication`; `Ok(None)` for token rows and objects of
/// other kinds (they are not apps).
pub fn parse_app(value: &Value) -> Result<Option<OAuthApp>, ConnectorError> {
    match kind_of(value) {
        Some(Kind::ConnectedApp) => parse_connected_app(value).map(Some),
        Some(Kind::ConnectedApplication) => {
            super::records::parse_connected_application(value).map(Some)
        }
        Some(Kind::OauthToken | Kind::ConnectedAppSettings) | None => Ok(None),
    }
}

/// Metadata API scope names and the OAuth scope values they stand for.
const SCOPES: [(&str, &str); 14] = [
    ("Api", "api"),
    ("Web", "web"),
    ("Full", "full"),
    ("RefreshToken", "refresh_token"),
    ("OfflineAccess", "offline_access"),
    ("OpenID", "openid"),
    ("Basic", "id"),
    ("Chatter", "chatter_api"),
    ("CustomApplications", "visualforce"),
    ("CustomPermissions", "custom_permissions"),
    ("Wave", "wave_api"),
    ("Pardot", "pardot_api"),
    ("CDPIngest", "cdp_ingest_api"),
    ("Lightning", "lightning"),
];

fn scope_value(name: &str) -> String {
    SCOPES
        .iter()
        .find(|(meta, _)| meta.eq_ignore_ascii_case(name))
        .map(|(_, wire)| (*wire).to_string())
        .unwrap_or_else(|| short(name))
}

/// Map a Metadata API `ConnectedApp`.
pub fn parse_connected_app(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let full_name = str_at(value, "fullName")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Salesforce ConnectedApp without `fullName`"))?;
    let name = str_at(value, "label")
        .map(short)
        .unwrap_or_else(|| full_name.clone());
    let mut app = OAuthApp::new(Provider::Salesforce, &full_name, name);
    app.description = str_at(value, "description").map(text);
    app.owners = str_at(value, "contactEmail")
        .map(short)
        .into_iter()
        .collect();
    app.publisher.domain = str_at(value, "infoUrl").and_then(host_of);
    app.note_unknown(
        "publisher.verified",
        "Salesforce has no publisher verification for connected apps",
    );
    // Packaged connected apps carry their namespace: `ns__Name`.
    app.ownership = if full_name.contains("__") {
        Ownership::ThirdParty
    } else {
        Ownership::FirstParty
    };
    app.note_inferred(
        "ownership",
        "a namespace prefix (`ns__`) in fullName marks an app installed from a package",
    );

    let empty = json!({});
    let oauth = value.get("oauthConfig").unwrap_or(&empty);
    let policy = value.get("oauthPolicy").unwrap_or(&empty);
    let oflag = |k: &str| flag(oauth.get(k));
    app.client_id = str_at(oauth, "consumerKey").map(short);

    let secret_optional = oflag("isConsumerSecretOptional");
    app.client_type = if secret_optional == Some(true) {
        ClientType::Public
    } else {
        ClientType::Confidential
    };
    if secret_optional.is_none() {
        app.note_inferred(
            "client_type",
            "isConsumerSecretOptional is absent; its default (false) requires the consumer secret",
        );
    }
    let callbacks: Vec<&str> = str_at(oauth, "callbackUrl")
        .map(|s| {
            s.split(['\n', '\r'])
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let custom_scheme = callbacks
        .iter()
        .any(|u| !(u.starts_with("https://") || u.starts_with("http://")));
    let client_credentials = oflag("isClientCredentialEnabled") == Some(true);
    app.app_kind = if custom_scheme {
        AppKind::Native
    } else if callbacks.is_empty() && client_credentials {
        AppKind::Service
    } else {
        AppKind::Unknown
    };
    if app.app_kind == AppKind::Unknown {
        app.note_unknown(
            "app_kind",
            "Salesforce does not say what kind of software a connected app is",
        );
    } else {
        app.note_inferred(
            "app_kind",
            "the callback URL schemes and the client credentials flow",
        );
    }
    add_redirects(&mut app, callbacks.iter().copied());

    app.requested_scopes = strings(oauth.get("scopes"))
        .iter()
        .map(|s| scope_value(s))
        .collect();
    // `full` does not return a refresh token; only these scopes do.
    let offline = app
        .requested_scopes
        .iter()
        .any(|s| s == "refresh_token" || s == "offline_access");
    grant_types(&mut app, oauth, !callbacks.is_empty(), offline);

    app.pkce = match oflag("isPkceRequired") {
        Some(true) => PkcePolicy {
            status: PkceStatus::Required,
            methods: Vec::new(),
        },
        // Salesforce honours a code_challenge from any connected app.
        Some(false) => PkcePolicy {
            status: PkceStatus::Optional,
            methods: Vec::new(),
        },
        None => {
            app.note_unknown("pkce", "the ConnectedApp has no isPkceRequired");
            PkcePolicy::unknown()
        }
    };

    if secret_optional != Some(true) {
        let secret = str_at(oauth, "consumerSecret");
        app.credentials
            .push(secret_credential(PROVIDER, &full_name, secret));
        app.note_unknown(
            "credentials",
            "consumer secrets' creation and expiry are not queryable (CONNECTORS.md §5.5)",
        );
    }
    if let Some(cert) = str_at(oauth, "certificate") {
        app.credentials.push(Credential {
            display_name: Some("JWT bearer certificate".into()),
            ..crate::parse_util::key_credential(
                PROVIDER,
                &full_name,
                CredentialKind::Certificate,
                None,
            )
        });
        // The certificate is public: its digest tells certificates apart and finds reuse.
        if let Some(c) = app.credentials.last_mut() {
            c.fingerprint = Credential::fingerprint_of(&[PROVIDER, "certificate", cert]);
        }
    }

    super::policy::token_policy(&mut app, value, oauth, policy, offline);
    super::policy::network_policy(&mut app, policy);
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

fn grant_types(app: &mut OAuthApp, oauth: &Value, has_callbacks: bool, offline: bool) {
    let on = |k: &str| flag(oauth.get(k)) == Some(true);
    let g = &mut app.grant_types;
    if has_callbacks {
        g.push(GrantType::AuthorizationCode);
    }
    if offline {
        g.push(GrantType::RefreshToken);
    }
    if on("isClientCredentialEnabled") {
        g.push(GrantType::ClientCredentials);
    }
    if oauth.get("certificate").is_some_and(|c| !c.is_null()) {
        g.push(GrantType::JwtBearer);
    }
    if on("isTokenExchangeEnabled") {
        g.push(GrantType::TokenExchange);
    }
    if on("isDeviceFlowEnabled") {
        g.push(GrantType::DeviceCode);
    }
    if on("isCodeCredentialEnabled") {
        g.push(GrantType::Other("code_credential".into()));
    }
    app.note_unknown(
        "grant_types",
        "the user-agent (implicit) and username-password flows are allowed or blocked org-wide, not per connected app",
    );
}

/// The org-wide API Access Control from `ConnectedAppSettings`: with
/// `enableAdminApprovedAppsOnly`, users can authorize only connected apps an administrator
/// installed and approved (TENANT-002).
pub fn tenant_policy(value: &Value) -> TenantPolicy {
    TenantPolicy {
        third_party_apps_restricted: flag(value.get("enableAdminApprovedAppsOnly")),
        raw: evidence(value.clone()),
        ..TenantPolicy::default()
    }
}
