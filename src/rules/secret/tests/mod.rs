//! SECRET rules: for each, cases that fire and close cases that must not. Helpers here, one
//! file of cases per checks module.

mod client;
mod demo;
mod lifetime;
mod metadata;
mod reuse;

use chrono::TimeDelta;
use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, ConsentType, Credential, CredentialKind, Grant, GrantKind, GrantType,
    OAuthApp, Principal, RedirectKind, RedirectUri,
};
use serde_json::json;

use crate::rules::context::{EstateBuilder, EstateFacts, Privilege};
use crate::rules::testkit::{TENANT, app, cred, days, run, run_in, with_ctx};
use crate::rules::{Estate, Hit};

use CredentialKind::{ApiToken, Certificate, PrivateKeyJwt, Secret};

/// An AWS access key id of the documented example shape.
const AWS: &str = "AKIAIOSFODNN7EXAMPLE";

fn fires(id: &str, app: &OAuthApp) -> Hit {
    run(id, app).unwrap_or_else(|| panic!("{id} should fire"))
}

fn silent(id: &str, app: &OAuthApp) {
    assert_eq!(run(id, app), None, "{id} should not fire");
}

fn with_creds(creds: Vec<Credential>) -> OAuthApp {
    let mut a = app(Provider::Entra);
    a.client_type = ClientType::Confidential;
    a.app_kind = AppKind::Web;
    a.credentials = creds;
    a
}

fn redirect(uri: &str, kind: RedirectKind) -> RedirectUri {
    RedirectUri {
        uri: uri.into(),
        kind,
        kind_inferred: false,
    }
}

fn never_expiring(kind: CredentialKind, key: &str) -> Credential {
    Credential {
        never_expires: true,
        ..cred(kind, key, Some(days(-10)), None)
    }
}

/// A secret created `lifetime` after `days(-10)` plus `extra` (sub-day) time.
fn secret_living(key: &str, lifetime_days: i64, extra: TimeDelta) -> Credential {
    let created = days(-10);
    cred(
        Secret,
        key,
        Some(created),
        Some(created + TimeDelta::days(lifetime_days) + extra),
    )
}

#[test]
fn evidence_never_carries_hints_digests_or_secret_display_names() {
    let mut c = never_expiring(Secret, "s1");
    c.hint = Some("Q~8".into());
    c.secret_digest = Some("digest-value".into());
    c.display_name = Some(format!("copy of {AWS}"));
    let hit = fires("SECRET-003", &with_creds(vec![c]));
    let text = serde_json::to_string(&hit.evidence).unwrap();
    assert!(!text.contains("Q~8") && !text.contains("digest-value") && !text.contains(AWS));
    assert_eq!(
        hit.evidence["secrets"][0]["display_name"],
        "copy of [redacted:aws-access-key]"
    );
}

#[test]
fn every_secret_rule_is_in_the_catalog_with_its_severity() {
    use crate::rules::Severity::{Critical, High, Info, Low, Medium};
    let expected = [
        ("SECRET-001", High),
        ("SECRET-002", Critical),
        ("SECRET-003", High),
        ("SECRET-004", Medium),
        ("SECRET-005", Medium),
        ("SECRET-006", Low),
        ("SECRET-007", Info),
        ("SECRET-008", Low),
        ("SECRET-009", Low),
        ("SECRET-010", High),
        ("SECRET-011", Medium),
        ("SECRET-012", Critical),
        ("SECRET-013", High),
    ];
    let ids: Vec<&str> = crate::rules::secret::RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, expected.map(|(id, _)| id));
    for (id, severity) in expected {
        let r = crate::rules::rule(id).unwrap();
        assert_eq!(r.severity, severity, "{id}");
        assert!(
            !r.nhi.is_empty() && !r.csf.is_empty() && !r.checks.is_empty(),
            "{id}"
        );
    }
}
