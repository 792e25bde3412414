//! Small helpers the provider parsers share: bounded strings and lists, lenient scalars, times,
//! redirect URI kinds and secret credentials.
//!
//! Provider JSON is attacker-controlled (an app's name, its URIs and its scopes are chosen by
//! whoever registered it), so every string copied into the model goes through a bound here.
//! Nothing in this module reads the clock or keeps a secret value.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::error::ConnectorError;
use crate::model::{AppKind, Credential, CredentialKind, OAuthApp, RedirectKind, RedirectUri};
use crate::redact::bound_str;

/// Longest name, id or scope kept, in bytes.
pub(crate) const MAX_NAME: usize = 256;
/// Longest description kept, in bytes.
pub(crate) const MAX_TEXT: usize = 1024;
/// Longest redirect URI kept, in bytes (the rules need the raw string, so this is generous).
pub(crate) const MAX_URI: usize = 2048;
/// Most items kept from one provider list (redirect URIs, scopes, keys).
pub(crate) const MAX_ITEMS: usize = 1000;

/// A name, id or scope, bounded.
pub(crate) fn short(s: &str) -> String {
    bound_str(s, MAX_NAME)
}

/// A description, bounded.
pub(crate) fn text(s: &str) -> String {
    bound_str(s, MAX_TEXT)
}

/// The non-empty string at `key`.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A boolean the provider may write as `true` or as the string `"true"` (Salesforce Metadata
/// API JSON converted from XML carries every scalar as a string).
pub(crate) fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A non-negative integer written as a number or a numeric string.
pub(crate) fn uint(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The strings of a list, or a single string (XML-converted JSON turns one-item lists into
/// scalars); empty strings and other values are skipped. Not bounded: callers bound.
pub(crate) fn str_items(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Names or scopes from a list (or a single string), bounded in length and count.
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    str_items(v)
        .into_iter()
        .take(MAX_ITEMS)
        .map(short)
        .collect()
}

/// Space-separated scopes (RFC 6749 §3.3), bounded.
pub(crate) fn scope_list(s: &str) -> Vec<String> {
    s.split_whitespace().take(MAX_ITEMS).map(short).collect()
}

/// Unix seconds to a time; `None` for 0 and out-of-range values.
pub(crate) fn epoch(secs: i64) -> Option<DateTime<Utc>> {
    (secs > 0)
        .then(|| Utc.timestamp_opt(secs, 0).single())
        .flatten()
}

/// An RFC 3339 time, or Salesforce's `2024-05-01T10:00:00.000+0000` (offset without a colon).
pub(crate) fn datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The time at `key`, when it parses.
pub(crate) fn time_at(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    str_at(v, key).and_then(datetime)
}

/// The host of an absolute URI, bounded; `None` when there is none.
pub(crate) fn host_of(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    Some(short(host)).filter(|h| !h.is_empty())
}

/// The URI's scheme, lowercased, when it has a syntactically valid one (RFC 3986 §3.1).
fn scheme_of(uri: &str) -> Option<String> {
    let (scheme, _) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Whether the URI's host is a loopback literal or a localhost name (RFC 8252 §7.3, RFC 6761).
pub(crate) fn is_loopback(uri: &str) -> bool {
    host_of(uri).is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == "localhost"
            || h.ends_with(".localhost")
            || h == "[::1]"
            || h.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// A redirect URI whose platform the provider does not state, inferred from its form and the
/// app's kind: a private-use scheme is native; a loopback host is native unless the app is
/// known to be something else; otherwise the URI follows the app (SPA or web). A string without
/// a scheme (a bare `*` or host pattern) has no kind.
pub(crate) fn inferred_redirect(uri: &str, app_kind: AppKind) -> RedirectUri {
    let kind = match scheme_of(uri).as_deref() {
        None => RedirectKind::Unknown,
        Some("http" | "https") => match app_kind {
            AppKind::Spa => RedirectKind::Spa,
            AppKind::Native => RedirectKind::Native,
            AppKind::Unknown if is_loopback(uri) => RedirectKind::Native,
            _ => RedirectKind::Web,
        },
        Some(_) => RedirectKind::Native,
    };
    RedirectUri {
        uri: bound_str(uri, MAX_URI),
        kind,
        kind_inferred: true,
    }
}

/// Add `uris` to the app with inferred kinds, keeping at most [`MAX_ITEMS`] and noting a cut.
pub(crate) fn add_redirects<'a>(app: &mut OAuthApp, uris: impl IntoIterator<Item = &'a str>) {
    let mut total = 0usize;
    for uri in uris {
        total += 1;
        if total <= MAX_ITEMS {
            let r = inferred_redirect(uri, app.app_kind);
            app.redirect_uris.push(r);
        }
    }
    if total > MAX_ITEMS {
        app.note_inferred(
            "redirect_uris",
            format!("only the first {MAX_ITEMS} of {total} registered redirect URIs are kept"),
        );
    }
}

/// Whether a secret value a provider returned is a placeholder rather than the secret
/// (`[REDACTED]` in recordings, asterisks in exports).
pub(crate) fn is_masked(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.chars().all(|c| c == '*' || c == '•')
        || v.to_ascii_lowercase().contains("redacted")
}

/// A client secret of `app_id`: its public identity only. When the provider returned the value
/// (`secret`), only its keyed digest is kept, for reuse detection (SECRET-010).
pub(crate) fn secret_credential(provider: &str, app_id: &str, secret: Option<&str>) -> Credential {
    Credential {
        kind: CredentialKind::Secret,
        key_id: None,
        hint: None,
        display_name: Some("client secret".into()),
        created_at: None,
        expires_at: None,
        never_expires: false,
        fingerprint: Credential::fingerprint_of(&[provider, app_id, "client_secret"]),
        secret_digest: secret
            .filter(|s| !is_masked(s))
            .and_then(crate::secret_digest::digest),
    }
}

/// A public key or certificate credential of `app_id`, identified by `key_id`.
pub(crate) fn key_credential(
    provider: &str,
    app_id: &str,
    kind: CredentialKind,
    key_id: Option<&str>,
) -> Credential {
    Credential {
        kind,
        key_id: key_id.map(short),
        hint: None,
        display_name: None,
        created_at: None,
        expires_at: None,
        never_expires: false,
        fingerprint: Credential::fingerprint_of(&[
            provider,
            app_id,
            kind.as_str(),
            key_id.unwrap_or(""),
        ]),
        secret_digest: None,
    }
}

/// The items of a document, each with a label for error messages (`clients[3]`): the elements
/// of a JSON array, the elements of the arrays under `page_keys` of a page object, or the
/// object itself.
pub(crate) fn document_items<'a>(value: &'a Value, page_keys: &[&str]) -> Vec<(String, &'a Value)> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        Value::Object(map) => {
            let mut out = Vec::new();
            let mut paged = false;
            for key in page_keys {
                if let Some(Value::Array(items)) = map.get(*key) {
                    paged = true;
                    out.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (format!("{key}[{i}]"), v)),
                    );
                }
            }
            if !paged {
                out.push(("the object".to_string(), value));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Longest error message kept, in bytes: parse errors quote the provider's values.
pub(crate) const MAX_MESSAGE: usize = 1024;

/// An error mapper that says which item of a document an error is about (and bounds the
/// message, which may quote attacker-controlled values).
pub(crate) fn in_item(label: &str) -> impl Fn(ConnectorError) -> ConnectorError + '_ {
    move |e| ConnectorError {
        message: bound_str(&format!("{label}: {}", e.message), MAX_MESSAGE),
        ..e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redirect_kinds_follow_scheme_host_and_app_kind() {
        let k = |u: &str, a| inferred_redirect(u, a).kind;
        assert_eq!(k("com.acme.app:/cb", AppKind::Web), RedirectKind::Native);
        assert_eq!(
            k("http://127.0.0.1:8080/cb", AppKind::Unknown),
            RedirectKind::Native
        );
        assert_eq!(k("http://localhost/cb", AppKind::Web), RedirectKind::Web);
        assert_eq!(
            k("https://app.acme.com/cb", AppKind::Spa),
            RedirectKind::Spa
        );
        assert_eq!(
            k("https://app.acme.com/cb", AppKind::Unknown),
            RedirectKind::Web
        );
        assert_eq!(k("*", AppKind::Web), RedirectKind::Unknown);
        assert_eq!(k("*.acme.com/cb", AppKind::Web), RedirectKind::Unknown);
        assert!(inferred_redirect("https://a.example/cb", AppKind::Web).kind_inferred);
    }

    #[test]
    fn hosts_and_loopback_are_read_from_the_authority() {
        assert_eq!(
            host_of("https://u:p@a.example:8443/x").as_deref(),
            Some("a.example")
        );
        assert_eq!(host_of("http://[::1]:9/cb").as_deref(), Some("[::1]"));
        assert_eq!(host_of("myapp:/cb"), None);
        assert!(is_loopback("http://127.0.0.1:1234/cb") && is_loopback("http://x.localhost/"));
        assert!(!is_loopback("https://localhost.evil.example/cb"));
        assert!(!is_loopback("http://127.evil.example/cb"));
    }

    #[test]
    fn lenient_scalars_times_and_lists() {
        assert_eq!(flag(Some(&json!("TRUE"))), Some(true));
        assert_eq!(flag(Some(&json!(1))), None);
        assert_eq!(uint(Some(&json!("36"))), Some(36));
        assert_eq!(strings(Some(&json!("Api"))), vec!["Api"]);
        assert_eq!(scope_list(" a  b "), vec!["a", "b"]);
        assert_eq!(epoch(0), None);
        assert_eq!(
            datetime("2024-05-01T10:00:00.000+0000").map(|t| t.timestamp()),
            datetime("2024-05-01T10:00:00Z").map(|t| t.timestamp())
        );
        assert!(is_masked("[REDACTED]") && is_masked("*****") && !is_masked("s3cr3t"));
    }

    #[test]
    fn documents_are_arrays_pages_or_single_objects() {
        let page = json!({"total": 2, "clients": [{"a": 1}, {"a": 2}]});
        let items = document_items(&page, &["clients"]);
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].0, "clients[1]");
        assert_eq!(document_items(&json!([{"a": 1}]), &["clients"])[0].0, "[0]");
        assert_eq!(document_items(&json!({"a": 1}), &["clients"]).len(), 1);
        assert!(document_items(&json!("x"), &["clients"]).is_empty());
        let long = in_item("[0]")(ConnectorError::malformed("x".repeat(5000)));
        assert!(long.message.len() < MAX_MESSAGE + 40 && long.message.starts_with("[0]: x"));
    }
}
