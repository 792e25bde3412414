//! Findings for SIEMs outside the JSON list: the API's OCSF NDJSON stream, validated with
//! the `py-ocsf-models` package when `.ci/run`'s virtualenv is there
//! (`OAUTH_AUDIT_TEST_VENV`), and `oauth-audit findings` in its three formats.

mod support;

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use support::api::{TestApp, entra_export};
use support::{backends, oauth_audit, stderr, stdout, write_config};

/// The virtualenv with py-ocsf-models, made by `.ci/run`.
const VENV_VAR: &str = "OAUTH_AUDIT_TEST_VENV";

fn validate_with_py_ocsf_models(ndjson: &str) {
    let Some(venv) = std::env::var_os(VENV_VAR).filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipped: OCSF validation needs {VENV_VAR} (a virtualenv with py-ocsf-models; .ci/run makes one)"
        );
        return;
    };
    let python = std::path::Path::new(&venv).join("bin/python");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/ocsf_validate.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ndjson.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "py-ocsf-models rejected the events:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ocsf_stream_is_one_valid_detection_finding_per_finding() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("contoso");
        entra_export(&export, 30, "Generated");
        let app = TestApp::start(backend, &[("contoso", export)], "api_rate_limit = 0").await;
        app.scan().await;
        let findings = app.all("/api/v1/findings?limit=1000").await;
        assert!(findings.len() > 50, "[{backend:?}]");

        let by_param = app
            .http
            .get(app.url("/api/v1/findings?format=ocsf"))
            .bearer_auth(&app.reader_key)
            .send()
            .await
            .unwrap();
        assert_eq!(by_param.headers()["content-type"], "application/x-ndjson");
        let by_param = by_param.text().await.unwrap();
        let by_accept = app
            .http
            .get(app.url("/api/v1/findings"))
            .header("Accept", "application/x-ndjson")
            .bearer_auth(&app.reader_key)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            by_param, by_accept,
            "[{backend:?}] both ways ask for the same stream"
        );

        let events: Vec<Value> = by_param
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            events.len(),
            findings.len(),
            "[{backend:?}] one event per finding"
        );
        for (e, f) in events.iter().zip(&findings) {
            assert_eq!(e["class_uid"], 2004);
            assert_eq!(
                e["finding_info"]["uid"],
                format!("oauth-audit:finding:{}", f["id"])
            );
            assert_eq!(e["finding_info"]["title"], f["title"]);
            assert_eq!(e["remediation"]["desc"], f["remediation"]);
            assert_eq!(e["unmapped"]["evidence"], f["evidence"]);
        }
        // Filters apply to the stream too.
        let high = app
            .http
            .get(app.url("/api/v1/findings?format=ocsf&severity=high"))
            .bearer_auth(&app.reader_key)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(high.lines().count() < events.len());
        assert!(
            high.lines()
                .all(|l| l.contains("\"severity_id\":4") || l.contains("\"severity_id\":5"))
        );
        validate_with_py_ocsf_models(&by_param);
    }
}

#[test]
fn the_findings_command_prints_table_json_and_ocsf_from_the_store() {
    for backend in backends() {
        let db = support::TestDb::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("contoso");
        entra_export(&export, 5, "Generated");
        write_config(dir.path(), &db.url, &[("contoso", "entra", &export)]);
        let scan = oauth_audit(dir.path(), &["scan"]);
        assert_eq!(
            scan.status.code(),
            Some(0),
            "[{backend:?}] {}",
            stderr(&scan)
        );

        let json = oauth_audit(dir.path(), &["findings", "--format", "json"]);
        assert_eq!(
            json.status.code(),
            Some(0),
            "[{backend:?}] {}",
            stderr(&json)
        );
        let all: Vec<Value> = serde_json::from_str(&stdout(&json)).unwrap();
        assert!(all.len() > 10, "[{backend:?}]");
        assert!(
            all.iter()
                .all(|f| f["status"] == "open" && f["references"].is_array())
        );

        let high = oauth_audit(
            dir.path(),
            &["findings", "--format", "json", "--severity", "high"],
        );
        let high: Vec<Value> = serde_json::from_str(&stdout(&high)).unwrap();
        assert!(!high.is_empty() && high.len() < all.len(), "[{backend:?}]");
        let none = oauth_audit(
            dir.path(),
            &["findings", "--format", "json", "--tenant", "nobody"],
        );
        assert_eq!(
            serde_json::from_str::<Vec<Value>>(&stdout(&none))
                .unwrap()
                .len(),
            0
        );

        let ocsf = oauth_audit(dir.path(), &["findings", "--format", "ocsf"]);
        let ocsf = stdout(&ocsf);
        assert_eq!(ocsf.lines().count(), all.len(), "[{backend:?}]");
        validate_with_py_ocsf_models(&ocsf);

        let table = stdout(&oauth_audit(dir.path(), &["findings"]));
        assert_eq!(
            table.lines().count(),
            all.len() + 1,
            "[{backend:?}] header and one line each"
        );
        assert!(table.lines().next().unwrap().contains("severity"));
    }
}
