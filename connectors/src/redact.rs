//! Redaction and bounding of provider objects kept as evidence.
//!
//! Provider JSON is attacker-controlled and may carry live secrets (Okta and Keycloak return
//! client secrets to admins). Before a provider object is kept as `raw` evidence, every
//! secret-like string value is replaced and overlong strings and arrays are cut.

use serde_json::{Map, Value};

use crate::model::canonicalize_value;

/// The replacement for a redacted value.
pub const REDACTED: &str = "[redacted]";
/// Longest string kept in evidence, in bytes.
pub const MAX_EVIDENCE_STRING: usize = 2048;
/// Most array items kept in evidence.
pub const MAX_EVIDENCE_ITEMS: usize = 500;

/// Redact secret-like values, bound sizes, and sort keys: the form `raw` evidence is stored in.
pub fn evidence(value: Value) -> Value {
    canonicalize_value(redact(value))
}

fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            // A JSON Web Key (RFC 7517) carries its private or symmetric key material in short
            // members that mean nothing elsewhere, so they are redacted only inside a JWK.
            let jwk = map.contains_key("kty");
            let mut out = Map::new();
            for (k, v) in map {
                let secret =
                    is_secret_key(&k) || (jwk && JWK_PRIVATE_MEMBERS.contains(&k.as_str()));
                let v = if secret && !is_flag_or_container(&v) {
                    Value::String(REDACTED.to_string())
                } else {
                    redact(v)
                };
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let total = items.len();
            let mut out: Vec<Value> = items
                .into_iter()
                .take(MAX_EVIDENCE_ITEMS)
                .map(redact)
                .collect();
            if total > MAX_EVIDENCE_ITEMS {
                out.push(Value::String(format!(
                    "[{} more items not kept]",
                    total - MAX_EVIDENCE_ITEMS
                )));
            }
            Value::Array(out)
        }
        Value::String(s) => Value::String(bound_str(&s, MAX_EVIDENCE_STRING)),
        other => other,
    }
}

/// Cut `s` to at most `max` bytes on a character boundary, saying how much was cut.
pub fn bound_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} bytes cut]", &s[..end], s.len() - end)
}

/// Values that cannot be a secret however their key reads (`"use_refresh_token": "false"`):
/// null, booleans and the strings `true` / `false`, and containers (redacted item by item).
fn is_flag_or_container(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::Object(_) | Value::Array(_) => true,
        Value::String(s) => s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"),
        Value::Number(_) => false,
    }
}

/// JWK members holding private (RSA, EC, OKP) or symmetric (`k`) key material (RFC 7518 §6).
const JWK_PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Keys whose scalar values are secrets: anything naming a secret, password or private key,
/// PEM blocks (GitHub returns an App's private key as `pem` once), and token fields (any key
/// ending in `token`: `access_token`, Salesforce `DeleteToken`, RFC 7592
/// `registration_access_token`, Slack `bot_token` ...). Metadata about a secret (its creation time, hint, type, whether it is
/// required) is kept: those keys end in one of `KEEP_SUFFIXES`.
fn is_secret_key(key: &str) -> bool {
    const EXACT: [&str; 11] = [
        "pem",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "accesstoken",
        "refreshtoken",
        "api_key",
        "apikey",
        "key",
        "signing_key",
    ];
    const KEEP_SUFFIXES: [&str; 12] = [
        "time", "date", "datetime", "_at", "hint", "type", "method", "optional", "required",
        "enabled", "policy", "count",
    ];
    let k = key.to_ascii_lowercase();
    if EXACT.contains(&k.as_str()) || k.ends_with("token") {
        return true;
    }
    let secretish = k.contains("secret")
        || k.contains("password")
        || k.contains("private_key")
        || k.contains("privatekey");
    secretish && !KEEP_SUFFIXES.iter().any(|s| k.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_replaced_but_their_metadata_kept() {
        let v = evidence(json!({
            "clientId": "abc",
            "secret": "s3cr3t",
            "credentials": {"oauthClient": {"client_secret": "zzz", "token_endpoint_auth_method": "client_secret_basic"}},
            "attributes": {"client.secret.creation.time": "1695977117"},
            "passwordCredentials": [{"hint": "abc", "secretText": "full", "endDateTime": "2030-01-01T00:00:00Z"}],
            "refresh_token": {"rotation_type": "rotating"}
        }));
        let s = v.to_string();
        assert!(
            !s.contains("s3cr3t") && !s.contains("zzz") && !s.contains("full"),
            "{s}"
        );
        assert!(
            s.contains("client_secret_basic") && s.contains("1695977117") && s.contains("rotating"),
            "{s}"
        );
        assert_eq!(v["passwordCredentials"][0]["hint"], "abc");
    }

    #[test]
    fn tokens_pem_keys_and_private_jwk_members_are_replaced() {
        let v = evidence(json!({
            "registration_access_token": "reg-tok-1",
            "AccessToken": "00Dxx!sfdc-access",
            "DeleteToken": "sfdc-delete",
            "pem": "-----BEGIN RSA PRIVATE KEY-----abc",
            "token_type": "bot",
            "client_credentials.use_refresh_token": "false",
            "refresh_token": true,
            "dpop_bound_access_tokens": true,
            "jwks": {"keys": [{"kty": "RSA", "kid": "k1", "n": "modulus", "e": "AQAB", "d": "private-exponent", "p": "prime-p"}]},
            "other": {"d": "kept outside a JWK"}
        }));
        let s = v.to_string();
        for secret in [
            "reg-tok-1",
            "sfdc-access",
            "sfdc-delete",
            "PRIVATE KEY",
            "private-exponent",
            "prime-p",
        ] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        assert_eq!(v["token_type"], "bot");
        assert_eq!(v["client_credentials.use_refresh_token"], "false");
        assert_eq!(v["refresh_token"], true);
        assert_eq!(v["dpop_bound_access_tokens"], true);
        assert_eq!(v["jwks"]["keys"][0]["n"], "modulus");
        assert_eq!(v["other"]["d"], "kept outside a JWK");
    }

    #[test]
    fn long_strings_and_arrays_are_bounded() {
        let v = evidence(json!({"name": "é".repeat(5000), "list": vec![1; 600]}));
        let name = v["name"].as_str().unwrap_or_default();
        assert!(name.len() < MAX_EVIDENCE_STRING + 40 && name.contains("bytes cut"));
        assert_eq!(
            v["list"].as_array().map(Vec::len),
            Some(MAX_EVIDENCE_ITEMS + 1)
        );
    }
}
