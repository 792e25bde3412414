//! Turning failed responses and broken connections into [`ConnectorError`]s with a shared
//! kind, a retry verdict and a short, safe message.
//!
//! The message quotes at most the provider's own error code and description, bounded and
//! stripped of control characters; never the raw body, which may echo request data.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::ratelimit;
use crate::Provider;
use crate::error::{ConnectorError, ErrorKind};

/// Characters of the provider's error message kept in ours.
const MAX_DETAIL: usize = 200;

/// What a failed response means.
pub(super) struct Verdict {
    pub error: ConnectorError,
    pub retryable: bool,
    /// The wait the provider asked for, if any.
    pub wait: Option<Duration>,
}

/// Classify a non-success response.
pub(super) fn status(
    provider: Provider,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Verdict {
    let detail = provider_message(body);
    let with = |base: &str| match &detail {
        Some(d) => format!("{base}: {d}"),
        None => base.to_string(),
    };
    let retry_after = ratelimit::retry_after(headers);
    let rate_limited = |message: String, wait: Option<Duration>| Verdict {
        error: ConnectorError::new(ErrorKind::RateLimited, message),
        retryable: true,
        wait,
    };
    match status.as_u16() {
        429 => rate_limited(with("rate limited"), retry_after),
        401 => fixed(ErrorKind::Auth, with("credentials rejected")),
        403 => {
            let code = detail.as_deref().unwrap_or("");
            if provider == Provider::Salesforce && code.contains("REQUEST_LIMIT_EXCEEDED") {
                // A rolling 24-hour org allocation: retrying within this scan cannot help.
                fixed(ErrorKind::RateLimited, with("daily API quota exhausted"))
            } else if let Some(wait) = ratelimit::exhausted_budget_wait(headers) {
                rate_limited(with("rate limit reached"), Some(wait))
            } else if retry_after.is_some()
                || code.contains("rateLimitExceeded")
                || code.contains("userRateLimitExceeded")
            {
                rate_limited(with("rate limited"), retry_after)
            } else {
                fixed(ErrorKind::Permission, with("permission denied"))
            }
        }
        404 => fixed(ErrorKind::NotFound, with("not found")),
        502..=504 => Verdict {
            error: ConnectorError::new(ErrorKind::Server, with("provider unavailable")),
            retryable: true,
            wait: retry_after,
        },
        500..=599 => fixed(ErrorKind::Server, with("provider error")),
        _ => fixed(ErrorKind::Malformed, with("unexpected response")),
    }
}

fn fixed(kind: ErrorKind, message: String) -> Verdict {
    Verdict {
        error: ConnectorError::new(kind, message),
        retryable: false,
        wait: None,
    }
}

/// A broken connection or timeout (retryable), without the URL reqwest would print.
pub(super) fn transport_error(e: &reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "request timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "response body broken off"
    } else {
        "request failed"
    };
    ConnectorError::new(ErrorKind::Server, format!("{what}: {}", reqwest_text(e)))
}

/// reqwest's error and its causes, without the URL.
pub(crate) fn reqwest_text(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s.to_string());
        source = s.source();
    }
    if text.is_empty() {
        text = "no detail".into();
    }
    bounded(&text)
}

/// The provider's short error text from a JSON error body, in the shapes the eight APIs use:
/// `{"error": "code", "error_description": "..."}` (OAuth), `{"error": {"code", "message"}}`
/// (Graph, Google), `{"errorCode", "errorSummary"}` (Okta), `[{"errorCode", "message"}]`
/// (Salesforce), `{"message"}` (GitHub), `{"error", "message"}` (Auth0), `{"ok": false,
/// "error"}` (Slack).
pub(crate) fn provider_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let value = match value {
        Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        v => v,
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let parts: Vec<String> = match value.get("error") {
        Some(Value::Object(inner)) => {
            let inner = Value::Object(inner.clone());
            let reason = inner
                .get("errors")
                .and_then(|e| e.get(0))
                .and_then(|e| text(e, "reason"));
            [text(&inner, "code"), reason, text(&inner, "message")]
                .into_iter()
                .flatten()
                .collect()
        }
        // Auth0 adds a `message` beside its `error` (e.g. the missing scope).
        Some(Value::String(code)) => [
            Some(code.clone()),
            text(&value, "error_description"),
            text(&value, "message"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ => [
            text(&value, "errorCode"),
            text(&value, "errorSummary"),
            text(&value, "message"),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    if parts.is_empty() {
        None
    } else {
        Some(bounded(&parts.join(": ")))
    }
}

/// At most [`MAX_DETAIL`] characters, control characters replaced.
fn bounded(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_DETAIL)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_DETAIL {
        out.push('…');
    }
    out
}

/// serde_json's category of a parse error, in words.
pub(super) fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "truncated",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    }
}
