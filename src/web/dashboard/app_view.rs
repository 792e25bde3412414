//! The pieces of the app detail page that need more than a copy of stored fields: redirect
//! URIs annotated with the findings that name them, the token policy as rows, credentials
//! against the clock, and the risk explanation (version diffs are in `history.rs`). Pure
//! functions of stored data.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::view::{Clip, days_until, when_opt};
use crate::rules::score::RiskScore;
use crate::store::queries::apps::CredentialView;
use crate::store::queries::findings::FindingView;

/// A redirect URI with the rules whose open findings name it.
#[derive(Debug, Clone)]
pub struct RedirectView {
    pub uri: Clip,
    pub kind: String,
    /// Each open finding whose evidence names this URI.
    pub flagged_by: Vec<Flag>,
}

/// A finding flagging a redirect URI, linked to its entry on the page (`#finding-<id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub finding_id: i64,
    pub rule_id: String,
    pub severity: String,
}

/// Whether `needle` is one of the strings anywhere in `v`.
fn mentions(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s == needle,
        Value::Array(a) => a.iter().any(|x| mentions(x, needle)),
        Value::Object(o) => o.values().any(|x| mentions(x, needle)),
        _ => false,
    }
}

/// The redirect URIs of a stored app document, each with the unresolved findings naming it.
pub fn redirects(doc: &Value, findings: &[FindingView]) -> Vec<RedirectView> {
    let evidence: Vec<(Value, &FindingView)> = findings
        .iter()
        .filter(|f| f.status != "resolved")
        .filter_map(|f| {
            serde_json::from_str::<Value>(&f.evidence)
                .ok()
                .map(|e| (e, f))
        })
        .collect();
    doc["redirect_uris"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let uri = r["uri"].as_str().unwrap_or_default();
            RedirectView {
                uri: Clip::new(uri, 90),
                kind: r["kind"].as_str().unwrap_or("unknown").to_owned(),
                flagged_by: evidence
                    .iter()
                    .filter(|(e, _)| !uri.is_empty() && mentions(e, uri))
                    .map(|(_, f)| Flag {
                        finding_id: f.id,
                        rule_id: f.rule_id.clone(),
                        severity: f.severity.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One token policy setting.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub name: String,
    pub value: String,
    pub source: String,
}

fn human_seconds(s: u64) -> String {
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{} days", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn policy_value(v: &Value) -> String {
    match v {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::String(s) => s.replace('_', " "),
        Value::Number(n) => n
            .as_u64()
            .map(human_seconds)
            .unwrap_or_else(|| n.to_string()),
        Value::Object(o) => match o.get("seconds").and_then(Value::as_u64) {
            Some(s) => human_seconds(s),
            None => v.to_string(),
        },
        other => other.to_string(),
    }
}

/// The token policy of a stored app document as rows; unknown settings say so.
pub fn token_policy(doc: &Value) -> Vec<PolicyRow> {
    let Some(policy) = doc["token_policy"].as_object() else {
        return Vec::new();
    };
    policy
        .iter()
        .map(|(k, v)| PolicyRow {
            name: k.replace('_', " "),
            value: if v.is_null() {
                "unknown".into()
            } else {
                Clip::new(&policy_value(&v["value"]), 80).short
            },
            source: v["source"].as_str().unwrap_or("").replace('_', " "),
        })
        .collect()
}

/// A credential against the clock.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub kind: String,
    pub name: Clip,
    pub key_id: Clip,
    pub created: String,
    pub expires: String,
    /// `expired`, `soon` (30 days or less), `ok` or `never`.
    pub state: &'static str,
    pub days_left: String,
}

/// Credentials soonest expiry first (expired, then by date, then never-expiring).
pub fn credentials(now: DateTime<Utc>, creds: Vec<CredentialView>) -> Vec<CredentialRow> {
    let mut creds = creds;
    creds.sort_by_key(|c| (c.expires_at.is_none(), c.expires_at));
    creds
        .into_iter()
        .map(|c| {
            let (state, days_left) = match c.expires_at {
                Some(t) => {
                    let d = days_until(now, t);
                    if t <= now.naive_utc() {
                        ("expired", format!("expired {} days ago", -d))
                    } else if d <= 30 {
                        ("soon", format!("{d} days left"))
                    } else {
                        ("ok", format!("{d} days left"))
                    }
                }
                None if c.never_expires => ("never", "never expires".into()),
                None => ("never", "expiry unknown".into()),
            };
            CredentialRow {
                kind: c.kind.replace('_', " "),
                name: Clip::opt(c.display_name.as_deref().or(c.hint.as_deref()), 40),
                key_id: Clip::opt(c.key_id.as_deref(), 40),
                created: when_opt(c.created_at),
                expires: when_opt(c.expires_at),
                state,
                days_left,
            }
        })
        .collect()
}

/// The risk explanation as the page shows it.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub score: u8,
    pub band: String,
    pub model: String,
    pub impact: String,
    pub breadth_reason: String,
    pub likelihood: String,
    pub inherent: String,
    /// (rule id, severity, points).
    pub parts: Vec<(String, String, String)>,
    pub floor: Option<String>,
}

/// The stored explanation, when there is one we can read.
pub fn explanation(stored: Option<&str>) -> Option<Explanation> {
    let r: RiskScore = serde_json::from_str(stored?).ok()?;
    Some(Explanation {
        score: r.score,
        band: r.band.as_str().to_owned(),
        model: r.model,
        impact: format!(
            "{:.2} (tier {:.2} × breadth {:.2})",
            r.impact.value, r.impact.tier, r.impact.breadth
        ),
        breadth_reason: r.impact.breadth_reason,
        likelihood: format!("{:.2}", r.likelihood),
        inherent: format!("{:.1}", r.inherent_points),
        parts: r
            .parts
            .into_iter()
            .map(|p| {
                (
                    p.rule_id,
                    p.severity.as_str().to_owned(),
                    format!("{:+.1}", p.points),
                )
            })
            .collect(),
        floor: r
            .floor
            .map(|f| format!("raised to at least {}: {}", f.minimum, f.reason)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use serde_json::json;

    fn finding(rule: &str, evidence: Value, status: &str) -> FindingView {
        FindingView {
            id: 1,
            rule_id: rule.into(),
            severity: "high".into(),
            title: "t".into(),
            evidence: evidence.to_string(),
            status: status.into(),
            suppression_id: None,
            first_seen: NaiveDateTime::default(),
            last_seen: NaiveDateTime::default(),
            resolved_at: None,
            updated_at: NaiveDateTime::default(),
            change_seq: 1,
            tenant: "t".into(),
            provider: "entra".into(),
            tenant_evaluated_at: None,
            app_id: Some(1),
            app: None,
        }
    }

    #[test]
    fn each_redirect_uri_lists_the_open_findings_that_name_it() {
        let doc = json!({"redirect_uris": [
            {"uri": "https://*.example.com/cb", "kind": "web"},
            {"uri": "https://ok.example.com/cb", "kind": "web"}]});
        let f = vec![
            finding(
                "REDIRECT-001",
                json!({"uris": ["https://*.example.com/cb"]}),
                "open",
            ),
            finding(
                "REDIRECT-009",
                json!({"uris": ["https://ok.example.com/cb"]}),
                "resolved",
            ),
        ];
        let r = redirects(&doc, &f);
        let flags: Vec<(String, String)> = r[0]
            .flagged_by
            .iter()
            .map(|f| (f.rule_id.clone(), f.severity.clone()))
            .collect();
        assert_eq!(flags, vec![("REDIRECT-001".into(), "high".into())]);
        assert!(
            r[1].flagged_by.is_empty(),
            "a resolved finding flags nothing"
        );
    }

    #[test]
    fn credentials_say_how_long_they_have_left() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
            .unwrap()
            .to_utc();
        let cred = |days: Option<i64>| CredentialView {
            id: 1,
            kind: "secret".into(),
            key_id: None,
            hint: None,
            display_name: None,
            fingerprint: "f".into(),
            created_at: None,
            expires_at: days.map(|d| (now + chrono::Duration::days(d)).naive_utc()),
            never_expires: days.is_none(),
            first_seen: now.naive_utc(),
        };
        let rows = credentials(
            now,
            vec![cred(None), cred(Some(90)), cred(Some(-3)), cred(Some(10))],
        );
        let states: Vec<&str> = rows.iter().map(|r| r.state).collect();
        assert_eq!(states, ["expired", "soon", "ok", "never"]);
        assert_eq!(rows[0].days_left, "expired 3 days ago");
        assert_eq!(rows[1].days_left, "10 days left");
    }

    #[test]
    fn token_policy_rows_humanize_lifetimes() {
        let doc = json!({"token_policy": {
            "access_token_lifetime": {"value": {"seconds": 3600}, "source": "provider_default"},
            "refresh_token_rotation": {"value": false, "source": "client"},
            "session_lifetime": null}});
        let rows = token_policy(&doc);
        let find = |n: &str| rows.iter().find(|r| r.name == n).unwrap();
        assert_eq!(find("access token lifetime").value, "1 h");
        assert_eq!(find("refresh token rotation").value, "no");
        assert_eq!(find("session lifetime").value, "unknown");
    }
}
