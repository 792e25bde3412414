//! Signing keys and signed assertions: RS256 JWTs for client assertions (RFC 7523 §2.2), JWT
//! bearer grants (RFC 7523 §2.1) and GitHub App authentication, and the Google service-account
//! key file that carries such a key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{ConnectorError, ErrorKind};

/// An RSA private key for RS256 signatures, with the identifiers its verifier may need.
#[derive(Clone)]
pub struct SigningKey {
    key: EncodingKey,
    /// `kid`: the key's id where the provider registers several (Okta JWKS, Google key id).
    pub kid: Option<String>,
    /// SHA-1 and SHA-256 thumbprints of the certificate, for Entra certificate credentials.
    x5t: Option<String>,
    x5t_s256: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn config(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(ErrorKind::Config, message)
}

impl SigningKey {
    /// An RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    pub fn from_rsa_pem(pem: &[u8]) -> Result<SigningKey, ConnectorError> {
        let key = EncodingKey::from_rsa_pem(pem)
            .map_err(|_| config("not an RSA private key in PEM form"))?;
        Ok(SigningKey {
            key,
            kid: None,
            x5t: None,
            x5t_s256: None,
        })
    }

    /// A PEM file holding a certificate and its RSA private key (an Entra certificate
    /// credential): the key signs, the certificate's thumbprints name it.
    pub fn from_certificate_pem(pem_text: &[u8]) -> Result<SigningKey, ConnectorError> {
        let blocks =
            pem::parse_many(pem_text).map_err(|_| config("the certificate file is not PEM"))?;
        let cert = blocks
            .iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .ok_or_else(|| config("the certificate file holds no CERTIFICATE block"))?;
        let key = blocks
            .iter()
            .find(|b| b.tag() == "PRIVATE KEY" || b.tag() == "RSA PRIVATE KEY")
            .ok_or_else(|| config("the certificate file holds no private key"))?;
        let mut signing = SigningKey::from_rsa_pem(pem::encode(key).as_bytes())?;
        signing.x5t = Some(URL_SAFE_NO_PAD.encode(Sha1::digest(cert.contents())));
        signing.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(Sha256::digest(cert.contents())));
        Ok(signing)
    }

    pub fn with_kid(mut self, kid: Option<String>) -> SigningKey {
        self.kid = kid;
        self
    }

    /// Sign `claims` as an RS256 JWT.
    pub(crate) fn sign<C: Serialize>(&self, claims: &C) -> Result<SecretString, ConnectorError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.kid.clone();
        header.x5t = self.x5t.clone();
        header.x5t_s256 = self.x5t_s256.clone();
        jsonwebtoken::encode(&header, claims, &self.key)
            .map(SecretString::from)
            .map_err(|e| config(format!("signing the assertion failed: {e}")))
    }
}

/// The claims of an assertion; `lifetime` sets `exp` after `iat`.
#[derive(Debug, Serialize)]
pub(crate) struct Claims {
    pub iss: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    /// Claims issued now (backdated by `skew` against clock drift) and valid for `lifetime`.
    pub(crate) fn now(iss: &str, lifetime: Duration, skew: Duration) -> Claims {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Claims {
            iss: iss.to_string(),
            sub: None,
            aud: None,
            scope: None,
            jti: None,
            iat: now.saturating_sub(skew.as_secs()),
            exp: now + lifetime.as_secs(),
        }
    }
}

/// A unique `jti` (Okta rejects a reused one).
pub(crate) fn unique_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// A Google service-account key file (`type = service_account`), as downloaded.
#[derive(Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key_id: Option<String>,
    private_key: SecretString,
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    pub fn from_json(bytes: &[u8]) -> Result<ServiceAccount, ConnectorError> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let kind: Kind = serde_json::from_slice(bytes)
            .map_err(|_| config("the service account file is not JSON"))?;
        if kind.kind.as_deref() != Some("service_account") {
            return Err(config(
                "the service account file's `type` is not \"service_account\"",
            ));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            config(format!(
                "the service account file lacks a field (line {} column {})",
                e.line(),
                e.column()
            ))
        })
    }

    /// The key that signs this account's assertions.
    pub fn signing_key(&self) -> Result<SigningKey, ConnectorError> {
        Ok(
            SigningKey::from_rsa_pem(self.private_key.expose_secret().as_bytes())?
                .with_kid(self.private_key_id.clone()),
        )
    }
}
