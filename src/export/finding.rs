//! The finding document of DESIGN §4 (fixed contract), built from a stored finding and the
//! rule catalog: remediation and references come from the catalog by rule id, never from
//! the database.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
    /// What the rule saw (redacted of secrets).
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub remediation: String,
    pub references: Vec<String>,
    /// `open`, `resolved` or `suppressed`.
    pub status: String,
    /// The suppression that covers the finding, when suppressed.
    pub suppression_id: Option<i64>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the stored finding last changed.
    pub updated_at: DateTime<Utc>,
}

impl FindingDoc {
    pub fn from_view(v: &FindingView) -> FindingDoc {
        let rule = crate::rules::rule(&v.rule_id);
        let evidence = match serde_json::from_str::<serde_json::Value>(&v.evidence) {
            Ok(serde_json::Value::Object(m)) => serde_json::Value::Object(m),
            Ok(other) => serde_json::json!({ "value": other }),
            Err(_) => serde_json::json!({}),
        };
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
            evidence,
            remediation: rule.map(|r| r.fix.to_string()).unwrap_or_default(),
            references: rule.map(|r| r.references()).unwrap_or_default(),
            status: v.status.clone(),
            suppression_id: v.suppression_id,
            first_seen: from_db(v.first_seen),
            last_seen: from_db(v.last_observed()),
            resolved_at: v.resolved_at.map(from_db),
            updated_at: from_db(v.updated_at),
        }
    }
}
