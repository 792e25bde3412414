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
    pub remediation: &'static str,
    #[schema(value_type = Vec<String>)]
    pub references: &'static [String],
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

/// A rule's remediation and references, built once per rule rather than per finding.
struct RuleText {
    remediation: &'static str,
    references: Vec<String>,
}

static RULE_TEXT: LazyLock<HashMap<&'static str, RuleText>> = LazyLock::new(|| {
    crate::rules::catalog()
        .iter()
        .map(|r| {
            let text = RuleText {
                remediation: r.fix,
                references: r.references(),
            };
            (r.id, text)
        })
        .collect()
});

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
        let rule = RULE_TEXT.get(v.rule_id.as_str());
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
            remediation: rule.map(|r| r.remediation).unwrap_or_default(),
            references: rule.map(|r| r.references.as_slice()).unwrap_or_default(),
            status: v.status.clone(),
            suppression_id: v.suppression_id,
            first_seen: from_db(v.first_seen),
            last_seen: from_db(v.last_observed()),
            resolved_at: v.resolved_at.map(from_db),
            updated_at: from_db(v.updated_at),
        }
    }
}
