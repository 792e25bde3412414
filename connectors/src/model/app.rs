//! An OAuth client (application) as registered in, or consented into, one tenant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::TokenPolicy;
use crate::Provider;

/// A registered or consented OAuth client in one tenant.
///
/// `external_id` is the provider's stable identifier for this app *in this tenant* (for Entra the
/// service principal object id, for Okta the app id, for Keycloak the client's internal id); it
/// is what grants reference. `client_id` is the OAuth `client_id` used on the wire.
///
/// All collections are kept sorted and de-duplicated by [`OAuthApp::normalize`], so the
/// canonical JSON form (and thus the content hash) does not depend on provider ordering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthApp {
    pub provider: Provider,
    pub external_id: String,
    pub client_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub publisher: Publisher,
    pub ownership: Ownership,
    pub client_type: ClientType,
    pub app_kind: AppKind,
    /// `None` when the provider does not say whether the app is enabled.
    pub enabled: Option<bool>,
    pub created_at: Option<DateTime<Utc>>,
    /// When the app was last seen signing in or using a token. Volatile: it is excluded from the
    /// content hash so that activity alone never creates a new version of the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    pub redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub pkce: PkcePolicy,
    pub credentials: Vec<Credential>,
    pub token_policy: TokenPolicy,
    /// Scopes or permissions the app asks for (as the provider names them), whether or not granted.
    pub requested_scopes: Vec<String>,
    /// Owners as the provider identifies them (user ids, emails or display names).
    pub owners: Vec<String>,
    /// Where a value was inferred, and why a value is unknown.
    pub notes: Vec<FieldNote>,
    /// OIDC/OAuth response types the client may request (`code`, `token`, `id_token`,
    /// `code id_token`, ...), when the provider states them. Empty = not stated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<String>,
    /// RFC 7591 `token_endpoint_auth_method` (`none`, `client_secret_basic`,
    /// `client_secret_post`, `private_key_jwt`, `tls_client_auth`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// Whether a network restriction binds this app's tokens (Salesforce IP enforcement, Okta
    /// network zone, Entra workload-identity conditional access). `None` = not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_restricted: Option<bool>,
    /// Whether the client was registered dynamically per instance (RFC 7591).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamically_registered: Option<bool>,
    /// The subset of `owners` known to be disabled or deleted in the directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inactive_owners: Vec<String>,
    /// The provider's own object, redacted of anything secret-like: the evidence behind the model.
    pub raw: serde_json::Value,
}

impl OAuthApp {
    /// An app with every optional field unknown; parsers fill in what the provider exposes.
    pub fn new(
        provider: Provider,
        external_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        OAuthApp {
            provider,
            external_id: external_id.into(),
            client_id: None,
            name: name.into(),
            description: None,
            publisher: Publisher::default(),
            ownership: Ownership::Unknown,
            client_type: ClientType::Unknown,
            app_kind: AppKind::Unknown,
            enabled: None,
            created_at: None,
            last_used_at: None,
            redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            pkce: PkcePolicy::unknown(),
            credentials: Vec::new(),
            token_policy: TokenPolicy::default(),
            requested_scopes: Vec::new(),
            owners: Vec::new(),
            notes: Vec::new(),
            response_types: Vec::new(),
            token_endpoint_auth_method: None,
            network_restricted: None,
            dynamically_registered: None,
            inactive_owners: Vec::new(),
            raw: serde_json::Value::Null,
        }
    }

    /// Record that `field` is unknown, and why.
    pub fn note_unknown(&mut self, field: &str, reason: impl Into<String>) {
        self.notes.push(FieldNote {
            field: field.to_string(),
            kind: NoteKind::Unknown,
            reason: reason.into(),
        });
    }

    /// Record that `field` was inferred, and from what.
    pub fn note_inferred(&mut self, field: &str, from: impl Into<String>) {
        self.notes.push(FieldNote {
            field: field.to_string(),
            kind: NoteKind::Inferred,
            reason: from.into(),
        });
    }

    /// The note on `field`, if it was inferred or is unknown.
    pub fn note(&self, field: &str) -> Option<&FieldNote> {
        self.notes.iter().find(|n| n.field == field)
    }

    /// Sort and de-duplicate every collection so equal apps serialize identically.
    pub fn normalize(&mut self) {
        self.redirect_uris.sort();
        self.redirect_uris.dedup();
        self.grant_types.sort();
        self.grant_types.dedup();
        self.pkce.methods.sort();
        self.pkce.methods.dedup();
        self.credentials.sort_by(|a, b| {
            a.fingerprint
                .cmp(&b.fingerprint)
                .then_with(|| a.key_id.cmp(&b.key_id))
        });
        // A fingerprint names one credential of the app (the store keys credentials by app and
        // fingerprint): entries sharing one are the same key listed twice, as Entra lists a
        // certificate once for signing and once for verification. Keep the first.
        self.credentials
            .dedup_by(|later, first| later.fingerprint == first.fingerprint);
        self.requested_scopes.sort();
        self.requested_scopes.dedup();
        self.owners.sort();
        self.owners.dedup();
        self.notes.sort();
        self.notes.dedup();
        self.response_types.sort();
        self.response_types.dedup();
        self.inactive_owners.sort();
        self.inactive_owners.dedup();
    }
}

/// Who publishes the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub name: Option<String>,
    pub domain: Option<String>,
    /// `None` when the provider has no notion of publisher verification.
    pub verified: Option<bool>,
}

/// Whether the app was registered in this tenant or is someone else's app consented into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    FirstParty,
    ThirdParty,
    Unknown,
}

/// RFC 6749 §2.1 client type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    Public,
    Confidential,
    Unknown,
}

/// What kind of software the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    Native,
    Spa,
    Web,
    Service,
    Device,
    Unknown,
}

/// A registered redirect URI, kept exactly as registered (rules need the raw string).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RedirectUri {
    pub uri: String,
    pub kind: RedirectKind,
    /// `true` when the kind was inferred from the URI rather than stated by the provider.
    pub kind_inferred: bool,
}

/// The platform a redirect URI is registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectKind {
    Web,
    Spa,
    Native,
    Unknown,
}

/// An OAuth grant type the client is allowed to use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    Implicit,
    Password,
    ClientCredentials,
    RefreshToken,
    DeviceCode,
    JwtBearer,
    TokenExchange,
    Saml2Bearer,
    Ciba,
    /// A grant type we do not model, by the provider's name for it.
    Other(String),
}

impl GrantType {
    /// Map a provider's or RFC's grant type string (`authorization_code`,
    /// `urn:ietf:params:oauth:grant-type:device_code`, ...) to a grant type.
    pub fn from_wire(s: &str) -> GrantType {
        match s {
            "authorization_code" => GrantType::AuthorizationCode,
            "implicit" => GrantType::Implicit,
            "password" => GrantType::Password,
            "client_credentials" => GrantType::ClientCredentials,
            "refresh_token" => GrantType::RefreshToken,
            "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => GrantType::DeviceCode,
            "urn:ietf:params:oauth:grant-type:jwt-bearer" | "jwt_bearer" => GrantType::JwtBearer,
            "urn:ietf:params:oauth:grant-type:token-exchange" | "token_exchange" => {
                GrantType::TokenExchange
            }
            "urn:ietf:params:oauth:grant-type:saml2-bearer" | "saml2_bearer" => {
                GrantType::Saml2Bearer
            }
            "urn:openid:params:grant-type:ciba" | "ciba" => GrantType::Ciba,
            other => GrantType::Other(other.to_string()),
        }
    }
}

/// Whether the authorization server makes this client use PKCE (RFC 7636).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkcePolicy {
    pub status: PkceStatus,
    /// Challenge methods accepted when known (`S256`, `plain`).
    pub methods: Vec<PkceMethod>,
}

impl PkcePolicy {
    pub fn unknown() -> Self {
        PkcePolicy {
            status: PkceStatus::Unknown,
            methods: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkceStatus {
    /// Requests without a code challenge are rejected.
    Required,
    /// PKCE is accepted but not enforced.
    Optional,
    /// The server does not support PKCE for this client.
    NotSupported,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PkceMethod {
    S256,
    #[serde(rename = "plain")]
    Plain,
}

/// A client credential: its public identity and life cycle, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub kind: CredentialKind,
    pub key_id: Option<String>,
    /// The first characters a provider shows of a secret (Entra `hint`); never more.
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// `None` when the provider does not say; see `never_expires` for an explicit "never".
    pub expires_at: Option<DateTime<Utc>>,
    /// `true` when the provider states that the credential has no expiry.
    pub never_expires: bool,
    /// SHA-256 (hex) over the credential's public identity (thumbprint or key id), never the secret.
    pub fingerprint: String,
    /// For secrets whose value the provider returns (Okta, Auth0, Keycloak): an HMAC-SHA-256 of
    /// the value under this installation's key (see [`crate::secret_digest`]), so reuse across
    /// apps is detectable (SECRET-010) without ever storing the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_digest: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    Secret,
    Certificate,
    PrivateKeyJwt,
    ApiToken,
}

impl Credential {
    /// Compute the fingerprint from the credential's public identity parts. Never pass secret
    /// material here.
    ///
    /// For a certificate or public key the parts must name the key itself (a certificate
    /// thumbprint, a JWK thumbprint, the certificate), never the app or tenant holding it, so
    /// the same key on two apps has the same fingerprint (SECRET-011). Only when a provider
    /// shows no key material does a parser fall back to app-scoped parts (provider, app, key
    /// id), which keeps fingerprints distinct but cannot detect reuse. Secrets have no public
    /// identity, so their fingerprints are app-scoped; their reuse is found by
    /// `secret_digest` (SECRET-010).
    pub fn fingerprint_of(parts: &[&str]) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// The RFC 7638 thumbprint (SHA-256, hex) of a public JWK: the digest of its required
    /// members in lexicographic order without whitespace. `None` for symmetric (`oct`) keys,
    /// whose `k` is a secret, and for keys missing a required member.
    pub fn jwk_thumbprint(jwk: &serde_json::Value) -> Option<String> {
        use sha2::{Digest, Sha256};
        let member = |k: &str| jwk.get(k).and_then(serde_json::Value::as_str);
        let required: &[&str] = match member("kty")? {
            "RSA" => &["e", "kty", "n"],
            "EC" => &["crv", "kty", "x", "y"],
            "OKP" => &["crv", "kty", "x"],
            _ => return None,
        };
        // The lists above are already in lexicographic order; values are JSON-escaped.
        let mut canonical = String::from("{");
        for (i, k) in required.iter().enumerate() {
            if i > 0 {
                canonical.push(',');
            }
            canonical.push_str(&format!("\"{k}\":"));
            canonical.push_str(&serde_json::to_string(member(k)?).ok()?);
        }
        canonical.push('}');
        Some(hex::encode(Sha256::digest(canonical.as_bytes())))
    }
}

/// Why a field is unknown or how it was inferred.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldNote {
    pub field: String,
    pub kind: NoteKind,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Inferred,
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jwk_thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1: base64url `NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs`.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            Credential::jwk_thumbprint(&jwk).as_deref(),
            Some("3736cbb1787cb8309c77ee8c3705c5e16ffb9e859715901f1e4c59b11182f57b")
        );
        assert_eq!(
            Credential::jwk_thumbprint(&json!({"kty": "oct", "k": "c2VjcmV0"})),
            None
        );
        assert_eq!(
            Credential::jwk_thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "a"})),
            None
        );
    }

    #[test]
    fn normalize_keeps_one_credential_per_fingerprint() {
        let cert = |key_id: &str| Credential {
            kind: CredentialKind::Certificate,
            key_id: Some(key_id.into()),
            hint: None,
            display_name: None,
            created_at: None,
            expires_at: None,
            never_expires: false,
            fingerprint: Credential::fingerprint_of(&["same-thumbprint"]),
            secret_digest: None,
        };
        let mut app = OAuthApp::new(crate::Provider::Entra, "a", "a");
        app.credentials = vec![cert("verify"), cert("sign")];
        app.normalize();
        assert_eq!(app.credentials.len(), 1);
        assert_eq!(app.credentials[0].key_id.as_deref(), Some("sign"));
    }
}
