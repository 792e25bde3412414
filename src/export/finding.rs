//! The finding document of DESIGN §4 (fixed contract), built from a stored finding and the
//! rule catalog: remediation and references come from the catalog by rule id, never from
//! the database.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::store::from_db;
use crate::store::queries::findings::FindingView;

/// The app a finding is about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingApp {
    /// The app's id in this API (`/api/v1/apps/{id}`).
    pub id: i64,
    pub client_id: Option<String>,
    pub name: String,
    /// Publisher name, when the provider names one.
    pub publisher: Option<String>,
}

/// One finding: a rule firing on an app or on a tenant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingDoc {
    pub id: i64,
    /// Such as `PKCE-001`.
    pub rule_id: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub title: String,
    /// Tenant name.
    pub tenant: String,
    /// The SaaS (for a file tenant, its format).
    pub provider: String,
    /// The app; null for a tenant-wide finding.
    pub app: Option<FindingApp>,
    /// What the rule saw (redacted of secrets): the stored JSON object, passed through.
    #[schema(value_type = Object)]
    pub evidence: Box<RawValue>,
    /// What to do (the rule catalog's fix), as a JSON string.
    #[schema(value_type = String)]
    pub remediation: &'static RawValue,
    /// Where the rule comes from (RFCs, OWASP NHI, NIST CSF), as a JSON list of strings.
    #[schema(value_type = Vec<String>)]
    pub references: &'static RawValue,
    /// `open`, `resolved` or `suppressed`.
    pub status: String,
    /// The suppression that covers the finding, when suppressed.
    pub suppression_id: Option<i64>,
    #[serde(serialize_with = "super::time::serialize")]
    pub first_seen: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize")]
    pub last_seen: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the stored finding last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// A rule's remediation and references as JSON, serialized once per rule rather than
/// escaped again for every finding of every page.
struct RuleText {
    remediation: Box<RawValue>,
    references: Box<RawValue>,
}

impl RuleText {
    fn new(remediation: &str, references: &[String]) -> RuleText {
        let raw = |v: serde_json::Value| {
            serde_json::value::to_raw_value(&v).unwrap_or_else(|_| Box::<RawValue>::default())
        };
        RuleText {
            remediation: raw(serde_json::Value::from(remediation)),
            references: raw(serde_json::Value::from(references.to_vec())),
        }
    }
}

static RULE_TEXT: LazyLock<HashMap<&'static str, RuleText>> = LazyLock::new(|| {
    crate::rules::catalog()
        .iter()
        .map(|r| (r.id, RuleText::new(r.fix, &r.references())))
        .collect()
});

/// For a rule id the catalog does not know: no remediation, no references.
static NO_RULE_TEXT: LazyLock<RuleText> = LazyLock::new(|| RuleText::new("", &[]));

/// The stored evidence as a JSON object: passed through when it is one (the rules engine
/// always writes one), wrapped as `{"value": …}` when it is other JSON, `{}` when unreadable.
fn evidence_object(stored: &str) -> Box<RawValue> {
    let empty = || RawValue::from_string("{}".to_owned()).unwrap_or_default();
    if stored.trim_start().starts_with('{')
        && let Ok(raw) = RawValue::from_string(stored.to_owned())
    {
        return raw;
    }
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(other) => serde_json::value::to_raw_value(&serde_json::json!({ "value": other }))
            .unwrap_or_else(|_| empty()),
        Err(_) => empty(),
    }
}

impl FindingDoc {
    pub fn from_view(v: &FindingView) -> FindingDoc {
        let rule = RULE_TEXT.get(v.rule_id.as_str()).unwrap_or(&NO_RULE_TEXT);
        FindingDoc {
            id: v.id,
            rule_id: v.rule_id.clone(),
            severity: v.severity.clone(),
            title: v.title.clone(),
            tenant: v.tenant.clone(),
            provider: v.provider.clone(),
            app: match (v.app_id, &v.app) {
                (Some(id), Some((client_id, name, publisher))) => Some(FindingApp {
                    id,
                    client_id: client_id.clone(),
                    name: name.clone(),
                    publisher: publisher.clone(),
                }),
                _ => None,
            },
            evidence: evidence_object(&v.evidence),
            remediation: &rule.remediation,
            references: &rule.references,
            status: v.status.clone(),
            suppression_id: v.suppression_id,
            first_seen: from_db(v.first_seen),
            last_seen: from_db(v.last_observed()),
            resolved_at: v.resolved_at.map(from_db),
            updated_at: from_db(v.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_evidence_is_passed_through_as_an_object() {
        assert_eq!(
            evidence_object(r#"{"redirect_uri":"http://x","n":1}"#).get(),
            r#"{"redirect_uri":"http://x","n":1}"#
        );
        assert_eq!(evidence_object("[1,2]").get(), r#"{"value":[1,2]}"#);
        assert_eq!(evidence_object("\"text\"").get(), r#"{"value":"text"}"#);
        assert_eq!(evidence_object("{not json").get(), "{}");
        assert_eq!(evidence_object("").get(), "{}");
    }

    #[test]
    fn rule_text_is_the_catalogs_as_json() {
        let rule = crate::rules::catalog()[0];
        let text = &RULE_TEXT[rule.id];
        let remediation: String = serde_json::from_str(text.remediation.get()).unwrap();
        let references: Vec<String> = serde_json::from_str(text.references.get()).unwrap();
        assert_eq!(remediation, rule.fix);
        assert_eq!(references, rule.references());
        assert_eq!(NO_RULE_TEXT.remediation.get(), r#""""#);
        assert_eq!(NO_RULE_TEXT.references.get(), "[]");
    }
}
