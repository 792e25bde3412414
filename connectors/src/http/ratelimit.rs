//! Reading the providers' rate-limit signals: `Retry-After` (seconds or an HTTP date) and the
//! remaining-budget headers (`X-Rate-Limit-Remaining`/`-Reset` of Okta,
//! `x-ratelimit-remaining`/`-reset` of GitHub and Auth0, epoch seconds). A tenant whose budget
//! is spent pauses all its requests until the reset instead of earning 429s.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// Entra's `x-ms-throttle-limit-percentage` at or above which requests slow down.
const ENTRA_THROTTLE_SLOWDOWN: f64 = 1.0;
/// How long to slow down when Entra reports the budget used up.
const ENTRA_SLOWDOWN: Duration = Duration::from_secs(2);

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The wait a `Retry-After` header asks for: delta seconds, or an HTTP date (RFC 9110 §10.2.3).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// When the remaining-budget headers say nothing is left: the wait until the reset.
pub(super) fn exhausted_budget_wait(headers: &HeaderMap) -> Option<Duration> {
    for (remaining, reset) in [
        ("x-rate-limit-remaining", "x-rate-limit-reset"),
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ] {
        let left = header(headers, remaining).and_then(|v| v.parse::<u64>().ok());
        if left != Some(0) {
            continue;
        }
        let reset = header(headers, reset)?.parse::<u64>().ok()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        // Resets in the past (clock skew) still deserve a short pause.
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
    }
    None
}

/// Entra's resource-unit budget: a slowdown once the tenant is at or over its limit.
fn entra_slowdown(headers: &HeaderMap) -> Option<Duration> {
    let used: f64 = header(headers, "x-ms-throttle-limit-percentage")?
        .parse()
        .ok()?;
    (used >= ENTRA_THROTTLE_SLOWDOWN).then_some(ENTRA_SLOWDOWN)
}

/// A tenant-wide "no requests before" instant, shared by all of a client's clones.
#[derive(Debug, Default)]
pub(super) struct Pause {
    until: Mutex<Option<Instant>>,
}

impl Pause {
    /// Note what a response's headers say about the budget. Waits longer than `max_wait` are
    /// not imposed in advance: the next request will fail and report the limit instead.
    pub(super) fn observe(&self, headers: &HeaderMap, max_wait: Duration) {
        let Some(wait) = exhausted_budget_wait(headers).or_else(|| entra_slowdown(headers)) else {
            return;
        };
        self.hold(wait, max_wait);
    }

    /// Hold every request of the tenant back for `wait` (unless it is longer than `max_wait`):
    /// a 429's `Retry-After` speaks of the tenant's budget, not of one request.
    pub(super) fn hold(&self, wait: Duration, max_wait: Duration) {
        if wait > max_wait {
            return;
        }
        let until = Instant::now() + wait;
        if let Ok(mut guard) = self.until.lock()
            && guard.is_none_or(|current| current < until)
        {
            *guard = Some(until);
        }
    }

    /// Sleep until the pause (if any, and at most `max_wait` away) is over.
    pub(super) async fn wait(&self, max_wait: Duration) {
        let until = self.until.lock().ok().and_then(|g| *g);
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep((until - now).min(max_wait)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn epoch_in(secs: u64) -> String {
        (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + secs)
            .to_string()
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let h = headers(&[("retry-after", "7".into())]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&headers(&[("retry-after", date)])).unwrap();
        assert!(
            wait > Duration::from_secs(27) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&[("retry-after", past)])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon".into())])),
            None
        );
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn an_exhausted_budget_waits_until_its_reset_in_okta_and_github_spelling() {
        for (remaining, reset) in [
            ("x-rate-limit-remaining", "x-rate-limit-reset"),
            ("x-ratelimit-remaining", "x-ratelimit-reset"),
        ] {
            let h = headers(&[(remaining, "0".into()), (reset, epoch_in(20))]);
            let wait = exhausted_budget_wait(&h).unwrap();
            assert!(
                wait >= Duration::from_secs(19) && wait <= Duration::from_secs(20),
                "{remaining}: {wait:?}"
            );
            let h = headers(&[(remaining, "5".into()), (reset, epoch_in(20))]);
            assert_eq!(
                exhausted_budget_wait(&h),
                None,
                "{remaining} with budget left"
            );
        }
    }

    #[tokio::test]
    async fn a_spent_budget_pauses_later_requests_but_not_beyond_the_allowed_wait() {
        let pause = Pause::default();
        let h = headers(&[
            ("x-rate-limit-remaining", "0".into()),
            ("x-rate-limit-reset", epoch_in(1)),
        ]);
        pause.observe(&h, Duration::from_secs(60));
        let start = Instant::now();
        pause.wait(Duration::from_secs(60)).await;
        assert!(
            start.elapsed() >= Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );

        let far = Pause::default();
        let h = headers(&[
            ("x-rate-limit-remaining", "0".into()),
            ("x-rate-limit-reset", epoch_in(3600)),
        ]);
        far.observe(&h, Duration::from_secs(60));
        let start = Instant::now();
        far.wait(Duration::from_secs(60)).await;
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "an hour-long reset is not waited out"
        );
    }

    #[test]
    fn entra_slows_down_at_its_throttle_limit() {
        let at = headers(&[("x-ms-throttle-limit-percentage", "1.2".into())]);
        assert_eq!(entra_slowdown(&at), Some(ENTRA_SLOWDOWN));
        let below = headers(&[("x-ms-throttle-limit-percentage", "0.85".into())]);
        assert_eq!(entra_slowdown(&below), None);
    }
}
