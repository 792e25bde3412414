//! Salesforce objects to the normalized model (field map: CONNECTORS.md §5.5, gaps §5.6):
//! Metadata API `ConnectedApp` (as JSON: jsforce `readMetadata`, or XML converted to JSON,
//! where every scalar may be a string), the `ConnectedApplication` sObject, and `OauthToken`
//! rows (users' grants).
//!
//! The Metadata API is the only place with callback URLs, PKCE and secret requirements and the
//! IP policy; the sObject and the token rows leave those unknown, with the reason noted.

use serde_json::{Value, json};

use crate::Provider;
use crate::error::ConnectorError;
use crate::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    Lifetime, OAuthApp, Ownership, PkcePolicy, PkceStatus, PolicySource, Principal, Setting,
};
use crate::parse_util::{
    add_redirects, flag, host_of, secret_credential, short, str_at, strings, text, time_at, uint,
};
use crate::redact::evidence;

const PROVIDER: &str = "salesforce";
const METADATA_ONLY: &str =
    "only the Metadata API `ConnectedApp` shows this; the ConnectedApplication object does not";

/// What a Salesforce record or metadata object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Metadata API `ConnectedApp`.
    ConnectedApp,
    /// The `ConnectedApplication` sObject.
    ConnectedApplication,
    /// An `OauthToken` row.
    OauthToken,
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
        Some(Kind::ConnectedApplication) => parse_connected_application(value).map(Some),
        Some(Kind::OauthToken) | None => Ok(None),
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
            s.split(['\n', '\r', ','])
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

    token_policy(&mut app, value, oauth, policy, offline);
    network_policy(&mut app, policy);
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

fn client<T>(value: T) -> Setting<T> {
    Setting::new(value, PolicySource::Client)
}

/// Seconds in one `unit` of a refresh token policy (`HOURS`, `DAYS`, `MONTHS`).
fn unit_seconds(unit: &str) -> Option<u64> {
    match unit.to_ascii_uppercase().as_str() {
        "MINUTES" => Some(60),
        "HOURS" => Some(3600),
        "DAYS" => Some(86_400),
        "MONTHS" => Some(30 * 86_400),
        "YEARS" => Some(365 * 86_400),
        _ => None,
    }
}

fn token_policy(app: &mut OAuthApp, value: &Value, oauth: &Value, policy: &Value, offline: bool) {
    app.token_policy.refresh_tokens_issued = Some(client(offline));
    app.token_policy.refresh_token_rotation =
        flag(oauth.get("isRefreshTokenRotationEnabled")).map(client);
    // The access token is a session: it lives as long as the app's session timeout (minutes).
    match uint(value.pointer("/sessionPolicy/sessionTimeout")) {
        Some(minutes) if minutes > 0 => {
            app.token_policy.access_token_lifetime = Some(client(Lifetime::Seconds(minutes * 60)));
        }
        _ => app.note_unknown(
            "token_policy.access_token_lifetime",
            "no app session timeout: the user's profile or the org session settings apply",
        ),
    }
    let raw_policy = str_at(policy, "refreshTokenPolicy");
    let parts: Vec<&str> = raw_policy.unwrap_or("infinite").split(':').collect();
    let tp = &mut app.token_policy;
    let source = if raw_policy.is_some() {
        PolicySource::Client
    } else {
        PolicySource::ProviderDefault
    };
    let set = |v: Lifetime| Some(Setting::new(v, source));
    match parts.as_slice() {
        ["infinite"] => {
            tp.refresh_token_lifetime = set(Lifetime::Unlimited);
            tp.refresh_token_idle_lifetime = set(Lifetime::Unlimited);
        }
        ["zero"] => {
            tp.refresh_token_lifetime = set(Lifetime::Seconds(0));
            tp.refresh_tokens_issued = Some(client(false));
        }
        [kind, n, unit] => {
            let secs = n
                .parse::<u64>()
                .ok()
                .zip(unit_seconds(unit))
                .map(|(n, u)| n.saturating_mul(u));
            match (*kind, secs) {
                ("specific_lifetime", Some(s)) => {
                    tp.refresh_token_lifetime = set(Lifetime::Seconds(s));
                    tp.refresh_token_idle_lifetime = set(Lifetime::Unlimited);
                }
                ("specific_inactivity", Some(s)) => {
                    tp.refresh_token_lifetime = set(Lifetime::Unlimited);
                    tp.refresh_token_idle_lifetime = set(Lifetime::Seconds(s));
                }
                _ => app.note_unknown(
                    "token_policy.refresh_token_lifetime",
                    format!(
                        "unrecognised refreshTokenPolicy `{}`",
                        short(raw_policy.unwrap_or(""))
                    ),
                ),
            }
        }
        _ => app.note_unknown(
            "token_policy.refresh_token_lifetime",
            format!(
                "unrecognised refreshTokenPolicy `{}`",
                short(raw_policy.unwrap_or(""))
            ),
        ),
    }
    if raw_policy.is_none() {
        app.note_inferred(
            "token_policy.refresh_token_lifetime",
            "no refreshTokenPolicy: Salesforce's default is \"valid until revoked\"",
        );
    }
}

/// `oauthPolicy.ipRelaxation`: only `ENFORCE` binds tokens to the users' login IP ranges.
fn network_policy(app: &mut OAuthApp, policy: &Value) {
    match str_at(policy, "ipRelaxation") {
        Some("ENFORCE") => {
            app.network_restricted = Some(true);
            app.note_inferred(
                "network_restricted",
                "ipRelaxation ENFORCE applies the users' profile login IP ranges, which the connected app does not show",
            );
        }
        Some(other) => {
            app.network_restricted = Some(false);
            app.note_inferred(
                "network_restricted",
                format!(
                    "ipRelaxation `{}` relaxes IP restrictions (for refresh tokens at least)",
                    short(other)
                ),
            );
        }
        None => app.note_unknown(
            "network_restricted",
            "the ConnectedApp has no oauthPolicy.ipRelaxation",
        ),
    }
}

/// Map a `ConnectedApplication` sObject row: an app installed or created in the org, with its
/// access policy but none of its OAuth configuration.
pub fn parse_connected_application(value: &Value) -> Result<OAuthApp, ConnectorError> {
    let id = str_at(value, "Id")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Salesforce ConnectedApplication without `Id`"))?;
    let name = str_at(value, "Name")
        .map(short)
        .unwrap_or_else(|| id.clone());
    let mut app = OAuthApp::new(Provider::Salesforce, &id, name);
    app.created_at = time_at(value, "CreatedDate");
    app.note_unknown(
        "client_id",
        "the consumer key is not on the ConnectedApplication object",
    );
    app.note_unknown(
        "ownership",
        "the ConnectedApplication object does not say whether the app is local or installed",
    );
    for field in [
        "client_type",
        "app_kind",
        "redirect_uris",
        "grant_types",
        "pkce",
        "credentials",
        "network_restricted",
    ] {
        app.note_unknown(field, METADATA_ONLY);
    }
    let period = uint(value.get("RefreshTokenValidityPeriod"));
    let by_inactivity = flag(value.get("OptionsRefreshTokenValidityMetric")) == Some(true);
    let tp = &mut app.token_policy;
    match period {
        None => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Unlimited));
            tp.refresh_token_idle_lifetime = Some(client(Lifetime::Unlimited));
            app.note_inferred(
                "token_policy.refresh_token_lifetime",
                "no RefreshTokenValidityPeriod: refresh tokens are valid until revoked",
            );
        }
        Some(0) => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Seconds(0)));
            tp.refresh_tokens_issued = Some(client(false));
        }
        Some(n) if by_inactivity => {
            tp.refresh_token_lifetime = Some(client(Lifetime::Unlimited));
            app.note_unknown(
                "token_policy.refresh_token_idle_lifetime",
                format!("refresh tokens expire after {n} units of inactivity; the unit (hours, days or months) is not on the object"),
            );
        }
        Some(n) => {
            tp.refresh_token_idle_lifetime = Some(client(Lifetime::Unlimited));
            app.note_unknown(
                "token_policy.refresh_token_lifetime",
                format!("refresh tokens expire after {n} units; the unit (hours, days or months) is not on the object"),
            );
        }
    }
    app.note_unknown(
        "token_policy.access_token_lifetime",
        "the app's session timeout is read from the Metadata API",
    );
    app.raw = evidence(value.clone());
    app.normalize();
    Ok(app)
}

/// The app an `OauthToken` row belongs to: the `ConnectedApplication` id when the row carries
/// it (`AppMenuItem.ApplicationId`), else the app's name.
pub fn token_app_key(row: &Value) -> Option<(String, String)> {
    let name = str_at(row, "AppName").map(short)?;
    let key = row
        .pointer("/AppMenuItem/ApplicationId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(short)
        .unwrap_or_else(|| format!("app:{name}"));
    Some((key, name))
}

/// Map an `OauthToken` row: one user's authorization of an app (never reads the token fields).
pub fn parse_token(row: &Value) -> Result<Grant, ConnectorError> {
    let (app_key, _) = token_app_key(row)
        .ok_or_else(|| ConnectorError::malformed("Salesforce OauthToken without `AppName`"))?;
    let user = str_at(row, "UserId")
        .map(short)
        .ok_or_else(|| ConnectorError::malformed("Salesforce OauthToken without `UserId`"))?;
    Ok(Grant {
        external_id: None,
        app_external_id: app_key,
        principal: Principal::User {
            id: user,
            email: None,
            display_name: row
                .pointer("/User/Username")
                .and_then(Value::as_str)
                .map(short),
            active: row.pointer("/User/IsActive").and_then(Value::as_bool),
        },
        resource: None,
        scopes: Vec::new(),
        consent_type: ConsentType::User,
        kind: GrantKind::Delegated,
        created_at: time_at(row, "CreatedDate"),
        expires_at: None,
        last_used_at: time_at(row, "LastUsedDate"),
    })
}

/// An app known only from users' `OauthToken` rows: it may not even be installed in the org
/// (CONNECTORS.md §5.6), so everything but its name is unknown.
pub fn app_from_tokens(key: &str, name: &str, rows: &[&Value]) -> OAuthApp {
    let mut app = OAuthApp::new(Provider::Salesforce, key, name);
    app.last_used_at = rows.iter().filter_map(|r| time_at(r, "LastUsedDate")).max();
    app.note_unknown(
        "ownership",
        "known only from users' OauthToken rows: the app may not be installed in the org",
    );
    for field in [
        "client_id",
        "client_type",
        "app_kind",
        "redirect_uris",
        "grant_types",
        "pkce",
        "credentials",
        "token_policy",
    ] {
        app.note_unknown(field, "the app is known only from users' OauthToken rows");
    }
    app.note_unknown("requested_scopes", "OauthToken rows carry no scopes");
    app.raw = evidence(json!({
        "AppName": name,
        "ApplicationId": rows.iter().find_map(|r| r.pointer("/AppMenuItem/ApplicationId")),
    }));
    app.normalize();
    app
}
