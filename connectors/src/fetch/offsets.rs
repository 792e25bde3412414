//! Offset paging (`page=N` or `first=N` with a page size) for APIs without cursors: when a
//! listing ends, and the guard against a server that ignores the offset.

use std::collections::HashSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Session;
use crate::error::ConnectorError;
use crate::http::PageGuard;

/// Offset paging (`page=N` or `first=N` with a page size), for APIs without cursors: the
/// listing ends on an empty or short page, or when the reported total is reached. A page whose
/// first item was already seen means the server ignores the offset: that is an error rather
/// than an endless scan, and the page limit of [`PageGuard`] applies.
pub struct Offsets {
    guard: PageGuard,
    size: u32,
    page: u64,
    first: u64,
    done: bool,
    seen: HashSet<[u8; 32]>,
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
            seen: HashSet::new(),
            at: format!("tenant {}, {listing}", session.http.tenant()),
        }
    }

    /// The next page to ask for as `(page index, index of its first item)`; `None` when done.
    pub fn next(&self) -> Option<(u64, u64)> {
        (!self.done).then_some((self.page, self.first))
    }

    /// Account for a page just read; `total` when the API reports one.
    pub fn record(&mut self, items: &[Value], total: Option<u64>) -> Result<(), ConnectorError> {
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
    use std::sync::Arc;

    use serde_json::json;
    use url::Url;

    use super::*;
    use crate::Provider;
    use crate::auth;
    use crate::error::ErrorKind;
    use crate::http::HttpClient;

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
