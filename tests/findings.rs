//! Rules in the scan pipeline: the real `oauth-audit scan` on an Entra export, then what the
//! database holds: findings that open, stay unwritten on an unchanged rescan, honour config
//! suppressions (and reopen when one expires), and resolve when their condition is gone.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{
    Backend, TestDb, backends, copy_dir, fixture, oauth_audit, stderr, stdout, write_config,
};

use oauth_audit::store::Store;
use oauth_audit::store::findings::FindingState;

fn scan(dir: &Path, backend: Backend) {
    let out = oauth_audit(dir, &["scan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "[{backend:?}] {}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

fn states(store: &Store) -> Vec<FindingState> {
    let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
    store.finding_states(tenant.id).unwrap()
}

/// The state of one rule on the app whose subject is `subject`.
fn of<'a>(states: &'a [FindingState], subject: &str, rule: &str) -> Option<&'a FindingState> {
    states
        .iter()
        .find(|f| f.subject == subject && f.rule_id == rule)
}

fn app_subject(store: &Store, name: &str) -> String {
    let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
    let apps = store
        .apps_by_ids(&store.tenant_app_ids(tenant.id).unwrap())
        .unwrap();
    let app = apps.iter().find(|a| a.app.name == name).unwrap();
    format!("app:{}", app.id)
}

fn setup(backend: Backend, suppression: &str) -> (TestDb, tempfile::TempDir) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    copy_dir(&fixture("entra/basic"), &export);
    let config = write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(suppression);
    std::fs::write(&config, text).unwrap();
    (db, dir)
}

fn suppress_ropc(expires: &str) -> String {
    format!(
        "\n[[suppressions]]\nrule = \"GRANT-003\"\ntenant = \"contoso\"\napp = \"Field Service Mobile\"\n\
         reason = \"legacy handhelds, retired in Q1\"\nowner = \"secops@contoso.example\"\nexpires = \"{expires}\"\n"
    )
}

#[test]
fn findings_open_stay_quiet_suppress_reopen_and_resolve() {
    for backend in backends() {
        let (db, dir) = setup(backend, &suppress_ropc("2999-01-01"));
        scan(dir.path(), backend);
        let store = Store::connect(&db.url, 1).unwrap();
        let mobile = app_subject(&store, "Field Service Mobile");
        let first = states(&store);

        // isFallbackPublicClient: the password and device grants are open to this native app.
        let ropc = of(&first, &mobile, "GRANT-003").expect("GRANT-003 stored");
        assert_eq!(
            ropc.status, "suppressed",
            "[{backend:?}] config suppression applies"
        );
        assert!(ropc.suppression_id.is_some());
        let extra = of(&first, &mobile, "GRANT-006").expect("GRANT-006 stored");
        assert_eq!(extra.status, "open");
        let tenant = store.tenant_by_name("contoso").unwrap().unwrap();
        let apps = store
            .apps_by_ids(&store.tenant_app_ids(tenant.id).unwrap())
            .unwrap();
        assert!(
            apps.iter().all(|a| a.risk_score.is_some()),
            "every app is scored"
        );
        let explanation: Value =
            serde_json::from_str(apps[0].risk_explanation.as_deref().unwrap()).unwrap();
        assert_eq!(explanation["model"], "oa-risk-v1");

        // Unchanged rescan: no finding row is written.
        scan(dir.path(), backend);
        let second = states(&store);
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(
                (a.id, &a.status, a.updated_at),
                (b.id, &b.status, b.updated_at)
            );
        }

        // The suppression expires: the same finding reopens.
        let config = dir.path().join("oauth-audit.toml");
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("2999-01-01", "2000-01-01");
        std::fs::write(&config, text).unwrap();
        scan(dir.path(), backend);
        let third = states(&store);
        let reopened = of(&third, &mobile, "GRANT-003").unwrap();
        assert_eq!((reopened.id, reopened.status.as_str()), (ropc.id, "open"));
        assert_eq!(reopened.suppression_id, None);

        // The condition goes away: the ROPC finding resolves (row kept); the extra-grants finding
        // stays for the inferred client-credentials grant, with evidence that no longer lists
        // the password grant.
        let apps_file = dir.path().join("contoso/applications.json");
        let mut page: Value =
            serde_json::from_str(&std::fs::read_to_string(&apps_file).unwrap()).unwrap();
        for app in page["value"].as_array_mut().unwrap() {
            if app["displayName"] == "Field Service Mobile" {
                app["isFallbackPublicClient"] = Value::Bool(false);
            }
        }
        std::fs::write(&apps_file, serde_json::to_string(&page).unwrap()).unwrap();
        scan(dir.path(), backend);
        let fourth = states(&store);
        assert_eq!(
            of(&fourth, &mobile, "GRANT-003").unwrap().status,
            "resolved",
            "[{backend:?}]"
        );
        let extra_now = of(&fourth, &mobile, "GRANT-006").unwrap();
        assert_eq!(
            (extra_now.id, extra_now.status.as_str()),
            (extra.id, "open")
        );
        assert!(extra.evidence.contains("password") && !extra_now.evidence.contains("password"));
        assert_eq!(
            of(&fourth, &mobile, "GRANT-003").unwrap().id,
            ropc.id,
            "resolved, not deleted"
        );

        // The app leaves the tenant: every finding it still had resolves with it.
        let mut page: Value =
            serde_json::from_str(&std::fs::read_to_string(&apps_file).unwrap()).unwrap();
        page["value"]
            .as_array_mut()
            .unwrap()
            .retain(|a| a["displayName"] != "Field Service Mobile");
        std::fs::write(&apps_file, serde_json::to_string(&page).unwrap()).unwrap();
        let sps_file = dir.path().join("contoso/servicePrincipals.json");
        let mut sps: Value =
            serde_json::from_str(&std::fs::read_to_string(&sps_file).unwrap()).unwrap();
        sps["value"]
            .as_array_mut()
            .unwrap()
            .retain(|a| a["displayName"] != "Field Service Mobile");
        std::fs::write(&sps_file, serde_json::to_string(&sps).unwrap()).unwrap();
        scan(dir.path(), backend);
        let fifth = states(&store);
        let left: Vec<&FindingState> = fifth.iter().filter(|f| f.subject == mobile).collect();
        assert!(!left.is_empty());
        assert!(
            left.iter().all(|f| f.status == "resolved"),
            "[{backend:?}] {left:?}"
        );
    }
}

#[test]
fn bad_suppression_is_a_config_error() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("contoso");
    copy_dir(&fixture("entra/basic"), &export);
    let config = write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[suppressions]]\nrule = \"NOPE-001\"\nreason = \"x\"\nowner = \"y\"\n");
    std::fs::write(&config, text).unwrap();
    let out = oauth_audit(dir.path(), &["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("suppressions[0].rule"),
        "{}",
        stderr(&out)
    );
}
