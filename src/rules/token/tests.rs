//! TOKEN rules: for each, cases that fire and close cases that must not.

use connectors::Provider;
use connectors::model::{
    AppKind, ClientType, GrantType, Lifetime, OAuthApp, Ownership, PolicySource, Setting,
};
use serde_json::json;

use crate::rules::scopes::Tier;
use crate::rules::testkit::{app, run, run_in};
use crate::rules::{Estate, Hit};

use Lifetime::{Seconds, Unlimited};

const DAY: u64 = 86_400;

fn fires(id: &str, app: &OAuthApp) -> Hit {
    run(id, app).unwrap_or_else(|| panic!("{id} should fire"))
}

fn silent(id: &str, app: &OAuthApp) {
    assert_eq!(run(id, app), None, "{id} should not fire");
}

fn set<T>(value: T) -> Option<Setting<T>> {
    Some(Setting::new(value, PolicySource::Client))
}

fn base() -> OAuthApp {
    let mut a = app(Provider::Okta);
    a.client_type = ClientType::Confidential;
    a.app_kind = AppKind::Web;
    a
}

/// A web app that is issued refresh tokens.
fn refreshing() -> OAuthApp {
    let mut a = base();
    a.token_policy.refresh_tokens_issued = set(true);
    a
}

fn with_access(lifetime: Lifetime) -> OAuthApp {
    let mut a = base();
    a.token_policy.access_token_lifetime = set(lifetime);
    a
}

// TOKEN-001 and TOKEN-002

#[test]
fn token_001_covers_3601_to_86400_seconds() {
    let hit = fires("TOKEN-001", &with_access(Seconds(3601)));
    assert_eq!(
        hit.evidence["access_token_lifetime"],
        json!({"seconds": 3601, "days": 0.04, "source": "client"})
    );
    fires("TOKEN-001", &with_access(Seconds(86_400)));
    silent("TOKEN-001", &with_access(Seconds(3600)));
    silent("TOKEN-001", &with_access(Seconds(86_401)));
    silent("TOKEN-001", &with_access(Unlimited));
    silent("TOKEN-001", &base());
}

#[test]
fn token_002_fires_above_86400_seconds_and_when_unlimited_but_not_when_unknown() {
    fires("TOKEN-002", &with_access(Seconds(86_401)));
    let hit = fires("TOKEN-002", &with_access(Unlimited));
    assert_eq!(hit.evidence["access_token_lifetime"]["unlimited"], true);
    silent("TOKEN-002", &with_access(Seconds(86_400)));
    silent("TOKEN-002", &base());
}

#[test]
fn token_lifetimes_inferred_from_provider_defaults_say_so() {
    let mut a = with_access(Seconds(7200));
    a.note_inferred("token_policy", "org authorization server defaults");
    let hit = fires("TOKEN-001", &a);
    assert_eq!(hit.evidence["inferred"], true);
    assert!(
        hit.evidence["inference_source"]
            .as_str()
            .unwrap()
            .contains("org authorization server")
    );
}

// TOKEN-003

fn public_unrotated() -> OAuthApp {
    let mut a = refreshing();
    a.client_type = ClientType::Public;
    a.app_kind = AppKind::Spa;
    a.token_policy.refresh_token_rotation = set(false);
    a
}

#[test]
fn token_003_fires_for_a_public_client_without_rotation_or_binding() {
    let hit = fires("TOKEN-003", &public_unrotated());
    assert_eq!(hit.evidence["refresh_token_rotation"]["value"], false);
    assert_eq!(
        hit.evidence["sender_constrained"],
        "not stated (bearer tokens)"
    );
    let mut native = public_unrotated();
    native.client_type = ClientType::Unknown;
    native.app_kind = AppKind::Native;
    fires("TOKEN-003", &native);
}

#[test]
fn token_003_marks_refresh_tokens_inferred_from_the_grant() {
    let mut a = public_unrotated();
    a.token_policy.refresh_tokens_issued = None;
    a.grant_types = vec![GrantType::RefreshToken];
    let hit = fires("TOKEN-003", &a);
    assert_eq!(hit.evidence["inferred"], true);
}

#[test]
fn token_003_is_silent_when_rotated_bound_unknown_or_confidential() {
    let mut rotated = public_unrotated();
    rotated.token_policy.refresh_token_rotation = set(true);
    silent("TOKEN-003", &rotated);
    let mut unknown = public_unrotated();
    unknown.token_policy.refresh_token_rotation = None;
    silent("TOKEN-003", &unknown);
    let mut bound = public_unrotated();
    bound.token_policy.sender_constrained = set(true);
    silent("TOKEN-003", &bound);
    let mut confidential = public_unrotated();
    confidential.client_type = ClientType::Confidential;
    confidential.app_kind = AppKind::Web;
    silent("TOKEN-003", &confidential);
    let mut no_refresh = public_unrotated();
    no_refresh.token_policy.refresh_tokens_issued = set(false);
    silent("TOKEN-003", &no_refresh);
}

// TOKEN-004 and TOKEN-005

fn refresh_lifetimes(absolute: Option<Lifetime>, idle: Option<Lifetime>) -> OAuthApp {
    let mut a = refreshing();
    a.token_policy.refresh_token_lifetime = absolute.and_then(set);
    a.token_policy.refresh_token_idle_lifetime = idle.and_then(set);
    a
}

#[test]
fn token_004_fires_only_when_both_lifetimes_are_unlimited() {
    let hit = fires(
        "TOKEN-004",
        &refresh_lifetimes(Some(Unlimited), Some(Unlimited)),
    );
    assert_eq!(
        hit.evidence["refresh_token_idle_lifetime"]["unlimited"],
        true
    );
    silent(
        "TOKEN-004",
        &refresh_lifetimes(Some(Unlimited), Some(Seconds(30 * DAY))),
    );
    silent("TOKEN-004", &refresh_lifetimes(Some(Unlimited), None));
    silent("TOKEN-004", &refresh_lifetimes(None, None));
    let mut not_issued = refresh_lifetimes(Some(Unlimited), Some(Unlimited));
    not_issued.token_policy.refresh_tokens_issued = set(false);
    silent("TOKEN-004", &not_issued);
}

#[test]
fn token_005_fires_above_90_days_absolute_or_30_days_idle() {
    let hit = fires(
        "TOKEN-005",
        &refresh_lifetimes(Some(Seconds(90 * DAY + 1)), None),
    );
    assert_eq!(
        hit.evidence["exceeded"][0]["field"],
        "refresh_token_lifetime"
    );
    let hit = fires(
        "TOKEN-005",
        &refresh_lifetimes(Some(Seconds(90 * DAY)), Some(Seconds(30 * DAY + 1))),
    );
    assert_eq!(
        hit.evidence["exceeded"],
        json!([{"field": "refresh_token_idle_lifetime", "max_days": 30,
                "lifetime": {"seconds": 30 * DAY + 1, "days": 30.0, "source": "client"}}])
    );
    fires(
        "TOKEN-005",
        &refresh_lifetimes(Some(Unlimited), Some(Seconds(DAY))),
    );
}

#[test]
fn token_005_is_silent_at_the_baselines_and_leaves_both_unlimited_to_token_004() {
    silent(
        "TOKEN-005",
        &refresh_lifetimes(Some(Seconds(90 * DAY)), Some(Seconds(30 * DAY))),
    );
    silent(
        "TOKEN-005",
        &refresh_lifetimes(Some(Unlimited), Some(Unlimited)),
    );
    let mut not_issued = refresh_lifetimes(Some(Seconds(365 * DAY)), None);
    not_issued.token_policy.refresh_tokens_issued = set(false);
    silent("TOKEN-005", &not_issued);
}

#[test]
fn token_005_holds_spas_to_24_hours() {
    let mut spa = refresh_lifetimes(Some(Seconds(DAY + 1)), None);
    spa.app_kind = AppKind::Spa;
    let hit = fires("TOKEN-005", &spa);
    assert_eq!(hit.evidence["exceeded"][0]["app_kind"], "spa");
    let mut spa = refresh_lifetimes(Some(Seconds(DAY)), None);
    spa.app_kind = AppKind::Spa;
    silent("TOKEN-005", &spa);
    silent(
        "TOKEN-005",
        &refresh_lifetimes(Some(Seconds(DAY + 1)), None),
    );
}

// TOKEN-006

fn reuse_window(rotation: Option<bool>, secs: Option<u64>) -> OAuthApp {
    let mut a = refreshing();
    a.token_policy.refresh_token_rotation = rotation.and_then(set);
    a.token_policy.refresh_token_reuse_interval = secs.and_then(set);
    a
}

#[test]
fn token_006_fires_above_60_seconds_with_rotation_on() {
    let hit = fires("TOKEN-006", &reuse_window(Some(true), Some(61)));
    assert_eq!(hit.evidence["reuse_interval"]["seconds"], 61);
    silent("TOKEN-006", &reuse_window(Some(true), Some(60)));
    silent("TOKEN-006", &reuse_window(Some(false), Some(600)));
    silent("TOKEN-006", &reuse_window(None, Some(600)));
    silent("TOKEN-006", &reuse_window(Some(true), None));
}

// TOKEN-007

fn third_party_anywhere() -> OAuthApp {
    let mut a = refreshing();
    a.ownership = Ownership::ThirdParty;
    a.network_restricted = Some(false);
    a
}

fn run_007(a: &OAuthApp, tier: Option<Tier>) -> Option<Hit> {
    run_in("TOKEN-007", a, &[], &Estate::default(), |ctx| {
        ctx.privilege.max_tier = tier;
    })
}

#[test]
fn token_007_fires_for_a_high_privilege_unrestricted_third_party() {
    let hit = run_007(&third_party_anywhere(), Some(Tier::T1)).unwrap();
    assert_eq!(hit.evidence["max_tier"], "T1");
    assert_eq!(hit.evidence["network_restricted"], false);
    assert!(run_007(&third_party_anywhere(), Some(Tier::T0)).is_some());
}

#[test]
fn token_007_is_silent_for_first_party_low_tier_bound_restricted_or_unknown_network() {
    let a = third_party_anywhere();
    assert_eq!(run_007(&a, Some(Tier::T2)), None);
    assert_eq!(run_007(&a, None), None);
    let mut first = third_party_anywhere();
    first.ownership = Ownership::FirstParty;
    assert_eq!(run_007(&first, Some(Tier::T0)), None);
    let mut restricted = third_party_anywhere();
    restricted.network_restricted = Some(true);
    assert_eq!(run_007(&restricted, Some(Tier::T0)), None);
    let mut unknown = third_party_anywhere();
    unknown.network_restricted = None;
    assert_eq!(run_007(&unknown, Some(Tier::T0)), None);
    let mut bound = third_party_anywhere();
    bound.token_policy.sender_constrained = set(true);
    assert_eq!(run_007(&bound, Some(Tier::T0)), None);
    let mut no_refresh = third_party_anywhere();
    no_refresh.token_policy.refresh_tokens_issued = set(false);
    assert_eq!(run_007(&no_refresh, Some(Tier::T0)), None);
}

// TOKEN-008

#[test]
fn token_008_fires_above_600_seconds() {
    let mut a = base();
    a.token_policy.authorization_code_lifetime = set(Seconds(601));
    let hit = fires("TOKEN-008", &a);
    assert_eq!(hit.evidence["authorization_code_lifetime"]["seconds"], 601);
    a.token_policy.authorization_code_lifetime = set(Seconds(600));
    silent("TOKEN-008", &a);
    a.token_policy.authorization_code_lifetime = None;
    silent("TOKEN-008", &a);
}

#[test]
fn every_token_rule_is_in_the_catalog_with_its_severity() {
    use crate::rules::Severity::{High, Low, Medium};
    let expected = [
        ("TOKEN-001", Low),
        ("TOKEN-002", High),
        ("TOKEN-003", High),
        ("TOKEN-004", High),
        ("TOKEN-005", Medium),
        ("TOKEN-006", Low),
        ("TOKEN-007", Medium),
        ("TOKEN-008", Low),
    ];
    let ids: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, expected.map(|(id, _)| id));
    for (id, severity) in expected {
        assert_eq!(crate::rules::rule(id).unwrap().severity, severity, "{id}");
    }
}
