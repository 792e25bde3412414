//! GRANT rules (RULES §3.5): which grant and response types the client may use.

use connectors::model::{AppKind, ClientType, GrantType, Ownership};

use super::{AppContext, Check, Family, Hit, Rule, Severity};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "GRANT-001",
        family: Family::Grant,
        title: "Implicit grant issuing access tokens",
        severity: Severity::High,
        checks: "Implicit enabled for access tokens (Entra `enableAccessTokenIssuance`, Keycloak `implicitFlowEnabled`, Okta `implicit` grant with `token` response type, Auth0 `implicit`) or `response_types` containing `token`. An implicit grant whose response types are not stated counts as issuing access tokens (RFC 6749 §4.2 defines it so).",
        rationale: "Tokens arrive in the URL fragment where history, Referer, extensions and open redirects can read them, and they cannot be sender-constrained.",
        cites: &[
            "RFC 9700 §2.1.2",
            "RFC 9700 §4.1.2",
            "RFC 9700 §4.3",
            "OAuth 2.1 §10.1",
            "RFC 8252 §8.2",
            "RFC 6749 §10.16",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Switch the client to authorization code with PKCE and disable implicit token issuance.",
        check: Check::App(grant_001),
    },
    Rule {
        id: "GRANT-002",
        family: Family::Grant,
        title: "Implicit or hybrid ID token issuance only",
        severity: Severity::Low,
        checks: "ID-token-only implicit/hybrid enabled (Entra `enableIdTokenIssuance`, response type `id_token` or `code id_token`) with no access-token implicit.",
        rationale: "ID tokens in the front channel leak identity claims and are often the legacy of a SPA that should have moved to code + PKCE.",
        cites: &[
            "RFC 9700 §2.1.2",
            "OpenID Connect Core §3.2",
            "OpenID Connect Core §3.3",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Disable ID-token implicit issuance unless a form_post hybrid flow genuinely needs it.",
        check: Check::App(grant_002),
    },
    Rule {
        id: "GRANT-003",
        family: Family::Grant,
        title: "Resource owner password credentials grant enabled",
        severity: Severity::High,
        checks: "`grant_types` contains `password` (Keycloak `directAccessGrantsEnabled`, Okta/Auth0 `password`, Entra public-client ROPC).",
        rationale: "The client handles user passwords, MFA is bypassed or impossible, and the endpoint is a password-spraying target.",
        cites: &[
            "RFC 9700 §2.4",
            "RFC 6749 §10.7",
            "RFC 6819 §4.4.3",
            "OAuth 2.1 §10",
        ],
        nhi: &["NHI4", "NHI10"],
        csf: &["PR.AA-03"],
        fix: "Disable the password grant and move the client to authorization code with PKCE (or client credentials for machine use).",
        check: Check::App(grant_003),
    },
    Rule {
        id: "GRANT-004",
        family: Family::Grant,
        title: "Device authorization grant on a client that does not need it",
        severity: Severity::Medium,
        checks: "`device_code` enabled and (`app_kind not in {device, native}` or `ownership == third_party`). An unknown app kind alone does not fire.",
        rationale: "Device codes are a favourite for remote/consent phishing (the victim enters an attacker-started code); Salesforce asks for extra scrutiny of device-flow apps after the 2025 vishing campaigns.",
        cites: &["RFC 8628 §5.4", "Salesforce help 005226734"],
        nhi: &["NHI4", "NHI3"],
        csf: &["PR.AA-03"],
        fix: "Disable the device grant for this client, or restrict it to the input-constrained devices that need it.",
        check: Check::App(grant_004),
    },
    Rule {
        id: "GRANT-005",
        family: Family::Grant,
        title: "Client credentials grant on a public client",
        severity: Severity::Critical,
        checks: "`client_type == public` and `client_credentials` enabled (or app-only permissions on a client whose only credentials are public).",
        rationale: "Anyone who knows the client id can mint app-only tokens.",
        cites: &["RFC 6749 §4.4", "OAuth 2.1 §4.2"],
        nhi: &["NHI4", "NHI5"],
        csf: &["PR.AA-03", "PR.AA-05"],
        fix: "Disable client credentials for this client and create a confidential service client with its own credential.",
        check: Check::App(grant_005),
    },
    Rule {
        id: "GRANT-006",
        family: Family::Grant,
        title: "Grant types beyond the app kind's needs",
        severity: Severity::Low,
        checks: "Enabled grant types outside the expected set: spa/native {authorization_code, refresh_token}; web {authorization_code, refresh_token}; service {client_credentials, jwt-bearer}; device {device_code, refresh_token}. Extra grants such as token-exchange or jwt-bearer on user-facing apps also count. Not judged when the app kind is unknown.",
        rationale: "Every enabled grant is extra attack surface nobody tests.",
        cites: &["RFC 9700 §2.3", "RFC 7591 §2"],
        nhi: &["NHI5"],
        csf: &["PR.AA-05", "PR.PS-01"],
        fix: "Disable the grant types the application does not use.",
        check: Check::App(grant_006),
    },
];

/// Whether one response type (space-separated words, as in OIDC) contains `word`.
fn has_word(response_type: &str, word: &str) -> bool {
    response_type.split_ascii_whitespace().any(|w| w == word)
}

fn issues_front_channel_access_tokens(ctx: &AppContext<'_>) -> bool {
    let rt = &ctx.app.response_types;
    rt.iter().any(|r| has_word(r, "token"))
        || (rt.is_empty() && ctx.has_grant_type(&GrantType::Implicit))
}

fn grant_001(ctx: &AppContext<'_>) -> Option<Hit> {
    issues_front_channel_access_tokens(ctx).then(|| {
        Hit::new()
            .with("grant_types", wire_names(&ctx.app.grant_types))
            .with("response_types", ctx.app.response_types.clone())
    })
}

fn grant_002(ctx: &AppContext<'_>) -> Option<Hit> {
    if issues_front_channel_access_tokens(ctx) {
        return None;
    }
    let id_token: Vec<String> = ctx
        .app
        .response_types
        .iter()
        .filter(|r| has_word(r, "id_token"))
        .cloned()
        .collect();
    (!id_token.is_empty()).then(|| Hit::new().with("response_types", id_token))
}

fn grant_003(ctx: &AppContext<'_>) -> Option<Hit> {
    ctx.has_grant_type(&GrantType::Password).then(|| {
        let mut hit = Hit::new().with("grant_types", wire_names(&ctx.app.grant_types));
        if let Some(n) = ctx.app.note("grant_types")
            && n.kind == connectors::model::NoteKind::Inferred
        {
            hit = hit.inferred(n.reason.clone());
        }
        hit
    })
}

fn grant_004(ctx: &AppContext<'_>) -> Option<Hit> {
    if !ctx.has_grant_type(&GrantType::DeviceCode) {
        return None;
    }
    let kind = ctx.app.app_kind;
    let wrong_kind = !matches!(kind, AppKind::Device | AppKind::Native | AppKind::Unknown);
    let third_party = ctx.app.ownership == Ownership::ThirdParty;
    (wrong_kind || third_party).then(|| {
        Hit::new()
            .with("grant_types", wire_names(&ctx.app.grant_types))
            .with("app_kind", kind.as_str())
            .with("ownership", ctx.app.ownership.as_str())
    })
}

fn grant_005(ctx: &AppContext<'_>) -> Option<Hit> {
    if ctx.app.client_type != ClientType::Public {
        return None;
    }
    let app_only: Vec<&str> = ctx
        .privilege
        .scopes
        .iter()
        .filter(|s| s.app_only)
        .map(|s| s.scope.as_str())
        .collect();
    let cc = ctx.has_grant_type(&GrantType::ClientCredentials);
    (cc || !app_only.is_empty()).then(|| {
        Hit::new()
            .with("client_type", "public")
            .with("client_credentials_enabled", cc)
            .with("app_only_permissions", app_only)
    })
}

fn grant_006(ctx: &AppContext<'_>) -> Option<Hit> {
    use GrantType::*;
    let expected: &[GrantType] = match ctx.app.app_kind {
        AppKind::Spa | AppKind::Native | AppKind::Web => &[AuthorizationCode, RefreshToken],
        AppKind::Service => &[ClientCredentials, JwtBearer],
        AppKind::Device => &[DeviceCode, RefreshToken],
        AppKind::Unknown => return None,
    };
    let extra: Vec<&GrantType> = ctx
        .app
        .grant_types
        .iter()
        .filter(|g| !expected.contains(g))
        .collect();
    (!extra.is_empty()).then(|| {
        Hit::new()
            .with("app_kind", ctx.app.app_kind.as_str())
            .with("unexpected_grant_types", wire_names_of(extra.into_iter()))
            .with("expected", wire_names_of(expected.iter()))
    })
}

fn wire_names(grants: &[GrantType]) -> Vec<String> {
    wire_names_of(grants.iter())
}

fn wire_names_of<'a>(grants: impl Iterator<Item = &'a GrantType>) -> Vec<String> {
    grants
        .map(|g| match g {
            GrantType::Other(name) => connectors::redact::bound_str(name, 128),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
