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
