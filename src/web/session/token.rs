//! The secrets of sign-in and what is derived from them: random cookie values (256 bits),
//! per-purpose derivations (the session's CSRF token, a login flow's PKCE verifier and nonce),
//! constant-time comparison, and the `next` path a sign-in returns to.
//!
//! A derived value is `base64url(SHA-256(purpose || 0 || secret))`: it cannot be turned back
//! into the secret, so showing a CSRF token in a page or sending a code challenge reveals
//! nothing about the session id or flow id it came from, and nothing derived is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Longest `next` path remembered across a sign-in.
const MAX_NEXT: usize = 2048;

/// A new random value: 256 bits from the OS generator, base64url (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` looks like a value of [`random_token`] (cookies are checked before use).
pub fn well_formed(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value for `purpose` derived from `secret`.
pub fn derive(purpose: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(purpose.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// The CSRF token of the session whose id is `session_id`.
pub fn csrf_token(session_id: &str) -> String {
    derive("oauth-audit session csrf", session_id)
}

/// Equality that takes the same time wherever the inputs differ.
pub fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The path to return to after sign-in: `raw` if it is a same-site relative path, else `/`.
///
/// Refused: anything not starting with a single `/` (schemes, `//host` and `/\host`, which
/// browsers read as another host), backslashes and control characters anywhere, overlong
/// values, and the sign-in pages themselves (no loops).
pub fn safe_next(raw: Option<&str>) -> String {
    let Some(p) = raw else { return "/".into() };
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && p.len() <= MAX_NEXT
        && !p
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        && !(p == "/login" || p.starts_with("/login?") || p.starts_with("/login/"))
        && !p.starts_with("/logout");
    if ok { p.to_owned() } else { "/".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_only_same_site_relative_paths() {
        for good in [
            "/",
            "/apps?tenant=a&sort=risk",
            "/apps/12",
            "/vendors/Acme%20Inc",
        ] {
            assert_eq!(safe_next(Some(good)), good, "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "apps",
            "",
            "/apps\n",
            "/ /x",
            "/login?next=/apps",
            "/login",
            "/logout",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }

    #[test]
    fn random_tokens_are_well_formed_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}!", &a[..42])));
    }

    #[test]
    fn derived_values_depend_on_purpose_and_secret() {
        let s = random_token();
        assert_eq!(csrf_token(&s), csrf_token(&s));
        assert_ne!(csrf_token(&s), csrf_token(&random_token()));
        assert_ne!(derive("a", &s), derive("b", &s));
        assert_ne!(csrf_token(&s), s);
        assert!(well_formed(&csrf_token(&s)));
    }

    #[test]
    fn comparison_needs_equal_non_empty_values() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", ""));
    }
}
