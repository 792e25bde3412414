//! `oauth-audit check`: the real binary on provider-shaped files, offline.

mod support;

use serde_json::Value;
use support::{fixture, oauth_audit, stderr, stdout};

fn check(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    oauth_audit(dir.path(), &[&["check"], args].concat())
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

/// Every supported input shape is detected and audited.
#[test]
fn detects_every_provider_shape() {
    let cases = [
        ("entra/basic/applications.json", "entra"),
        ("okta/basic/apps.json", "okta"),
        ("keycloak/realm-export.json", "keycloak"),
        ("auth0/clients.json", "auth0"),
        ("salesforce/connected-apps.json", "salesforce"),
        ("github/oauth-apps.json", "github"),
        ("slack/approved.json", "slack"),
        ("google/tokens.json", "google"),
        ("rfc7591/clients.json", "rfc7591"),
    ];
    for (file, provider) in cases {
        let out = check(&["--format", "json", "--fail-on", "critical", &path(file)]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{file}: {}",
            stderr(&out)
        );
        let report = json_of(&out);
        let apps = report["apps"].as_array().unwrap();
        assert!(!apps.is_empty(), "{file}: no apps");
        for app in apps {
            assert_eq!(app["provider"], provider, "{file}");
            assert!(app["risk_score"].as_u64().unwrap() <= 100);
            for f in app["findings"].as_array().unwrap() {
                for key in [
                    "rule_id",
                    "severity",
                    "title",
                    "evidence",
                    "remediation",
                    "references",
                ] {
                    assert!(!f[key].is_null(), "{file}: finding without {key}");
                }
            }
        }
    }
}

#[test]
fn json_names_the_risky_apps_and_exit_code_follows_fail_on() {
    let file = path("auth0/clients.json");
    let out = check(&["--format", "json", &file]);
    // The fixture has a client with the password grant (GRANT-003, high): default --fail-on high.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let rules_of = |name: &str| -> Vec<String> {
        report["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(rules_of("Field Scanner").contains(&"GRANT-003".to_string()));
    assert!(rules_of("Marketing Site").contains(&"GRANT-001".to_string()));
    // Nothing at critical in this file's public-facing grants? Then --fail-on critical passes
    // only if no critical finding exists: compute it from the report.
    let any_critical = report["apps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["findings"].as_array().unwrap().iter())
        .any(|f| f["severity"] == "critical");
    let out = check(&["--format", "json", "--fail-on", "critical", &file]);
    assert_eq!(out.status.code(), Some(i32::from(any_critical)));
    let out = check(&["--format", "json", "--fail-on", "info", &file]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sarif_is_2_1_0_with_rules_and_results() {
    let out = check(&["--format", "sarif", &path("salesforce/connected-apps.json")]);
    let sarif = json_of(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "oauth-audit");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("connected-apps.json")
        );
    }
}

#[test]
fn forced_provider_and_bad_input_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{not json").unwrap();
    let out = oauth_audit(dir.path(), &["check", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("garbage.json"), "{}", stderr(&out));

    let unknown = dir.path().join("unknown.json");
    std::fs::write(&unknown, r#"{"hello": "world"}"#).unwrap();
    let out = oauth_audit(dir.path(), &["check", unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown.json") && stderr(&out).contains("expected"),
        "{}",
        stderr(&out)
    );

    let out = oauth_audit(dir.path(), &["check", "missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.json"));

    // The wrong --provider for a document is an error too, not an empty report.
    let out = oauth_audit(
        dir.path(),
        &["check", "--provider", "okta", &path("auth0/clients.json")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

#[test]
fn rules_command_formats() {
    let dir = tempfile::tempdir().unwrap();
    let out = oauth_audit(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules.len(), oauth_audit::rules::catalog().len());
    assert!(
        v["public_suffix_list"]
            .as_str()
            .unwrap()
            .starts_with("psl crate")
    );
    let out = oauth_audit(dir.path(), &["rules"]);
    assert!(stdout(&out).contains("PKCE-001") && stdout(&out).contains("Public Suffix List"));
}
