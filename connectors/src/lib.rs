//! oauth-audit's connectors: the normalized OAuth inventory model, the [`Connector`] contract,
//! and one module per provider that turns the provider's JSON into the model.
//!
//! Each provider module has `parse` (provider JSON to model, shared by the file importer and
//! the HTTP connectors) and `read_document` (one saved response held in memory: an object, an
//! array, or a page in the provider's shape). [`detect`] recognises which provider a document
//! comes from and dispatches to it, for the offline `check` command. [`rfc7591`] reads generic
//! client metadata. This crate never depends on the main crate or on a database.

// Production code handles every error; tests may unwrap (see clippy.toml).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod auth;
pub mod connector;
pub mod detect;
pub mod error;
pub mod fetch;
pub mod file;
pub mod http;
pub mod json_stream;
pub mod model;
mod parse_util;
pub mod provider;
pub mod redact;
pub mod secret_digest;
pub mod settings;
#[cfg(feature = "simulator")]
pub mod simulator;
#[cfg(test)]
mod test_util;

pub mod auth0;
pub mod entra;
pub mod github;
pub mod google;
pub mod keycloak;
pub mod okta;
pub mod rfc7591;
pub mod salesforce;
pub mod slack;

pub use connector::{CollectSummary, Connector, CoverageGap, ItemSink};
pub use detect::{Format, UnknownFormat, detect, parse_document};
pub use error::{ConnectorError, ErrorKind};
pub use provider::{Provider, UnknownProvider};
