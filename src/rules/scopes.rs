//! Permission privilege tiers per provider (RULES §3.6 and §8.4): T0 tenant control, T1 broad
//! sensitive data, T2 limited data, T3 sign-in and profile.
//!
//! (Being written: the tier table as a data file compiled into the binary.)

use connectors::Provider;
use serde::Serialize;

/// A privilege tier; `T0` is the highest, so `Ord` sorts the most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Tier {
    T0,
    T1,
    T2,
    T3,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::T0 => "T0",
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
        }
    }
}

/// The tier of `scope` on `provider`, or `None` when the table does not know it.
pub fn tier(_provider: Provider, _scope: &str) -> Option<Tier> {
    None
}

/// Whether `scope` grants offline (refresh-token) access on `provider`.
pub fn is_offline_scope(_provider: Provider, scope: &str) -> bool {
    matches!(scope, "offline_access" | "refresh_token")
}
