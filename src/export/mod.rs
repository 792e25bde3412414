//! Findings as documents for other systems: the API's finding shape (also printed by
//! `oauth-audit findings --format json`) and OCSF Detection Findings.

pub mod finding;
pub mod ocsf;
pub mod print;
pub mod time;
