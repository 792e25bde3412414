//! Rate limiting by token bucket: per key id for the API, refilled at
//! `server.api_rate_limit` requests per second up to `server.api_rate_burst` (a key over its
//! budget gets 429 with `Retry-After`; other keys are unaffected), and per client address for
//! dashboard sign-in attempts (`login.attempts_per_minute`). Buckets live in memory, per
//! process (replicas each enforce the limit).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets of keys not seen for this long are dropped when the table grows.
const IDLE_SECS: f64 = 600.0;
/// Sweep idle buckets once the table holds this many.
const SWEEP_AT: usize = 10_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The limiter shared by every worker, with one bucket per key `K`.
pub struct RateLimiter<K = i64> {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<Buckets<K>>,
}

struct Buckets<K> {
    map: HashMap<K, Bucket>,
    /// When idle buckets were last swept: at most once per [`IDLE_SECS`], so a caller
    /// cycling through keys (client addresses) cannot make every check scan the table.
    swept: Option<Instant>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_sec` 0 disables the limit.
    pub fn new(per_sec: u32, burst: u32) -> RateLimiter<K> {
        RateLimiter::with_rate(f64::from(per_sec), burst)
    }

    /// `per_min` requests a minute with bursts of up to `burst`; 0 disables the limit.
    pub fn per_minute(per_min: u32, burst: u32) -> RateLimiter<K> {
        RateLimiter::with_rate(f64::from(per_min) / 60.0, burst)
    }

    fn with_rate(per_sec: f64, burst: u32) -> RateLimiter<K> {
        RateLimiter {
            per_sec,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                swept: None,
            }),
        }
    }

    /// Take one request from `key`'s budget at `now`: `Ok` if allowed, else the whole seconds
    /// to wait.
    pub fn check(&self, key: K, now: Instant) -> Result<(), u64> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sweep_due = buckets
            .swept
            .is_none_or(|at| now.saturating_duration_since(at).as_secs_f64() >= IDLE_SECS);
        if buckets.map.len() >= SWEEP_AT && sweep_due {
            buckets
                .map
                .retain(|_, b| now.saturating_duration_since(b.last).as_secs_f64() < IDLE_SECS);
            buckets.swept = Some(now);
        }
        let b = buckets.map.entry(key).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_sec).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / self.per_sec).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_key_over_its_burst_waits_and_others_do_not() {
        let limiter = RateLimiter::new(2, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(1, t0), Ok(()));
        }
        assert_eq!(limiter.check(1, t0), Err(1));
        assert_eq!(
            limiter.check(2, t0),
            Ok(()),
            "another key has its own budget"
        );
        // Half a second refills one request at 2/s.
        assert_eq!(limiter.check(1, t0 + Duration::from_millis(500)), Ok(()));
        assert!(limiter.check(1, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn a_zero_rate_means_no_limit() {
        let limiter = RateLimiter::new(0, 1);
        let t0 = Instant::now();
        assert!((0..10_000).all(|_| limiter.check(1, t0).is_ok()));
    }

    #[test]
    fn idle_buckets_are_swept_at_most_once_per_idle_period() {
        let limiter = RateLimiter::new(1, 1);
        let t0 = Instant::now();
        for key in 0..SWEEP_AT as i64 {
            limiter.check(key, t0).unwrap();
        }
        let len = || limiter.buckets.lock().unwrap().map.len();
        // Every bucket idle: the first check past the size sweeps them all.
        let later = t0 + Duration::from_secs(IDLE_SECS as u64 + 1);
        limiter.check(-1, later).unwrap();
        assert_eq!(len(), 1);
        // Filled again with fresh keys right away: no second sweep within the period.
        for key in 0..SWEEP_AT as i64 {
            limiter.check(key, later).unwrap();
        }
        let soon = later + Duration::from_secs(IDLE_SECS as u64 + 1) / 2;
        limiter.check(-2, soon).unwrap();
        assert_eq!(len(), SWEEP_AT + 2);
        assert_eq!(
            limiter.buckets.lock().unwrap().swept,
            Some(later),
            "not swept again"
        );
    }
}
