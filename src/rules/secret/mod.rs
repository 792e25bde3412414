//! SECRET rules (RULES §3.3): client credentials and their hygiene.
//!
//! Conventions every check here follows (RULES §2, "unknown is not safe"):
//! - "active" means not expired ([`AppContext::active_credentials`]); a credential whose
//!   expiry is unknown counts as active, since it may well be.
//! - "No expiry" is `never_expires == true` (the provider said so, RFC 7591
//!   `client_secret_expires_at == 0` included). `expires_at == None` without `never_expires`
//!   is unknown and never fires a lifetime rule.
//! - Lifetimes and ages are whole days, rounded down, compared with the day thresholds of
//!   [`Thresholds`](super::settings::Thresholds): a 730-day secret whose end timestamp is a
//!   few milliseconds past its start plus 730 days is still 730 days. A calendar "24 months"
//!   secret that spans a 29 February is 731 days and fires SECRET-003, as the catalog's
//!   `> 730 days` says.
//! - Evidence names credentials by kind, key id, display name and dates: never a hint, a
//!   digest or a value. Provider strings go through [`shown`] first.

mod client;
mod lifetime;
mod metadata;
mod reuse;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use connectors::model::{Credential, NoteKind, OAuthApp};
use connectors::redact::{bound_str, redact_secrets};
use serde_json::{Map, Value};

use super::{Check, Family, Rule, Severity};

/// Longest provider string kept in evidence.
const MAX_SHOWN: usize = 256;

/// A provider (attacker-controlled) string as evidence: secret-like matches replaced by their
/// markers, then bounded.
pub(super) fn shown(s: &str) -> String {
    bound_str(&redact_secrets(s), MAX_SHOWN)
}

/// The reasons recorded for `fields` that were inferred rather than read (RULES §2), joined
/// for `Hit::inferred`; `None` when every one was read. A note on `token_policy` covers its
/// sub-fields such as `token_policy.refresh_token_lifetime`.
pub(super) fn inferred_from(app: &OAuthApp, fields: &[&str]) -> Option<String> {
    let reasons: Vec<String> = app
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Inferred)
        .filter(|n| {
            fields.iter().any(|f| {
                *f == n.field
                    || f.strip_prefix(n.field.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .map(|n| format!("{}: {}", n.field, shown(&n.reason)))
        .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// A credential as evidence: what it is and when it lives, never what it holds.
pub(super) fn credential(c: &Credential) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), c.kind.as_str().into());
    if let Some(k) = &c.key_id {
        m.insert("key_id".into(), shown(k).into());
    }
    if let Some(n) = &c.display_name {
        m.insert("display_name".into(), shown(n).into());
    }
    if let Some(t) = c.created_at {
        m.insert("created_at".into(), rfc3339(t).into());
    }
    if let Some(t) = c.expires_at {
        m.insert("expires_at".into(), rfc3339(t).into());
    }
    if c.never_expires {
        m.insert("never_expires".into(), true.into());
    }
    m
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    super::datefmt::rfc3339_secs_z(t)
}

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "SECRET-001",
        family: Family::Secret,
        title: "Client secret on a public, native or SPA client",
        severity: Severity::High,
        checks: "(`client_type == public` or `app_kind in {native, spa}` or any redirect of kind native/spa is the only kind) and at least one active `Credential.kind == secret` (or `token_endpoint_auth_method` in {`client_secret_basic`, `client_secret_post`}).",
        rationale: "A secret that ships inside an app or a browser bundle is extractable by any user, so it authenticates nobody and invites impersonation.",
        cites: &[
            "RFC 6749 §2.1",
            "RFC 6749 §10.1",
            "RFC 8252 §8.5",
            "OAuth 2.1 §8.1",
            "RFC 6819 §4.1.1",
            "RFC 6819 §5.2.3.1",
            "Chen et al. CCS 2014",
            "OAuthLint ASE 2019",
        ],
        nhi: &["NHI2", "NHI4"],
        csf: &["PR.AA-01", "PR.AA-03"],
        fix: "Remove the secret, register the client as public with PKCE S256, and move anything that needs a secret to a backend (BFF) confidential client.",
        check: Check::App(client::secret_001),
    },
    Rule {
        id: "SECRET-002",
        family: Family::Secret,
        title: "One registration mixes public platforms, a secret and app-only permissions",
        severity: Severity::Critical,
        checks: "the same client id has (a) spa or native redirect URIs or `allowPublicClient`/fallback-public enabled, (b) an active secret, and (c) application (app-only) permissions or `client_credentials` enabled.",
        rationale: "If the public build carries the secret (the only way a public platform could use it), anyone who extracts it obtains tenant-wide app-only tokens with no user involved.",
        cites: &[
            "RFC 6749 §4.4 (client credentials only for confidential clients)",
            "RFC 6749 §10.1",
            "RFC 8252 §8.4",
            "RFC 8252 §8.5",
            "OWASP NHI9",
        ],
        nhi: &["NHI9", "NHI2", "NHI5"],
        csf: &["PR.AA-01", "PR.AA-05"],
        fix: "Split into a public client (PKCE, delegated scopes only) and a separate confidential service registration whose credential never leaves the server.",
        check: Check::App(client::secret_002),
    },
    Rule {
        id: "SECRET-003",
        family: Family::Secret,
        title: "Secret never expires or lives longer than 24 months",
        severity: Severity::High,
        checks: "active secret with `expires == None` (including RFC 7591 `client_secret_expires_at == 0`) or `expires - created > 730 days`.",
        rationale: "A leaked non-expiring secret stays valid until someone notices; 24 months is the maximum Microsoft allows in the Entra portal.",
        cites: &[
            "OWASP NHI7",
            "RFC 7591 §3.2.1",
            "RFC 6819 §5.2.3.6",
            "Microsoft Entra \"Add credentials\" guidance (lifetime capped at 24 months, under 12 recommended)",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-01"],
        fix: "Replace the secret with one that expires within 12 months, or better with a certificate, private_key_jwt or federated credential, and delete the old one.",
        check: Check::App(lifetime::secret_003),
    },
    Rule {
        id: "SECRET-004",
        family: Family::Secret,
        title: "Secret lifetime above 12 months",
        severity: Severity::Medium,
        checks: "active secret with 365 < `expires - created` <= 730 days.",
        rationale: "Exceeds Microsoft's recommendation of under 12 months and widens the window for a leaked secret.",
        cites: &[
            "Microsoft Entra \"Add credentials\" (recommended expiration less than 12 months)",
            "OWASP NHI7",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-01"],
        fix: "Issue secrets with at most 12 months' lifetime and automate rotation before expiry.",
        check: Check::App(lifetime::secret_004),
    },
    Rule {
        id: "SECRET-005",
        family: Family::Secret,
        title: "Newest active secret older than 12 months",
        severity: Severity::Medium,
        checks: "for apps with any active secret, `now - max(created)` > 365 days (covers providers that never expire secrets: Salesforce consumer secrets, GitHub, Slack, Okta, Auth0, Keycloak).",
        rationale: "The secret has not been rotated within a year; Salesforce's post-Drift advisory explicitly asks for periodic rotation of consumer secrets.",
        cites: &[
            "OWASP NHI7",
            "Salesforce help article 005226734 (periodic secret rotation for connected apps)",
            "RFC 6819 §5.2.3.6",
        ],
        nhi: &["NHI7"],
        csf: &["PR.AA-01"],
        fix: "Rotate the secret (add new, deploy, remove old) and schedule rotation at least yearly.",
        check: Check::App(lifetime::secret_005),
    },
    Rule {
        id: "SECRET-006",
        family: Family::Secret,
        title: "Expired credential still registered",
        severity: Severity::Low,
        checks: "any credential with `expires < now` still attached to the app.",
        rationale: "Harmless by itself, but it shows nobody owns the credential lifecycle and clutters review.",
        cites: &[
            "OWASP NHI1",
            "Microsoft Entra recommendations (remove unused credentials)",
        ],
        nhi: &["NHI1"],
        csf: &["ID.AM-08"],
        fix: "Delete expired credentials from the registration.",
        check: Check::App(lifetime::secret_006),
    },
    Rule {
        id: "SECRET-007",
        family: Family::Secret,
        title: "Credential expires within 30 days",
        severity: Severity::Info,
        checks: "active credential with `now < expires <= now + 30 days` (config `secret.expiry_warning_days`).",
        rationale: "Operational warning; expiry-driven outages push teams into creating non-expiring replacements.",
        cites: &["OWASP NHI7"],
        nhi: &["NHI7"],
        csf: &["PR.AA-01"],
        fix: "Roll the credential now with the same or shorter lifetime.",
        check: Check::App(lifetime::secret_007),
    },
    Rule {
        id: "SECRET-008",
        family: Family::Secret,
        title: "More than two active secrets",
        severity: Severity::Low,
        checks: "count of non-expired secrets > 2.",
        rationale: "Rotation needs at most two overlapping secrets; more means forgotten copies living in more places.",
        cites: &["RFC 6819 §5.2.3.6", "OWASP NHI2"],
        nhi: &["NHI2", "NHI9"],
        csf: &["PR.AA-01"],
        fix: "Identify which secret is in use (sign-in logs by key id) and delete the rest.",
        check: Check::App(lifetime::secret_008),
    },
    Rule {
        id: "SECRET-009",
        family: Family::Secret,
        title: "Shared-secret authentication where an asymmetric method is available",
        severity: Severity::Low,
        checks: "confidential client authenticates only with a secret while the provider supports certificates, private_key_jwt, mTLS or federated credentials (Entra, Okta, Auth0, Keycloak, Salesforce JWT bearer).",
        rationale: "The score raises it for high-privilege apps. Asymmetric credentials keep no reusable secret at the AS and are harder to leak in logs and tickets.",
        cites: &[
            "RFC 9700 §2.5",
            "RFC 7523",
            "RFC 8705",
            "RFC 6819 §5.2.3.7",
            "Microsoft guidance (certificate before production; managed identity or federated identity credentials preferred)",
        ],
        nhi: &["NHI4", "NHI7"],
        csf: &["PR.AA-01", "PR.AA-03"],
        fix: "Switch the client to private_key_jwt, a certificate or workload identity federation and retire the secret.",
        check: Check::App(client::secret_009),
    },
    Rule {
        id: "SECRET-010",
        family: Family::Secret,
        title: "Same secret reused across apps or tenants",
        severity: Severity::High,
        checks: "two or more apps share a keyed digest of the secret value. Secret values are readable only on some providers (Okta, Auth0 with read:client_keys, Keycloak); compute HMAC-SHA-256 with an installation-local key in memory, store only the digest, never the secret.",
        rationale: "One leak compromises several identities and attribution becomes impossible.",
        cites: &[
            "OWASP NHI9",
            "RFC 6819 §5.2.3.4 (installation-specific secrets)",
        ],
        nhi: &["NHI9", "NHI2"],
        csf: &["PR.AA-01"],
        fix: "Issue a distinct secret per app and environment and rotate every copy of the shared one.",
        check: Check::App(reuse::secret_010),
    },
    Rule {
        id: "SECRET-011",
        family: Family::Secret,
        title: "Same certificate or key reused across apps",
        severity: Severity::Medium,
        checks: "the same certificate thumbprint or public key fingerprint on more than one app.",
        rationale: "Key reuse spreads a single compromise; less severe than shared secrets because the private key may live in an HSM.",
        cites: &["OWASP NHI9"],
        nhi: &["NHI9"],
        csf: &["PR.AA-01"],
        fix: "Issue one key pair per application.",
        check: Check::App(reuse::secret_011),
    },
    Rule {
        id: "SECRET-012",
        family: Family::Secret,
        title: "Secret-like material in app metadata",
        severity: Severity::Critical,
        checks: "app name, description, notes, homepage, logo URL, redirect URIs or custom attributes match secret patterns: `client_secret=`, `password=`, `AKIA[0-9A-Z]{16}`, `xox[abpr]-`, `gh[pousr]_[A-Za-z0-9]{36}`, `github_pat_`, `sk_live_`, `-----BEGIN .*PRIVATE KEY-----`, JWT-shaped strings (three base64url segments starting `eyJ`), or a secret value also seen on a credential digest. Evidence must redact the match.",
        rationale: "Secrets in metadata are visible to every admin, export and SaaS integration that reads app lists; the Drift actor's first move after exporting CRM data was hunting such strings.",
        cites: &[
            "OWASP NHI2",
            "RFC 6749 §2.3.1 (credentials never in URIs)",
            "OAuth 2.1 §2.4.1",
            "GTIG UNC6395 advisory (secret hunting in exported data)",
        ],
        nhi: &["NHI2"],
        csf: &["PR.DS-01", "PR.AA-01"],
        fix: "Remove the value from the metadata, rotate the exposed credential immediately, and search other records for copies.",
        check: Check::App(metadata::secret_012),
    },
    Rule {
        id: "SECRET-013",
        family: Family::Secret,
        title: "Long-lived non-OAuth API token used by an integration",
        severity: Severity::High,
        checks: "`Credential.kind == api_token` (Okta SSWS tokens, GitHub classic PATs, Salesforce session-based integrations) with no expiry, or expiry more than 365 days away.",
        rationale: "Such tokens carry their creator's full privileges, bypass consent and rarely rotate.",
        cites: &[
            "OWASP NHI7",
            "OWASP NHI10 (a person's credential used by a machine)",
            "RFC 9700 §2.3",
        ],
        nhi: &["NHI7", "NHI10"],
        csf: &["PR.AA-01", "PR.AA-05"],
        fix: "Replace the token with an OAuth client (client credentials or a GitHub App) with scoped, expiring tokens.",
        check: Check::App(lifetime::secret_013),
    },
];
