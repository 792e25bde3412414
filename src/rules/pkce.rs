//! PKCE rules (RULES §3.1): whether the authorization server makes the client prove possession
//! of the code with RFC 7636, and with which method.

use connectors::model::{GrantType, PkceMethod, PkceStatus, RedirectKind};
use serde_json::json;

use super::{AppContext, Check, Family, Hit, Rule, Severity, TenantContext};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "PKCE-001",
        family: Family::Pkce,
        title: "Public client may use the code flow without PKCE",
        severity: Severity::High,
        checks: "`client_type == public` or `app_kind in {native, spa}`; `grant_types` contains `authorization_code`; `pkce_policy in {optional, not_supported}`.",
        rationale: "A public client cannot authenticate at the token endpoint, so an intercepted or injected code is redeemable by whoever holds it.",
        cites: &[
            "RFC 9700 §2.1.1",
            "RFC 9700 §4.5",
            "RFC 7636 §1",
            "RFC 8252 §6",
            "RFC 8252 §8.1",
            "OAuth 2.1 §4.1.1",
            "OAuth 2.1 §7.5.1.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-03", "PR.AA-04"],
        fix: "Require PKCE with S256 for this client at the authorization server and reject code requests that carry no `code_challenge`.",
        check: Check::App(pkce_001),
    },
    Rule {
        id: "PKCE-002",
        family: Family::Pkce,
        title: "Native app with interceptable redirect and no PKCE",
        severity: Severity::Critical,
        checks: "`app_kind == native` (or any redirect of kind native) and at least one redirect URI uses a private-use scheme or a loopback/localhost host; `pkce_policy != required`.",
        rationale: "Any other app on the device can register the same scheme or port and receive the code, which it can then redeem directly; this is the attack PKCE was written for.",
        cites: &[
            "RFC 7636 §1",
            "RFC 8252 §6",
            "RFC 8252 §7.1",
            "RFC 8252 §8.1",
            "RFC 9700 §2.1.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-03", "PR.AA-04"],
        fix: "Enforce PKCE S256 for the client and prefer claimed https (app links / universal links) redirects over private-use schemes.",
        check: Check::App(pkce_002),
    },
    Rule {
        id: "PKCE-003",
        family: Family::Pkce,
        title: "Confidential client does not require PKCE",
        severity: Severity::Low,
        checks: "`client_type == confidential`; `authorization_code` enabled; `pkce_policy in {optional, not_supported}`. Raise to medium (`[rules.severity] \"PKCE-003\" = \"medium\"`) for an OAuth 2.1 baseline.",
        rationale: "Client authentication blocks plain code theft, but authorization code injection stays possible without PKCE or a verified OIDC nonce.",
        cites: &["RFC 9700 §2.1.1", "RFC 9700 §4.5", "OAuth 2.1 §7.5.1.1"],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Turn on PKCE (S256) for the client; most SDKs send it by default and providers such as Salesforce now mandate it for partner apps.",
        check: Check::App(pkce_003),
    },
    Rule {
        id: "PKCE-004",
        family: Family::Pkce,
        title: "PKCE `plain` method permitted",
        severity: Severity::Medium,
        checks: "`pkce_policy.methods` contains `plain`, or the provider accepts a `code_challenge` without `code_challenge_method` (RFC 7636 §4.3 default is `plain`).",
        rationale: "With `plain` the verifier travels in the authorization request, so anyone who can read that request (logs, Referer, a malicious app seeing the intent) can redeem the code.",
        cites: &[
            "RFC 7636 §4.2",
            "RFC 7636 §4.3",
            "RFC 7636 §7.2",
            "RFC 9700 §2.1.1",
            "OAuth 2.1 §4.1.1",
        ],
        nhi: &["NHI4"],
        csf: &["PR.AA-04"],
        fix: "Restrict the client (or the authorization server) to `S256`; GitHub, for example, accepts only S256.",
        check: Check::App(pkce_004),
    },
    Rule {
        id: "PKCE-005",
        family: Family::Pkce,
        title: "PKCE enforcement cannot be determined",
        severity: Severity::Info,
        checks: "`pkce_policy == unknown` and `authorization_code` enabled.",
        rationale: "The provider API does not expose the setting; the gap must be visible rather than silently treated as safe.",
        cites: &["RFC 9700 §2.1.1"],
        nhi: &["NHI4"],
        csf: &["ID.AM-02"],
        fix: "Confirm PKCE enforcement manually or through the provider's metadata and record the answer as an override.",
        check: Check::App(pkce_005),
    },
    Rule {
        id: "PKCE-006",
        family: Family::Pkce,
        title: "Authorization server does not advertise S256",
        severity: Severity::Medium,
        checks: "Tenant/authorization-server metadata (RFC 8414) lacks `code_challenge_methods_supported`, or the list lacks `S256` (self-hosted Keycloak, Auth0 or Okta custom servers). Judged per tenant, only where the connector read the server metadata.",
        rationale: "Clients cannot reliably detect PKCE support, and downgrade protection depends on it.",
        cites: &["RFC 9700 §2.1.1", "RFC 9700 §4.8", "RFC 8414 §2"],
        nhi: &["NHI4"],
        csf: &["PR.PS-01"],
        fix: "Enable PKCE with S256 on the authorization server and publish it in the server metadata.",
        check: Check::Tenant(pkce_006),
    },
];

fn uses_code_flow(ctx: &AppContext<'_>) -> bool {
    ctx.has_grant_type(&GrantType::AuthorizationCode)
}

fn pkce_not_enforced(ctx: &AppContext<'_>) -> bool {
    matches!(
        ctx.app.pkce.status,
        PkceStatus::Optional | PkceStatus::NotSupported
    )
}

fn pkce_evidence(ctx: &AppContext<'_>) -> Hit {
    let mut hit = Hit::new()
        .with("client_type", ctx.app.client_type.as_str())
        .with("app_kind", ctx.app.app_kind.as_str())
        .with("pkce_policy", ctx.app.pkce.status.as_str());
    if let Some(note) = ctx.app.note("pkce") {
        hit = hit.with("pkce_note", note.reason.clone());
        if note.kind == connectors::model::NoteKind::Inferred {
            hit = hit.inferred(note.reason.clone());
        }
    }
    hit
}

fn pkce_001(ctx: &AppContext<'_>) -> Option<Hit> {
    (ctx.is_public_like() && uses_code_flow(ctx) && pkce_not_enforced(ctx))
        .then(|| pkce_evidence(ctx).with("grant_types", json!(["authorization_code"])))
}

fn pkce_002(ctx: &AppContext<'_>) -> Option<Hit> {
    let native = ctx.app.app_kind == connectors::model::AppKind::Native
        || ctx.has_redirect_kind(RedirectKind::Native);
    if !native || ctx.app.pkce.status == PkceStatus::Required {
        return None;
    }
    // "Unknown is not safe" cuts both ways: an unknown PKCE policy is PKCE-005's job.
    if ctx.app.pkce.status == PkceStatus::Unknown {
        return None;
    }
    let uris: Vec<&str> = ctx
        .app
        .redirect_uris
        .iter()
        .filter(|r| is_interceptable(&r.uri))
        .map(|r| r.uri.as_str())
        .collect();
    if uris.is_empty() {
        return None;
    }
    Some(pkce_evidence(ctx).with("uris", bounded(&uris)))
}

fn pkce_003(ctx: &AppContext<'_>) -> Option<Hit> {
    (ctx.app.client_type == connectors::model::ClientType::Confidential
        && !ctx.is_public_like()
        && uses_code_flow(ctx)
        && pkce_not_enforced(ctx))
    .then(|| pkce_evidence(ctx))
}

fn pkce_004(ctx: &AppContext<'_>) -> Option<Hit> {
    let plain = ctx.app.pkce.methods.contains(&PkceMethod::Plain);
    (plain && ctx.app.pkce.status != PkceStatus::NotSupported).then(|| {
        pkce_evidence(ctx).with(
            "methods",
            ctx.app
                .pkce
                .methods
                .iter()
                .map(|m| match m {
                    PkceMethod::S256 => "S256",
                    PkceMethod::Plain => "plain",
                })
                .collect::<Vec<_>>(),
        )
    })
}

fn pkce_005(ctx: &AppContext<'_>) -> Option<Hit> {
    (ctx.app.pkce.status == PkceStatus::Unknown && uses_code_flow(ctx)).then(|| {
        let reason = ctx
            .app
            .note("pkce")
            .map(|n| n.reason.clone())
            .unwrap_or_else(|| format!("{} does not expose PKCE enforcement", ctx.app.provider));
        Hit::new()
            .with("pkce_policy", "unknown")
            .with("reason", reason)
    })
}

fn pkce_006(ctx: &TenantContext<'_>) -> Option<Hit> {
    let methods = ctx.policy?.pkce_methods_advertised.as_ref()?;
    if methods.iter().any(|m| m == "S256") {
        return None;
    }
    Some(
        Hit::new()
            .with("code_challenge_methods_supported", methods.clone())
            .with("missing", "S256"),
    )
}

/// RFC 8252's interceptable redirects: a private-use scheme (any scheme but http(s), `urn` and
/// the dangerous ones) or a loopback/localhost host, which another app on the device can claim.
fn is_interceptable(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri.trim()) else {
        return false;
    };
    match url.scheme() {
        "http" | "https" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.');
                d == "localhost" || d.ends_with(".localhost")
            }
            None => false,
        },
        "urn" | "javascript" | "data" | "vbscript" | "file" | "blob" | "about" | "view-source" => {
            false
        }
        _ => true,
    }
}

fn bounded(uris: &[&str]) -> Vec<String> {
    uris.iter()
        .map(|u| connectors::redact::bound_str(u, 512))
        .collect()
}

#[cfg(test)]
mod tests;
