use proptest::prelude::*;

use super::*;

fn input(rule_id: &'static str, severity: Severity) -> Input<'static> {
    Input { rule_id, severity }
}

fn impact(tier: f64, breadth: f64) -> Impact {
    Impact::from_factors(tier, breadth, "test", &Weights::default())
}

/// RULES §8.4's Drift-like connected app before the advisory: I = 0.8 (T1, approved for the
/// whole org), L = 0.695, score 60 (high).
#[test]
fn drift_like_worked_example() {
    let w = Weights::default();
    let findings = [
        input("TOKEN-004", Severity::High),
        input("SCOPE-003", Severity::High),
        input("SCOPE-004", Severity::Medium),
        input("VENDOR-005", Severity::Medium),
        input("VENDOR-003", Severity::Info),
    ];
    let s = score(impact(0.8, 1.0), &findings, &w);
    assert_eq!(s.model, "oa-risk-v1");
    assert_eq!(s.score, 60);
    assert_eq!(s.band, Band::High);
    assert!((s.likelihood - 0.6946).abs() < 1e-3, "{}", s.likelihood);
    assert!((s.inherent_points - 16.0).abs() < 1e-9);
    // Marginal points in the fixed order (severity descending, then rule id). RULES lists the
    // two highs as TOKEN-004 +22.4 then SCOPE-003 +14.6; its stated order puts SCOPE-003 first,
    // which swaps the two numbers and keeps the sum.
    let parts: Vec<(&str, f64)> = s
        .parts
        .iter()
        .map(|p| (p.rule_id.as_str(), p.points))
        .collect();
    let ids: Vec<&str> = parts.iter().map(|p| p.0).collect();
    assert_eq!(ids, ["SCOPE-003", "TOKEN-004", "SCOPE-004", "VENDOR-005"]);
    let rounded: Vec<f64> = parts.iter().map(|p| (p.1 * 10.0).round() / 10.0).collect();
    assert_eq!(rounded, [22.4, 14.6, 4.1, 3.4]);
    let total: f64 = s.inherent_points + parts.iter().map(|p| p.1).sum::<f64>();
    assert!(
        (total - 60.45).abs() < 0.05,
        "parts sum to the unrounded score: {total}"
    );
    assert!(s.floor.is_none());

    // After the advisory: VENDOR-004 (critical) and the watchlist floor lift it to 90.
    let mut after = findings.to_vec();
    after.push(input("VENDOR-004", Severity::Critical));
    let s = score(impact(0.8, 1.0), &after, &w);
    assert_eq!(s.score, 90);
    assert_eq!(s.band, Band::Critical);
    assert_eq!(s.floor.as_ref().map(|f| f.minimum), Some(90));
}

#[test]
fn more_worked_examples_of_rules_8_4() {
    let w = Weights::default();
    // A public SPA with a secret and no PKCE, T2 scopes for 30 users.
    let s = score(
        impact(0.5, 0.75),
        &[
            input("SECRET-001", Severity::High),
            input("PKCE-001", Severity::High),
        ],
        &w,
    );
    assert_eq!((s.score, s.band), (25, Band::Medium));
    // A first-party web sign-in app with two low findings, T3, tenant-wide.
    let s = score(
        impact(0.25, 1.0),
        &[
            input("TOKEN-001", Severity::Low),
            input("SECRET-009", Severity::Low),
        ],
        &w,
    );
    assert_eq!((s.score, s.band), (7, Band::Low));
    // An unverified third party holding a T0 permission.
    let s = score(
        impact(1.0, 1.0),
        &[
            input("SCOPE-001", Severity::Critical),
            input("VENDOR-001", Severity::High),
        ],
        &w,
    );
    assert_eq!((s.score, s.band), (79, Band::Critical));
    // A T0 tenant-wide app with no findings still shows: 20, low band.
    assert_eq!(score(impact(1.0, 1.0), &[], &w).score, 20);
}

#[test]
fn critical_floor_needs_enough_impact() {
    let w = Weights::default();
    let crit = [input("REDIRECT-001", Severity::Critical)];
    // I = 0.5: 100 × 0.5 × (0.2 + 0.8 × 0.6) = 34, lifted to 75.
    let s = score(impact(0.5, 1.0), &crit, &w);
    assert_eq!(s.score, 75);
    assert!(s.floor.is_some());
    // I = 0.3: 100 × 0.3 × 0.68 = 20.4, no floor.
    let s = score(impact(0.5, 0.6), &crit, &w);
    assert_eq!(s.score, 20);
    assert!(s.floor.is_none());
}

#[test]
fn each_rule_counts_once_and_tenant_rules_not_at_all() {
    let w = Weights::default();
    let once = score(impact(1.0, 1.0), &[input("SECRET-003", Severity::High)], &w);
    let twice = score(
        impact(1.0, 1.0),
        &[
            input("SECRET-003", Severity::High),
            input("SECRET-003", Severity::High),
        ],
        &w,
    );
    assert_eq!(once.score, twice.score);
    let tenant = score(
        impact(1.0, 1.0),
        &[input("TENANT-001", Severity::Medium)],
        &w,
    );
    assert_eq!(tenant.score, 20);
}

#[test]
fn bands() {
    assert_eq!(Band::of(0), Band::Low);
    assert_eq!(Band::of(24), Band::Low);
    assert_eq!(Band::of(25), Band::Medium);
    assert_eq!(Band::of(49), Band::Medium);
    assert_eq!(Band::of(50), Band::High);
    assert_eq!(Band::of(74), Band::High);
    assert_eq!(Band::of(75), Band::Critical);
    assert_eq!(Band::of(100), Band::Critical);
}

const IDS: [&str; 8] = [
    "PKCE-001",
    "REDIRECT-003",
    "SECRET-001",
    "TOKEN-004",
    "SCOPE-003",
    "VENDOR-004",
    "STALE-001",
    "GRANT-001",
];

fn arb_severity() -> impl Strategy<Value = Severity> {
    prop_oneof![
        Just(Severity::Info),
        Just(Severity::Low),
        Just(Severity::Medium),
        Just(Severity::High),
        Just(Severity::Critical),
    ]
}

fn arb_findings() -> impl Strategy<Value = Vec<Input<'static>>> {
    prop::collection::vec(
        (0..IDS.len(), arb_severity()).prop_map(|(i, s)| input(IDS[i], s)),
        0..8,
    )
}

fn arb_factor() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.25),
        Just(0.5),
        Just(0.6),
        Just(0.75),
        Just(0.8),
        Just(0.9),
        Just(1.0)
    ]
}

proptest! {
    #[test]
    fn adding_a_finding_never_lowers_the_score(
        tier in arb_factor(), breadth in arb_factor(), findings in arb_findings(),
        extra in (0..IDS.len(), arb_severity()),
    ) {
        let w = Weights::default();
        let before = score(impact(tier, breadth), &findings, &w).score;
        let mut more = findings.clone();
        more.push(input(IDS[extra.0], extra.1));
        prop_assert!(score(impact(tier, breadth), &more, &w).score >= before);
    }

    #[test]
    fn more_tier_or_breadth_never_lowers_the_score(
        t1 in arb_factor(), t2 in arb_factor(), b1 in arb_factor(), b2 in arb_factor(),
        findings in arb_findings(),
    ) {
        let w = Weights::default();
        let (lo_t, hi_t) = (t1.min(t2), t1.max(t2));
        let (lo_b, hi_b) = (b1.min(b2), b1.max(b2));
        let low = score(impact(lo_t, lo_b), &findings, &w).score;
        prop_assert!(score(impact(hi_t, lo_b), &findings, &w).score >= low);
        prop_assert!(score(impact(lo_t, hi_b), &findings, &w).score >= low);
    }

    #[test]
    fn order_does_not_matter_and_output_is_deterministic(
        tier in arb_factor(), breadth in arb_factor(), findings in arb_findings(), seed in any::<u64>(),
    ) {
        let w = Weights::default();
        let a = score(impact(tier, breadth), &findings, &w);
        let mut shuffled = findings.clone();
        // A deterministic shuffle from the seed.
        let n = shuffled.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let b = score(impact(tier, breadth), &shuffled, &w);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &score(impact(tier, breadth), &findings, &w));
        let sum = a.inherent_points + a.parts.iter().map(|p| p.points).sum::<f64>();
        prop_assert!(a.floor.is_some() || (sum.round() - f64::from(a.score)).abs() <= 1.0);
    }
}
