//! Streaming reader for provider list responses: a top-level JSON array, or a page object
//! whose item array sits under a known key (`{"value": [...]}` for Microsoft Graph).
//!
//! Items are deserialized and handed to a callback one at a time, so a 300 MB export of a
//! million grants is read in constant memory.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

use crate::error::ConnectorError;

mod scan;

/// Call `each` for every item of the list in `reader`.
///
/// The list is either the whole document (`[...]`) or the array under one of `page_keys` of a
/// page object; other keys of the page are skipped. `each` may stop the read by returning an
/// error, which is returned as is. Returns the number of items read.
///
/// The document is walked with [`scan::Scanner`] and each item parsed from its own bytes, so
/// memory holds one item at a time; every item, every skipped member and the structure around
/// them are still validated as JSON.
pub fn for_each_item<T, R, F>(
    reader: R,
    page_keys: &[&str],
    mut each: F,
) -> Result<u64, ConnectorError>
where
    T: DeserializeOwned,
    R: Read,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    let mut doc = scan::Scanner::new(std::io::BufReader::with_capacity(1 << 16, reader));
    let mut items = ItemReader {
        buf: Vec::new(),
        count: 0,
    };
    let found = match doc.peek().map_err(invalid)? {
        Some(b'[') => {
            items.list(&mut doc, &mut each)?;
            true
        }
        Some(b'{') => items.page(&mut doc, page_keys, &mut each)?,
        Some(byte) => {
            return Err(invalid(scan::ScanError::Unexpected {
                byte,
                expected: "a list or a page object",
            }));
        }
        None => return Err(invalid(scan::ScanError::Truncated)),
    };
    if let Some(byte) = doc.peek().map_err(invalid)? {
        return Err(invalid(scan::ScanError::Unexpected {
            byte,
            expected: "the end of the document",
        }));
    }
    if !found {
        return Err(ConnectorError::malformed(format!(
            "expected a JSON array or an object with a list under {}",
            page_keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    Ok(items.count)
}

fn invalid(e: impl fmt::Display) -> ConnectorError {
    ConnectorError::malformed(format!("invalid JSON: {e}"))
}

/// The items of one document, parsed one at a time from a reused buffer.
struct ItemReader {
    buf: Vec<u8>,
    count: u64,
}

impl ItemReader {
    /// The next value's bytes, in `self.buf`.
    fn take<R: std::io::BufRead>(
        &mut self,
        doc: &mut scan::Scanner<R>,
    ) -> Result<(), ConnectorError> {
        self.buf.clear();
        doc.value(&mut self.buf).map_err(|e| match e {
            scan::ScanError::Truncated | scan::ScanError::Io(_) => invalid(e),
            other => invalid(format!("item {}: {other}", self.count)),
        })
    }

    /// A list (`[` next), each item handed to `each`.
    fn list<T, R, F>(
        &mut self,
        doc: &mut scan::Scanner<R>,
        each: &mut F,
    ) -> Result<(), ConnectorError>
    where
        T: DeserializeOwned,
        R: std::io::BufRead,
        F: FnMut(T) -> Result<(), ConnectorError>,
    {
        doc.expect(b"[", "`[`").map_err(invalid)?;
        if doc.peek().map_err(invalid)? == Some(b']') {
            doc.expect(b"]", "`]`").map_err(invalid)?;
            return Ok(());
        }
        loop {
            self.take(doc)?;
            let item = serde_json::from_slice::<T>(&self.buf)
                .map_err(|e| invalid(format!("item {}: {e}", self.count)))?;
            self.count += 1;
            each(item)?;
            if doc.expect(b",]", "`,` or `]`").map_err(invalid)? == b']' {
                return Ok(());
            }
        }
    }

    /// A page object (`{` next): the list under the first of `page_keys` present; other
    /// members are checked and skipped. Returns whether a list was found.
    fn page<T, R, F>(
        &mut self,
        doc: &mut scan::Scanner<R>,
        page_keys: &[&str],
        each: &mut F,
    ) -> Result<bool, ConnectorError>
    where
        T: DeserializeOwned,
        R: std::io::BufRead,
        F: FnMut(T) -> Result<(), ConnectorError>,
    {
        doc.expect(b"{", "`{`").map_err(invalid)?;
        if doc.peek().map_err(invalid)? == Some(b'}') {
            doc.expect(b"}", "`}`").map_err(invalid)?;
            return Ok(false);
        }
        let mut found = false;
        loop {
            if doc.peek().map_err(invalid)? != Some(b'"') {
                let byte = doc
                    .peek()
                    .map_err(invalid)?
                    .ok_or_else(|| invalid(scan::ScanError::Truncated))?;
                return Err(invalid(scan::ScanError::Unexpected {
                    byte,
                    expected: "a member name",
                }));
            }
            self.take(doc)?;
            let key: String = serde_json::from_slice(&self.buf).map_err(invalid)?;
            doc.expect(b":", "`:`").map_err(invalid)?;
            if !found && page_keys.contains(&key.as_str()) {
                self.list(doc, each)?;
                found = true;
            } else {
                self.take(doc)?;
                serde_json::from_slice::<IgnoredAny>(&self.buf).map_err(|e| {
                    invalid(format!("`{}`: {e}", crate::redact::bound_str(&key, 64)))
                })?;
            }
            if doc.expect(b",}", "`,` or `}`").map_err(invalid)? == b'}' {
                return Ok(found);
            }
        }
    }
}

/// Where a page in memory keeps its items.
#[derive(Debug, Clone, Copy)]
pub enum PageItems<'k> {
    /// Under this key of a page object (absent or `null`: no items), or the body itself when it
    /// is a bare array.
    Key(&'k str),
    /// The body itself, which must be a JSON array.
    List,
}

/// Read one page of a listing held in memory, such as an HTTP response body, straight into
/// typed items (no intermediate `serde_json::Value` tree), with the string value of the
/// top-level field `link_field` (a next-page link such as `@odata.nextLink`) when asked for.
///
/// Errors are malformed-data errors: invalid or truncated JSON, an item of the wrong shape
/// (named by its index), or items that are not a list.
pub fn read_page<T: DeserializeOwned>(
    body: &[u8],
    items: PageItems<'_>,
    link_field: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ConnectorError> {
    let mut out = Vec::new();
    let mut link = None;
    let mut state = State {
        each: |item: T| {
            out.push(item);
            Ok(())
        },
        failure: None,
        count: 0,
        bad_item: None,
        _item: PhantomData,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let outcome = match items {
        PageItems::Key(key) => {
            let keys = [key];
            DocumentSeed {
                state: &mut state,
                page_keys: &keys,
                link: link_field.map(|f| (f, &mut link)),
                null_is_empty: true,
            }
            .deserialize(&mut de)
            .map(drop)
        }
        PageItems::List => ItemsSeed { state: &mut state }.deserialize(&mut de),
    }
    .and_then(|()| de.end());
    let bad_item = state.bad_item;
    match outcome {
        Ok(()) => Ok((out, link)),
        Err(e) => Err(ConnectorError::malformed(format!(
            "response is not a valid page ({} at line {} column {}: {}{e})",
            match e.classify() {
                serde_json::error::Category::Eof => "truncated",
                serde_json::error::Category::Syntax => "syntax error",
                _ => "unexpected data",
            },
            e.line(),
            e.column(),
            item_label(bad_item)
        ))),
    }
}

/// `item N: ` for the item a parse error is in, if it is in one.
fn item_label(item: Option<u64>) -> String {
    item.map(|i| format!("item {i}: ")).unwrap_or_default()
}

struct State<T, F> {
    each: F,
    failure: Option<ConnectorError>,
    count: u64,
    /// The index of the item that failed to parse, if one did.
    bad_item: Option<u64>,
    _item: PhantomData<T>,
}

/// Deserializes the document; yields whether a list was found.
struct DocumentSeed<'s, T, F> {
    state: &'s mut State<T, F>,
    page_keys: &'s [&'s str],
    /// A top-level string field to keep (a page's next link) and where to keep it.
    link: Option<(&'s str, &'s mut Option<String>)>,
    /// Whether `null` under a page key is an empty list (a live page) or malformed (an export).
    null_is_empty: bool,
}

impl<'de, T, F> DeserializeSeed<'de> for DocumentSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, F> Visitor<'de> for DocumentSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of items or a page object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        ItemsSeed { state: self.state }.visit_seq(seq)?;
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !found && self.page_keys.contains(&key.as_ref()) {
                if self.null_is_empty {
                    map.next_value_seed(NullOr(ItemsSeed {
                        state: &mut *self.state,
                    }))?;
                } else {
                    map.next_value_seed(ItemsSeed {
                        state: &mut *self.state,
                    })?;
                }
                found = true;
            } else if let Some((_, link)) = self.link.as_mut().filter(|(f, _)| *f == key) {
                **link = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct ItemsSeed<'s, T, F> {
    state: &'s mut State<T, F>,
}

/// `null`, taken as an empty list, or what the inner seed reads.
struct NullOr<S>(S);

impl<'de, S: DeserializeSeed<'de, Value = ()>> DeserializeSeed<'de> for NullOr<S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de, Value = ()>> Visitor<'de> for NullOr<S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of items or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.deserialize(d)
    }
}

impl<'de, T, F> DeserializeSeed<'de> for ItemsSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T, F> Visitor<'de> for ItemsSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let index = self.state.count;
            let item = match seq.next_element::<T>() {
                Ok(Some(item)) => item,
                Ok(None) => return Ok(()),
                Err(e) => {
                    // Kept as it is (its category tells a truncated page from a wrong item);
                    // the caller names the item.
                    self.state.bad_item = Some(index);
                    return Err(e);
                }
            };
            self.state.count += 1;
            if let Err(e) = (self.state.each)(item) {
                self.state.failure = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Item {
        id: u32,
    }

    fn read(doc: &str) -> Result<Vec<u32>, ConnectorError> {
        let mut out = Vec::new();
        for_each_item::<Item, _, _>(doc.as_bytes(), &["value"], |i| {
            out.push(i.id);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_a_bare_array_and_a_graph_page() {
        assert_eq!(read(r#"[{"id":1},{"id":2}]"#), Ok(vec![1, 2]));
        let page =
            r#"{"@odata.context":"x","value":[{"id":3}],"@odata.nextLink":"https://graph/next"}"#;
        assert_eq!(read(page), Ok(vec![3]));
    }

    #[test]
    fn malformed_documents_are_errors_naming_the_item() {
        let e = read(r#"[{"id":1},{"id":"two"}]"#)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(e.contains("item 1"), "{e}");
        assert!(read(r#"[{"id":1},"#).is_err());
        assert!(read(r#"{"items":[]}"#).is_err());
        assert!(read(r#"[{"id":1}] trailing"#).is_err());
    }

    fn page(body: &str, items: PageItems<'_>) -> Result<(Vec<u32>, Option<String>), String> {
        read_page::<Item>(body.as_bytes(), items, Some("@odata.nextLink"))
            .map(|(items, link)| (items.into_iter().map(|i| i.id).collect(), link))
            .map_err(|e| e.message)
    }

    #[test]
    fn a_page_in_memory_yields_its_items_and_next_link() {
        let body = r#"{"@odata.context":"x","value":[{"id":1},{"id":2}],"@odata.nextLink":"https://graph/next"}"#;
        assert_eq!(
            page(body, PageItems::Key("value")),
            Ok((vec![1, 2], Some("https://graph/next".to_string())))
        );
        // The link may come first, as Graph writes it; the last page has none.
        let body = r#"{"@odata.nextLink":"n2","value":[{"id":3}]}"#;
        assert_eq!(
            page(body, PageItems::Key("value")),
            Ok((vec![3], Some("n2".to_string())))
        );
        assert_eq!(
            page(r#"{"value":[{"id":4}]}"#, PageItems::Key("value")),
            Ok((vec![4], None))
        );
        // A live page with no items may leave the list out or make it null.
        for empty in [r#"{}"#, r#"{"value":null}"#, r#"{"value":[]}"#] {
            assert_eq!(
                page(empty, PageItems::Key("value")),
                Ok((vec![], None)),
                "{empty}"
            );
        }
        assert_eq!(
            page(r#"[{"id":5}]"#, PageItems::Key("value")),
            Ok((vec![5], None))
        );
        assert_eq!(page(r#"[{"id":6}]"#, PageItems::List), Ok((vec![6], None)));
    }

    #[test]
    fn a_malformed_page_is_an_error_naming_what_is_wrong() {
        let bad_item = page(
            r#"{"value":[{"id":1},{"id":"two"}]}"#,
            PageItems::Key("value"),
        );
        assert!(
            bad_item.as_ref().is_err_and(|e| e.contains("item 1")),
            "{bad_item:?}"
        );
        let truncated = page(r#"{"value":[{"id":1},{"i"#, PageItems::Key("value"));
        assert!(
            truncated.as_ref().is_err_and(|e| e.contains("truncated")),
            "{truncated:?}"
        );
        assert!(page(r#"{"value":{"id":1}}"#, PageItems::Key("value")).is_err());
        assert!(page(r#"{"value":[]}"#, PageItems::List).is_err());
        assert!(page(r#"{"value":[]} trailing"#, PageItems::Key("value")).is_err());
        assert!(
            page(
                r#"{"value":[],"@odata.nextLink":7}"#,
                PageItems::Key("value")
            )
            .is_err()
        );
    }

    #[test]
    fn the_callback_can_stop_the_read() {
        let r = for_each_item::<Item, _, _>(r#"[{"id":1},{"id":2}]"#.as_bytes(), &[], |_| {
            Err(ConnectorError::malformed("enough"))
        });
        assert_eq!(r.err().map(|e| e.message), Some("enough".to_string()));
    }
}
