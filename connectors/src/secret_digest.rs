//! Keyed digests of secret values, so that a secret reused across apps or tenants can be found
//! (rule SECRET-010) without the secret ever being stored or logged.
//!
//! Some providers return client secrets to administrators (Okta, Auth0 with `read:client_keys`,
//! Keycloak). A parser that sees one calls [`digest`] in memory and keeps only the result: an
//! HMAC-SHA-256 under an installation-local key. Without the key a digest reveals nothing and
//! cannot be brute-forced offline, and digests from different installations never compare.
//!
//! The key is installed once per process by the binary ([`install_key`]); until it is, [`digest`]
//! returns `None` and reuse detection is simply off (parsers record no digest).

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

static KEY: OnceLock<[u8; 32]> = OnceLock::new();

/// Install this process's digest key. Returns `false` (and keeps the first key) when a key was
/// already installed.
pub fn install_key(key: [u8; 32]) -> bool {
    KEY.set(key).is_ok()
}

/// Whether a key is installed, i.e. whether parsers record secret digests.
pub fn enabled() -> bool {
    KEY.get().is_some()
}

/// The keyed digest (hex) of `secret`, or `None` when no key is installed or the value is empty.
pub fn digest(secret: &str) -> Option<String> {
    let key = KEY.get()?;
    if secret.is_empty() {
        return None;
    }
    Some(digest_with(key, secret))
}

/// The HMAC-SHA-256 (hex) of `secret` under `key`.
pub fn digest_with(key: &[u8; 32], secret: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty digest
    // rather than panic if that ever changes.
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(secret.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_depends_on_key_and_value() {
        let a = digest_with(&[1; 32], "s3cret");
        assert_eq!(a, digest_with(&[1; 32], "s3cret"));
        assert_ne!(a, digest_with(&[2; 32], "s3cret"));
        assert_ne!(a, digest_with(&[1; 32], "s3cret2"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("s3cret"));
    }
}
