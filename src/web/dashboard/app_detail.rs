//! `/apps/{id}`: one app in full. Redirect URIs annotated with the rules that flagged them,
//! credentials with their expiry, token policy, grants (a keyset page at a time: an app may
//! hold 10,000), findings with evidence, remediation and references, the risk explanation,
//! and the version history with the fields each version changed.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::app_view::{self, CredentialRow, Explanation, PolicyRow, RedirectView};
use super::history::{self, VersionView};
use super::view::{Clip, param, path_segment, when, when_opt};
use super::{Layout, Nav, PageError, render, with_store};
use crate::store::queries::After;
use crate::store::queries::apps::GrantView;
use crate::store::queries::findings::{FindingFilter, FindingView};
use crate::web::AppState;
use crate::web::session::Viewer;

/// Grants per page.
pub const GRANTS_PAGE: i64 = 50;
/// Findings shown at most.
pub const MAX_FINDINGS: i64 = 500;
/// Versions shown at most.
pub const MAX_VERSIONS: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct AppParams {
    /// Show grants after this grant id.
    pub grants_after: Option<String>,
}

/// A grant as a row.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub principal: Clip,
    pub principal_type: String,
    pub consent: String,
    pub kind: String,
    pub scopes: Clip,
    pub resource: Clip,
    pub last_used: String,
    pub first_seen: String,
}

impl From<GrantView> for GrantRow {
    fn from(g: GrantView) -> GrantRow {
        let who = g
            .principal_name
            .as_deref()
            .or(g.principal_email.as_deref())
            .or(g.principal_id.as_deref())
            .map(str::to_owned)
            .unwrap_or_else(|| match g.principal_type.as_str() {
                "tenant" => "everyone (tenant-wide)".to_owned(),
                _ => "—".to_owned(),
            });
        GrantRow {
            principal: Clip::new(&who, 50),
            principal_type: g.principal_type,
            consent: g.consent_type,
            kind: g.kind,
            scopes: Clip::new(&g.scopes, 80),
            resource: Clip::opt(g.resource.as_deref(), 40),
            last_used: when_opt(g.last_used_at),
            first_seen: when(g.first_seen),
        }
    }
}

/// A finding with what the catalog says about its rule.
#[derive(Debug, Clone)]
pub struct FindingRow {
    /// The stored finding's id: the anchor `#finding-<id>` (a rule can fire more than once).
    pub id: i64,
    pub rule_id: String,
    pub severity: String,
    pub title: Clip,
    pub status: String,
    pub evidence: Clip,
    pub remediation: String,
    pub references: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
}

impl From<FindingView> for FindingRow {
    fn from(f: FindingView) -> FindingRow {
        let rule = crate::rules::rule(&f.rule_id);
        let evidence = serde_json::from_str::<Value>(&f.evidence)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| f.evidence.clone());
        FindingRow {
            id: f.id,
            last_seen: when(f.last_observed()),
            rule_id: f.rule_id,
            severity: f.severity,
            title: Clip::new(&f.title, 160),
            status: f.status,
            evidence: Clip::new(&evidence, 160),
            remediation: rule.map(|r| r.fix.to_owned()).unwrap_or_default(),
            references: rule.map(|r| r.references()).unwrap_or_default(),
            first_seen: when(f.first_seen),
        }
    }
}

#[derive(Template)]
#[template(path = "app.html")]
pub struct AppPage {
    pub layout: Layout,
    pub id: i64,
    pub name: Clip,
    pub facts: Vec<(&'static str, Clip)>,
    pub vendor_href: Option<String>,
    pub removed: Option<String>,
    pub document_missing: bool,
    pub redirects: Vec<RedirectView>,
    pub grant_types: String,
    pub pkce: String,
    pub credentials: Vec<CredentialRow>,
    pub policy: Vec<PolicyRow>,
    pub grants: Vec<GrantRow>,
    pub grants_total: i64,
    pub grants_first_href: Option<String>,
    pub grants_next_href: Option<String>,
    pub findings: Vec<FindingRow>,
    pub explanation: Option<Explanation>,
    pub risk: String,
    pub versions: Vec<VersionView>,
}

fn list_of(v: &Value) -> String {
    let items: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| x.to_string())
        })
        .collect();
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ").replace('_', " ")
    }
}

/// `GET /apps/{id}`.
pub async fn get_app(
    viewer: Viewer,
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<AppParams>,
) -> Result<HttpResponse, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found("app"))?;
    let after: i64 = match param(&q.grants_after) {
        None => 0,
        Some(a) => a
            .parse()
            .map_err(|_| PageError::bad_request("grants_after must be a grant id"))?,
    };
    let found = with_store(&state, move |s| {
        let Some(detail) = s.app_detail(id, 0)? else {
            return Ok(None);
        };
        let grants = s.app_grants_after(id, after, GRANTS_PAGE + 1)?;
        let filter = FindingFilter {
            app_id: Some(id),
            ..FindingFilter::default()
        };
        let findings = s.list_findings(&filter, After::Start, MAX_FINDINGS)?;
        let versions = s.app_history(id, MAX_VERSIONS)?;
        Ok(Some((detail, grants, findings, versions)))
    })
    .await?;
    let Some((d, mut grants, mut findings, versions)) = found else {
        return Err(PageError::not_found("app"));
    };
    let now = state.clock.now();
    let doc: Value = versions
        .first()
        .and_then(|v| serde_json::from_str(&v.document).ok())
        .unwrap_or(Value::Null);
    let has_next = grants.len() as i64 > GRANTS_PAGE;
    grants.truncate(GRANTS_PAGE as usize);
    let next_after = grants.last().map(|g| g.id);
    // Worst first, unresolved before resolved.
    findings.sort_by_key(|f| {
        (
            f.status == "resolved",
            std::cmp::Reverse(severity_order(&f.severity)),
        )
    });
    let a = d.summary;
    let publisher = a.publisher_name.clone().or(a.publisher_domain.clone());
    let page = AppPage {
        layout: Layout::new(
            format!("App: {}", Clip::new(&a.name, 80).short),
            Nav::Apps,
            viewer,
        ),
        id,
        name: Clip::new(&a.name, 120),
        facts: vec![
            ("Tenant", Clip::new(&a.tenant, 80)),
            ("Provider", Clip::new(&a.provider, 40)),
            ("Client id", Clip::opt(a.client_id.as_deref(), 80)),
            ("External id", Clip::new(&a.external_id, 80)),
            ("Publisher", Clip::opt(publisher.as_deref(), 80)),
            (
                "Publisher domain",
                Clip::opt(a.publisher_domain.as_deref(), 80),
            ),
            (
                "Publisher verified",
                Clip::new(
                    match a.publisher_verified {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    },
                    10,
                ),
            ),
            ("Ownership", Clip::new(&a.ownership.replace('_', "-"), 20)),
            ("Client type", Clip::new(&a.client_type, 30)),
            ("Kind", Clip::new(&a.app_kind, 30)),
            (
                "Enabled",
                Clip::new(
                    match a.enabled {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    },
                    10,
                ),
            ),
            (
                "Highest permission tier",
                Clip::opt(a.max_tier.as_deref(), 10),
            ),
            ("First seen", Clip::new(&when(a.first_seen), 40)),
            (
                "Last seen",
                Clip::new(
                    &a.removed_at
                        .map(|_| when_opt(a.last_seen))
                        .unwrap_or_else(|| "present in the last scan".into()),
                    40,
                ),
            ),
            ("Last used", Clip::new(&when_opt(a.last_used_at), 40)),
        ],
        vendor_href: publisher
            .as_deref()
            .map(|p| format!("/vendors/{}", path_segment(p))),
        removed: a.removed_at.map(when),
        document_missing: doc.is_null(),
        redirects: app_view::redirects(&doc, &findings),
        grant_types: list_of(&doc["grant_types"]),
        pkce: doc["pkce"]["status"]
            .as_str()
            .unwrap_or("unknown")
            .replace('_', " "),
        credentials: app_view::credentials(now, d.credentials),
        policy: app_view::token_policy(&doc),
        grants: grants.into_iter().map(GrantRow::from).collect(),
        grants_total: d.grants_total,
        grants_first_href: (after > 0).then(|| format!("/apps/{id}#grants")),
        grants_next_href: has_next
            .then(|| next_after.map(|n| format!("/apps/{id}?grants_after={n}#grants")))
            .flatten(),
        findings: findings.into_iter().map(FindingRow::from).collect(),
        explanation: app_view::explanation(d.risk_explanation.as_deref()),
        risk: match (a.risk_score, a.risk_band) {
            (Some(s), Some(b)) => format!("{s} ({b})"),
            (Some(s), None) => s.to_string(),
            _ => "not scored yet".into(),
        },
        versions: history::history(&versions),
    };
    render(&page)
}

fn severity_order(s: &str) -> u8 {
    s.parse::<crate::rules::Severity>()
        .map(|s| s as u8)
        .unwrap_or(0)
}
