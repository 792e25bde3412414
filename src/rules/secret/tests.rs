//! SECRET rules: for each, cases that fire and close cases that must not.

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

// SECRET-001

#[test]
fn secret_001_fires_for_a_public_native_client_with_a_secret() {
    let mut a = with_creds(vec![cred(Secret, "s1", Some(days(-5)), Some(days(100)))]);
    a.client_type = ClientType::Public;
    a.app_kind = AppKind::Native;
    let hit = fires("SECRET-001", &a);
    assert_eq!(hit.evidence["public_because"]["client_type"], "public");
    assert_eq!(hit.evidence["public_because"]["app_kind"], "native");
    assert_eq!(hit.evidence["secrets"][0]["key_id"], "s1");
    assert!(!hit.evidence.contains_key("inferred"));
}

#[test]
fn secret_001_fires_on_a_secret_auth_method_when_every_redirect_is_spa() {
    let mut a = app(Provider::Auth0);
    a.redirect_uris = vec![redirect("https://app.example/cb", RedirectKind::Spa)];
    a.token_endpoint_auth_method = Some("client_secret_post".into());
    let hit = fires("SECRET-001", &a);
    assert_eq!(
        hit.evidence["public_because"]["redirect_kinds"],
        json!(["spa"])
    );
    assert_eq!(
        hit.evidence["token_endpoint_auth_method"],
        "client_secret_post"
    );
}

#[test]
fn secret_001_marks_an_inferred_client_type() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.client_type = ClientType::Public;
    a.app_kind = AppKind::Unknown;
    a.note_inferred("client_type", "isFallbackPublicClient");
    let hit = fires("SECRET-001", &a);
    assert_eq!(hit.evidence["inferred"], true);
    assert!(
        hit.evidence["inference_source"]
            .as_str()
            .unwrap()
            .contains("isFallbackPublicClient")
    );
}

#[test]
fn secret_001_is_silent_for_confidential_mixed_or_secretless_clients() {
    let secret = cred(Secret, "s1", Some(days(-5)), Some(days(100)));
    silent("SECRET-001", &with_creds(vec![secret.clone()]));

    let mut mixed = with_creds(vec![secret.clone()]);
    mixed.redirect_uris = vec![
        redirect("https://app.example/cb", RedirectKind::Spa),
        redirect("https://app.example/web", RedirectKind::Web),
    ];
    silent("SECRET-001", &mixed);

    let mut public = with_creds(vec![]);
    public.client_type = ClientType::Public;
    public.token_endpoint_auth_method = Some("none".into());
    silent("SECRET-001", &public);

    let mut expired = with_creds(vec![cred(Secret, "s1", Some(days(-50)), Some(days(-1)))]);
    expired.client_type = ClientType::Public;
    silent("SECRET-001", &expired);
}

// SECRET-002

fn app_only_grant(scope: &str) -> Grant {
    Grant {
        external_id: Some("g1".into()),
        app_external_id: "app-1".into(),
        principal: Principal::Tenant,
        resource: None,
        scopes: vec![scope.into()],
        consent_type: ConsentType::Admin,
        kind: GrantKind::Application,
        created_at: None,
        expires_at: None,
        last_used_at: None,
    }
}

#[test]
fn secret_002_fires_for_spa_redirects_a_secret_and_client_credentials() {
    let mut a = with_creds(vec![cred(Secret, "s1", Some(days(-5)), Some(days(100)))]);
    a.redirect_uris = vec![
        redirect("https://app.example/web", RedirectKind::Web),
        redirect("https://app.example/spa", RedirectKind::Spa),
    ];
    a.grant_types = vec![GrantType::ClientCredentials];
    let hit = fires("SECRET-002", &a);
    assert_eq!(
        hit.evidence["spa_redirect_uris"],
        json!(["https://app.example/spa"])
    );
    assert_eq!(hit.evidence["client_credentials_grant"], true);
}

#[test]
fn secret_002_fires_for_a_fallback_public_client_with_app_only_permissions() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.client_type = ClientType::Public;
    let grants = [app_only_grant("Mail.Read")];
    let hit = run_in("SECRET-002", &a, &grants, &Estate::default(), |_| {}).unwrap();
    assert_eq!(hit.evidence["app_only_permissions"], json!(["Mail.Read"]));
    assert_eq!(hit.evidence["client_type"], "public");
}

#[test]
fn secret_002_marks_an_inferred_client_credentials_grant() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.redirect_uris = vec![redirect("msal1234://auth", RedirectKind::Native)];
    a.grant_types = vec![GrantType::ClientCredentials];
    a.note_inferred("grant_types", "credentials");
    let hit = fires("SECRET-002", &a);
    assert_eq!(hit.evidence["inferred"], true);
}

#[test]
fn secret_002_needs_all_three_legs() {
    let secret = cred(Secret, "s1", Some(days(-5)), Some(days(100)));
    let spa = redirect("https://app.example/spa", RedirectKind::Spa);

    let mut no_public = with_creds(vec![secret.clone()]);
    no_public.redirect_uris = vec![redirect("https://app.example/web", RedirectKind::Web)];
    no_public.grant_types = vec![GrantType::ClientCredentials];
    silent("SECRET-002", &no_public);

    let mut no_secret = with_creds(vec![cred(Secret, "s1", Some(days(-50)), Some(days(-1)))]);
    no_secret.redirect_uris = vec![spa.clone()];
    no_secret.grant_types = vec![GrantType::ClientCredentials];
    silent("SECRET-002", &no_secret);

    let mut no_app_only = with_creds(vec![secret]);
    no_app_only.redirect_uris = vec![spa];
    no_app_only.grant_types = vec![GrantType::AuthorizationCode];
    silent("SECRET-002", &no_app_only);
}

// SECRET-003 and SECRET-004: lifetime bands

#[test]
fn secret_003_fires_for_a_never_expiring_secret() {
    let hit = fires(
        "SECRET-003",
        &with_creds(vec![never_expiring(Secret, "s1")]),
    );
    assert_eq!(hit.evidence["secrets"][0]["never_expires"], true);
    assert_eq!(hit.evidence["max_lifetime_days"], 730);
}

#[test]
fn secret_003_fires_above_730_days_and_004_takes_730() {
    let a731 = with_creds(vec![secret_living("s1", 731, TimeDelta::zero())]);
    let hit = fires("SECRET-003", &a731);
    assert_eq!(hit.evidence["secrets"][0]["lifetime_days"], 731);
    silent("SECRET-004", &a731);

    // 730 days and a few hours is still 730 whole days.
    let a730 = with_creds(vec![secret_living("s1", 730, TimeDelta::hours(5))]);
    silent("SECRET-003", &a730);
    let hit = fires("SECRET-004", &a730);
    assert_eq!(hit.evidence["secrets"][0]["lifetime_days"], 730);
}

#[test]
fn secret_004_fires_from_366_days_and_not_at_365() {
    let hit = fires(
        "SECRET-004",
        &with_creds(vec![secret_living("s1", 366, TimeDelta::zero())]),
    );
    assert_eq!(hit.evidence["secrets"][0]["lifetime_days"], 366);
    let a365 = with_creds(vec![secret_living("s1", 365, TimeDelta::milliseconds(100))]);
    silent("SECRET-004", &a365);
    silent("SECRET-003", &a365);
}

#[test]
fn lifetime_with_unknown_creation_is_bounded_below_by_the_time_left() {
    let a = with_creds(vec![cred(Secret, "s1", None, Some(days(800)))]);
    let hit = fires("SECRET-003", &a);
    assert_eq!(hit.evidence["secrets"][0]["lifetime_at_least"], true);
    let a = with_creds(vec![cred(Secret, "s1", None, Some(days(400)))]);
    assert_eq!(
        fires("SECRET-004", &a).evidence["secrets"][0]["lifetime_days"],
        400
    );
    silent("SECRET-003", &a);
}

#[test]
fn lifetime_rules_ignore_unknown_expiry_expired_secrets_and_other_kinds() {
    let unknown = with_creds(vec![cred(Secret, "s1", Some(days(-1000)), None)]);
    let expired = with_creds(vec![cred(Secret, "s1", Some(days(-1000)), Some(days(-1)))]);
    let cert = with_creds(vec![never_expiring(Certificate, "c1")]);
    for a in [&unknown, &expired, &cert] {
        silent("SECRET-003", a);
        silent("SECRET-004", a);
    }
}

// SECRET-005

#[test]
fn secret_005_fires_when_the_newest_secret_is_366_days_old() {
    let a = with_creds(vec![
        cred(Secret, "old", Some(days(-900)), None),
        cred(Secret, "newest", Some(days(-366)), None),
    ]);
    let hit = fires("SECRET-005", &a);
    assert_eq!(hit.evidence["newest_secret"]["key_id"], "newest");
    assert_eq!(hit.evidence["age_days"], 366);
}

#[test]
fn secret_005_is_silent_at_365_days_after_rotation_or_with_an_unknown_date() {
    silent(
        "SECRET-005",
        &with_creds(vec![cred(Secret, "s", Some(days(-365)), None)]),
    );
    silent(
        "SECRET-005",
        &with_creds(vec![
            cred(Secret, "old", Some(days(-900)), None),
            cred(Secret, "new", Some(days(-30)), None),
        ]),
    );
    silent(
        "SECRET-005",
        &with_creds(vec![
            cred(Secret, "old", Some(days(-900)), None),
            cred(Secret, "undated", None, None),
        ]),
    );
    silent(
        "SECRET-005",
        &with_creds(vec![cred(Certificate, "c", Some(days(-900)), None)]),
    );
}

// SECRET-006 and SECRET-007

#[test]
fn secret_006_fires_for_an_expired_credential_of_any_kind() {
    let a = with_creds(vec![cred(
        Certificate,
        "c1",
        Some(days(-400)),
        Some(days(-3)),
    )]);
    let hit = fires("SECRET-006", &a);
    assert_eq!(hit.evidence["expired"][0]["kind"], "certificate");
    assert_eq!(hit.evidence["expired"][0]["expired_days_ago"], 3);
}

#[test]
fn secret_006_is_silent_for_live_and_undated_credentials() {
    silent(
        "SECRET-006",
        &with_creds(vec![
            cred(Secret, "s1", Some(days(-10)), Some(days(1))),
            cred(Secret, "s2", Some(days(-10)), None),
        ]),
    );
}

#[test]
fn secret_007_fires_at_exactly_30_days_left_and_not_a_second_later() {
    let a = with_creds(vec![cred(
        Certificate,
        "c1",
        Some(days(-300)),
        Some(days(30)),
    )]);
    let hit = fires("SECRET-007", &a);
    assert_eq!(hit.evidence["expiring"][0]["days_left"], 30);
    let later = with_creds(vec![cred(
        Certificate,
        "c1",
        Some(days(-300)),
        Some(days(30) + TimeDelta::seconds(1)),
    )]);
    silent("SECRET-007", &later);
    let past = with_creds(vec![cred(Secret, "s1", Some(days(-300)), Some(days(-1)))]);
    silent("SECRET-007", &past);
    silent(
        "SECRET-007",
        &with_creds(vec![cred(Secret, "s1", None, None)]),
    );
}

// SECRET-008

#[test]
fn secret_008_fires_for_three_active_secrets_not_two() {
    let s = |k: &str| cred(Secret, k, Some(days(-10)), Some(days(100)));
    let hit = fires("SECRET-008", &with_creds(vec![s("a"), s("b"), s("c")]));
    assert_eq!(hit.evidence["count"], 3);
    silent(
        "SECRET-008",
        &with_creds(vec![
            s("a"),
            s("b"),
            cred(Secret, "old", Some(days(-100)), Some(days(-1))),
            cred(Certificate, "cert", None, None),
        ]),
    );
}

// SECRET-009

#[test]
fn secret_009_fires_for_a_secret_only_confidential_client() {
    let hit = fires(
        "SECRET-009",
        &with_creds(vec![cred(Secret, "s1", None, None)]),
    );
    assert_eq!(hit.evidence["provider"], "entra");
    let mut by_method = with_creds(vec![]);
    by_method.provider = Provider::Okta;
    by_method.token_endpoint_auth_method = Some("client_secret_basic".into());
    fires("SECRET-009", &by_method);
}

#[test]
fn secret_009_is_silent_with_a_key_elsewhere_or_for_public_clients() {
    silent(
        "SECRET-009",
        &with_creds(vec![
            cred(Secret, "s1", None, None),
            cred(Certificate, "c1", None, None),
        ]),
    );
    let mut pkjwt = with_creds(vec![cred(Secret, "s1", None, None)]);
    pkjwt.token_endpoint_auth_method = Some("private_key_jwt".into());
    silent("SECRET-009", &pkjwt);
    let mut slack = with_creds(vec![cred(Secret, "s1", None, None)]);
    slack.provider = Provider::Slack;
    silent("SECRET-009", &slack);
    let mut public = with_creds(vec![cred(Secret, "s1", None, None)]);
    public.client_type = ClientType::Public;
    silent("SECRET-009", &public);
    let mut unknown = with_creds(vec![cred(Secret, "s1", None, None)]);
    unknown.client_type = ClientType::Unknown;
    silent("SECRET-009", &unknown);
}

// SECRET-010 and SECRET-011: reuse across the estate

fn no_privilege() -> Privilege {
    Privilege {
        scopes: Vec::new(),
        max_tier: None,
        has_unknown: false,
        tenant_wide: false,
        delegated_users: 0,
        from_requested: false,
    }
}

fn estate_of(apps: &[(&str, &OAuthApp)]) -> Estate {
    let mut b = EstateBuilder::new();
    for (tenant, a) in apps {
        let facts = EstateFacts::of(a, &no_privilege());
        b.add(tenant, a.provider, &a.external_id, &a.name, &facts);
    }
    b.build()
}

fn with_digest(id: &str, digest: &str, expires: Option<chrono::DateTime<chrono::Utc>>) -> OAuthApp {
    let mut c = cred(Secret, "s1", None, expires);
    c.secret_digest = Some(digest.into());
    let mut a = with_creds(vec![c]);
    a.provider = Provider::Okta;
    a.external_id = id.into();
    a.name = format!("App {id}");
    a
}

#[test]
fn secret_010_fires_when_another_app_holds_the_same_digest() {
    let mine = with_digest("app-1", "d-shared", None);
    let other = with_digest("app-2", "d-shared", None);
    let estate = estate_of(&[(TENANT, &mine), ("other-tenant", &other)]);
    let hit = run_in("SECRET-010", &mine, &[], &estate, |_| {}).unwrap();
    assert_eq!(hit.evidence["shared"][0]["also_on_count"], 1);
    assert_eq!(
        hit.evidence["shared"][0]["also_on"][0]["tenant"],
        "other-tenant"
    );
    assert_eq!(hit.evidence["shared"][0]["also_on"][0]["name"], "App app-2");
    assert!(
        !serde_json::to_string(&hit.evidence)
            .unwrap()
            .contains("d-shared")
    );
}

#[test]
fn secret_010_is_silent_for_a_digest_only_this_app_holds_or_an_expired_secret() {
    let mine = with_digest("app-1", "d-mine", None);
    let other = with_digest("app-2", "d-other", None);
    let estate = estate_of(&[(TENANT, &mine), (TENANT, &other)]);
    assert_eq!(run_in("SECRET-010", &mine, &[], &estate, |_| {}), None);

    let expired = with_digest("app-1", "d-shared", Some(days(-1)));
    let other = with_digest("app-2", "d-shared", None);
    let estate = estate_of(&[(TENANT, &expired), (TENANT, &other)]);
    assert_eq!(run_in("SECRET-010", &expired, &[], &estate, |_| {}), None);
}

fn with_key(id: &str, kind: CredentialKind, fingerprint: &str) -> OAuthApp {
    let mut c = cred(kind, &format!("{id}-key"), None, Some(days(200)));
    c.fingerprint = fingerprint.into();
    let mut a = with_creds(vec![c]);
    a.external_id = id.into();
    a
}

#[test]
fn secret_011_fires_when_another_app_holds_the_same_key() {
    let mine = with_key("app-1", Certificate, "fp-shared");
    let other = with_key("app-2", PrivateKeyJwt, "fp-shared");
    let estate = estate_of(&[(TENANT, &mine), (TENANT, &other)]);
    let hit = run_in("SECRET-011", &mine, &[], &estate, |_| {}).unwrap();
    assert_eq!(hit.evidence["shared"][0]["fingerprint"], "fp-shared");
    assert_eq!(
        hit.evidence["shared"][0]["also_on"][0]["external_id"],
        "app-2"
    );
}

#[test]
fn secret_011_is_silent_for_distinct_keys_and_for_secrets() {
    let mine = with_key("app-1", Certificate, "fp-1");
    let other = with_key("app-2", Certificate, "fp-2");
    let estate = estate_of(&[(TENANT, &mine), (TENANT, &other)]);
    assert_eq!(run_in("SECRET-011", &mine, &[], &estate, |_| {}), None);

    let mine = with_key("app-1", Secret, "fp-shared");
    let other = with_key("app-2", Certificate, "fp-shared");
    let estate = estate_of(&[(TENANT, &mine), (TENANT, &other)]);
    assert_eq!(run_in("SECRET-011", &mine, &[], &estate, |_| {}), None);
}

// SECRET-012: secret-like material in metadata

const AWS: &str = "AKIAIOSFODNN7EXAMPLE";

#[test]
fn secret_012_fires_on_a_live_match_in_a_model_field_without_showing_it() {
    let mut a = with_creds(vec![]);
    a.description = Some(format!("deploy with {AWS}"));
    a.redirect_uris = vec![redirect(
        "https://app.example/cb?client_secret=abcdef123456",
        RedirectKind::Web,
    )];
    let hit = fires("SECRET-012", &a);
    assert_eq!(
        hit.evidence["matches"],
        json!([
            {"field": "description", "kind": "aws-access-key"},
            {"field": "redirect_uris[0]", "kind": "client-secret-param"},
        ])
    );
    let text = serde_json::to_string(&hit.evidence).unwrap();
    assert!(
        !text.contains("AKIA") && !text.contains("abcdef123456"),
        "{text}"
    );
}

#[test]
fn secret_012_fires_on_a_marker_left_in_raw_by_ingest_redaction() {
    let mut a = with_creds(vec![]);
    a.raw = connectors::redact::evidence(json!({
        "settings": {"notes": {"admin": "bot token xoxb-1234567890-abcdefghijkl"}},
        "client_secret": "not-a-pattern-but-redacted-by-key",
    }));
    let hit = fires("SECRET-012", &a);
    assert_eq!(
        hit.evidence["matches"],
        json!([{"field": "raw.settings.notes.admin", "kind": "slack-token", "redacted_at_ingest": true}])
    );
}

#[test]
fn secret_012_is_silent_on_clean_metadata() {
    let mut a = with_creds(vec![cred(Secret, "s1", None, None)]);
    a.description = Some("Syncs payroll; password rotation is handled by IT".into());
    a.redirect_uris = vec![redirect(
        "https://app.example/cb?client_id=abc&state=xyz",
        RedirectKind::Web,
    )];
    a.owners = vec!["alice@example.com".into()];
    a.raw = connectors::redact::evidence(json!({
        "secret": "value-redacted-by-key",
        "passwordCredentials": [{"hint": "Q~8", "endDateTime": "2030-01-01T00:00:00Z"}],
        "notes": "[redacted] is the plain marker, not a pattern marker",
    }));
    silent("SECRET-012", &a);
}

#[test]
fn secret_012_matches_a_credential_secret_value_by_its_digest() {
    let key = [9u8; 32];
    let digest: fn(&str) -> Option<String> =
        |s| Some(connectors::secret_digest::digest_with(&[9u8; 32], s));
    let value = "Zx8vQ2pLm4Nn7Rt1Yw3Kb6Hc";
    let mut a = with_creds(vec![]);
    let mut c = cred(Secret, "s1", None, None);
    c.secret_digest = Some(connectors::secret_digest::digest_with(&key, value));
    a.credentials = vec![c];
    a.description = Some(format!("fallback secret: {value} (do not share)"));
    let hit = with_ctx(&a, &[], &Estate::default(), |ctx| {
        super::metadata::scan(ctx, Some(digest))
    })
    .unwrap();
    assert_eq!(hit.evidence["matches"][0]["field"], "description");
    assert_eq!(
        hit.evidence["matches"][0]["kind"],
        "credential-secret-value"
    );
    assert_eq!(
        hit.evidence["matches"][0]["credential_of"],
        json!(["this app"])
    );
    assert!(
        !serde_json::to_string(&hit.evidence)
            .unwrap()
            .contains(value)
    );

    a.description = Some("fallback secret: Zx8vQ2pLm4Nn7Rt1Yw3Kb6Hd".into());
    let miss = with_ctx(&a, &[], &Estate::default(), |ctx| {
        super::metadata::scan(ctx, Some(digest))
    });
    assert_eq!(miss, None);
}

// SECRET-013

#[test]
fn secret_013_fires_for_api_tokens_without_expiry_or_expiring_after_365_days() {
    let hit = fires(
        "SECRET-013",
        &with_creds(vec![never_expiring(ApiToken, "ssws")]),
    );
    assert_eq!(hit.evidence["tokens"][0]["kind"], "api_token");
    let hit = fires(
        "SECRET-013",
        &with_creds(vec![cred(ApiToken, "pat", None, Some(days(366)))]),
    );
    assert_eq!(hit.evidence["tokens"][0]["days_left"], 366);
}

#[test]
fn secret_013_is_silent_at_365_days_for_unknown_expiry_and_for_secrets() {
    silent(
        "SECRET-013",
        &with_creds(vec![cred(ApiToken, "pat", None, Some(days(365)))]),
    );
    silent(
        "SECRET-013",
        &with_creds(vec![cred(ApiToken, "pat", None, None)]),
    );
    silent("SECRET-013", &with_creds(vec![never_expiring(Secret, "s")]));
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
    let ids: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
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

/// This thread's time on a CPU (ns), so a busy machine does not skew the figures.
fn cpu_ns() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Throughput of the catalog over the sample exports (run by hand with `--ignored`, in a
/// release build for a meaningful figure; the catalog's budget is 100,000 apps/s on a core).
#[test]
#[ignore]
fn catalog_throughput_over_sample_apps() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("connectors/tests/fixtures");
    let mut apps = Vec::new();
    for (provider, path) in [
        (Provider::Entra, "entra/basic"),
        (Provider::Okta, "okta/basic"),
        (Provider::Keycloak, "keycloak/realm-export.json"),
    ] {
        apps.extend(
            connectors::file::read_all(provider, &dir.join(path))
                .unwrap()
                .apps,
        );
    }
    // One app carries secrets in its metadata, as a worst case for SECRET-012.
    apps[0].description = Some(format!("key {AWS}"));
    let settings = crate::rules::Settings::default();
    let watchlist = crate::rules::watchlist::Watchlist::builtin();
    let estate = Estate::default();
    let tenant = crate::rules::TenantContext {
        name: TENANT,
        provider: Provider::Entra,
        policy: None,
        now: crate::rules::testkit::now(),
        settings: &settings,
        estate: &estate,
        watchlist: &watchlist,
        resolver: None,
    };
    let n = 200_000;
    let started = cpu_ns();
    let mut findings = 0;
    for i in 0..n {
        let ctx = crate::rules::AppContext::new(&tenant, &apps[i % apps.len()], Some(&[]), None);
        findings += crate::rules::evaluate_app(&ctx).len();
    }
    let secs = (cpu_ns() - started) as f64 / 1e9;
    println!(
        "{n} apps ({} distinct), {findings} findings, {:.0} apps/s",
        apps.len(),
        n as f64 / secs
    );
    // Where the time goes: building the context, then each SECRET and TOKEN rule.
    let contexts: Vec<crate::rules::AppContext<'_>> = apps
        .iter()
        .map(|a| crate::rules::AppContext::new(&tenant, a, Some(&[]), None))
        .collect();
    let started = cpu_ns();
    for i in 0..n {
        std::hint::black_box(crate::rules::AppContext::new(
            &tenant,
            &apps[i % apps.len()],
            Some(&[]),
            None,
        ));
    }
    println!(
        "context: {:.0} ns/app",
        (cpu_ns() - started) as f64 / n as f64
    );
    for rule in super::RULES.iter().chain(crate::rules::token::RULES) {
        let crate::rules::Check::App(check) = rule.check else {
            continue;
        };
        let started = cpu_ns();
        for i in 0..n {
            std::hint::black_box(check(&contexts[i % contexts.len()]));
        }
        println!(
            "{}: {:.0} ns/app",
            rule.id,
            (cpu_ns() - started) as f64 / n as f64
        );
    }
}
