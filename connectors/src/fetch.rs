//! The live-API side of the connectors: [`http_connector`] builds the connector of a tenant's
//! provider, and [`Session`] holds what every provider's `fetch` module shares while it
//! collects: the tenant's HTTP client, its token source, the API root, and the coverage gaps.
//!
//! A provider's `fetch` module owns its endpoints, paging style and auth choice; the parsing
//! stays in its `parse` module, shared with the file importer.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::auth::TokenSource;
use crate::connector::{CollectSummary, Connector, CoverageGap};
use crate::error::{ConnectorError, ErrorKind};
use crate::http::{HttpClient, Response};
use crate::settings::TenantSettings;
use crate::{Provider, auth};

/// The HTTP connector for `settings.provider`, configured and ready to collect.
pub fn http_connector(settings: TenantSettings) -> Result<Box<dyn Connector>, ConnectorError> {
    match settings.provider {
        Provider::Entra => Ok(Box::new(crate::entra::fetch::EntraConnector::new(
            settings,
        )?)),
        Provider::Okta => Ok(Box::new(crate::okta::fetch::OktaConnector::new(settings)?)),
        Provider::Auth0 => Ok(Box::new(crate::auth0::fetch::Auth0Connector::new(
            settings,
        )?)),
        Provider::Keycloak => Ok(Box::new(crate::keycloak::fetch::KeycloakConnector::new(
            settings,
        )?)),
        other => Err(ConnectorError::new(
            ErrorKind::Config,
            format!(
                "tenant {}: there is no API connector for {other}; use provider = \"file\"",
                settings.name
            ),
        )),
    }
}

/// One collection's shared state.
pub struct Session {
    pub http: HttpClient,
    pub auth: Arc<dyn TokenSource>,
    /// The API root every path is joined to.
    pub base: Url,
    gaps: Vec<CoverageGap>,
}

impl Session {
    pub fn new(http: HttpClient, auth: Arc<dyn TokenSource>, base: Url) -> Session {
        Session {
            http,
            auth,
            base,
            gaps: Vec::new(),
        }
    }

    /// `path` (with its query) under the API root, keeping the root's own path prefix.
    pub fn url(&self, path: &str) -> Result<Url, ConnectorError> {
        auth::oauth::join(&self.base, path)
    }

    /// GET a JSON document.
    pub async fn get(&self, url: Url) -> Result<(Value, Response), ConnectorError> {
        self.http.get_json(url, self.auth.as_ref()).await
    }

    /// Record that `what` could not be collected because of `error`, when the error means a
    /// missing permission or endpoint (the rest of the collection goes on); any other error
    /// is returned, failing the collection.
    pub fn gap_or_fail(&mut self, what: &str, error: ConnectorError) -> Result<(), ConnectorError> {
        if matches!(error.kind, ErrorKind::Permission | ErrorKind::NotFound) {
            tracing::warn!(tenant = %self.http.tenant(), what, error = %error, "coverage gap");
            self.gaps.push(CoverageGap {
                what: what.to_string(),
                reason: error.to_string(),
            });
            Ok(())
        } else {
            Err(error)
        }
    }

    /// The summary of a finished collection.
    pub fn summary(self) -> CollectSummary {
        CollectSummary {
            requests: self.http.stats().requests,
            gaps: self.gaps,
        }
    }
}

/// The items of a page under `key` (`value`, `items`, `records`, …), or the page itself when it
/// is a bare array; anything else is a malformed page.
pub fn page_items(page: Value, key: &str) -> Result<Vec<Value>, ConnectorError> {
    match page {
        Value::Array(items) => Ok(items),
        Value::Object(mut map) => match map.remove(key) {
            Some(Value::Array(items)) => Ok(items),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(ConnectorError::malformed(format!(
                "`{key}` in the page is not a list"
            ))),
        },
        _ => Err(ConnectorError::malformed(
            "the page is not an object or a list",
        )),
    }
}

/// A response that must be a bare JSON array (Okta, Keycloak): anything else is malformed.
pub fn json_list(body: Value) -> Result<Vec<Value>, ConnectorError> {
    match body {
        Value::Array(items) => Ok(items),
        _ => Err(ConnectorError::malformed("a JSON list was expected")),
    }
}

/// A static token when one is configured, as `scheme`.
pub fn static_token(
    settings: &TenantSettings,
    scheme: auth::Scheme,
) -> Option<Arc<dyn TokenSource>> {
    settings
        .token
        .clone()
        .map(|t| Arc::new(auth::StaticToken::new(scheme, t)) as Arc<dyn TokenSource>)
}

/// A token URL: the configured one, else `default`.
pub fn token_url(settings: &TenantSettings, default: &str) -> Result<Url, ConnectorError> {
    match &settings.token_url {
        Some(u) => Ok(u.clone()),
        None => Url::parse(default).map_err(|_| settings.config_error("token_url", "is invalid")),
    }
}

/// `value` (an id the provider returned) as one URL path segment: every byte outside RFC 3986's
/// unreserved set is percent-encoded, so a hostile id cannot add segments, a query or a
/// fragment; `.` and `..` (which would climb the path) and the empty id are refused.
pub fn path_segment(value: &str) -> Result<String, ConnectorError> {
    if matches!(value, "" | "." | "..") {
        return Err(ConnectorError::malformed(format!(
            "an object id ({:?}) cannot be used in a URL path",
            crate::redact::bound_str(value, 64)
        )));
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

/// Offset paging (`page=N` or `first=N` with a page size), for APIs without cursors: the
/// listing ends on an empty or short page, or when the reported total is reached. A page whose
/// first item was already seen means the server ignores the offset: that is an error rather
/// than an endless scan, and the page limit of [`PageGuard`] applies.
pub struct Offsets {
    guard: crate::http::PageGuard,
    size: u32,
    page: u64,
    first: u64,
    done: bool,
    seen: std::collections::HashSet<[u8; 32]>,
    at: String,
}

impl Offsets {
    /// A listing of pages of `size` items, named `listing` in errors.
    pub fn new(session: &Session, listing: &str, size: u32) -> Offsets {
        Offsets {
            guard: session.http.page_guard(listing),
            size: size.max(1),
            page: 0,
            first: 0,
            done: false,
            seen: std::collections::HashSet::new(),
            at: format!("tenant {}, {listing}", session.http.tenant()),
        }
    }

    /// The next page to ask for as `(page index, index of its first item)`; `None` when done.
    pub fn next(&self) -> Option<(u64, u64)> {
        (!self.done).then_some((self.page, self.first))
    }

    /// Account for a page just read; `total` when the API reports one.
    pub fn record(&mut self, items: &[Value], total: Option<u64>) -> Result<(), ConnectorError> {
        use sha2::{Digest, Sha256};
        let Some(head) = items.first() else {
            self.done = true;
            return Ok(());
        };
        let digest: [u8; 32] = Sha256::digest(head.to_string().as_bytes()).into();
        if !self.seen.insert(digest) {
            return Err(ConnectorError::malformed(format!(
                "paging loops: page {} repeats a page already read",
                self.page + 1
            ))
            .at(self.at.clone()));
        }
        self.page += 1;
        self.first += items.len() as u64;
        if items.len() < self.size as usize || total.is_some_and(|t| self.first >= t) {
            self.done = true;
            return Ok(());
        }
        self.guard.advance(&self.first.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(max_pages: u32) -> Session {
        let http = HttpClient::new(
            "acme",
            Provider::Auth0,
            crate::http::HttpSettings {
                max_pages,
                ..crate::http::HttpSettings::default()
            },
        )
        .unwrap();
        let auth = Arc::new(auth::StaticToken::new(auth::Scheme::Bearer, "t".into()));
        Session::new(http, auth, Url::parse("https://acme.test/").unwrap())
    }

    fn page(ids: std::ops::Range<u32>) -> Vec<Value> {
        ids.map(|i| json!({"id": i})).collect()
    }

    #[test]
    fn hostile_ids_stay_one_path_segment() {
        assert_eq!(path_segment("0oa9i6uh-_.~").unwrap(), "0oa9i6uh-_.~");
        assert_eq!(
            path_segment("../admin?x=1#f").unwrap(),
            "..%2Fadmin%3Fx%3D1%23f"
        );
        assert_eq!(path_segment("%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(path_segment("é").unwrap(), "%C3%A9");
        for bad in ["", ".", ".."] {
            assert_eq!(path_segment(bad).unwrap_err().kind, ErrorKind::Malformed);
        }
        let s = session(10);
        let url = s.url(&format!(
            "users/{}/grants",
            path_segment("../../x").unwrap()
        ));
        assert_eq!(url.unwrap().path(), "/users/..%2F..%2Fx/grants");
    }

    #[test]
    fn offsets_end_on_a_short_page_or_the_total() {
        let s = session(10);
        let mut short = Offsets::new(&s, "GET /clients", 2);
        assert_eq!(short.next(), Some((0, 0)));
        short.record(&page(0..2), None).unwrap();
        assert_eq!(short.next(), Some((1, 2)));
        short.record(&page(2..3), None).unwrap();
        assert_eq!(short.next(), None);

        let mut total = Offsets::new(&s, "GET /clients", 2);
        total.record(&page(0..2), Some(4)).unwrap();
        total.record(&page(2..4), Some(4)).unwrap();
        assert_eq!(total.next(), None, "the total is reached on a full page");

        let mut empty = Offsets::new(&s, "GET /clients", 2);
        empty.record(&page(0..2), None).unwrap();
        empty.record(&[], None).unwrap();
        assert_eq!(empty.next(), None);
    }

    #[test]
    fn a_repeated_page_or_too_many_pages_is_an_error() {
        let s = session(3);
        let mut repeat = Offsets::new(&s, "GET /clients", 2);
        repeat.record(&page(0..2), None).unwrap();
        let err = repeat.record(&page(0..2), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed);
        assert!(err.to_string().contains("loops"), "{err}");
        assert!(
            err.to_string().contains("tenant acme, GET /clients"),
            "{err}"
        );

        let mut long = Offsets::new(&s, "GET /clients", 2);
        long.record(&page(0..2), None).unwrap();
        long.record(&page(2..4), None).unwrap();
        let err = long.record(&page(4..6), None).unwrap_err();
        assert!(err.to_string().contains("more than 3 pages"), "{err}");
    }
}
