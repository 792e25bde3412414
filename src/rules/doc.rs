//! The catalog as a table, JSON or Markdown (`oauth-audit rules`, `docs/rules.md`).

use serde_json::{Value, json};
use std::fmt::Write;

use super::{Family, Rule, catalog};

/// The Public Suffix List snapshot compiled in: the `psl` crate, pinned in Cargo.toml, whose
/// version encodes the list it was generated from. A test keeps this equal to Cargo.lock.
pub const PSL_VERSION: &str = "2.1.247";

/// One line per rule: id, severity, title.
pub fn table() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<13} {:<9} TITLE", "ID", "SEVERITY");
    for r in catalog() {
        let _ = writeln!(out, "{:<13} {:<9} {}", r.id, r.severity.as_str(), r.title);
    }
    let _ = writeln!(
        out,
        "\n{} rules. Public Suffix List: psl crate {PSL_VERSION}. Risk model: {}.",
        catalog().len(),
        super::score::MODEL
    );
    out
}

fn rule_json(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "family": r.family.as_str(),
        "severity": r.severity.as_str(),
        "title": r.title,
        "checks": r.checks,
        "rationale": r.rationale,
        "cites": r.cites,
        "nhi": r.nhi,
        "csf": r.csf,
        "remediation": r.fix,
        "references": r.references(),
        "scope": if r.is_tenant_rule() { "tenant" } else { "app" },
    })
}

/// The whole catalog as one JSON object.
pub fn json() -> Value {
    json!({
        "rules": catalog().iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
        "public_suffix_list": format!("psl crate {PSL_VERSION}"),
        "risk_model": super::score::MODEL,
    })
}

/// The catalog as Markdown: the content of `docs/rules.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# oauth-audit rule catalog\n");
    let _ = writeln!(
        out,
        "Generated from the code by `oauth-audit rules --format markdown`; do not edit by hand \
         (a test fails when this file and the code disagree).\n"
    );
    let _ = writeln!(
        out,
        "{} rules. Public Suffix List: psl crate {PSL_VERSION}. Risk model: `{}`. Severities \
         are defaults; `[rules.severity]` in the config overrides them per rule, and \
         `[rules.thresholds]` holds every threshold named below.\n",
        catalog().len(),
        super::score::MODEL
    );
    let mut family: Option<Family> = None;
    for r in catalog() {
        if family != Some(r.family) {
            family = Some(r.family);
            let _ = writeln!(out, "## {}\n", r.family.as_str());
            let _ = writeln!(out, "| ID | Severity | Title |\n|---|---|---|");
            for x in catalog().iter().filter(|x| x.family == r.family) {
                let _ = writeln!(
                    out,
                    "| [{}](#{}) | {} | {} |",
                    x.id,
                    x.id.to_ascii_lowercase(),
                    x.severity.as_str(),
                    x.title.replace('|', "\\|")
                );
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "### {}\n", r.id);
        let _ = writeln!(out, "**{}**\n", r.title);
        let _ = writeln!(out, "- Checks: {}", r.checks);
        let _ = writeln!(out, "- Severity: {}. {}", r.severity.as_str(), r.rationale);
        let _ = writeln!(
            out,
            "- Applies to: {}",
            if r.is_tenant_rule() {
                "the tenant"
            } else {
                "each app"
            }
        );
        let _ = writeln!(out, "- Cites: {}", r.cites.join("; "));
        let _ = writeln!(
            out,
            "- OWASP NHI: {}. NIST CSF 2.0: {}.",
            r.nhi.join(", "),
            r.csf.join(", ")
        );
        let _ = writeln!(out, "- Fix: {}\n", r.fix);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/rules.md` is generated from the code; regenerate it with
    /// `cargo run -- rules --format markdown > docs/rules.md` when this fails.
    #[test]
    fn docs_rules_md_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == markdown(),
            "docs/rules.md is out of date: run `cargo run -- rules --format markdown > docs/rules.md`"
        );
    }

    #[test]
    fn psl_version_matches_the_lock_file() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .expect("Cargo.lock");
        let entry = format!("name = \"psl\"\nversion = \"{PSL_VERSION}\"");
        assert!(
            lock.contains(&entry),
            "Cargo.lock's psl is not {PSL_VERSION}"
        );
    }

    #[test]
    fn every_format_lists_every_rule() {
        let t = table();
        let j = json();
        let m = markdown();
        for r in catalog() {
            assert!(
                t.contains(r.id) && m.contains(&format!("### {}", r.id)),
                "{}",
                r.id
            );
        }
        assert_eq!(j["rules"].as_array().map(Vec::len), Some(catalog().len()));
    }
}
