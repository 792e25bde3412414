//! oauth-audit: inventory, history and risk of the OAuth apps and grants in SaaS tenants.
//!
//! Dependencies point one way: `web` and `cli` use `collector`, which uses `store` and the
//! `connectors` crate. Only `store` sees diesel; only `clock` reads the wall clock.

// Production code handles every error; tests may unwrap (see clippy.toml).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod check;
pub mod cli;
pub mod clock;
pub mod collector;
pub mod config;
pub mod demo;
pub mod digest_key;
pub mod export;
pub mod rules;
pub mod store;
pub mod web;
