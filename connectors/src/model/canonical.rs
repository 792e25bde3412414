//! The canonical JSON form of model values and their SHA-256 content hash.
//!
//! Canonical form: the serde JSON serialization of a *normalized* model value (collections
//! sorted and de-duplicated by `normalize()`, object keys of embedded JSON sorted by
//! [`canonicalize_value`]). Struct fields serialize in declaration order, so the bytes depend
//! only on the value: not on the order the provider returned fields, array items or map keys,
//! and not on the run. The content hash is SHA-256 over those bytes, streamed without
//! building an intermediate string.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 content hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// From the 32 bytes stored in the database; `None` if the length is wrong.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(ContentHash)
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// The canonical JSON bytes of a normalized value.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// SHA-256 over the canonical JSON of a normalized value.
pub fn content_hash<T: Serialize + ?Sized>(value: &T) -> ContentHash {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let hash = canonical_json_into(value, &mut buf);
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        hash
    })
}

/// Write the canonical JSON of a normalized value into `buf` (replacing its contents) and
/// return its content hash: for callers that need both, without serializing twice.
pub fn canonical_json_into<T: Serialize + ?Sized>(value: &T, buf: &mut Vec<u8>) -> ContentHash {
    buf.clear();
    // Writing into a Vec cannot fail, and model types always serialize.
    let _ = serde_json::to_writer(&mut *buf, value);
    ContentHash(Sha256::digest(buf.as_slice()).into())
}

/// Rebuild a JSON value with every object's keys in sorted order, whatever map type
/// `serde_json` was built with.
pub fn canonicalize_value(value: Value) -> Value {
    match value {
        // serde_json's default map is already sorted: then only the members need a look.
        Value::Object(mut map) if map.keys().is_sorted() => {
            for v in map.values_mut() {
                *v = canonicalize_value(std::mem::take(v));
            }
            Value::Object(map)
        }
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, canonicalize_value(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonicalize_value).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Provider;
    use crate::model::{OAuthApp, RedirectKind, RedirectUri};
    use serde_json::json;

    fn app_with(uris: &[&str], raw: Value) -> OAuthApp {
        let mut app = OAuthApp::new(Provider::Okta, "0oa1", "Sync");
        for u in uris {
            app.redirect_uris.push(RedirectUri {
                uri: (*u).to_string(),
                kind: RedirectKind::Web,
                kind_inferred: true,
            });
        }
        app.requested_scopes = vec!["b".into(), "a".into(), "a".into()];
        app.raw = canonicalize_value(raw);
        app.normalize();
        app
    }

    #[test]
    fn hash_ignores_provider_ordering_of_arrays_and_keys() {
        let a = app_with(
            &["https://a.example/cb", "https://b.example/cb"],
            json!({"x": 1, "y": {"b": 2, "a": 1}}),
        );
        let b = app_with(
            &["https://b.example/cb", "https://a.example/cb"],
            json!({"y": {"a": 1, "b": 2}, "x": 1}),
        );
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    #[test]
    fn hash_changes_when_content_changes() {
        let a = app_with(&["https://a.example/cb"], json!({}));
        let b = app_with(&["https://a.example/cb2"], json!({}));
        assert_ne!(content_hash(&a), content_hash(&b));
    }

    #[test]
    fn hash_is_stable_across_runs() {
        // A fixed value must always hash to the same digest: this pins the canonical form, so a
        // change to the model's serialization shows up here (and means every app re-versions).
        let h = content_hash(&json!({"a": [1, 2], "b": "c"}));
        assert_eq!(
            h.to_hex(),
            hex::encode(Sha256::digest(br#"{"a":[1,2],"b":"c"}"#))
        );
    }

    #[test]
    fn canonicalize_sorts_nested_keys() {
        let v = canonicalize_value(json!({"b": {"d": 1, "c": [{"f": 1, "e": 2}]}, "a": null}));
        assert_eq!(
            serde_json::to_string(&v).unwrap_or_default(),
            r#"{"a":null,"b":{"c":[{"e":2,"f":1}],"d":1}}"#
        );
    }

    #[test]
    fn content_hash_round_trips_through_bytes() {
        let h = content_hash(&json!(1));
        assert_eq!(ContentHash::from_slice(&h.0), Some(h));
        assert_eq!(ContentHash::from_slice(&[1, 2]), None);
    }
}
