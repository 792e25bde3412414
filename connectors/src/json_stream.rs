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

/// Call `each` for every item of the list in `reader`.
///
/// The list is either the whole document (`[...]`) or the array under one of `page_keys` of a
/// page object; other keys of the page are skipped. `each` may stop the read by returning an
/// error, which is returned as is. Returns the number of items read.
pub fn for_each_item<T, R, F>(reader: R, page_keys: &[&str], each: F) -> Result<u64, ConnectorError>
where
    T: DeserializeOwned,
    R: Read,
    F: FnMut(T) -> Result<(), ConnectorError>,
{
    let mut state = State {
        each,
        failure: None,
        count: 0,
        _item: PhantomData,
    };
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let outcome = DocumentSeed {
        state: &mut state,
        page_keys,
    }
    .deserialize(&mut de)
    .and_then(|found| {
        de.end()?;
        Ok(found)
    });
    if let Some(failure) = state.failure.take() {
        return Err(failure);
    }
    match outcome {
        Ok(true) => Ok(state.count),
        Ok(false) => Err(ConnectorError::malformed(format!(
            "expected a JSON array or an object with a list under {}",
            page_keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
        Err(e) => Err(ConnectorError::malformed(format!("invalid JSON: {e}"))),
    }
}

struct State<T, F> {
    each: F,
    failure: Option<ConnectorError>,
    count: u64,
    _item: PhantomData<T>,
}

/// Deserializes the document; yields whether a list was found.
struct DocumentSeed<'s, T, F> {
    state: &'s mut State<T, F>,
    page_keys: &'s [&'s str],
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

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if !found && self.page_keys.contains(&key.as_str()) {
                map.next_value_seed(ItemsSeed {
                    state: &mut *self.state,
                })?;
                found = true;
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
                Err(e) => return Err(de::Error::custom(format_args!("item {index}: {e}"))),
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

    #[test]
    fn the_callback_can_stop_the_read() {
        let r = for_each_item::<Item, _, _>(r#"[{"id":1},{"id":2}]"#.as_bytes(), &[], |_| {
            Err(ConnectorError::malformed("enough"))
        });
        assert_eq!(r.err().map(|e| e.message), Some("enough".to_string()));
    }
}
