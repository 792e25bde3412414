//! SECRET-003..008 and SECRET-013: credential life cycle, at the day boundaries.

use super::*;

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
