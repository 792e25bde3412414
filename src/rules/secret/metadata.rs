//! SECRET-012: secret-like material in app metadata.
//!
//! Two places are read, each the cheapest way that is complete:
//! - the model's free-text fields (name, description, publisher, redirect URIs, owners,
//!   credential display names) hold provider strings as read, so they are matched live
//!   against the catalog's patterns ([`connectors::redact::find_secrets`]: a byte prefilter,
//!   then one regex);
//! - `raw`, the provider object, was redacted at ingest by [`connectors::redact::evidence`],
//!   which replaced every pattern match with a `[redacted:<kind>]` marker. So the walk over
//!   its strings (and keys) looks only for markers, a plain substring search, and is bounded
//!   in depth and in nodes visited. Every parser keeps `raw` only through `evidence`; one that
//!   did not would store live secrets, which this rule would then not see either.
//!
//! The catalog's last case, "a secret value also seen on a credential digest", is checked on
//! the model's fields when this installation computes digests: every token of them that could
//! be a client secret is digested with the installation key and compared with the digests of
//! this app's credentials and of the estate.
//!
//! Evidence names the field and the kind of secret, never the value. Field paths inside `raw`
//! are provider keys, so they are shown redacted and bounded.

use connectors::redact::{MARKER_PREFIX, find_secrets, markers};
use serde_json::{Value, json};

use super::shown;
use crate::rules::{AppContext, Hit};

/// Deepest `raw` nesting inspected; provider objects are a handful of levels deep.
const MAX_RAW_DEPTH: usize = 32;
/// Most `raw` nodes visited (raw arrays are already cut at 500 items by redaction).
const MAX_RAW_NODES: usize = 20_000;
/// The shortest marker, `[redacted:jwt]`.
const MIN_MARKER_LEN: usize = 14;
/// Most matches listed in evidence (the total is always given).
const MAX_LISTED: usize = 20;
/// Length range of a token worth digesting as a possible client secret (Okta, Auth0 and
/// Keycloak secrets are 32 to 64 characters).
const SECRET_TOKEN_LEN: std::ops::RangeInclusive<usize> = 16..=128;

/// One match: where, what kind, and whether the value was already redacted at ingest.
struct Found {
    field: String,
    kind: &'static str,
    in_raw: bool,
    /// For digest matches: who holds the credential the value belongs to.
    holders: Option<Value>,
}

impl Found {
    fn evidence(&self) -> Value {
        let mut v = json!({"field": self.field, "kind": self.kind});
        if self.in_raw {
            v["redacted_at_ingest"] = true.into();
        }
        if let Some(h) = &self.holders {
            v["credential_of"] = h.clone();
        }
        v
    }
}

/// SECRET-012 over the model's fields and `raw`, with the production digest function.
pub(super) fn secret_012(ctx: &AppContext<'_>) -> Option<Hit> {
    let digest: Option<fn(&str) -> Option<String>> = connectors::secret_digest::enabled()
        .then_some(connectors::secret_digest::digest as fn(&str) -> Option<String>);
    scan(ctx, digest)
}

/// The check itself, with the digest function passed in (tests use their own key).
pub(super) fn scan(
    ctx: &AppContext<'_>,
    digest: Option<fn(&str) -> Option<String>>,
) -> Option<Hit> {
    let mut found: Vec<Found> = Vec::new();
    for_each_field(ctx, |field, text| {
        for m in find_secrets(text) {
            found.push(Found {
                field: field.to_string(),
                kind: m.kind.as_str(),
                in_raw: false,
                holders: None,
            });
        }
    });
    // Raw is almost always clean: a first pass without path bookkeeping says whether the
    // second, which names where each marker is, is needed at all.
    let mut nodes = 0;
    if raw_has_marker(&ctx.app.raw, 0, &mut nodes) {
        let mut walk = RawWalk {
            path: Vec::new(),
            nodes: 0,
            found: &mut found,
        };
        walk.value(&ctx.app.raw, 0);
    }
    if let Some(digest) = digest {
        digest_matches(ctx, digest, &mut found);
    }
    if found.is_empty() {
        return None;
    }
    let listed: Vec<Value> = found.iter().take(MAX_LISTED).map(Found::evidence).collect();
    Some(
        Hit::new()
            .with("matches", listed)
            .with("count", found.len()),
    )
}

/// Call `f` with each of the model's free-text fields and its name as evidence names it.
fn for_each_field<'a>(ctx: &AppContext<'a>, mut f: impl FnMut(FieldName<'a>, &'a str)) {
    let app = ctx.app;
    f(FieldName::Plain("name"), &app.name);
    for (name, value) in [
        ("description", &app.description),
        ("publisher.name", &app.publisher.name),
        ("publisher.domain", &app.publisher.domain),
    ] {
        if let Some(v) = value {
            f(FieldName::Plain(name), v);
        }
    }
    for (i, r) in app.redirect_uris.iter().enumerate() {
        f(FieldName::Indexed("redirect_uris", i, ""), &r.uri);
    }
    for (i, o) in app.owners.iter().enumerate() {
        f(FieldName::Indexed("owners", i, ""), o);
    }
    for (i, c) in app.credentials.iter().enumerate() {
        if let Some(n) = &c.display_name {
            f(FieldName::Indexed("credentials", i, ".display_name"), n);
        }
    }
}

/// A model field's name, rendered only when it goes into evidence.
#[derive(Clone, Copy)]
enum FieldName<'a> {
    Plain(&'a str),
    Indexed(&'a str, usize, &'a str),
}

impl std::fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldName::Plain(name) => f.write_str(name),
            FieldName::Indexed(name, i, rest) => write!(f, "{name}[{i}]{rest}"),
        }
    }
}

/// Whether a redaction marker is in `s`. Nearly every string is clean, and a length check and
/// a memchr for `[` reject it before any substring search.
fn has_marker(s: &str) -> bool {
    s.len() >= MIN_MARKER_LEN && s.as_bytes().contains(&b'[') && s.contains(MARKER_PREFIX)
}

/// Whether any string or key of `v` holds a marker, within the walk's bounds.
fn raw_has_marker(v: &Value, depth: usize, nodes: &mut usize) -> bool {
    *nodes += 1;
    if *nodes > MAX_RAW_NODES || depth > MAX_RAW_DEPTH {
        return false;
    }
    match v {
        Value::String(s) => has_marker(s),
        Value::Array(items) => items.iter().any(|i| raw_has_marker(i, depth + 1, nodes)),
        Value::Object(map) => map
            .iter()
            .any(|(k, i)| has_marker(k) || raw_has_marker(i, depth + 1, nodes)),
        _ => false,
    }
}

/// A step of a path into `raw`.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A bounded depth-first walk over `raw` collecting redaction markers with their paths.
struct RawWalk<'a, 'f> {
    path: Vec<Step<'a>>,
    nodes: usize,
    found: &'f mut Vec<Found>,
}

impl<'a> RawWalk<'a, '_> {
    fn value(&mut self, v: &'a Value, depth: usize) {
        self.nodes += 1;
        if self.nodes > MAX_RAW_NODES || depth > MAX_RAW_DEPTH {
            return;
        }
        match v {
            Value::String(s) => self.text(s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    self.value(item, depth + 1);
                    self.path.pop();
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    self.path.push(Step::Key(k));
                    // Keys are redacted at ingest too.
                    self.text(k);
                    self.value(item, depth + 1);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, s: &str) {
        if !has_marker(s) {
            return;
        }
        for kind in markers(s) {
            let field = self.render();
            self.found.push(Found {
                field,
                kind: kind.as_str(),
                in_raw: true,
                holders: None,
            });
        }
    }

    fn render(&self) -> String {
        let mut p = String::from("raw");
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    p.push('.');
                    p.push_str(k);
                }
                Step::Index(i) => p.push_str(&format!("[{i}]")),
            }
        }
        shown(&p)
    }
}

/// Tokens of `text` that could be a client secret: runs of URL-safe characters of secret
/// length mixing letters and digits. Splitting at `=`, `&`, `/` and `?` isolates a value in a
/// query string or path.
fn secret_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+')))
        .filter(|t| {
            SECRET_TOKEN_LEN.contains(&t.len())
                && t.bytes().any(|b| b.is_ascii_digit())
                && t.bytes().any(|b| b.is_ascii_alphabetic())
        })
}

/// Model fields holding a token whose keyed digest is a credential's secret digest, on this
/// app or on any other app of the estate.
fn digest_matches(
    ctx: &AppContext<'_>,
    digest: fn(&str) -> Option<String>,
    found: &mut Vec<Found>,
) {
    let app = ctx.app;
    for_each_field(ctx, |field, text| {
        for token in secret_tokens(text) {
            let Some(d) = digest(token) else {
                continue;
            };
            let own = app
                .credentials
                .iter()
                .any(|c| c.secret_digest.as_deref() == Some(d.as_str()));
            let others = ctx
                .tenant
                .estate
                .secret_reuse(&d, ctx.tenant.name, &app.external_id);
            if !own && others.is_empty() {
                continue;
            }
            let mut holders: Vec<Value> = Vec::new();
            if own {
                holders.push("this app".into());
            }
            holders.extend(others.iter().take(MAX_LISTED).map(|r| {
                json!({"tenant": shown(&r.tenant), "provider": r.provider.as_str(), "name": shown(&r.name)})
            }));
            found.push(Found {
                field: field.to_string(),
                kind: "credential-secret-value",
                in_raw: false,
                holders: Some(holders.into()),
            });
        }
    });
}
