//! `oauth-audit check FILE…`: the offline audit of client registrations, with no database.
//!
//! Each file holds one app object or a list/page of them in a provider's own API shape (or
//! RFC 7591 client metadata); the provider is detected unless `--provider` names it. The
//! whole catalog runs over every app, with the apps of all files as the estate (so secret and
//! key reuse across the files shows), and each app gets its `oa-risk-v1` score. Grants are not
//! part of a registration, so an app's permissions are the ones it requests.

use chrono::{DateTime, Utc};
use connectors::detect::{self, Format};
use connectors::model::{Grant, OAuthApp, TenantPolicy};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::rules::context::{EstateBuilder, EstateFacts, TenantContext};
use crate::rules::score::{self, Impact, RiskScore};
use crate::rules::watchlist::Watchlist;
use crate::rules::{AppContext, Finding, Privilege, Settings, Severity, evaluate_app};

/// Largest input file read, in bytes.
const MAX_FILE: u64 = 256 * 1024 * 1024;

/// Why an input could not be audited (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct InputError {
    pub file: String,
    pub reason: String,
}

/// What one input file holds.
pub struct Input {
    pub path: PathBuf,
    pub format: Format,
    pub apps: Vec<OAuthApp>,
    /// Grants the document carries (Google tokens, Salesforce `OauthToken` rows, ...); when
    /// it carries none, an app's permissions are the ones it requests.
    pub grants: Option<Vec<Grant>>,
    pub policy: Option<TenantPolicy>,
}

/// One audited app.
pub struct Checked {
    pub file: PathBuf,
    pub app: OAuthApp,
    pub findings: Vec<Finding>,
    pub risk: RiskScore,
}

/// Read and parse every file; the first unreadable or unrecognised one is an error.
pub fn read_inputs(files: &[PathBuf], format: Option<Format>) -> Result<Vec<Input>, InputError> {
    files
        .iter()
        .map(|path| {
            let err = |reason: String| InputError {
                file: path.display().to_string(),
                reason,
            };
            let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
            if meta.len() > MAX_FILE {
                return Err(err(format!("larger than {} MB", MAX_FILE >> 20)));
            }
            let text = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
            let value: Value = serde_json::from_slice(&text)
                .map_err(|e| err(format!("not JSON ({e}); expected {}", expected())))?;
            let (format, inv) =
                detect::read_document(format, &value).map_err(|e| err(e.to_string()))?;
            Ok(Input {
                path: path.clone(),
                format,
                apps: inv.apps,
                grants: (!inv.grants.is_empty()).then_some(inv.grants),
                policy: inv.policies.into_iter().next(),
            })
        })
        .collect()
}

fn expected() -> &'static str {
    "a provider's app object, a list or page of them, a Keycloak realm export, or RFC 7591 client metadata"
}

/// Run the catalog over every app of every input.
pub fn check(
    inputs: &[Input],
    settings: &Settings,
    watchlist: &Watchlist,
    now: DateTime<Utc>,
) -> Vec<Checked> {
    let by_app: Vec<HashMap<&str, Vec<Grant>>> = inputs
        .iter()
        .map(|input| {
            let mut m: HashMap<&str, Vec<Grant>> = HashMap::new();
            for g in input.grants.iter().flatten() {
                m.entry(g.app_external_id.as_str())
                    .or_default()
                    .push(g.clone());
            }
            m
        })
        .collect();
    let grants_of = |i: usize, app: &OAuthApp| -> Option<&[Grant]> {
        inputs[i].grants.as_ref()?;
        Some(
            by_app[i]
                .get(app.external_id.as_str())
                .map_or(&[][..], Vec::as_slice),
        )
    };
    let mut estate = EstateBuilder::new();
    for (i, input) in inputs.iter().enumerate() {
        let tenant = input.path.display().to_string();
        for app in &input.apps {
            let facts = EstateFacts::of(app, &Privilege::of(app, grants_of(i, app), now));
            estate.add(&tenant, app.provider, &app.external_id, &app.name, &facts);
        }
    }
    let estate = estate.build();
    let mut out = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let name = input.path.display().to_string();
        let ctx = TenantContext {
            name: &name,
            provider: input.format.provider(),
            policy: input.policy.as_ref(),
            now,
            settings,
            estate: &estate,
            watchlist,
            resolver: None,
        };
        for app in &input.apps {
            let actx = AppContext::new(&ctx, app, grants_of(i, app), None);
            let findings = evaluate_app(&actx);
            let impact = Impact::of(
                &actx.privilege,
                &settings.score,
                settings.thresholds.broad_user_count,
            );
            let inputs: Vec<score::Input<'_>> = findings.iter().map(score::Input::from).collect();
            let risk = score::score(impact, &inputs, &settings.score);
            let mut findings = findings;
            findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.id.cmp(b.rule.id)));
            out.push(Checked {
                file: input.path.clone(),
                app: app.clone(),
                findings,
                risk,
            });
        }
    }
    out
}

/// Whether any finding is at or above `fail_on`.
pub fn fails(results: &[Checked], fail_on: Severity) -> bool {
    results
        .iter()
        .any(|c| c.findings.iter().any(|f| f.severity >= fail_on))
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule_id": f.rule.id,
        "severity": f.severity.as_str(),
        "title": f.rule.title,
        "evidence": f.evidence,
        "remediation": f.rule.fix,
        "references": f.rule.references(),
    })
}

/// DESIGN §4's JSON output.
pub fn to_json(results: &[Checked]) -> Value {
    json!({
        "apps": results.iter().map(|c| json!({
            "name": c.app.name,
            "client_id": c.app.client_id,
            "provider": c.app.provider.as_str(),
            "file": c.file.display().to_string(),
            "risk_score": c.risk.score,
            "risk_band": c.risk.band.as_str(),
            "findings": c.findings.iter().map(finding_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()
    })
}

/// A terminal report. App names come from the files: control characters are escaped.
pub fn to_text(results: &[Checked]) -> String {
    let mut out = String::new();
    for c in results {
        let _ = writeln!(
            out,
            "{} ({}, client_id {}) — risk {} ({}) — {}",
            printable(&c.app.name),
            c.app.provider.as_str(),
            printable(c.app.client_id.as_deref().unwrap_or("-")),
            c.risk.score,
            c.risk.band.as_str(),
            c.file.display()
        );
        if c.findings.is_empty() {
            let _ = writeln!(out, "  no findings");
        }
        for f in &c.findings {
            let _ = writeln!(
                out,
                "  [{}] {} {}",
                f.severity.as_str().to_uppercase(),
                f.rule.id,
                f.rule.title
            );
            let _ = writeln!(
                out,
                "      evidence: {}",
                printable(&f.evidence.to_string())
            );
            let _ = writeln!(out, "      fix: {}", f.rule.fix);
        }
        let _ = writeln!(out);
    }
    let total: usize = results.iter().map(|c| c.findings.len()).sum();
    let _ = writeln!(out, "{} app(s), {} finding(s)", results.len(), total);
    out
}

/// Escape control characters so a hostile name cannot drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` scale.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// SARIF 2.1.0: one run, the whole catalog as the tool's rules, one result per finding.
pub fn to_sarif(results: &[Checked], base: &Path) -> Value {
    let catalog = crate::rules::catalog();
    let rules: Vec<Value> = catalog
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id.replace('-', ""),
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.checks},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "properties": {
                    "tags": ["security", "oauth", r.family.as_str().to_ascii_lowercase()],
                    "security-severity": security_severity(r.severity),
                    "references": r.references(),
                },
            })
        })
        .collect();
    let mut out = Vec::new();
    for c in results {
        let uri = c
            .file
            .strip_prefix(base)
            .unwrap_or(&c.file)
            .to_string_lossy()
            .replace('\\', "/");
        for f in &c.findings {
            let index = catalog.iter().position(|r| r.id == f.rule.id).unwrap_or(0);
            out.push(json!({
                "ruleId": f.rule.id,
                "ruleIndex": index,
                "level": sarif_level(f.severity),
                "message": {"text": format!("{}: {}", c.app.name, f.rule.title)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": uri}},
                    "logicalLocations": [{
                        "name": c.app.name,
                        "fullyQualifiedName": c.app.client_id.clone().unwrap_or_else(|| c.app.external_id.clone()),
                        "kind": "object",
                    }],
                }],
                "partialFingerprints": {
                    "oauthAuditApp/v1": format!("{}:{}:{}", c.app.provider.as_str(), c.app.client_id.as_deref().unwrap_or(&c.app.external_id), f.rule.id),
                },
                "properties": {
                    "severity": f.severity.as_str(),
                    "evidence": f.evidence,
                    "risk_score": c.risk.score,
                },
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "oauth-audit",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": out,
        }],
    })
}
