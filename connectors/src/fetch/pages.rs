//! One link-following pager for the providers that page with a next link: in the `Link`
//! header (Okta, GitHub) or in a body field (Graph's `@odata.nextLink`). Every next link goes
//! through the [`PageGuard`], so it must stay on the tenant's origin and never repeat.
//!
//! The pager reads one page ahead: as soon as a page names the next one, the request for it
//! is sent in the background, so the provider's latency overlaps with the caller's work on the
//! page in hand (a cursor chain cannot be shortened, but it need not wait for the parsing).
//! At most one request per listing is in flight, and dropping the pager cancels it.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use tokio::task::JoinHandle;
use url::Url;

use super::{Session, json_list, page_items};
use crate::error::{ConnectorError, ErrorKind};
use crate::http::{PageGuard, Request, Response, next_link};
use crate::json_stream::{PageItems, read_page};

/// Where a page names the next one.
#[derive(Debug, Clone, Copy)]
pub enum NextLink {
    /// `Link: <…>; rel="next"` (RFC 8288).
    Header,
    /// A top-level string field of the body, e.g. `@odata.nextLink`.
    Field(&'static str),
}

/// Where a page holds its items: under a key of the page object, or the body itself.
pub type Items = PageItems<'static>;

/// One listing, a page at a time.
pub struct LinkPages {
    /// The next page, when its request has not been sent yet (only the first page).
    next: Option<Url>,
    /// The next page's request, sent while the caller works on the current page.
    ahead: Option<JoinHandle<Result<Response, ConnectorError>>>,
    guard: PageGuard,
    link: NextLink,
    items: Items,
    headers: &'static [(&'static str, &'static str)],
}

impl Drop for LinkPages {
    fn drop(&mut self) {
        // A caller that stops early (an error, a full sink) wants no more pages.
        if let Some(ahead) = self.ahead.take() {
            ahead.abort();
        }
    }
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
            ahead: None,
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

    /// The next page's items as JSON values, or `None` when the listing is done.
    pub async fn next(&mut self, session: &Session) -> Result<Option<Vec<Value>>, ConnectorError> {
        let Some(response) = self.response(session).await? else {
            return Ok(None);
        };
        self.read_ahead_of(session, &response)?;
        let page = response
            .json()
            .map_err(|e| session.http.name(e, &response.url))?;
        match self.items {
            PageItems::Key(key) => page_items(page, key),
            PageItems::List => json_list(page),
        }
        .map(Some)
        .map_err(|e| session.http.name(e, &response.url))
    }

    /// The next page's items deserialized straight into `T` (no `Value` tree per item), or
    /// `None` when the listing is done. For large listings of plain records (grants).
    pub async fn next_as<T: DeserializeOwned>(
        &mut self,
        session: &Session,
    ) -> Result<Option<Vec<T>>, ConnectorError> {
        let Some(response) = self.response(session).await? else {
            return Ok(None);
        };
        self.read_ahead_of(session, &response)?;
        let (items, _) = read_page::<T>(&response.body, self.items, None)
            .map_err(|e| session.http.name(e, &response.url))?;
        Ok(Some(items))
    }

    /// Send the request for the page after `response`, if it names one, before the caller
    /// parses this page: the next link is read first (from the header, or by skimming the body
    /// for its one top-level field), so parsing is off the chain's critical path. A body too
    /// malformed to skim names no next page; the parse that follows reports it.
    fn read_ahead_of(
        &mut self,
        session: &Session,
        response: &Response,
    ) -> Result<(), ConnectorError> {
        let link = match self.link {
            NextLink::Header => next_link(&response.headers),
            NextLink::Field(field) => {
                read_page::<IgnoredAny>(&response.body, self.items, Some(field))
                    .ok()
                    .and_then(|(_, link)| link)
            }
        };
        self.read_ahead(session, &response.url, link)
    }

    /// The response for the current page: the one read ahead, or the first page's.
    async fn response(&mut self, session: &Session) -> Result<Option<Response>, ConnectorError> {
        if let Some(ahead) = self.ahead.take() {
            return match ahead.await {
                Ok(result) => result.map(Some),
                Err(e) => Err(ConnectorError::new(
                    ErrorKind::Cancelled,
                    format!("the page request ended: {e}"),
                )),
            };
        }
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let request = self.request(url)?;
        session
            .http
            .send(request, Some(session.auth.as_ref()))
            .await
            .map(Some)
    }

    /// Check the next link, if any, and send its request in the background.
    fn read_ahead(
        &mut self,
        session: &Session,
        current: &Url,
        link: Option<String>,
    ) -> Result<(), ConnectorError> {
        let Some(link) = link else {
            return Ok(());
        };
        let url = self.guard.follow(current, &link)?;
        let request = self.request(url)?;
        let (http, auth) = (session.http.clone(), session.auth.clone());
        self.ahead = Some(tokio::spawn(async move {
            http.send(request, Some(auth.as_ref())).await
        }));
        Ok(())
    }

    fn request(&self, url: Url) -> Result<Request, ConnectorError> {
        let mut request = Request::get(url);
        for (name, value) in self.headers {
            request = request.header(name, value)?;
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Provider;
    use crate::auth::{Scheme, StaticToken};
    use crate::http::HttpClient;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn session(server: &MockServer) -> Session {
        let http = HttpClient::new(
            "acme",
            Provider::Entra,
            crate::http::HttpSettings {
                requests_per_second: None,
                ..crate::http::HttpSettings::default()
            },
        )
        .unwrap();
        let auth = Arc::new(StaticToken::new(Scheme::Bearer, "t".into()));
        Session::new(http, auth, Url::parse(&server.uri()).unwrap())
    }

    /// Page `n` of 3 at `/v1.0/things?page=n`, answered once, after `delay`.
    async fn mount_page(server: &MockServer, n: u32, delay: Duration, times: u64) {
        let next = (n < 3).then(|| format!("{}/v1.0/things?page={}", server.uri(), n + 1));
        let mut body = json!({"value": [{"id": n * 10}, {"id": n * 10 + 1}]});
        if let Some(next) = next {
            body["@odata.nextLink"] = json!(next);
        }
        Mock::given(method("GET"))
            .and(path("/v1.0/things"))
            .and(query_param("page", n.to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(body)
                    .set_delay(delay),
            )
            .expect(times)
            .mount(server)
            .await;
    }

    fn pages(s: &Session) -> LinkPages {
        LinkPages::new(
            s,
            "v1.0/things?page=1",
            NextLink::Field("@odata.nextLink"),
            Items::Key("value"),
        )
        .unwrap()
    }

    #[derive(Debug, serde::Deserialize)]
    struct Thing {
        id: u32,
    }

    #[tokio::test]
    async fn reading_ahead_asks_for_each_page_once_and_keeps_the_order() {
        let server = MockServer::start().await;
        for n in 1..=3 {
            mount_page(&server, n, Duration::ZERO, 2).await;
        }
        let s = session(&server);
        let mut typed = pages(&s);
        let mut ids = Vec::new();
        while let Some(items) = typed.next_as::<Thing>(&s).await.unwrap() {
            ids.extend(items.into_iter().map(|t| t.id));
        }
        assert_eq!(ids, [10, 11, 20, 21, 30, 31]);
        let mut values = pages(&s);
        let mut ids = Vec::new();
        while let Some(items) = values.next(&s).await.unwrap() {
            ids.extend(items.iter().filter_map(|v| v["id"].as_u64()));
        }
        assert_eq!(ids, [10, 11, 20, 21, 30, 31]);
        // Each page twice in all: once per listing, never a third time.
        server.verify().await;
        assert_eq!(s.summary().requests, 6);
    }

    #[tokio::test]
    async fn a_pager_dropped_early_asks_for_no_page_past_the_one_read_ahead() {
        let server = MockServer::start().await;
        mount_page(&server, 1, Duration::ZERO, 1).await;
        mount_page(&server, 2, Duration::from_millis(300), 1).await;
        mount_page(&server, 3, Duration::ZERO, 0).await;
        let s = session(&server);
        let mut listing = pages(&s);
        let first = listing.next_as::<Thing>(&s).await.unwrap().unwrap();
        assert_eq!(first.len(), 2);
        // Page 2 is in flight; the caller gives up.
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(listing);
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.verify().await;
    }

    #[tokio::test]
    async fn only_the_page_s_own_top_level_link_is_followed_and_a_bad_page_still_fails() {
        let server = MockServer::start().await;
        let uri = server.uri();
        // An item that carries a next-link-like field of its own must not steer the listing.
        let first = format!(
            r#"{{"value": [{{"id": 1, "@odata.nextLink": "{uri}/v1.0/things?page=9"}}], "@odata.nextLink": "{uri}/v1.0/things?page=2"}}"#
        );
        // The second page names a next one but an item of it has the wrong shape.
        let second = format!(
            r#"{{"@odata.nextLink": "{uri}/v1.0/things?page=3", "value": [{{"id": "two"}}]}}"#
        );
        for (n, body, times) in [
            ("1", first, 1),
            ("2", second, 1),
            ("9", "{}".to_string(), 0),
        ] {
            Mock::given(method("GET"))
                .and(path("/v1.0/things"))
                .and(query_param("page", n))
                .respond_with(ResponseTemplate::new(200).set_body_string(body))
                .expect(times)
                .mount(&server)
                .await;
        }
        let s = session(&server);
        let mut listing = pages(&s);
        let items = listing.next_as::<Thing>(&s).await.unwrap().unwrap();
        assert_eq!(items.iter().map(|t| t.id).collect::<Vec<_>>(), [1]);
        let err = listing.next_as::<Thing>(&s).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("item 0"), "{err}");
        drop(listing);
        server.verify().await;
    }
}
