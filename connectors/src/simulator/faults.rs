//! Fault knobs and the request counters: what goes wrong on purpose, deterministically.
//!
//! Whether a request is answered 429 or 5xx depends only on the seed, the tenant, the request
//! target and how many times that same target was requested before, so a run with the same
//! requests in the same order sees the same faults, and a retry can succeed. Page faults
//! (truncated JSON, a looping cursor, an oversized page) hit one page index of every listing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::estate::{hash, unit};
use crate::Provider;

/// What to get wrong, for one tenant or for all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// Added to every request before it is answered.
    pub latency: Duration,
    /// Share (0.0..=1.0) of API requests answered 429 with `Retry-After` and the provider's
    /// rate-limit headers.
    pub rate_limited_share: f64,
    /// The `Retry-After` seconds a 429 asks for.
    pub retry_after_seconds: u64,
    /// Share (0.0..=1.0) of API requests answered 503 (after the 429 draw).
    pub server_error_share: f64,
    /// This page (0 = the first) of every listing is cut in the middle of its JSON.
    pub truncated_page: Option<usize>,
    /// This page's next cursor or link points back to an earlier page (the first page's own
    /// cursor when it is page 0, else the cursor of page 1).
    pub looping_page: Option<usize>,
    /// This page is padded with trailing whitespace (still valid JSON) to `oversized_bytes`.
    pub oversized_page: Option<usize>,
    /// The size an oversized page is padded to.
    pub oversized_bytes: usize,
}

impl Faults {
    /// No faults, no latency.
    pub fn none() -> Faults {
        Faults::default()
    }

    fn draws(&self) -> bool {
        self.rate_limited_share > 0.0 || self.server_error_share > 0.0
    }
}

/// A fault decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Answer 429.
    RateLimited,
    /// Answer 503.
    ServerError,
}

/// Request counters and the per-target attempt numbers the fault draws use.
#[derive(Debug, Default)]
pub struct Ledger {
    counts: Mutex<HashMap<(Provider, usize, &'static str), u64>>,
    attempts: Mutex<HashMap<(Provider, usize, String), u64>>,
}

impl Ledger {
    /// Count one request to `endpoint` of a tenant.
    pub fn count(&self, provider: Provider, tenant: usize, endpoint: &'static str) {
        if let Ok(mut c) = self.counts.lock() {
            *c.entry((provider, tenant, endpoint)).or_default() += 1;
        }
    }

    /// Requests so far to `endpoint` of a tenant.
    pub fn requests(&self, provider: Provider, tenant: usize, endpoint: &str) -> u64 {
        self.counts
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|((p, t, e), _)| *p == provider && *t == tenant && *e == endpoint)
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Requests so far, all endpoints and tenants.
    pub fn total(&self) -> u64 {
        self.counts.lock().map(|c| c.values().sum()).unwrap_or(0)
    }

    /// Every counter, sorted: `(provider, tenant, endpoint, requests)`.
    pub fn snapshot(&self) -> Vec<(Provider, usize, &'static str, u64)> {
        let mut all: Vec<_> = self
            .counts
            .lock()
            .map(|c| c.iter().map(|((p, t, e), n)| (*p, *t, *e, *n)).collect())
            .unwrap_or_default();
        all.sort();
        all
    }

    /// Draw the fault, if any, for this request to `target` (path and query).
    pub fn draw(
        &self,
        seed: u64,
        faults: &Faults,
        provider: Provider,
        tenant: usize,
        target: &str,
    ) -> Option<Injected> {
        if !faults.draws() {
            return None;
        }
        let attempt = match self.attempts.lock() {
            Ok(mut a) => {
                let n = a.entry((provider, tenant, target.to_string())).or_default();
                *n += 1;
                *n
            }
            Err(_) => 0,
        };
        let target_hash = target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        let u = unit(hash(&[
            seed,
            provider as u64,
            tenant as u64,
            target_hash,
            attempt,
        ]));
        if u < faults.rate_limited_share {
            Some(Injected::RateLimited)
        } else if u < faults.rate_limited_share + faults.server_error_share {
            Some(Injected::ServerError)
        } else {
            None
        }
    }
}

/// Cut a JSON body in the middle: what a connection dropped mid-page looks like.
pub fn truncate(body: &mut Vec<u8>) {
    body.truncate(body.len() / 2);
}

/// Pad a JSON body with trailing whitespace to `bytes` (it stays valid JSON).
pub fn oversize(body: &mut Vec<u8>, bytes: usize) {
    if body.len() < bytes {
        body.resize(bytes, b' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_repeat_for_the_same_requests_and_a_retry_can_pass() {
        let faults = Faults {
            rate_limited_share: 0.5,
            ..Faults::none()
        };
        let run = || {
            let ledger = Ledger::default();
            (0..200)
                .map(|i| ledger.draw(9, &faults, Provider::Okta, 0, &format!("/p?{}", i % 20)))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let limited = first.iter().filter(|d| d.is_some()).count();
        assert!(
            (60..140).contains(&limited),
            "{limited} of 200 rate limited"
        );
    }

    #[test]
    fn no_shares_draw_nothing_and_track_nothing() {
        let ledger = Ledger::default();
        assert_eq!(
            ledger.draw(1, &Faults::none(), Provider::Slack, 0, "/x"),
            None
        );
        assert!(ledger.attempts.lock().unwrap().is_empty());
    }

    #[test]
    fn truncated_json_does_not_parse_and_oversized_json_does() {
        let mut body = br#"{"value":[1,2,3]}"#.to_vec();
        let mut big = body.clone();
        truncate(&mut body);
        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
        oversize(&mut big, 1000);
        assert_eq!(big.len(), 1000);
        assert!(serde_json::from_slice::<serde_json::Value>(&big).is_ok());
    }
}
