//! Paging safety shared by every connector: a guard that refuses a cursor or next link it has
//! already followed (a provider bug or a hostile server would otherwise loop forever), a page
//! limit, and `Link: <…>; rel="next"` parsing (RFC 8288) that stays on the tenant's origin.

use std::collections::HashSet;

use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{ConnectorError, ErrorKind};

/// Tracks one paged listing.
#[derive(Debug)]
pub struct PageGuard {
    at: String,
    max_pages: u32,
    pages: u32,
    /// SHA-256 of each cursor seen (cursors can be long; their digests are 32 bytes).
    seen: HashSet<[u8; 32]>,
}

impl PageGuard {
    pub(super) fn new(tenant: &str, listing: &str, max_pages: u32) -> PageGuard {
        PageGuard {
            at: format!("tenant {tenant}, {listing}"),
            max_pages,
            pages: 1,
            seen: HashSet::new(),
        }
    }

    /// Accept `cursor` (a next link, page token or offset) as the next page to fetch; an error
    /// when it was seen before in this listing or the page limit is reached.
    pub fn advance(&mut self, cursor: &str) -> Result<(), ConnectorError> {
        let digest: [u8; 32] = Sha256::digest(cursor.as_bytes()).into();
        if !self.seen.insert(digest) {
            return Err(ConnectorError::malformed(format!(
                "paging loops: page {} points back to a page already read",
                self.pages
            ))
            .at(self.at.clone()));
        }
        self.pages += 1;
        if self.pages > self.max_pages {
            return Err(ConnectorError::malformed(format!(
                "more than {} pages; refusing to page further",
                self.max_pages
            ))
            .at(self.at.clone()));
        }
        Ok(())
    }

    /// Pages accepted so far (the first page counts).
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Resolve a next link against the page it came from, and require it to stay on `origin`'s
    /// scheme, host and port: a next link elsewhere would send the tenant's token there.
    pub fn follow(&mut self, current: &Url, link: &str) -> Result<Url, ConnectorError> {
        let next = current.join(link).map_err(|_| {
            ConnectorError::malformed("the next-page link is not a URL").at(self.at.clone())
        })?;
        if next.origin() != current.origin() {
            return Err(ConnectorError::new(
                ErrorKind::Malformed,
                format!(
                    "the next-page link leaves the tenant's origin (to {})",
                    next.host_str().unwrap_or("?")
                ),
            )
            .at(self.at.clone()));
        }
        self.advance(next.as_str())?;
        Ok(next)
    }
}

/// The `rel="next"` target of the `Link` headers, if any.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_links)
        .find_map(|(target, params)| {
            params
                .split(';')
                .filter_map(|p| p.split_once('='))
                .any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .then(|| target.to_string())
        })
}

/// `<a>; rel="next", <b>; rel="self"` → `[("a", "; rel=\"next\""), ("b", "; rel=\"self\"")]`.
/// Splits on the `<…>` brackets, so commas inside a URL do not break it.
fn split_links(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let target = &rest[open + 1..open + close];
        let after = &rest[open + close + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        // The parameters run up to the comma before the next link.
        let params = after[..params_end].trim_end().trim_end_matches(',');
        out.push((target, params));
        rest = &after[params_end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn link(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.append("link", HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn finds_the_next_link_among_others_in_okta_and_github_style() {
        let okta = link(
            r#"<https://acme.okta.com/api/v1/apps?limit=200>; rel="self", <https://acme.okta.com/api/v1/apps?after=0oa2&limit=200>; rel="next""#,
        );
        assert_eq!(
            next_link(&okta).as_deref(),
            Some("https://acme.okta.com/api/v1/apps?after=0oa2&limit=200")
        );
        let github = link(
            r#"<https://api.github.com/orgs/o/installations?page=2>; rel="next", <https://api.github.com/orgs/o/installations?page=5>; rel="last""#,
        );
        assert_eq!(
            next_link(&github).as_deref(),
            Some("https://api.github.com/orgs/o/installations?page=2")
        );
        assert_eq!(next_link(&link(r#"<https://x/a?b=1,2>; rel="self""#)), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn separate_link_headers_and_commas_inside_urls_are_handled() {
        let mut h = link(r#"<https://x/a?ids=1,2>; rel="self""#);
        h.append(
            "link",
            HeaderValue::from_static(r#"<https://x/a?ids=1,2&after=9>; rel=next"#),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://x/a?ids=1,2&after=9")
        );
    }

    #[test]
    fn a_repeated_cursor_is_an_error_not_an_endless_scan() {
        let mut guard = PageGuard::new("t", "GET /api/v1/apps", 100);
        guard.advance("a").unwrap();
        guard.advance("b").unwrap();
        let err = guard.advance("a").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed);
        assert!(err.to_string().contains("loops"), "{err}");
        assert!(err.to_string().contains("tenant t"), "{err}");
    }

    #[test]
    fn the_page_limit_stops_a_listing() {
        let mut guard = PageGuard::new("t", "GET /x", 3);
        guard.advance("2").unwrap();
        guard.advance("3").unwrap();
        let err = guard.advance("4").unwrap_err();
        assert!(err.to_string().contains("more than 3 pages"), "{err}");
    }

    #[test]
    fn next_links_must_stay_on_the_tenant_origin() {
        let current = Url::parse("https://acme.okta.com/api/v1/apps").unwrap();
        let mut guard = PageGuard::new("t", "GET /api/v1/apps", 10);
        let next = guard.follow(&current, "/api/v1/apps?after=2").unwrap();
        assert_eq!(next.as_str(), "https://acme.okta.com/api/v1/apps?after=2");
        for evil in [
            "https://evil.example/api/v1/apps?after=3",
            "http://acme.okta.com/api/v1/apps?after=3",
            "https://acme.okta.com:8443/api/v1/apps?after=3",
        ] {
            let err = guard.follow(&current, evil).unwrap_err();
            assert!(
                err.to_string().contains("leaves the tenant's origin"),
                "{evil}: {err}"
            );
        }
    }
}
