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

impl Watchlist {
    /// Load a watchlist file.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        std::fs::read_to_string(path)
            .map(|_| Watchlist {})
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    }
}
