//! Findings as OCSF Detection Findings (class 2004, OCSF 1.3), one JSON object per line
//! (NDJSON), for SIEMs that ingest OCSF: the API's `?format=ocsf` / `Accept:
//! application/x-ndjson` and `oauth-audit findings --format ocsf`.
//!
//! Mapping: the finding's rule is the analytic and its type; severity and status map to
//! OCSF's ids; the app and its tenant are the resources (the provider in their data); the
//! catalog's fix and references are the remediation; our evidence goes under `unmapped`.

use serde_json::{Value, json};

use super::finding::FindingDoc;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;

/// OCSF severity_id: 1 informational … 5 critical.
fn severity_id(severity: &str) -> (u8, &'static str) {
    match severity {
        "info" => (1, "Informational"),
        "low" => (2, "Low"),
        "medium" => (3, "Medium"),
        "high" => (4, "High"),
        "critical" => (5, "Critical"),
        _ => (0, "Unknown"),
    }
}

/// OCSF status_id and the activity that matches it: a resolved finding was closed, a
/// finding changed after it was opened was updated, otherwise it was created.
fn status_and_activity(f: &FindingDoc) -> ((u8, &'static str), (u8, &'static str)) {
    let status = match f.status.as_str() {
        "open" => (1, "New"),
        "suppressed" => (3, "Suppressed"),
        "resolved" => (4, "Resolved"),
        _ => (0, "Unknown"),
    };
    let activity = if f.status == "resolved" {
        (3, "Close")
    } else if f.updated_at > f.first_seen {
        (2, "Update")
    } else {
        (1, "Create")
    };
    (status, activity)
}

/// One finding as an OCSF Detection Finding.
pub fn detection_finding(f: &FindingDoc) -> Value {
    let rule = crate::rules::rule(&f.rule_id);
    let (sev_id, sev) = severity_id(&f.severity);
    let ((status_id, status), (activity_id, activity)) = status_and_activity(f);
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
    let mut types = vec![f.rule_id.clone()];
    if let Some(r) = rule {
        types.push(r.family.as_str().to_string());
    }
    let tenant_resource = json!({
        "uid": format!("{}:{}", f.provider, f.tenant),
        "name": f.tenant,
        "type": "SaaS Tenant",
        "data": {"provider": f.provider},
    });
    let mut resources = Vec::new();
    if let Some(app) = &f.app {
        resources.push(json!({
            "uid": app.client_id.clone().unwrap_or_else(|| app.id.to_string()),
            "name": app.name,
            "type": "OAuth Application",
            "group": {"name": f.tenant},
            "data": {
                "id": app.id,
                "client_id": app.client_id,
                "publisher": app.publisher,
                "tenant": f.tenant,
                "provider": f.provider,
            },
        }));
    }
    resources.push(tenant_resource);
    json!({
        "activity_id": activity_id,
        "activity_name": activity,
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + u32::from(activity_id),
        "type_name": format!("Detection Finding: {activity}"),
        "time": ms(f.updated_at),
        "severity_id": sev_id,
        "severity": sev,
        "status_id": status_id,
        "status": status,
        "message": f.title,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": format!("oauth-audit:{}:{}", f.id, f.updated_at.timestamp_micros()),
            "product": {
                "name": "oauth-audit",
                "vendor_name": "oauth-audit",
                "version": env!("CARGO_PKG_VERSION"),
            },
        },
        "finding_info": {
            "uid": format!("oauth-audit:finding:{}", f.id),
            "title": f.title,
            "desc": rule.map(|r| r.checks).unwrap_or(""),
            "types": types,
            "first_seen_time": ms(f.first_seen),
            "last_seen_time": ms(f.last_seen),
            "analytic": {
                "uid": f.rule_id,
                "name": f.rule_id,
                "type_id": 1,
                "type": "Rule",
            },
        },
        "resources": resources,
        "remediation": {
            "desc": f.remediation,
            "references": f.references,
        },
        "unmapped": {
            "evidence": f.evidence,
            "tenant": f.tenant,
            "provider": f.provider,
            "rule_id": f.rule_id,
        },
    })
}

/// One NDJSON line (with its newline) for a finding.
pub fn ndjson_line(f: &FindingDoc) -> String {
    let mut line = detection_finding(f).to_string();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::finding::FindingApp;
    use chrono::TimeZone;

    fn finding(status: &str) -> FindingDoc {
        let t = |h| chrono::Utc.with_ymd_and_hms(2026, 11, 25, h, 0, 0).unwrap();
        FindingDoc {
            id: 7,
            rule_id: "PKCE-001".into(),
            severity: "high".into(),
            title: "Public client without PKCE".into(),
            tenant: "contoso".into(),
            provider: "entra".into(),
            app: Some(FindingApp {
                id: 3,
                client_id: Some("c-1".into()),
                name: "Widget \"</script>".into(),
                publisher: None,
            }),
            evidence: serde_json::value::to_raw_value(
                &json!({"redirect_uris": ["http://localhost"]}),
            )
            .unwrap(),
            remediation: Box::leak(serde_json::value::to_raw_value("Require PKCE").unwrap()),
            references: Box::leak(serde_json::value::to_raw_value(&["RFC 9700 §2.1.1"]).unwrap()),
            status: status.into(),
            suppression_id: None,
            first_seen: t(1),
            last_seen: t(2),
            resolved_at: None,
            updated_at: t(1),
        }
    }

    #[test]
    fn an_open_finding_is_a_created_high_detection_finding() {
        let e = detection_finding(&finding("open"));
        assert_eq!(e["class_uid"], 2004);
        assert_eq!(e["type_uid"], 200401);
        assert_eq!(e["severity_id"], 4);
        assert_eq!(e["status_id"], 1);
        assert_eq!(e["finding_info"]["uid"], "oauth-audit:finding:7");
        assert_eq!(e["finding_info"]["types"][0], "PKCE-001");
        assert_eq!(e["resources"][0]["name"], "Widget \"</script>");
        assert_eq!(e["resources"][1]["name"], "contoso");
        assert_eq!(
            e["unmapped"]["evidence"]["redirect_uris"][0],
            "http://localhost"
        );
        assert_eq!(e["metadata"]["product"]["name"], "oauth-audit");
    }

    #[test]
    fn a_resolved_finding_closes_and_a_line_is_one_line() {
        let f = finding("resolved");
        let e = detection_finding(&f);
        assert_eq!(
            (e["activity_id"].clone(), e["status_id"].clone()),
            (json!(3), json!(4))
        );
        let line = ndjson_line(&f);
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    }
}
