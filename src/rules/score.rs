//! `oa-risk-v1` (RULES §8.4): one 0-100 risk score per app, with its explanation.
//!
//! score = round(100 × I × (b + (1 − b) × L)), clamped to 0..=100, then floors, where
//! - L = 1 − ∏(1 − w(severity)) over the app's open, unsuppressed findings, each rule once;
//! - I = tier × breadth, at least `min_impact`; tier from the highest permission (unknown
//!   permissions count as `unknown_tier`), breadth from how widely it is granted;
//! - b is the inherent share, so a powerful app with no findings is still visible.
//!
//! The explanation lists the inherent points, then each finding's marginal points in a fixed
//! order (severity descending, then rule id), then any floor; its parts sum to the score
//! before rounding. TENANT-* findings never reach this function: they are context, not
//! likelihood.

use serde::{Deserialize, Serialize};

use super::context::Privilege;
use super::scopes::Tier;
use super::{Finding, Severity};

/// The model name stored with every score.
pub const MODEL: &str = "oa-risk-v1";

/// The model's weights (config `[rules.score]`), with the catalog's defaults.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
    pub info: f64,
    /// Inherent share b.
    pub inherent: f64,
    pub tier_t0: f64,
    pub tier_t1: f64,
    pub tier_t2: f64,
    pub tier_t3: f64,
    /// Tier factor of a permission missing from the tier table ("unknown is not safe").
    pub unknown_tier: f64,
    pub breadth_tenant_wide: f64,
    pub breadth_many_users: f64,
    pub breadth_few_users: f64,
    pub breadth_no_grants: f64,
    pub min_impact: f64,
    /// Floor when VENDOR-004 (watchlist) fires.
    pub watchlist_floor: u8,
    /// Floor when a critical finding fires on an app with impact at least `critical_floor_impact`.
    pub critical_floor: u8,
    pub critical_floor_impact: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            critical: 0.60,
            high: 0.35,
            medium: 0.15,
            low: 0.05,
            info: 0.0,
            inherent: 0.2,
            tier_t0: 1.0,
            tier_t1: 0.8,
            tier_t2: 0.5,
            tier_t3: 0.25,
            unknown_tier: 0.5,
            breadth_tenant_wide: 1.0,
            breadth_many_users: 0.9,
            breadth_few_users: 0.75,
            breadth_no_grants: 0.6,
            min_impact: 0.15,
            watchlist_floor: 90,
            critical_floor: 75,
            critical_floor_impact: 0.5,
        }
    }
}

impl Weights {
    pub fn severity(&self, s: Severity) -> f64 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub fn tier(&self, t: Tier) -> f64 {
        match t {
            Tier::T0 => self.tier_t0,
            Tier::T1 => self.tier_t1,
            Tier::T2 => self.tier_t2,
            Tier::T3 => self.tier_t3,
        }
    }
}

/// The score's band (RULES §8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Low,
    Medium,
    High,
    Critical,
}

impl Band {
    pub fn of(score: u8) -> Band {
        match score {
            0..=24 => Band::Low,
            25..=49 => Band::Medium,
            50..=74 => Band::High,
            _ => Band::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::Critical => "critical",
        }
    }
}

/// The inputs of the impact factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    /// Tier factor of the highest permission.
    pub tier: f64,
    /// Breadth factor.
    pub breadth: f64,
    /// Which breadth case applied.
    pub breadth_reason: String,
    /// max(tier × breadth, min_impact).
    pub value: f64,
}

impl Impact {
    /// An impact from its two factors.
    pub fn from_factors(tier: f64, breadth: f64, breadth_reason: &str, w: &Weights) -> Impact {
        Impact {
            tier,
            breadth,
            breadth_reason: breadth_reason.to_string(),
            value: (tier * breadth).max(w.min_impact),
        }
    }

    /// The impact of an app with this privilege.
    pub fn of(p: &Privilege, w: &Weights, broad_user_count: usize) -> Impact {
        let tier = p
            .scopes
            .iter()
            .map(|s| s.tier.map_or(w.unknown_tier, |t| w.tier(t)))
            .fold(None, |acc: Option<f64>, x| {
                Some(acc.map_or(x, |a| a.max(x)))
            })
            // No permission at all: at most sign-in.
            .unwrap_or(w.tier_t3);
        let (breadth, breadth_reason) = if p.tenant_wide {
            (w.breadth_tenant_wide, "tenant-wide")
        } else if p.delegated_users > broad_user_count {
            (w.breadth_many_users, "delegated to many users")
        } else if p.delegated_users > 0 {
            (w.breadth_few_users, "delegated to few users")
        } else {
            (w.breadth_no_grants, "no grants")
        };
        Impact::from_factors(tier, breadth, breadth_reason, w)
    }
}

/// One finding's part of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub rule_id: String,
    pub severity: Severity,
    /// Marginal points this finding added, given those before it in the fixed order.
    pub points: f64,
}

/// A score with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskScore {
    pub model: String,
    pub score: u8,
    pub band: Band,
    pub impact: Impact,
    pub likelihood: f64,
    /// 100 × I × b.
    pub inherent_points: f64,
    pub parts: Vec<Part>,
    /// The floor that lifted the score, if any: (reason, floor).
    pub floor: Option<Floor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    pub reason: String,
    pub minimum: u8,
}

/// One finding as the score sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input<'a> {
    pub rule_id: &'a str,
    pub severity: Severity,
}

impl<'a> From<&'a Finding> for Input<'a> {
    fn from(f: &'a Finding) -> Self {
        Input {
            rule_id: f.rule.id,
            severity: f.severity,
        }
    }
}

/// Score one app from its impact and its open, unsuppressed app findings.
pub fn score(impact: Impact, findings: &[Input<'_>], w: &Weights) -> RiskScore {
    // Each rule counts once (at its highest severity); fixed order: severity desc, then id.
    let mut by_rule: Vec<Input<'_>> = Vec::with_capacity(findings.len());
    for f in findings {
        if f.rule_id.starts_with("TENANT-") {
            continue;
        }
        match by_rule.iter_mut().find(|x| x.rule_id == f.rule_id) {
            Some(x) => x.severity = x.severity.max(f.severity),
            None => by_rule.push(*f),
        }
    }
    by_rule.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(b.rule_id)));

    let i = impact.value;
    let b = w.inherent.clamp(0.0, 1.0);
    let inherent_points = 100.0 * i * b;
    let mut survive = 1.0; // ∏(1 − w)
    let mut parts = Vec::with_capacity(by_rule.len());
    for f in &by_rule {
        let wt = w.severity(f.severity).clamp(0.0, 1.0);
        let before = 100.0 * i * (1.0 - b) * (1.0 - survive);
        survive *= 1.0 - wt;
        let after = 100.0 * i * (1.0 - b) * (1.0 - survive);
        if wt > 0.0 {
            parts.push(Part {
                rule_id: f.rule_id.to_string(),
                severity: f.severity,
                points: after - before,
            });
        }
    }
    let likelihood = 1.0 - survive;
    let raw = (100.0 * i * (b + (1.0 - b) * likelihood))
        .round()
        .clamp(0.0, 100.0);
    let mut score = raw as u8;
    let mut floor = None;
    let mut lift = |min: u8, reason: &str| {
        if score < min {
            score = min;
            floor = Some(Floor {
                reason: reason.to_string(),
                minimum: min,
            });
        }
    };
    if by_rule.iter().any(|f| f.rule_id == "VENDOR-004") {
        lift(
            w.watchlist_floor,
            "VENDOR-004: the integration is on the compromise watchlist",
        );
    }
    if i >= w.critical_floor_impact && by_rule.iter().any(|f| f.severity == Severity::Critical) {
        lift(
            w.critical_floor,
            "a critical finding on an app with impact of at least 0.5",
        );
    }
    RiskScore {
        model: MODEL.to_string(),
        score,
        band: Band::of(score),
        impact,
        likelihood,
        inherent_points,
        parts,
        floor,
    }
}

#[cfg(test)]
mod tests;
