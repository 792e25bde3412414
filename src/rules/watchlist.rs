//! VENDOR-004's watchlist of known-compromised integrations.
//!
//! (Being written.)

/// Known-compromised integrations.
#[derive(Debug, Clone, Default)]
pub struct Watchlist {}

impl Watchlist {
    /// The seed entries shipped with the binary.
    pub fn builtin() -> Self {
        Watchlist {}
    }
}
