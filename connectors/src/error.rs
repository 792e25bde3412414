//! Connector errors, classified into shared kinds so the collector can decide what to do.
//!
//! Messages name the endpoint or file and the status, never a token or secret.

use std::fmt;

/// What went wrong, in terms the collector and the operator can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Credentials rejected (401) or a token could not be obtained.
    Auth,
    /// The collector lacks a permission (403).
    Permission,
    NotFound,
    RateLimited,
    /// The provider failed (5xx) or the connection broke.
    Server,
    /// The response or file is not what the provider's API returns.
    Malformed,
    /// A local file could not be read.
    Io,
    /// The tenant's settings are incomplete or contradictory.
    Config,
    /// The collector stopped the collection (shutdown, timeout).
    Cancelled,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Io => "io",
            ErrorKind::Config => "config",
            ErrorKind::Cancelled => "cancelled",
        }
    }
}

/// A failed collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorError {
    pub kind: ErrorKind,
    /// The endpoint path or file the error is about.
    pub source_name: Option<String>,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    pub message: String,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            source_name: None,
            status: None,
            message: message.into(),
        }
    }

    /// Name the endpoint or file the error is about.
    pub fn at(mut self, source_name: impl Into<String>) -> Self {
        self.source_name = Some(source_name.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        ConnectorError::new(ErrorKind::Malformed, message)
    }

    /// Whether trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::RateLimited | ErrorKind::Server)
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if let Some(s) = &self.source_name {
            write!(f, " at {s}")?;
        }
        if let Some(st) = self.status {
            write!(f, " (HTTP {st})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConnectorError {}
