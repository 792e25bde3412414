//! SECRET-010 and SECRET-011: the same secret or key on another app of the estate.

use super::*;

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
