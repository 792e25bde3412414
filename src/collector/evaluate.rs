//! Judging a stored tenant: run the rule catalog over its current apps and grants, score each
//! app, apply suppressions, and store findings and scores.
//!
//! Runs after a scan's collections, for each tenant whose collection was stored, so the
//! cross-tenant facts (secret and key reuse, vendors spanning tenants) see every tenant of the
//! run. Apps are read, judged and written in pages with their grants and findings, so memory
//! stays bounded on large tenants; a page is one transaction, and the evaluation time is
//! recorded last. An evaluation cut short leaves every page either judged or as it was.

use chrono::{DateTime, Utc};
use connectors::Provider;
use connectors::model::{Grant, OAuthApp, Publisher, TenantPolicy};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::rules::context::{EstateBuilder, EstateFacts, HostResolver, TenantContext};
use crate::rules::scopes::Tier;
use crate::rules::score::{self, Band, Impact};
use crate::rules::watchlist::Watchlist;
use crate::rules::{AppContext, Estate, Finding, Settings, evaluate_app, evaluate_tenant};
use crate::store::findings::{
    AppEvaluation, EvaluationStats, NewFinding, PageEvaluation, RiskSnapshot, SuppressionRow,
    TenantEvaluationEnd,
};
use crate::store::tenants::TenantRow;
use crate::store::{Store, StoreError};

/// Apps judged per page (and per transaction).
const PAGE: usize = 500;

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
    let previous = store.last_evaluated_at(tenant.id)?;
    let estate = build_estate(store)?;
    let estate_time = started.elapsed();
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

    let mut report = EvaluationReport::default();
    let mut snapshot = RiskSnapshot {
        model: score::MODEL.to_string(),
        ..RiskSnapshot::default()
    };
    let (mut load, mut rules, mut write) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut score_sum = 0u64;
    let all_ids = store.tenant_app_ids(tenant.id)?;
    for ids in all_ids.chunks(PAGE) {
        let t = Instant::now();
        let page = store.apps_by_ids(ids)?;
        let mut grants: HashMap<i64, Vec<Grant>> = HashMap::new();
        for (app_id, g) in store.grants_of_apps(ids)? {
            grants.entry(app_id).or_default().push(g);
        }

        // SCOPE-007 compares with the version before this scan's, when this scan made one.
        let wanted: Vec<(i64, i32)> = page
            .iter()
            .filter(|a| a.version_scan_id == scan_id && a.version > 1)
            .map(|a| (a.id, a.version - 1))
            .collect();
        let previous_versions = store.app_versions(&wanted)?;
        load += t.elapsed();

        let t = Instant::now();
        let mut found = Vec::new();
        let mut scores = Vec::with_capacity(page.len());
        for stored in page {
            let mut app_grants = grants.remove(&stored.id).unwrap_or_default();
            for g in &mut app_grants {
                g.app_external_id.clone_from(&stored.app.external_id);
            }
            let actx = AppContext::new(
                &ctx,
                &stored.app,
                Some(&app_grants),
                previous_versions.get(&stored.id),
            );
            let findings = apply_suppressions(
                judge.suppressions,
                &tenant.name,
                &stored.app,
                evaluate_app(&actx),
            );
            let inputs: Vec<score::Input<'_>> = findings
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
            let max_tier = actx.privilege.max_tier.map(Tier::as_str);
            let changed = stored.risk_score != Some(i16::from(risk.score))
                || stored.risk_explanation.as_deref() != Some(explanation.as_str())
                || stored.max_tier.as_deref() != max_tier;
            scores.push(AppEvaluation {
                app_id: stored.id,
                risk_score: i16::from(risk.score),
                risk_band: risk.band.as_str(),
                risk_model: score::MODEL,
                risk_explanation: explanation,
                max_tier,
                changed,
            });
            found.extend(
                findings
                    .into_iter()
                    .map(|(f, sup)| new_finding(Some(stored.id), f, sup)),
            );
        }
        rules += t.elapsed();

        let t = Instant::now();
        report.findings += found.len() as u64;
        report.stats += store.apply_evaluation_page(&PageEvaluation {
            tenant_id: tenant.id,
            now,
            previous,
            app_ids: ids,
            findings: &found,
            apps: &scores,
        })?;
        write += t.elapsed();
    }

    let tenant_findings: Vec<NewFinding> = evaluate_tenant(&ctx)
        .into_iter()
        .map(|f| {
            let sup = suppression_for(judge.suppressions, &tenant.name, None, f.rule.id);
            new_finding(None, f, sup)
        })
        .collect();
    report.findings += tenant_findings.len() as u64;
    snapshot.mean_score = if snapshot.apps > 0 {
        score_sum as f64 / snapshot.apps as f64
    } else {
        0.0
    };
    report.apps = snapshot.apps as u64;
    let t = Instant::now();
    report.stats += store.finish_evaluation(&TenantEvaluationEnd {
        tenant_id: tenant.id,
        scan_id,
        now,
        previous,
        findings: tenant_findings,
        snapshot,
    })?;
    write += t.elapsed();
    tracing::info!(
        tenant = %tenant.name,
        apps = report.apps,
        findings = report.findings,
        opened = report.stats.opened + report.stats.reopened,
        resolved = report.stats.resolved,
        estate_ms = estate_time.as_millis() as u64,
        load_ms = load.as_millis() as u64,
        rules_ms = rules.as_millis() as u64,
        write_ms = write.as_millis() as u64,
        ms = started.elapsed().as_millis() as u64,
        "tenant evaluated"
    );
    Ok(report)
}

fn band_index(b: Band) -> usize {
    match b {
        Band::Low => 0,
        Band::Medium => 1,
        Band::High => 2,
        Band::Critical => 3,
    }
}

/// The estate from the stored rows of every tenant, without loading app documents: key
/// credentials and secret digests as stored by the collection, and vendors as last judged (an
/// app's tier comes from its grants, so a tier that changes in this scan shows in the estate
/// from the next evaluation on).
fn build_estate(store: &Store) -> Result<Estate, StoreError> {
    let mut b = EstateBuilder::new();
    for row in store.estate_credential_rows()? {
        let Ok(provider) = row.provider.parse::<Provider>() else {
            continue;
        };
        let key = matches!(row.kind.as_str(), "certificate" | "private_key_jwt");
        let facts = EstateFacts {
            secret_digests: row.secret_digest.into_iter().collect(),
            key_fingerprints: if key {
                vec![row.fingerprint]
            } else {
                Vec::new()
            },
            ..EstateFacts::default()
        };
        b.add(&row.tenant, provider, &row.external_id, &row.name, &facts);
    }
    for row in store.estate_vendor_rows()? {
        let Ok(provider) = row.provider.parse::<Provider>() else {
            continue;
        };
        let mut app = OAuthApp::new(provider, row.external_id.as_str(), row.name.as_str());
        app.publisher = Publisher {
            name: row.publisher_name,
            domain: row.publisher_domain,
            verified: None,
        };
        let facts = EstateFacts {
            vendor: crate::rules::context::publisher_key(&app),
            max_tier: row.max_tier.as_deref().and_then(Tier::parse),
            ..EstateFacts::default()
        };
        b.add(&row.tenant, provider, &row.external_id, &row.name, &facts);
    }
    Ok(b.build())
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

/// The row for a finding; takes it by value so its evidence is canonicalized without a copy.
fn new_finding(app_id: Option<i64>, f: Finding, suppression_id: Option<i64>) -> NewFinding {
    NewFinding {
        app_id,
        rule_id: f.rule.id.to_string(),
        severity: f.severity.as_str().to_string(),
        severity_rank: severity_rank(f.severity),
        title: f.rule.title.to_string(),
        evidence: serde_json::to_string(&connectors::model::canonicalize_value(f.evidence))
            .unwrap_or_default(),
        suppression_id,
    }
}

/// Severity as a number for range filters: info 0 … critical 4.
pub fn severity_rank(s: crate::rules::Severity) -> i16 {
    s as i16
}
