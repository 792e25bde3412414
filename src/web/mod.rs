//! The HTTP server: builds the actix app (routes in `routes.rs`) and runs it until SIGINT or
//! SIGTERM, finishing in-flight requests first.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod error;
pub mod headers;
pub mod health;
pub mod metrics;
pub mod ratelimit;
pub mod routes;
pub mod session;

use actix_web::{App, HttpServer, web};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// `serve --demo`: the dashboard needs no login.
    pub demo: bool,
    /// Admits one scan at a time, whoever starts it.
    pub scan_gate: Arc<crate::collector::scheduler::ScanGate>,
    /// The scheduler's next fire time.
    pub scheduler: Arc<crate::collector::scheduler::SchedulerStatus>,
    /// The configuration (tenants for API-started scans, server limits).
    pub config: Arc<Config>,
}

/// Seconds in-flight requests get to finish after SIGINT/SIGTERM.
const SHUTDOWN_GRACE_SECS: u64 = 10;

/// Bind `addr` and return the running server and the address it listens on (the real port
/// when `addr` asked for port 0).
pub fn start(
    state: AppState,
    addr: SocketAddr,
) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let guard = web::Data::new(auth::ApiGuard::new(
        state.config.server.api_rate_limit,
        state.config.server.api_rate_burst,
    ));
    let login =
        web::Data::new(session::LoginState::new(&state.config).map_err(std::io::Error::other)?);
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(guard.clone())
            .app_data(login.clone())
            .wrap(actix_web::middleware::from_fn(headers::security_headers))
            .configure(routes::configure)
    })
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    // No Nagle delay on responses written in more than one piece (a streamed body would
    // otherwise wait for the client's delayed ACK).
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    Ok((server, local))
}
