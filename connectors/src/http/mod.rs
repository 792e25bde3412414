//! The one HTTP layer every connector uses: reqwest over rustls with connect and total
//! timeouts, gzip, a per-tenant concurrency limit and request rate, retries with exponential
//! backoff and jitter on 429, 502, 503, 504 and broken connections (honouring `Retry-After`
//! and the providers' own rate-limit headers), a response size cap, and classified errors.
//!
//! One [`HttpClient`] serves one tenant: its limits are that tenant's. It is cheap to clone
//! (every clone shares the limits), so a connector can run several requests at once.
//!
//! Errors name the tenant, the method and path, and the status; never a token, a secret, a
//! query string or a response body beyond the provider's short error message.

mod classify;
mod paging;
mod ratelimit;
#[cfg(test)]
mod tests;

pub use paging::{PageGuard, next_link};

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use url::Url;

use crate::Provider;
use crate::auth::TokenSource;
use crate::error::{ConnectorError, ErrorKind};
use ratelimit::Pause;

/// Limits and timeouts of one tenant's HTTP traffic.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one whole request, body included.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for retryable failures.
    pub max_retries: u32,
    /// First backoff delay; it doubles per retry, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay.
    pub backoff_max: Duration,
    /// Longest wait a provider may ask for (`Retry-After`, rate-limit reset): a longer one
    /// fails the request as rate limited instead of stalling the scan.
    pub max_retry_wait: Duration,
    /// Requests in flight at once for this tenant.
    pub concurrency: usize,
    /// Requests started per second for this tenant (`None`: no rate limit).
    pub requests_per_second: Option<NonZeroU32>,
    /// Pages one listing may have before the connector gives up (a runaway paging guard).
    pub max_pages: u32,
    /// Largest response body accepted, in bytes.
    pub max_response_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_wait: Duration::from_secs(300),
            concurrency: 4,
            requests_per_second: NonZeroU32::new(20),
            max_pages: 100_000,
            max_response_bytes: 50 * 1024 * 1024,
        }
    }
}

/// Counters of one client's traffic, for logs and metrics.
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
}

/// A point-in-time copy of [`HttpStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStatsSnapshot {
    /// Requests sent, retries included.
    pub requests: u64,
    /// Requests sent again after a retryable failure.
    pub retries: u64,
    /// Requests that failed for good.
    pub failures: u64,
}

/// Process-wide totals per provider, for metrics: every client adds to its provider's row.
static TOTALS: [HttpStats; Provider::ALL.len()] = [const {
    HttpStats {
        requests: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        failures: AtomicU64::new(0),
    }
}; Provider::ALL.len()];

/// The traffic of every client of `provider` since the process started.
pub fn provider_totals(provider: Provider) -> HttpStatsSnapshot {
    TOTALS[provider as usize].snapshot()
}

impl HttpStats {
    pub fn snapshot(&self) -> HttpStatsSnapshot {
        HttpStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

/// One request: what to send and the name its errors carry.
#[derive(Debug)]
pub struct Request {
    method: Method,
    url: Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// An `Authorization` value fixed for this request (when no token source supplies one).
    authorization: Option<HeaderValue>,
    form: Option<Vec<(String, SecretString)>>,
}

impl Request {
    pub fn get(url: Url) -> Request {
        Request {
            method: Method::GET,
            url,
            headers: Vec::new(),
            authorization: None,
            form: None,
        }
    }

    /// A POST with an empty body (for example GitHub's installation-token exchange).
    pub fn post(url: Url) -> Request {
        Request {
            method: Method::POST,
            ..Request::get(url)
        }
    }

    /// A POST of `application/x-www-form-urlencoded` fields; every value is treated as
    /// secret (token requests carry client secrets and signed assertions).
    pub fn form(url: Url, fields: Vec<(String, SecretString)>) -> Request {
        Request {
            method: Method::POST,
            form: Some(fields),
            ..Request::get(url)
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Result<Request, ConnectorError> {
        let value = HeaderValue::from_str(value)
            .map_err(|_| ConnectorError::new(ErrorKind::Config, "invalid header value"))?;
        self.headers.push((HeaderName::from_static(name), value));
        Ok(self)
    }

    /// Send `value` as the `Authorization` header (mark it sensitive first).
    pub(crate) fn authorization(&mut self, value: HeaderValue) {
        self.authorization = Some(value);
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `GET /v1.0/applications`: method and path, without the query (which may be long and
    /// is not needed to find the failing call).
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }
}

/// A successful response, its body read in full (within the size cap).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The URL that answered (after same-origin redirects).
    pub url: Url,
}

impl Response {
    /// The body as JSON; a body that is not JSON is a malformed response.
    pub fn json(&self) -> Result<serde_json::Value, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ConnectorError::malformed(format!(
                "response is not valid JSON ({} at line {} column {})",
                classify::json_error_kind(&e),
                e.line(),
                e.column()
            ))
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The HTTP client of one tenant.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    tenant: Arc<str>,
    provider: Provider,
    settings: Arc<HttpSettings>,
    permits: Arc<Semaphore>,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    pause: Arc<Pause>,
    stats: Arc<HttpStats>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("tenant", &self.tenant)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// A failed attempt: the error, and whether and when to try again.
struct Failure {
    error: ConnectorError,
    retry: Retry,
}

enum Retry {
    No,
    /// After the backoff delay, or after `at_least` when the provider named a wait.
    After {
        at_least: Option<Duration>,
    },
    /// At once, with a fresh token (a 401 with a cached token).
    WithNewToken,
}

impl HttpClient {
    pub fn new(
        tenant: &str,
        provider: Provider,
        settings: HttpSettings,
    ) -> Result<HttpClient, ConnectorError> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .gzip(true)
            .https_only(false)
            .user_agent(concat!("oauth-audit/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| {
                ConnectorError::new(
                    ErrorKind::Config,
                    format!("HTTP client: {}", classify::reqwest_text(&e)),
                )
            })?;
        let limiter = settings
            .requests_per_second
            .map(|rps| Arc::new(RateLimiter::direct(Quota::per_second(rps))));
        Ok(HttpClient {
            client,
            tenant: tenant.into(),
            provider,
            permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            settings: Arc::new(settings),
            limiter,
            pause: Arc::new(Pause::default()),
            stats: Arc::new(HttpStats::default()),
        })
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    pub fn stats(&self) -> HttpStatsSnapshot {
        self.stats.snapshot()
    }

    /// A guard for one paged listing, with this client's page limit.
    pub fn page_guard(&self, listing: &str) -> PageGuard {
        PageGuard::new(&self.tenant, listing, self.settings.max_pages)
    }

    /// GET `url` with `auth`'s credentials and parse the JSON body.
    pub async fn get_json(
        &self,
        url: Url,
        auth: &dyn TokenSource,
    ) -> Result<(serde_json::Value, Response), ConnectorError> {
        let response = self.send(Request::get(url), Some(auth)).await?;
        let json = response.json().map_err(|e| self.name(e, &response.url))?;
        Ok((json, response))
    }

    /// Send `request`, retrying what may succeed later; `auth`, when given, supplies the
    /// `Authorization` header and a fresh token after a 401.
    pub async fn send(
        &self,
        request: Request,
        auth: Option<&dyn TokenSource>,
    ) -> Result<Response, ConnectorError> {
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(self.settings.backoff_base)
            .with_max_delay(self.settings.backoff_max)
            .with_max_times(self.settings.max_retries as usize)
            .with_jitter()
            .build();
        let mut token_renewed = false;
        loop {
            let failure = match self.attempt(&request, auth).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            let wait = match failure.retry {
                Retry::WithNewToken if !token_renewed => {
                    if let Some(auth) = auth {
                        auth.invalidate().await;
                    }
                    token_renewed = true;
                    Some(Duration::ZERO)
                }
                Retry::After { at_least } => {
                    if let Some(asked) = at_least.filter(|a| *a > self.settings.max_retry_wait) {
                        return Err(self.fail(ConnectorError {
                            message: format!(
                                "{}; the provider asked to wait {} s, longer than the {} s allowed",
                                failure.error.message,
                                asked.as_secs(),
                                self.settings.max_retry_wait.as_secs()
                            ),
                            ..failure.error
                        }));
                    }
                    backoff.next().map(|d| d.max(at_least.unwrap_or_default()))
                }
                Retry::WithNewToken | Retry::No => None,
            };
            let Some(wait) = wait else {
                return Err(self.fail(failure.error));
            };
            self.count(|s| &s.retries);
            tracing::debug!(
                tenant = %self.tenant,
                request = %request.label(),
                error = %failure.error,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    fn fail(&self, error: ConnectorError) -> ConnectorError {
        self.count(|s| &s.failures);
        error
    }

    /// Add one to a counter of this client and of its provider's process-wide totals.
    fn count(&self, counter: impl Fn(&HttpStats) -> &AtomicU64) {
        counter(&self.stats).fetch_add(1, Ordering::Relaxed);
        counter(&TOTALS[self.provider as usize]).fetch_add(1, Ordering::Relaxed);
    }

    /// Name the tenant and call in an error about `url`.
    pub fn name(&self, error: ConnectorError, url: &Url) -> ConnectorError {
        error.at(format!("tenant {}, {}", self.tenant, url.path()))
    }

    async fn attempt(
        &self,
        request: &Request,
        auth: Option<&dyn TokenSource>,
    ) -> Result<Response, Failure> {
        let at = format!("tenant {}, {}", self.tenant, request.label());
        let named = |e: ConnectorError| e.at(at.clone());
        // Authorize first: fetching a token may itself take a permit.
        let authorization = match auth {
            Some(auth) => Some(auth.authorization(self).await.map_err(|error| Failure {
                retry: if error.is_retryable() {
                    Retry::After { at_least: None }
                } else {
                    Retry::No
                },
                error,
            })?),
            None => None,
        };
        let _permit = self.permits.acquire().await.map_err(|_| Failure {
            error: named(ConnectorError::new(
                ErrorKind::Cancelled,
                "the HTTP client was shut down",
            )),
            retry: Retry::No,
        })?;
        // Checked with the permit held, so a request queued before a pause began still waits.
        self.pause.wait(self.settings.max_retry_wait).await;
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .header("accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(value) = authorization.or_else(|| request.authorization.clone()) {
            builder = builder.header("authorization", value);
        }
        if let Some(form) = &request.form {
            let pairs: Vec<(&str, &str)> = form
                .iter()
                .map(|(k, v)| (k.as_str(), v.expose_secret()))
                .collect();
            builder = builder.form(&pairs);
        }
        self.count(|s| &s.requests);
        let response = builder.send().await.map_err(|e| Failure {
            error: named(classify::transport_error(&e)),
            retry: Retry::After { at_least: None },
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let url = response.url().clone();
        self.pause.observe(&headers, self.settings.max_retry_wait);
        let body = self.read_body(response).await.map_err(|error| Failure {
            retry: if error.kind == ErrorKind::Server {
                Retry::After { at_least: None }
            } else {
                Retry::No
            },
            error: named(error),
        })?;
        if status.is_success() {
            return Ok(Response {
                status: status.as_u16(),
                headers,
                body,
                url,
            });
        }
        let verdict = classify::status(self.provider, status, &headers, &body);
        if verdict.error.kind == ErrorKind::RateLimited
            && let Some(wait) = verdict.wait
        {
            self.pause.hold(wait, self.settings.max_retry_wait);
        }
        let retry = if status == StatusCode::UNAUTHORIZED && auth.is_some_and(|a| a.renewable()) {
            Retry::WithNewToken
        } else if verdict.retryable {
            Retry::After {
                at_least: verdict.wait,
            }
        } else {
            Retry::No
        };
        Err(Failure {
            error: named(verdict.error.with_status(status.as_u16())),
            retry,
        })
    }

    /// The body, refusing more than the size cap (checked against `Content-Length` first, then
    /// while reading, since a compressed or chunked body has no length up front).
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, ConnectorError> {
        let cap = self.settings.max_response_bytes;
        let too_big = || {
            let limit = if cap >= 1024 * 1024 {
                format!("{} MiB", cap / (1024 * 1024))
            } else {
                format!("{cap} bytes")
            };
            ConnectorError::malformed(format!("response larger than the {limit} cap"))
        };
        let declared = response.content_length().unwrap_or(0);
        if declared > cap as u64 {
            return Err(too_big());
        }
        // A compressed or chunked body declares no length: start at a typical page's size
        // rather than growing (and copying) it from nothing, chunk by chunk.
        let expected = if declared > 0 {
            declared as usize
        } else {
            TYPICAL_BODY
        };
        let mut body = Vec::with_capacity(expected.min(cap));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Err(too_big());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(classify::transport_error(&e)),
            }
        }
    }
}

/// The buffer a body of unknown length starts with (a page of 100 directory objects is
/// 25–100 KB).
const TYPICAL_BODY: usize = 64 * 1024;

/// Follow up to five redirects, and only within the same origin: a redirect elsewhere could
/// carry the request, and the token with it, to a host the tenant did not name.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}
