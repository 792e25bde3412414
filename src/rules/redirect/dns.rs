//! REDIRECT-018's production resolver: the operating system's resolver through
//! `std::net::ToSocketAddrs` (getaddrinfo), answering only what it can say for sure.
//!
//! It is conservative by construction: a name is reported as not existing only when the
//! resolver says so twice in a row ("name or service not known" and its platform equivalents);
//! every other failure (timeouts, `EAI_AGAIN`, no address records for an existing name, an
//! unreachable server) is `Unknown`, which never fires the rule. getaddrinfo follows CNAMEs
//! without showing them, so a dangling CNAME surfaces as a name that does not exist, never as
//! [`HostStatus::DanglingCname`]; the host platform's "not found" page fingerprint needs an HTTP
//! request and is not attempted.
//!
//! Each lookup blocks the calling thread for as long as the system resolver takes; the check is
//! off by default and only runs when `rules.dns_check` is set.

use std::io;
use std::net::ToSocketAddrs;

use super::super::context::{HostResolver, HostStatus};

/// The system resolver (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn resolve(&self, host: &str) -> HostStatus {
        if !is_dns_name(host) {
            return HostStatus::Unknown;
        }
        // The trailing dot makes the name absolute, so no search domain is appended.
        let fqdn = format!("{host}.");
        match lookup(&fqdn) {
            Lookup::Found => HostStatus::Resolves,
            Lookup::NotFound => match lookup(&fqdn) {
                Lookup::NotFound => HostStatus::NxDomain,
                Lookup::Found => HostStatus::Resolves,
                Lookup::Failed => HostStatus::Unknown,
            },
            Lookup::Failed => HostStatus::Unknown,
        }
    }
}

enum Lookup {
    Found,
    NotFound,
    Failed,
}

fn lookup(fqdn: &str) -> Lookup {
    match (fqdn, 443).to_socket_addrs() {
        Ok(mut addrs) => {
            if addrs.next().is_some() {
                Lookup::Found
            } else {
                Lookup::Failed
            }
        }
        Err(e) if is_name_not_found(&e) => Lookup::NotFound,
        Err(_) => Lookup::Failed,
    }
}

/// Whether a lookup error says the name does not exist (glibc and musl `EAI_NONAME`, the BSD
/// and macOS wording, Windows `WSAHOST_NOT_FOUND`), as opposed to any other failure.
pub(super) fn is_name_not_found(e: &io::Error) -> bool {
    if cfg!(windows) && e.raw_os_error() == Some(11001) {
        return true;
    }
    let msg = e.to_string();
    [
        "Name or service not known",
        "nodename nor servname provided, or not known",
        "Name does not resolve",
    ]
    .iter()
    .any(|m| msg.contains(m))
}

/// A plain, lower-case ASCII DNS name of two or more labels: the only thing worth sending to a
/// resolver (redirect hosts are attacker-controlled).
pub(super) fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}
