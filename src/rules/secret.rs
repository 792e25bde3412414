//! SECRET rules (RULES §3).

use super::Rule;

pub(super) static RULES: &[Rule] = &[];
