//! One request as a provider module sees it ([`Ctx`]), and the answer it gives ([`Reply`]),
//! with the paging helpers every provider shares: an opaque cursor that encodes the page number
//! and the offset, and the looping-cursor fault.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use std::collections::HashMap;

use super::estate::Estate;
use super::faults::Faults;
use crate::Provider;

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Extra headers (`Link`, rate-limit headers, ...).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Vec<u8>,
    /// Which page of a listing this is (page faults apply to listings only).
    pub page: Option<usize>,
}

impl Reply {
    /// A JSON answer with `status`.
    pub fn json(status: StatusCode, value: &Value) -> Reply {
        Reply::serialized(status, value)
    }

    /// A JSON answer with `status`, serialized from any value (typed pages skip the `Value`
    /// tree).
    pub fn serialized<T: serde::Serialize>(status: StatusCode, value: &T) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(value).unwrap_or_default(),
            page: None,
        }
    }

    /// 200 with a JSON body.
    pub fn ok(value: &Value) -> Reply {
        Reply::json(StatusCode::OK, value)
    }

    /// Mark as page `page` of a listing.
    pub fn page(mut self, page: usize) -> Reply {
        self.page = Some(page);
        self
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Where a listing page starts: its number (0 = first) and the offset of its first item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Page number.
    pub page: usize,
    /// Offset of the page's first item (for scans over a subset: where the scan resumes).
    pub offset: usize,
}

impl Cursor {
    /// The first page.
    pub const START: Cursor = Cursor { page: 0, offset: 0 };

    /// Opaque text form (URL-safe).
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("p{}o{}", self.page, self.offset))
    }

    /// Read a cursor this simulator issued; `None` for anything else.
    pub fn decode(text: &str) -> Option<Cursor> {
        let raw = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let raw = std::str::from_utf8(&raw).ok()?;
        let (page, offset) = raw.strip_prefix('p')?.split_once('o')?;
        Some(Cursor {
            page: page.parse().ok()?,
            offset: offset.parse().ok()?,
        })
    }
}

/// One request, for a provider module.
pub struct Ctx<'a> {
    /// Provider being simulated.
    pub provider: Provider,
    /// Tenant index.
    pub tenant: usize,
    /// Path segments after `/{provider}/{tenant}`.
    pub segs: Vec<String>,
    /// Query parameters (last value wins).
    pub query: HashMap<String, String>,
    /// Request body (token endpoints).
    pub body: &'a [u8],
    /// `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The tenant's API root (what a connector's `base_url` is).
    pub base_url: String,
    /// The estate.
    pub estate: &'a Estate,
    /// The faults in force for this tenant.
    pub faults: &'a Faults,
    /// Default page size.
    pub page_size: usize,
}

impl Ctx<'_> {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// A numeric query parameter, `default` when absent, clamped to `1..=max`.
    pub fn limit(&self, name: &str, max: usize) -> usize {
        self.param(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(self.page_size)
            .clamp(1, max)
    }

    /// The cursor in query parameter `name` (the first page when absent), or `None` when the
    /// parameter holds something this simulator never issued.
    pub fn cursor(&self, name: &str) -> Option<Cursor> {
        match self.param(name) {
            None | Some("") => Some(Cursor::START),
            Some(text) => Cursor::decode(text),
        }
    }

    /// The cursor of the page after `page`, which starts at `next_offset`; `None` when there is
    /// none. The looping-cursor fault bends it back to an earlier page.
    pub fn next_cursor(
        &self,
        page: usize,
        next_offset: usize,
        more: bool,
        limit: usize,
    ) -> Option<Cursor> {
        if self.faults.looping_page == Some(page) {
            return Some(if page == 0 {
                Cursor::START
            } else {
                Cursor {
                    page: 1,
                    offset: limit,
                }
            });
        }
        more.then_some(Cursor {
            page: page + 1,
            offset: next_offset,
        })
    }

    /// The next page number for page-numbered listings (GitHub): like [`Ctx::next_cursor`].
    pub fn next_page_number(&self, page: usize, more: bool) -> Option<usize> {
        if self.faults.looping_page == Some(page) {
            return Some(page.min(1));
        }
        more.then_some(page + 1)
    }

    /// Path segment `i`.
    pub fn seg(&self, i: usize) -> Option<&str> {
        self.segs.get(i).map(String::as_str)
    }
}

/// Items `offset..` of an indexed listing whose members satisfy `keep`, at most `limit` of
/// them: their indexes, and where a scan for the next page resumes (`None` when done).
pub fn scan(
    offset: usize,
    total: usize,
    limit: usize,
    mut keep: impl FnMut(usize) -> bool,
) -> (Vec<usize>, Option<usize>) {
    let mut found = Vec::new();
    let mut i = offset;
    while i < total && found.len() < limit {
        if keep(i) {
            found.push(i);
        }
        i += 1;
    }
    // Done when nothing kept remains past `i`.
    let more = (i..total).any(&mut keep);
    (found, more.then_some(i))
}

/// A GUID-shaped id for item `index` whose first group is the index in hex, so a handler can
/// find the item again from its id; `tag` (0..=15) tells kinds of object apart; `key` is the
/// item's 16-hex-digit key.
pub fn guid(index: usize, tag: u8, key: &str) -> String {
    let k = |r: std::ops::Range<usize>| key.get(r).unwrap_or("0000");
    format!(
        "{index:08x}-{}-4{:x}{}-8{}-{}",
        k(0..4),
        tag & 0xf,
        k(4..6),
        k(6..9),
        key.get(4..16).unwrap_or("000000000000")
    )
}

/// The index in a [`guid`].
pub fn guid_index(id: &str) -> Option<usize> {
    usize::from_str_radix(id.get(0..8)?, 16).ok()
}

/// RFC 3339 in UTC with a `Z`, as most providers write times.
pub fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A link header entry: `<url>; rel="name"`.
pub fn link(url: &str, rel: &str) -> String {
    format!("<{url}>; rel=\"{rel}\"")
}

/// Percent-encode a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_text_is_refused() {
        let c = Cursor {
            page: 3,
            offset: 250,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not-a-cursor"), None);
        assert_eq!(Cursor::decode(""), None);
    }

    #[test]
    fn scan_pages_through_a_subset() {
        let (first, next) = scan(0, 10, 2, |i| i % 3 == 0);
        assert_eq!(first, vec![0, 3]);
        let (second, next) = scan(next.unwrap(), 10, 2, |i| i % 3 == 0);
        assert_eq!(second, vec![6, 9]);
        assert_eq!(next, None);
    }
}
