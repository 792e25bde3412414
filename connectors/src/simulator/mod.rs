//! The SaaS simulator: a loopback HTTP server that answers like the admin APIs of all eight
//! providers, from a deterministic generated estate, with each provider's paging style, auth
//! checks and error shapes, plus fault knobs. `serve --demo` and the connector tests point
//! tenants' `base_url` and `token_url` at it. It never reaches the network beyond loopback.
//!
//! # URLs
//! One port serves every tenant; `{root}` is `http://127.0.0.1:{port}` and `{t}` the tenant
//! index. [`RunningSimulator::base_url`] and [`RunningSimulator::token_url`] give them.
//!
//! | provider | `base_url` | endpoints under it | `token_url` |
//! |---|---|---|---|
//! | entra | `{root}/entra/{t}` | `/v1.0/applications`, `/v1.0/servicePrincipals`, `/v1.0/oauth2PermissionGrants`, `/v1.0/servicePrincipals/{id}/appRoleAssignments` and `/appRoleAssignedTo`, `/v1.0/policies/authorizationPolicy` (`@odata.nextLink`, `$top`) | `{base_url}/oauth2/v2.0/token` |
//! | okta | `{root}/okta/{t}` | `/api/v1/apps`, `/api/v1/apps/{id}/grants`, `/api/v1/users`, `/api/v1/users/{id}/grants` (`Link: rel="next"`, `after`, `limit`) | `{base_url}/oauth2/v1/token` |
//! | google | `{root}/google/{t}` | `/admin/directory/v1/users` (`nextPageToken`), `/admin/directory/v1/users/{key}/tokens` | `{base_url}/token` |
//! | github | `{root}/github/{t}` | `/orgs/{org}/installations`, `/orgs/{org}/credential-authorizations`, `/orgs/{org}/personal-access-tokens`, `/apps/{slug}` (`Link: rel="next"`, `page`, `per_page`) | `{base_url}/app/installations/{id}/access_tokens` |
//! | salesforce | `{root}/salesforce/{t}` | `/services/data/v62.0/query?q=` on `ConnectedApplication` and `OauthToken` (`nextRecordsUrl`, `done`) | `{base_url}/services/oauth2/token` |
//! | slack | `{root}/slack/{t}/api` | `/admin.apps.approved.list`, `/admin.apps.restricted.list`, `/admin.apps.requests.list` (`response_metadata.next_cursor`) | none (static token) |
//! | auth0 | `{root}/auth0/{t}` | `/api/v2/clients`, `/api/v2/grants` (`page`, `per_page`, `include_totals`), `/api/v2/client-grants` (`from`, `take`, `next`) | `{base_url}/oauth/token` |
//! | keycloak | `{root}/keycloak/{t}` | `/admin/realms/{realm}`, `/admin/realms/{realm}/clients`, `/users`, `/users/{id}/consents` (`first`, `max`), `/client-policies/policies`, `/client-policies/profiles`, `/components?type=` | `{base_url}/realms/{realm}/protocol/openid-connect/token` |
//!
//! # Auth
//! Each tenant accepts the credentials [`RunningSimulator::credentials`] gives: OAuth client
//! credentials (Entra, Auth0, Keycloak), a `private_key_jwt` client assertion (Okta), a JWT
//! bearer assertion (Google, Salesforce), a GitHub App JWT exchanged for an installation token,
//! and a static token (Okta as `SSWS`, every other provider as `Bearer`). Assertions must be
//! well-formed three-part JWTs, unexpired, with the expected `iss`, `sub` and `aud`; their
//! signatures are not verified (the simulator holds no keys). API calls without a valid token
//! get the provider's own 401 shape (Slack: HTTP 200 with `ok: false`).
//!
//! # Knobs
//! [`SimulatorConfig`]: the seed (same seed, same bytes), the [`Preset`] (the demo estate or a
//! generated size with its redirect mix), the default page size, the token lifetime, and
//! [`Faults`] globally or per tenant. [`RunningSimulator::requests`] reads the per-endpoint
//! request counters; an endpoint is named by the last fixed word of its path (`applications`,
//! `servicePrincipals`, `oauth2PermissionGrants`, `appRoleAssignments`, `appRoleAssignedTo`, `apps`, `grants`,
//! `users`, `tokens`, `installations`, `credential-authorizations`, `query`, `queryMore`,
//! `admin.apps.approved.list`, `clients`, `client-grants`, `realm`, `consents`, ...), and every
//! token endpoint is `token`; requests to a tenant's path that matches no endpoint count as
//! [`UNROUTED`]. Answers are gzipped when the client asks.

pub mod auth;
pub mod demo;
pub mod estate;
pub mod faults;
mod gzip;
pub mod reply;
mod server;
mod token;

mod auth0;
mod entra;
mod github;
mod google;
mod keycloak;
mod okta;
mod salesforce;
mod slack;

pub use auth::Credentials;
pub use estate::{Estate, EstateSize, Preset, RedirectMix};
pub use faults::Faults;
pub use server::UNROUTED;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use crate::Provider;

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Seed of the estate, the credentials and the fault draws.
    pub seed: u64,
    /// The estate.
    pub preset: Preset,
    /// Faults for every tenant without its own entry in `tenant_faults`.
    pub faults: Faults,
    /// Faults for single tenants: `(provider, tenant index, faults)`.
    pub tenant_faults: Vec<(Provider, usize, Faults)>,
    /// Page size when a request names none (each provider's maximum still applies).
    pub page_size: usize,
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_lifetime: Duration,
    /// Server worker threads.
    pub workers: usize,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            seed: 1,
            preset: Preset::Demo,
            faults: Faults::none(),
            tenant_faults: Vec::new(),
            page_size: 100,
            token_lifetime: Duration::from_secs(3600),
            workers: 2,
        }
    }
}

impl SimulatorConfig {
    /// The demo estate with `seed`, no faults.
    pub fn demo(seed: u64) -> SimulatorConfig {
        SimulatorConfig {
            seed,
            ..SimulatorConfig::default()
        }
    }

    /// The faults in force for a tenant.
    pub fn faults_for(&self, provider: Provider, tenant: usize) -> &Faults {
        self.tenant_faults
            .iter()
            .find(|(p, t, _)| *p == provider && *t == tenant)
            .map(|(_, _, f)| f)
            .unwrap_or(&self.faults)
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
#[error("simulator: {0}")]
pub struct SimulatorError(String);

/// The simulator's entry point.
pub struct Simulator;

impl Simulator {
    /// Bind `127.0.0.1:0` and serve in the background; must be called within a Tokio runtime.
    pub fn start(config: SimulatorConfig) -> Result<RunningSimulator, SimulatorError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(SimulatorError(
                "start it from within a Tokio runtime".into(),
            ));
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| SimulatorError(format!("cannot bind 127.0.0.1:0: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimulatorError(format!("no local address: {e}")))?;
        let root = format!("http://{addr}");
        let state = Arc::new(server::State::new(config, root.clone()));
        let handle = server::spawn(listener, Arc::clone(&state))
            .map_err(|e| SimulatorError(format!("cannot serve: {e}")))?;
        Ok(RunningSimulator {
            root,
            state,
            handle,
        })
    }
}

/// A simulator serving on loopback; stop it with [`RunningSimulator::shutdown`].
pub struct RunningSimulator {
    root: String,
    state: Arc<server::State>,
    handle: actix_web::dev::ServerHandle,
}

impl RunningSimulator {
    /// `http://127.0.0.1:{port}`.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The estate being served.
    pub fn estate(&self) -> &Estate {
        &self.state.estate
    }

    /// Number of tenants per provider.
    pub fn tenants(&self) -> usize {
        self.state.estate.size().tenants
    }

    /// A tenant's API root, for the connector's `base_url` (see the module docs).
    pub fn base_url(&self, provider: Provider, tenant: usize) -> String {
        server::base_url(&self.root, provider, tenant)
    }

    /// A tenant's token endpoint, for the connector's `token_url`; `None` for Slack (static
    /// tokens only).
    pub fn token_url(&self, provider: Provider, tenant: usize) -> Option<String> {
        auth::token_url(
            &self.base_url(provider, tenant),
            provider,
            &self.credentials(provider, tenant),
        )
    }

    /// The credentials a tenant accepts.
    pub fn credentials(&self, provider: Provider, tenant: usize) -> Credentials {
        Credentials::for_tenant(&self.state.estate, provider, tenant)
    }

    /// Requests so far to `endpoint` (e.g. `servicePrincipals`, `token`) of a tenant.
    pub fn requests(&self, provider: Provider, tenant: usize, endpoint: &str) -> u64 {
        self.state.ledger.requests(provider, tenant, endpoint)
    }

    /// Requests so far to every endpoint of every tenant.
    pub fn total_requests(&self) -> u64 {
        self.state.ledger.total()
    }

    /// Every request counter: `(provider, tenant, endpoint, requests)`.
    pub fn request_counts(&self) -> Vec<(Provider, usize, &'static str, u64)> {
        self.state.ledger.snapshot()
    }

    /// Stop accepting requests, finish those in flight, and stop.
    pub async fn shutdown(self) {
        self.handle.stop(true).await;
    }
}
