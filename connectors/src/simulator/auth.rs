//! Auth as each provider does it: the credentials a simulated tenant accepts, its token
//! endpoint (client credentials, `private_key_jwt`, JWT bearer, GitHub App installation
//! tokens), the issued opaque tokens with their lifetime, and the provider's 401 shape.
//!
//! Assertions are checked for form and claims (three base64url parts, JSON header and claims,
//! `iss`/`sub`/`aud` as expected, `exp` in the future), not for their signature.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::estate::{Estate, hash};
use super::reply::{Ctx, Reply};
use crate::Provider;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLIENT_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What a tenant accepts. Values are generated from the seed; none is a real secret, but
/// `Debug` still hides them.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    /// OAuth client id (Entra, Okta, Salesforce consumer key, Auth0, Keycloak; Google: the
    /// service account's client id; GitHub: the App id).
    pub client_id: String,
    /// Client secret (Entra, Auth0, Keycloak).
    pub client_secret: Option<String>,
    /// A static token accepted as is (Okta `SSWS`, else `Bearer`).
    pub static_token: String,
    /// Expected JWT `iss` for assertions (Google: the service-account email; Salesforce and
    /// Okta: the client id; GitHub: the App id).
    pub issuer: Option<String>,
    /// Expected JWT `sub` (Google: the admin to impersonate; Salesforce: the username).
    pub subject: Option<String>,
    /// Entra tenant id.
    pub tenant_id: Option<String>,
    /// GitHub organization and App installation id.
    pub org: Option<String>,
    /// GitHub App installation id.
    pub installation_id: Option<u64>,
    /// Keycloak realm (audited and authenticating).
    pub realm: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("static_token", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The credentials of one simulated tenant.
    pub fn for_tenant(estate: &Estate, provider: Provider, tenant: usize) -> Credentials {
        let h = |salt: u64| hash(&[estate.seed(), provider as u64, tenant as u64, 100 + salt]);
        let name = estate.tenant_name(provider, tenant);
        let domain = estate.tenant_domain(provider, tenant);
        let client_id = match provider {
            Provider::Github => format!("{}", 100_000 + h(1) % 900_000),
            Provider::Salesforce => format!("3MVG9sim{:016x}", h(1)),
            _ => format!("sim-collector-{:012x}", h(1) & 0xffff_ffff_ffff),
        };
        let mut c = Credentials {
            client_secret: None,
            static_token: format!(
                "sim_{}_{:032x}",
                provider.as_str(),
                u128::from(h(2)) << 64 | u128::from(h(3))
            ),
            issuer: None,
            subject: None,
            tenant_id: None,
            org: None,
            installation_id: None,
            realm: None,
            client_id: client_id.clone(),
        };
        match provider {
            Provider::Entra | Provider::Auth0 | Provider::Keycloak => {
                c.client_secret = Some(format!(
                    "sim-secret-{:032x}",
                    u128::from(h(4)) << 64 | u128::from(h(5))
                ));
            }
            _ => {}
        }
        match provider {
            Provider::Entra => {
                c.tenant_id = Some(format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    h(6) as u32,
                    h(7) & 0xffff_ffff_ffff
                ))
            }
            Provider::Okta | Provider::Salesforce => c.issuer = Some(client_id),
            Provider::Google => {
                c.issuer = Some(format!("collector@{name}.iam.gserviceaccount.com"));
                c.subject = Some(format!("admin@{domain}"));
            }
            Provider::Github => {
                c.issuer = Some(client_id);
                c.org = Some(name.clone());
                c.installation_id = Some(40_000_000 + h(8) % 1_000_000);
            }
            Provider::Keycloak => c.realm = Some(name.clone()),
            _ => {}
        }
        if provider == Provider::Salesforce {
            c.subject = Some(format!("integration@{domain}"));
        }
        c
    }
}

/// A tenant's token endpoint under its `base_url` (see the module docs).
pub fn token_url(base_url: &str, provider: Provider, c: &Credentials) -> Option<String> {
    Some(match provider {
        Provider::Entra => format!("{base_url}/oauth2/v2.0/token"),
        Provider::Okta => format!("{base_url}/oauth2/v1/token"),
        Provider::Google => format!("{base_url}/token"),
        Provider::Github => format!(
            "{base_url}/app/installations/{}/access_tokens",
            c.installation_id?
        ),
        Provider::Salesforce => format!("{base_url}/services/oauth2/token"),
        Provider::Auth0 => format!("{base_url}/oauth/token"),
        Provider::Keycloak => format!(
            "{base_url}/realms/{}/protocol/openid-connect/token",
            c.realm.as_deref()?
        ),
        Provider::Slack | Provider::Rfc7591 => return None,
    })
}

/// Whether the request is for the tenant's token endpoint.
pub fn is_token_endpoint(ctx: &Ctx<'_>) -> bool {
    let c = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant);
    token_url("", ctx.provider, &c).is_some_and(|path| path == format!("/{}", ctx.segs.join("/")))
}

/// Issued access tokens and when they expire.
pub struct TokenStore {
    seed: u64,
    lifetime: Duration,
    issued: Mutex<HashMap<String, (Provider, usize, Instant)>>,
    counter: AtomicU64,
}

impl TokenStore {
    /// An empty store issuing tokens that live `lifetime`.
    pub fn new(seed: u64, lifetime: Duration) -> TokenStore {
        TokenStore {
            seed,
            lifetime,
            issued: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
        }
    }

    fn issue(&self, provider: Provider, tenant: usize, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let token = format!(
            "{prefix}{:016x}{:016x}",
            hash(&[self.seed, 7, n]),
            hash(&[self.seed, 8, n])
        );
        if let Ok(mut issued) = self.issued.lock() {
            issued.insert(
                token.clone(),
                (provider, tenant, Instant::now() + self.lifetime),
            );
        }
        token
    }

    /// Whether the request carries a token this tenant accepts: the static token, or an
    /// unexpired token issued for the same tenant.
    pub fn accepts(&self, ctx: &Ctx<'_>) -> bool {
        let Some(auth) = ctx.authorization.as_deref() else {
            return false;
        };
        let (scheme, token) = auth.split_once(' ').unwrap_or((auth, ""));
        let c = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant);
        let static_scheme = if ctx.provider == Provider::Okta {
            "SSWS"
        } else {
            "Bearer"
        };
        if scheme.eq_ignore_ascii_case(static_scheme) && token == c.static_token {
            return true;
        }
        if !scheme.eq_ignore_ascii_case("Bearer") {
            return false;
        }
        self.issued.lock().is_ok_and(|issued| {
            issued.get(token).is_some_and(|(p, t, until)| {
                *p == ctx.provider && *t == ctx.tenant && Instant::now() < *until
            })
        })
    }

    fn lifetime_secs(&self) -> u64 {
        self.lifetime.as_secs()
    }
}

/// The provider's answer to an API call without a valid token.
pub fn unauthorized(provider: Provider) -> Reply {
    let (status, body) = match provider {
        Provider::Entra => (
            401,
            json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty or invalid."}}),
        ),
        Provider::Okta => (
            401,
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided", "errorLink": "E0000011", "errorId": "sim-invalid-token", "errorCauses": []}),
        ),
        Provider::Google => (
            401,
            json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}),
        ),
        Provider::Github => (
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        ),
        Provider::Salesforce => (
            401,
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        ),
        // Slack reports every error with HTTP 200 and `ok: false`.
        Provider::Slack => (200, json!({"ok": false, "error": "invalid_auth"})),
        Provider::Auth0 => (
            401,
            json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token"}),
        ),
        _ => (401, json!({"error": "HTTP 401 Unauthorized"})),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    let reply = Reply::json(status, &body);
    match provider {
        Provider::Entra | Provider::Okta | Provider::Keycloak => {
            reply.header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
        }
        _ => reply,
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The claims of a well-formed, unexpired JWT; the reason it is not one otherwise.
pub fn jwt_claims(jwt: &str) -> Result<Value, &'static str> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("the assertion is not a three-part JWT");
    };
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
    };
    let header = decode(header).ok_or("the JWT header is not base64url JSON")?;
    if header
        .get("alg")
        .and_then(Value::as_str)
        .is_none_or(|a| a.eq_ignore_ascii_case("none"))
    {
        return Err("the JWT header names no signing algorithm");
    }
    if signature.is_empty()
        || URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .is_err()
    {
        return Err("the JWT has no signature");
    }
    let claims = decode(claims).ok_or("the JWT claims are not base64url JSON")?;
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if exp > epoch_now() => Ok(claims),
        Some(_) => Err("the JWT has expired"),
        None => Err("the JWT has no `exp`"),
    }
}

fn claim_is(claims: &Value, name: &str, expected: &str) -> bool {
    match claims.get(name) {
        Some(Value::String(s)) => s == expected,
        Some(Value::Number(n)) => n.to_string() == expected,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(expected)),
        _ => false,
    }
}

/// Answer a token request for the tenant.
pub fn issue(ctx: &Ctx<'_>, store: &TokenStore) -> Reply {
    let c = Credentials::for_tenant(ctx.estate, ctx.provider, ctx.tenant);
    let url = token_url(&ctx.base_url, ctx.provider, &c).unwrap_or_default();
    if ctx.provider == Provider::Github {
        return github_installation_token(ctx, store, &c);
    }
    let form: HashMap<String, String> =
        if ctx.provider == Provider::Auth0 && ctx.body.first() == Some(&b'{') {
            serde_json::from_slice::<HashMap<String, Value>>(ctx.body)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect()
        } else {
            form_urlencoded::parse(ctx.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
    let get = |k: &str| form.get(k).map(String::as_str);
    let bad = |error: &str, why: &str| oauth_error(StatusCode::BAD_REQUEST, error, why);
    let denied = |why: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why);
    match ctx.provider {
        Provider::Entra | Provider::Auth0 | Provider::Keycloak => {
            if get("grant_type") != Some("client_credentials") {
                return bad(
                    "unsupported_grant_type",
                    "grant_type must be client_credentials",
                );
            }
            if get("client_id") != Some(c.client_id.as_str())
                || get("client_secret") != c.client_secret.as_deref()
            {
                return denied("unknown client or wrong client secret");
            }
            if ctx.provider == Provider::Entra
                && !get("scope").is_some_and(|s| s.ends_with("/.default"))
            {
                return bad(
                    "invalid_scope",
                    "scope must be the resource's /.default scope",
                );
            }
            if ctx.provider == Provider::Auth0
                && !get("audience").is_some_and(|a| a.ends_with("/api/v2/"))
            {
                return bad(
                    "access_denied",
                    "audience must be the Management API (…/api/v2/)",
                );
            }
        }
        Provider::Okta => {
            if get("grant_type") != Some("client_credentials")
                || get("client_assertion_type") != Some(CLIENT_ASSERTION)
            {
                return bad(
                    "invalid_request",
                    "client_credentials with a private_key_jwt client assertion expected",
                );
            }
            let claims = match jwt_claims(get("client_assertion").unwrap_or_default()) {
                Ok(claims) => claims,
                Err(why) => return denied(why),
            };
            if !claim_is(&claims, "iss", &c.client_id)
                || !claim_is(&claims, "sub", &c.client_id)
                || !claim_is(&claims, "aud", &url)
            {
                return denied(
                    "the client assertion's iss, sub or aud is not this client and token endpoint",
                );
            }
            if !get("scope").is_some_and(|s| s.split(' ').any(|s| s.starts_with("okta."))) {
                return bad("invalid_scope", "request okta.* scopes");
            }
        }
        Provider::Google | Provider::Salesforce => {
            if get("grant_type") != Some(JWT_BEARER) {
                return bad(
                    "unsupported_grant_type",
                    "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer",
                );
            }
            let claims = match jwt_claims(get("assertion").unwrap_or_default()) {
                Ok(claims) => claims,
                Err(why) => return bad("invalid_grant", why),
            };
            let iss = c.issuer.as_deref().unwrap_or_default();
            let sub = c.subject.as_deref().unwrap_or_default();
            let aud_ok = if ctx.provider == Provider::Google {
                claim_is(&claims, "aud", &url)
            } else {
                [
                    "https://login.salesforce.com",
                    "https://test.salesforce.com",
                    url.as_str(),
                    ctx.base_url.as_str(),
                ]
                .iter()
                .any(|aud| claim_is(&claims, "aud", aud))
            };
            if !claim_is(&claims, "iss", iss) || !claim_is(&claims, "sub", sub) || !aud_ok {
                return bad(
                    "invalid_grant",
                    "the assertion's iss, sub or aud is not what this tenant expects",
                );
            }
            if ctx.provider == Provider::Google
                && !claims
                    .get("scope")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            {
                return bad("invalid_scope", "the assertion names no scope");
            }
        }
        _ => return bad("unsupported_grant_type", "no token endpoint"),
    }
    let token = store.issue(ctx.provider, ctx.tenant, "sim_at_");
    let body = if ctx.provider == Provider::Salesforce {
        // Salesforce's JWT bearer answer has no `expires_in`; the instance URL is the API root.
        json!({"access_token": token, "scope": "api", "instance_url": ctx.base_url, "id": format!("{}/id/sim", ctx.base_url), "token_type": "Bearer", "issued_at": (epoch_now() * 1000).to_string()})
    } else {
        json!({"access_token": token, "token_type": "Bearer", "expires_in": store.lifetime_secs()})
    };
    Reply::ok(&body)
}

fn github_installation_token(ctx: &Ctx<'_>, store: &TokenStore, c: &Credentials) -> Reply {
    let denied = || {
        Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "A JSON web token could not be decoded", "documentation_url": "https://docs.github.com/rest"}),
        )
    };
    let Some(jwt) = ctx
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
    else {
        return denied();
    };
    let Ok(claims) = jwt_claims(jwt) else {
        return denied();
    };
    if !claim_is(&claims, "iss", c.issuer.as_deref().unwrap_or_default()) {
        return Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "'Issuer' claim ('iss') must be an Integer", "documentation_url": "https://docs.github.com/rest"}),
        );
    }
    let token = store.issue(ctx.provider, ctx.tenant, "ghs_");
    let expires = SystemTime::now() + store.lifetime;
    let expires_at = chrono::DateTime::<chrono::Utc>::from(expires)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Reply::json(
        StatusCode::CREATED,
        &json!({"token": token, "expires_at": expires_at, "permissions": {"members": "read", "organization_administration": "read"}, "repository_selection": "all"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Value) -> String {
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
        format!(
            "{}.{}.{}",
            enc(json!({"alg": "RS256", "typ": "JWT"})),
            enc(claims),
            URL_SAFE_NO_PAD.encode(b"sig")
        )
    }

    #[test]
    fn a_well_formed_unexpired_jwt_yields_its_claims() {
        let claims = jwt_claims(&jwt(json!({"iss": "a", "exp": epoch_now() + 60}))).unwrap();
        assert!(claim_is(&claims, "iss", "a"));
    }

    #[test]
    fn malformed_expired_and_unsigned_jwts_are_refused() {
        assert!(jwt_claims("a.b").is_err());
        assert!(jwt_claims(&jwt(json!({"iss": "a", "exp": 1}))).is_err());
        assert!(jwt_claims(&jwt(json!({"iss": "a"}))).is_err());
        let unsigned = jwt(json!({"exp": epoch_now() + 60}));
        let unsigned = unsigned.rsplit_once('.').unwrap().0.to_string() + ".";
        assert!(jwt_claims(&unsigned).is_err());
    }

    #[test]
    fn credentials_differ_per_tenant_and_debug_hides_secrets() {
        let e = Estate::new(5, super::super::Preset::Demo);
        let a = Credentials::for_tenant(&e, Provider::Entra, 0);
        let b = Credentials::for_tenant(&e, Provider::Entra, 1);
        assert_ne!(a.client_secret, b.client_secret);
        let shown = format!("{a:?}");
        assert!(!shown.contains(a.client_secret.as_deref().unwrap()));
        assert!(!shown.contains(&a.static_token));
    }
}
