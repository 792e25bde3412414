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
            other => self.in_item(other),
        })
    }

    /// An error in the item being read, named by its index.
    fn in_item(&self, e: impl fmt::Display) -> ConnectorError {
        invalid(format!("item {}: {e}", self.count))
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
            let item = serde_json::from_slice::<T>(&self.buf).map_err(|e| self.in_item(e))?;
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
            match doc.peek().map_err(invalid)? {
                Some(b'"') => {}
                Some(byte) => {
                    return Err(invalid(scan::ScanError::Unexpected {
                        byte,
                        expected: "a member name",
                    }));
                }
                None => return Err(invalid(scan::ScanError::Truncated)),
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
    let mut page = Collected {
        items: Vec::new(),
        bad_item: None,
    };
    let mut link = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let outcome = match items {
        PageItems::Key(key) => PageSeed {
            page: &mut page,
            key,
            link: link_field.map(|f| (f, &mut link)),
        }
        .deserialize(&mut de),
        PageItems::List => ItemsSeed { page: &mut page }.deserialize(&mut de),
    }
    .and_then(|()| de.end());
    match outcome {
        Ok(()) => Ok((page.items, link)),
        Err(e) => Err(ConnectorError::malformed(format!(
            "response is not a valid page ({} at line {} column {}: {}{e})",
            match e.classify() {
                serde_json::error::Category::Eof => "truncated",
                serde_json::error::Category::Syntax => "syntax error",
                _ => "unexpected data",
            },
            e.line(),
            e.column(),
            page.bad_item
                .map(|i| format!("item {i}: "))
                .unwrap_or_default()
        ))),
    }
}

/// The items of a page read so far, and the index of the one that failed to parse, if any.
struct Collected<T> {
    items: Vec<T>,
    bad_item: Option<usize>,
}

/// A page object: the list under `key` (absent or `null`: no items), a bare list, and the
/// string of a top-level `link` field kept where it points.
struct PageSeed<'s, T> {
    page: &'s mut Collected<T>,
    key: &'s str,
    link: Option<(&'s str, &'s mut Option<String>)>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of items or a page object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        ItemsSeed { page: self.page }.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !found && key == self.key {
                map.next_value_seed(NullOr(ItemsSeed {
                    page: &mut *self.page,
                }))?;
                found = true;
            } else if let Some((_, link)) = self.link.as_mut().filter(|(f, _)| *f == key) {
                **link = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
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

/// A JSON array, each item deserialized into the page.
struct ItemsSeed<'s, T> {
    page: &'s mut Collected<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ItemsSeed<'_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ItemsSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            match seq.next_element::<T>() {
                Ok(Some(item)) => self.page.items.push(item),
                Ok(None) => return Ok(()),
                Err(e) => {
                    // Kept as it is (its category tells a truncated page from a wrong item);
                    // `read_page` names the item.
                    self.page.bad_item = Some(self.page.items.len());
                    return Err(e);
                }
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
