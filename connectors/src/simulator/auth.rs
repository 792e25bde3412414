//! Who may call a simulated tenant: the credentials it accepts, where its token endpoint is, the
//! opaque tokens issued to it with their lifetime, and the provider's 401 shape. The token
//! endpoints themselves are in [`super::token`].

use actix_web::http::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::estate::{Estate, hash};
use super::reply::{Ctx, Reply};
use crate::Provider;

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

    /// Issue a token for a tenant.
    pub(super) fn issue(&self, provider: Provider, tenant: usize, prefix: &str) -> String {
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
        // GitHub takes its tokens (PATs and installation tokens alike) as `token` or `Bearer`.
        let github_token = ctx.provider == Provider::Github && scheme.eq_ignore_ascii_case("token");
        if (scheme.eq_ignore_ascii_case(static_scheme) || github_token) && token == c.static_token {
            return true;
        }
        if !scheme.eq_ignore_ascii_case("Bearer") && !github_token {
            return false;
        }
        self.issued.lock().is_ok_and(|issued| {
            issued.get(token).is_some_and(|(p, t, until)| {
                *p == ctx.provider && *t == ctx.tenant && Instant::now() < *until
            })
        })
    }

    /// The lifetime of issued tokens.
    pub(super) fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub(super) fn lifetime_secs(&self) -> u64 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
