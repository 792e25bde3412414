//! The rules engine: the catalog of `../shared/RULES.md` as pure functions over the normalized
//! model, and the `oa-risk-v1` score built from their findings.
//!
//! A [`Rule`] is its catalog entry (id, default severity, title, citations, remediation) plus
//! a check: a pure function of an [`AppContext`] (one app, its grants, its tenant, the clock,
//! the thresholds) or of a [`TenantContext`] (TENANT-* rules). A check returns a [`Hit`] whose
//! evidence names the fields and values that fired it, or nothing.
//!
//! One file per rule family holds both the entries and the checks, so a rule's text and its
//! logic are read together. [`catalog`] lists every rule in a fixed order; the `rules` command,
//! `docs/rules.md` and the API all read it, so the catalog has one source of truth.
//!
//! Conventions (RULES §2): a value that is `Unknown` never fires a rule as if it were unsafe
//! (the matching "unknown" info rule fires instead); inferred values carry `inferred: true` and
//! the inference source in the evidence.

pub mod context;
pub mod doc;
pub mod scopes;
pub mod score;
pub mod settings;
pub mod watchlist;

mod client;
mod datefmt;
mod grant;
mod pkce;
mod redirect;
mod scope;
mod secret;
mod stale;
mod tenant;
mod token;
mod vendor;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

pub use context::{AppContext, Estate, EstateBuilder, Privilege, TenantContext};
pub use redirect::{
    Analysis as RedirectAnalysis, DevReason, HostKind, SchemeClass, SuffixType, SystemResolver,
    UriReport, analyze as analyze_redirects,
};
pub use settings::Settings;

/// Finding severity (RULES §2), ordered from `Info` (lowest) to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// A rule family, in catalog order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Family {
    Pkce,
    Redirect,
    Secret,
    Token,
    Grant,
    Scope,
    Stale,
    Vendor,
    Client,
    Tenant,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Pkce => "PKCE",
            Family::Redirect => "REDIRECT",
            Family::Secret => "SECRET",
            Family::Token => "TOKEN",
            Family::Grant => "GRANT",
            Family::Scope => "SCOPE",
            Family::Stale => "STALE",
            Family::Vendor => "VENDOR",
            Family::Client => "CLIENT",
            Family::Tenant => "TENANT",
        }
    }
}

/// One catalog entry and its check.
pub struct Rule {
    /// Stable id such as `PKCE-001`; never reused.
    pub id: &'static str,
    pub family: Family,
    pub title: &'static str,
    /// Default severity; config may override it per rule.
    pub severity: Severity,
    /// The firing condition, in words (RULES "Checks").
    pub checks: &'static str,
    /// Why the severity is what it is (RULES "Severity" sentence after the level).
    pub rationale: &'static str,
    /// Standards and research the rule rests on (RULES "Cites").
    pub cites: &'static [&'static str],
    /// OWASP Non-Human Identities Top 10 (2025) ids, such as `NHI4`.
    pub nhi: &'static [&'static str],
    /// NIST CSF 2.0 subcategory ids, such as `PR.AA-03`.
    pub csf: &'static [&'static str],
    /// Remediation (RULES "Fix").
    pub fix: &'static str,
    pub check: Check,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

impl Rule {
    /// Every reference as one list of strings: citations, then OWASP NHI and NIST CSF ids.
    pub fn references(&self) -> Vec<String> {
        let mut refs: Vec<String> = self.cites.iter().map(|c| c.to_string()).collect();
        refs.extend(self.nhi.iter().map(|n| format!("OWASP {n}")));
        refs.extend(self.csf.iter().map(|c| format!("NIST CSF 2.0 {c}")));
        refs
    }

    /// Whether the rule is judged per tenant (TENANT-*) rather than per app.
    pub fn is_tenant_rule(&self) -> bool {
        matches!(self.check, Check::Tenant(_))
    }
}

/// A rule's check.
#[derive(Clone, Copy)]
pub enum Check {
    App(fn(&AppContext<'_>) -> Option<Hit>),
    Tenant(fn(&TenantContext<'_>) -> Option<Hit>),
}

/// What a check returns when its rule fires: the evidence, and a severity when the catalog
/// gives this case a different one (REDIRECT-008 for MSAL schemes, for example).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hit {
    pub evidence: Map<String, Value>,
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new() -> Self {
        Hit::default()
    }

    /// Add one evidence field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    /// Fire at `severity` instead of the rule's default.
    pub fn at(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    /// Mark the evidence as inferred, naming the source of the inference (RULES §2).
    pub fn inferred(self, source: impl Into<String>) -> Self {
        self.with("inferred", true)
            .with("inference_source", source.into())
    }
}

/// A rule that fired, with its effective severity and evidence.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub evidence: Value,
}

impl Finding {
    pub fn rule_id(&self) -> &'static str {
        self.rule.id
    }
}

static CATALOG: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let families: [&'static [Rule]; 10] = [
        pkce::RULES,
        redirect::RULES,
        secret::RULES,
        token::RULES,
        grant::RULES,
        scope::RULES,
        stale::RULES,
        vendor::RULES,
        client::RULES,
        tenant::RULES,
    ];
    families.iter().flat_map(|f| f.iter()).collect()
});

/// Every rule, in catalog order (family order of RULES §3, then id).
pub fn catalog() -> &'static [&'static Rule] {
    &CATALOG
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    catalog().iter().copied().find(|r| r.id == id)
}

/// Run every enabled app rule over one app.
pub fn evaluate_app(ctx: &AppContext<'_>) -> Vec<Finding> {
    let settings = ctx.tenant.settings;
    let mut out = Vec::new();
    for rule in catalog() {
        let Check::App(check) = rule.check else {
            continue;
        };
        if !settings.enabled(rule.id) {
            continue;
        }
        if let Some(hit) = check(ctx) {
            out.push(finding(rule, hit, settings));
        }
    }
    out
}

/// Run every enabled tenant rule (TENANT-*) over one tenant.
pub fn evaluate_tenant(ctx: &TenantContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in catalog() {
        let Check::Tenant(check) = rule.check else {
            continue;
        };
        if !ctx.settings.enabled(rule.id) {
            continue;
        }
        if let Some(hit) = check(ctx) {
            out.push(finding(rule, hit, ctx.settings));
        }
    }
    out
}

fn finding(rule: &'static Rule, hit: Hit, settings: &Settings) -> Finding {
    // A configured severity replaces the default; a case-specific severity from the check
    // (such as REDIRECT-008 at low) applies only when the operator has not set one.
    let severity = settings
        .severity_override(rule.id)
        .or(hit.severity)
        .unwrap_or(rule.severity);
    Finding {
        rule,
        severity,
        evidence: Value::Object(hit.evidence),
    }
}

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
