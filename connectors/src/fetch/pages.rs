//! One link-following pager for the providers that page with a next link: in the `Link`
//! header (Okta, GitHub) or in a body field (Graph's `@odata.nextLink`). Every next link goes
//! through the [`PageGuard`], so it must stay on the tenant's origin and never repeat.

use serde_json::Value;
use url::Url;

use super::{Session, json_list, page_items};
use crate::error::ConnectorError;
use crate::http::{PageGuard, Request, next_link};

/// Where a page names the next one.
#[derive(Debug, Clone, Copy)]
pub enum NextLink {
    /// `Link: <…>; rel="next"` (RFC 8288).
    Header,
    /// A top-level string field of the body, e.g. `@odata.nextLink`.
    Field(&'static str),
}

/// Where a page holds its items.
#[derive(Debug, Clone, Copy)]
pub enum Items {
    /// Under this key, or the body itself when it is a bare array.
    Key(&'static str),
    /// The body must be a JSON array.
    List,
}

/// One listing, a page at a time.
pub struct LinkPages {
    next: Option<Url>,
    guard: PageGuard,
    link: NextLink,
    items: Items,
    headers: &'static [(&'static str, &'static str)],
}

impl LinkPages {
    /// The listing at `path` under the tenant's API root.
    pub fn new(
        session: &Session,
        path: &str,
        link: NextLink,
        items: Items,
    ) -> Result<LinkPages, ConnectorError> {
        let first = session.url(path)?;
        Ok(LinkPages {
            guard: session.http.page_guard(&format!("GET {}", first.path())),
            next: Some(first),
            link,
            items,
            headers: &[],
        })
    }

    /// Send these headers with every page request (e.g. an API version).
    pub fn with_headers(mut self, headers: &'static [(&'static str, &'static str)]) -> LinkPages {
        self.headers = headers;
        self
    }

    /// The next page's items, or `None` when the listing is done.
    pub async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let mut request = Request::get(url);
        for (name, value) in self.headers {
            request = request.header(name, value)?;
        }
        let response = session
            .http
            .send(request, Some(session.auth.as_ref()))
            .await?;
        let mut page = response
            .json()
            .map_err(|e| session.http.name(e, &response.url))?;
        let link = match self.link {
            NextLink::Header => next_link(&response.headers),
            NextLink::Field(field) => page
                .get_mut(field)
                .map(Value::take)
                .and_then(|v| v.as_str().map(str::to_string)),
        };
        if let Some(link) = link {
            self.next = Some(self.guard.follow(&response.url, &link)?);
        }
        match self.items {
            Items::Key(key) => page_items(page, key),
            Items::List => json_list(page),
        }
        .map(Some)
        .map_err(|e| session.http.name(e, &response.url))
    }
}
