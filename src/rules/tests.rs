//! Catalog-wide tests.

use super::*;

#[test]
fn catalog_ids_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for r in catalog() {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        assert!(
            r.id.starts_with(r.family.as_str()),
            "{} not in family {:?}",
            r.id,
            r.family
        );
        assert!(
            !r.title.is_empty() && !r.fix.is_empty() && !r.cites.is_empty(),
            "{} incomplete",
            r.id
        );
    }
}

/// RULES §3: "Count: 79 rules (PKCE 6, REDIRECT 23, SECRET 13, TOKEN 8, GRANT 6, SCOPE 7,
/// STALE 6, VENDOR 5, CLIENT 2, TENANT 3)", every id numbered from 001 without gaps.
#[test]
fn the_whole_catalog_is_implemented() {
    let expected = [
        (Family::Pkce, 6),
        (Family::Redirect, 23),
        (Family::Secret, 13),
        (Family::Token, 8),
        (Family::Grant, 6),
        (Family::Scope, 7),
        (Family::Stale, 6),
        (Family::Vendor, 5),
        (Family::Client, 2),
        (Family::Tenant, 3),
    ];
    assert_eq!(catalog().len(), 79);
    for (family, count) in expected {
        let ids: Vec<&str> = catalog()
            .iter()
            .filter(|r| r.family == family)
            .map(|r| r.id)
            .collect();
        let want: Vec<String> = (1..=count)
            .map(|n| format!("{}-{n:03}", family.as_str()))
            .collect();
        assert_eq!(ids, want, "{family:?}");
    }
    // Tenant-wide policy rules are judged per tenant; everything else per app.
    for r in catalog() {
        let tenant_scoped = matches!(
            r.id,
            "TENANT-001" | "TENANT-002" | "TENANT-003" | "PKCE-006"
        );
        assert_eq!(r.is_tenant_rule(), tenant_scoped, "{}", r.id);
    }
}

#[test]
fn vendor_names_normalize() {
    use super::context::normalize_vendor_name as n;
    assert_eq!(n("Salesloft, Inc."), "salesloft");
    assert_eq!(n("SALESLOFT"), "salesloft");
    assert_eq!(n("Acme Co Ltd"), "acme");
    assert_eq!(n("  Drift   Email "), "drift email");
    assert_eq!(n("Co"), "co");
    assert_eq!(n("Ünïcode GmbH"), "ünïcode");
    assert_eq!(n("!!!"), "");
}
