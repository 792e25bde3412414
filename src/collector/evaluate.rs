//! Judging a stored tenant: run the rule catalog over its current apps and grants, score each
//! app, apply suppressions, and store findings and scores.
//!
//! Runs after a scan's collections, for each tenant whose collection was stored, so the
//! cross-tenant facts (secret reuse, vendors spanning tenants) see every tenant of the run.
//! Apps are read in pages with their grants, so memory stays bounded on large tenants.

use chrono::{DateTime, Utc};
use connectors::Provider;
use connectors::model::{Grant, OAuthApp, TenantPolicy};
use std::collections::HashMap;
use std::time::Instant;

use crate::rules::context::{EstateBuilder, EstateFacts, HostResolver, TenantContext};
use crate::rules::scopes::Tier;
use crate::rules::score::{self, Band, Impact};
use crate::rules::watchlist::Watchlist;
use crate::rules::{AppContext, Estate, Finding, Settings, evaluate_app, evaluate_tenant};
use crate::store::findings::{
    AppEvaluation, EvaluationStats, NewFinding, RiskSnapshot, SuppressionRow, TenantEvaluation,
};
use crate::store::tenants::TenantRow;
use crate::store::{Store, StoreError};

/// Apps judged per page.
const PAGE: i64 = 500;

/// The rules configuration of one run.
pub struct Judge<'a> {
    pub settings: &'a Settings,
    pub watchlist: &'a Watchlist,
    pub suppressions: &'a [SuppressionRow],
    pub resolver: Option<&'a dyn HostResolver>,
}

/// What one tenant's evaluation found and wrote.
#[derive(Debug, Clone, Default)]
pub struct EvaluationReport {
    pub apps: u64,
    pub findings: u64,
    pub stats: EvaluationStats,
}

/// Judge one stored tenant as part of scan `scan_id`.
pub fn evaluate_stored_tenant(
    store: &Store,
    judge: &Judge<'_>,
    tenant: &TenantRow,
    scan_id: i64,
    now: DateTime<Utc>,
) -> Result<EvaluationReport, StoreError> {
    let started = Instant::now();
    let provider: Provider = tenant.provider.parse().map_err(|_| {
        StoreError::Corrupt(format!(
            "tenant {} has provider {}",
            tenant.name, tenant.provider
        ))
    })?;
    let policy: Option<TenantPolicy> = tenant
        .policy_document
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    let estate = build_estate(store, tenant, now)?;
    let ctx = TenantContext {
        name: &tenant.name,
        provider,
        policy: policy.as_ref(),
        now,
        settings: judge.settings,
        estate: &estate,
        watchlist: judge.watchlist,
        resolver: if judge.settings.dns_check {
            judge.resolver
        } else {
            None
        },
    };

    let mut out = Vec::new();
    let mut apps_out = Vec::new();
    let mut snapshot = RiskSnapshot {
        model: score::MODEL.to_string(),
        ..RiskSnapshot::default()
    };
    let mut score_sum = 0u64;
    let mut after = 0;
    loop {
        let page = store.tenant_apps_page(tenant.id, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|a| a.id).collect();
        let mut grants: HashMap<i64, Vec<Grant>> = HashMap::new();
        for (app_id, g) in store.grants_of_apps(&ids)? {
            grants.entry(app_id).or_default().push(g);
        }
        for stored in page {
            let mut app_grants = grants.remove(&stored.id).unwrap_or_default();
            for g in &mut app_grants {
                g.app_external_id.clone_from(&stored.app.external_id);
            }
            // SCOPE-007 compares with the version before this scan's, when this scan made one.
            let previous = if stored.version_scan_id == scan_id && stored.version > 1 {
                store.app_version(stored.id, stored.version - 1)?
            } else {
                None
            };
            let actx = AppContext::new(&ctx, &stored.app, Some(&app_grants), previous.as_ref());
            let findings = evaluate_app(&actx);
            let kept = apply_suppressions(judge.suppressions, &tenant.name, &stored.app, findings);
            let inputs: Vec<score::Input<'_>> = kept
                .iter()
                .filter(|(_, sup)| sup.is_none())
                .map(|(f, _)| score::Input::from(f))
                .collect();
            let weights = &judge.settings.score;
            let impact = Impact::of(
                &actx.privilege,
                weights,
                judge.settings.thresholds.broad_user_count,
            );
            let risk = score::score(impact, &inputs, weights);
            snapshot.apps += 1;
            snapshot.bands[band_index(risk.band)] += 1;
            score_sum += u64::from(risk.score);
            snapshot.open_findings += inputs.len() as i64;
            let explanation = serde_json::to_string(&risk).unwrap_or_default();
            let facts = serde_json::to_string(&StoredFacts::from(EstateFacts::of(
                &stored.app,
                &actx.privilege,
            )))
            .unwrap_or_default();
            let changed = stored.risk_score != Some(i16::from(risk.score))
                || stored.risk_explanation.as_deref() != Some(explanation.as_str())
                || stored.estate_facts.as_deref() != Some(facts.as_str());
            apps_out.push(AppEvaluation {
                app_id: stored.id,
                risk_score: i16::from(risk.score),
                risk_band: risk.band.as_str(),
                risk_model: score::MODEL,
                risk_explanation: explanation,
                estate_facts: facts,
                changed,
            });
            out.extend(
                kept.into_iter()
                    .map(|(f, sup)| new_finding(Some(stored.id), &f, sup)),
            );
        }
    }
    for f in evaluate_tenant(&ctx) {
        let sup = suppression_for(judge.suppressions, &tenant.name, None, f.rule.id);
        out.push(new_finding(None, &f, sup));
    }
    snapshot.mean_score = if snapshot.apps > 0 {
        score_sum as f64 / snapshot.apps as f64
    } else {
        0.0
    };
    let report_findings = out.len() as u64;
    let apps = snapshot.apps as u64;
    let stats = store.apply_evaluation(&TenantEvaluation {
        tenant_id: tenant.id,
        scan_id,
        now,
        findings: out,
        apps: apps_out,
        snapshot,
    })?;
    tracing::info!(
        tenant = %tenant.name,
        apps,
        findings = report_findings,
        opened = stats.opened,
        resolved = stats.resolved,
        ms = started.elapsed().as_millis() as u64,
        "tenant evaluated"
    );
    Ok(EvaluationReport {
        apps,
        findings: report_findings,
        stats,
    })
}

fn band_index(b: Band) -> usize {
    match b {
        Band::Low => 0,
        Band::Medium => 1,
        Band::High => 2,
        Band::Critical => 3,
    }
}

/// [`EstateFacts`] as stored on the app row.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct StoredFacts {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    secret_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    key_fingerprints: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_tier: Option<String>,
}

fn tier_from_str(s: &str) -> Option<Tier> {
    match s {
        "T0" => Some(Tier::T0),
        "T1" => Some(Tier::T1),
        "T2" => Some(Tier::T2),
        "T3" => Some(Tier::T3),
        _ => None,
    }
}

impl From<EstateFacts> for StoredFacts {
    fn from(f: EstateFacts) -> Self {
        StoredFacts {
            secret_digests: f.secret_digests,
            key_fingerprints: f.key_fingerprints,
            vendor: f.vendor,
            max_tier: f.max_tier.map(|t| t.as_str().to_string()),
        }
    }
}

impl From<StoredFacts> for EstateFacts {
    fn from(f: StoredFacts) -> Self {
        EstateFacts {
            secret_digests: f.secret_digests,
            key_fingerprints: f.key_fingerprints,
            vendor: f.vendor,
            max_tier: f.max_tier.as_deref().and_then(tier_from_str),
        }
    }
}

/// The estate for judging `tenant`: every other tenant's apps as last judged, and this
/// tenant's apps from their current documents (their highest tier as last judged, since tiers
/// need grants and are refreshed by this evaluation).
fn build_estate(
    store: &Store,
    tenant: &TenantRow,
    _now: DateTime<Utc>,
) -> Result<Estate, StoreError> {
    let mut b = EstateBuilder::new();
    let mut own_tiers = HashMap::new();
    for row in store.estate_rows()? {
        let Some(facts) = row
            .estate_facts
            .as_deref()
            .and_then(|f| serde_json::from_str::<StoredFacts>(f).ok())
        else {
            continue;
        };
        if row.tenant_id == tenant.id {
            own_tiers.insert(
                row.external_id,
                facts.max_tier.as_deref().and_then(tier_from_str),
            );
            continue;
        }
        let Ok(provider) = row.provider.parse::<Provider>() else {
            continue;
        };
        b.add(
            &row.tenant,
            provider,
            &row.external_id,
            &row.name,
            &facts.into(),
        );
    }
    let mut after = 0;
    loop {
        let page = store.tenant_apps_page(tenant.id, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for stored in &page {
            let app = &stored.app;
            let mut facts = EstateFacts::of(app, &no_privilege());
            facts.max_tier = own_tiers.get(&app.external_id).copied().flatten();
            b.add(
                &tenant.name,
                app.provider,
                &app.external_id,
                &app.name,
                &facts,
            );
        }
    }
    Ok(b.build())
}

fn no_privilege() -> crate::rules::Privilege {
    crate::rules::Privilege {
        scopes: Vec::new(),
        max_tier: None,
        has_unknown: false,
        tenant_wide: false,
        delegated_users: 0,
        from_requested: false,
    }
}

/// Pair each finding with the suppression that covers it, if any.
pub fn apply_suppressions(
    suppressions: &[SuppressionRow],
    tenant: &str,
    app: &OAuthApp,
    findings: Vec<Finding>,
) -> Vec<(Finding, Option<i64>)> {
    findings
        .into_iter()
        .map(|f| {
            let sup = suppression_for(suppressions, tenant, Some(app), f.rule.id);
            (f, sup)
        })
        .collect()
}

/// The first active suppression covering `rule_id` on this tenant/app.
///
/// A suppression names a rule (or `*`) and narrows it by tenant, by app (external id, client
/// id or name) and by publisher (name or domain, case-insensitive); unset parts match all.
pub fn suppression_for(
    suppressions: &[SuppressionRow],
    tenant: &str,
    app: Option<&OAuthApp>,
    rule_id: &str,
) -> Option<i64> {
    suppressions
        .iter()
        .find(|s| {
            (s.rule_id == "*" || s.rule_id == rule_id)
                && s.tenant.as_deref().is_none_or(|t| t == tenant)
                && s.app.as_deref().is_none_or(|a| {
                    app.is_some_and(|app| {
                        app.external_id == a || app.client_id.as_deref() == Some(a) || app.name == a
                    })
                })
                && s.publisher.as_deref().is_none_or(|p| {
                    app.is_some_and(|app| {
                        let eq = |v: &Option<String>| {
                            v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(p))
                        };
                        eq(&app.publisher.name) || eq(&app.publisher.domain)
                    })
                })
        })
        .map(|s| s.id)
}

fn new_finding(app_id: Option<i64>, f: &Finding, suppression_id: Option<i64>) -> NewFinding {
    NewFinding {
        app_id,
        rule_id: f.rule.id.to_string(),
        severity: f.severity.as_str().to_string(),
        severity_rank: severity_rank(f.severity),
        title: f.rule.title.to_string(),
        evidence: serde_json::to_string(&connectors::model::canonicalize_value(f.evidence.clone()))
            .unwrap_or_default(),
        remediation: f.rule.fix.to_string(),
        refs: serde_json::to_string(&f.rule.references()).unwrap_or_default(),
        suppression_id,
    }
}

/// Severity as a number for range filters: info 0 … critical 4.
pub fn severity_rank(s: crate::rules::Severity) -> i16 {
    s as i16
}
