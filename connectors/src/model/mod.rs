//! The normalized OAuth inventory: what every connector produces and every rule reads.
//!
//! One shape for eight providers. Values a provider does not expose are `Unknown` (or `None`)
//! and the reason is recorded in [`OAuthApp::notes`]; values we derived rather than read carry
//! a note saying what they were inferred from. Nothing here is ever guessed silently.
//!
//! This module owns plain data and its canonical form ([`canonical`]); it does no I/O.

pub mod app;
pub mod canonical;
pub mod grant;
mod names;
pub mod policy;

pub use app::{
    AppKind, ClientType, Credential, CredentialKind, FieldNote, GrantType, NoteKind, OAuthApp,
    Ownership, PkceMethod, PkcePolicy, PkceStatus, Publisher, RedirectKind, RedirectUri,
};
pub use canonical::{
    ContentHash, canonical_json, canonical_json_into, canonicalize_value, content_hash,
};
pub use grant::{ConsentType, Grant, GrantKind, Principal};
pub use policy::{Lifetime, PolicySource, Setting, TenantPolicy, TokenPolicy, UserConsentPolicy};

/// One item of a tenant's inventory, as a connector streams it to the collector.
///
/// Connectors send every app before the grants that reference it where they can; the collector
/// does not rely on that order.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryItem {
    App(Box<OAuthApp>),
    Grant(Grant),
    TenantPolicy(TenantPolicy),
}
