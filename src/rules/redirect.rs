//! REDIRECT rules (RULES §3.2).
//!
//! (Being written.)

use super::{AppContext, Rule};

pub(super) static RULES: &[Rule] = &[];

/// Per-URI analysis of an app's redirect URIs.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub uris: Vec<UriReport>,
}

/// One redirect URI and the per-URI rules it triggers (after precedence).
#[derive(Debug, Clone, Default)]
pub struct UriReport {
    pub uri: String,
    pub rules: Vec<&'static str>,
}

/// Analyse every redirect URI of the app.
pub fn analyze(_ctx: &AppContext<'_>) -> Analysis {
    Analysis::default()
}
