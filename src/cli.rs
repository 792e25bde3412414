//! The command line (clap): `serve`, `scan`, `check`, `rules`, `migrate` and `api-key`. Every command takes
//! `--config FILE` (default `oauth-audit.toml` when present) and honours `OAUTH_AUDIT_*`.
//!
//! Exit codes: 0 success; 1 a runtime failure (for `scan`: any tenant failed); 2 bad
//! configuration or usage.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::collector::{self, ScanError, Trigger};
use crate::config::Config;
use crate::store::Store;
use crate::store::api_keys::Role;
use crate::store::scans::ScanStatus;

#[derive(Debug, Parser)]
#[command(
    name = "oauth-audit",
    version,
    about = "Inventory and risk-score the OAuth apps and grants in your SaaS tenants"
)]
pub struct Cli {
    /// Configuration file (default: oauth-audit.toml in the working directory, when present).
    #[arg(long, global = true, env = "OAUTH_AUDIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, env = "OAUTH_AUDIT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (health, API, dashboard) and scans.
    Serve {
        /// Audit built-in sample tenants of every supported format, on an embedded SQLite file
        /// unless a database is configured; scans once at start.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides server.bind).
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
    },
    /// Scan now and print a summary. Exit 1 if any tenant failed (the others are still stored).
    Scan {
        /// Scan only this tenant (repeatable).
        #[arg(long = "tenant", value_name = "NAME")]
        tenants: Vec<String>,
    },
    /// Audit client registrations in files offline (no database). Exit 1 when a finding at or
    /// above --fail-on exists, 0 otherwise, 2 on unreadable or unrecognised input.
    Check {
        /// JSON files: one app object, or a list or page of them, in a provider's API shape; a
        /// Keycloak realm export; or RFC 7591 client metadata.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The files' shape (detected when omitted).
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<connectors::detect::Format>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Lowest severity that makes the exit code 1.
        #[arg(long, value_name = "SEVERITY", default_value = "high")]
        fail_on: crate::rules::Severity,
    },
    /// Print stored findings (default: open ones).
    Findings {
        #[arg(long, value_enum, default_value_t = FindingsFormat::Table)]
        format: FindingsFormat,
        /// Minimum severity.
        #[arg(long, value_name = "SEVERITY")]
        severity: Option<crate::rules::Severity>,
        /// open, resolved or suppressed.
        #[arg(long, value_name = "STATUS", default_value = "open")]
        status: FindingStatusArg,
        /// Only this tenant.
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
    },
    /// Print the rule catalog.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage API keys.
    #[command(name = "api-key", subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it once, as the only line on stdout.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key at once.
    Revoke { id: i64 },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FindingsFormat {
    Table,
    /// One JSON array of findings in the API's shape.
    Json,
    /// NDJSON of OCSF Detection Findings.
    Ocsf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FindingStatusArg {
    Open,
    Resolved,
    Suppressed,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Reader,
    Admin,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn config_error(e: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: e.into(),
    }
}

fn runtime_error(e: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 1,
        error: e.into(),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OAUTH_AUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The config file to read: `--config`, else `oauth-audit.toml` if it exists, else none.
fn config_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| Some(PathBuf::from("oauth-audit.toml")).filter(|p| p.exists()))
}

fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    Config::load(path).map_err(config_error)
}

fn open_store(config: &Config) -> Result<Store, Failure> {
    Store::open(&config.database.url, config.database.pool_size).map_err(runtime_error)
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(runtime_error)
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let path = config_path(cli.config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Serve { demo, bind } => {
            let rt = runtime()?;
            let (mut config, simulator) = if demo {
                // The simulator serves the demo tenants from this process's runtime.
                let _entered = rt.enter();
                let sim = crate::demo::start_simulator().map_err(config_error)?;
                let config = crate::demo::config(path.as_deref(), &sim).map_err(config_error)?;
                (config, Some(sim))
            } else {
                (load_config(path.as_deref())?, None)
            };
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            crate::digest_key::install(&config.digest_key_path()).map_err(runtime_error)?;
            serve(rt, config, clock, simulator)
        }
        Command::Scan { tenants } => {
            let config = load_config(path.as_deref())?;
            let selected = collector::select_tenants(&config, &tenants).map_err(config_error)?;
            let store = open_store(&config)?;
            crate::digest_key::install(&config.digest_key_path()).map_err(runtime_error)?;
            // Unlike `serve`, a one-off scan leaves other processes' running scans alone, and
            // refuses to start while one runs.
            let report = runtime()?
                .block_on(collector::run_scan(
                    &store,
                    &config,
                    clock.clone(),
                    Trigger::Cli,
                    selected,
                ))
                .map_err(|e| match e {
                    ScanError::UnknownTenant(_) => config_error(e),
                    ScanError::Busy(_) | ScanError::Store(_) => runtime_error(e),
                })?;
            print_scan(&report);
            Ok(if report.status == ScanStatus::Succeeded {
                0
            } else {
                1
            })
        }
        Command::Check {
            files,
            provider,
            format,
            fail_on,
        } => {
            // Thresholds, severities and the watchlist come from the config when there is one.
            let config = match path.as_deref() {
                Some(p) => load_config(Some(p))?,
                None => Config::default(),
            };
            let watchlist = match &config.rules.watchlist {
                Some(p) => crate::rules::watchlist::Watchlist::load(p)
                    .map_err(|e| config_error(anyhow::anyhow!(e)))?,
                None => crate::rules::watchlist::Watchlist::builtin(),
            };
            let inputs = crate::check::read_inputs(&files, provider).map_err(config_error)?;
            let results = crate::check::check(&inputs, &config.rules, &watchlist, clock.now());
            let base = std::env::current_dir().unwrap_or_default();
            let text = match format {
                CheckFormat::Text => crate::check::to_text(&results),
                CheckFormat::Json => format!("{:#}\n", crate::check::to_json(&results)),
                CheckFormat::Sarif => format!("{:#}\n", crate::check::to_sarif(&results, &base)),
            };
            print!("{text}");
            Ok(u8::from(crate::check::fails(&results, fail_on)))
        }
        Command::Findings {
            format,
            severity,
            status,
            tenant,
        } => {
            let config = load_config(path.as_deref())?;
            let store = open_store(&config)?;
            let filter = crate::store::queries::findings::FindingFilter {
                min_severity_rank: severity.map(crate::collector::evaluate::severity_rank),
                status: Some(
                    match status {
                        FindingStatusArg::Open => "open",
                        FindingStatusArg::Resolved => "resolved",
                        FindingStatusArg::Suppressed => "suppressed",
                    }
                    .to_string(),
                ),
                tenant,
                ..Default::default()
            };
            crate::export::print::print_findings(&store, &filter, format).map_err(runtime_error)?;
            Ok(0)
        }
        Command::Rules { format } => {
            use crate::rules::doc;
            let text = match format {
                RulesFormat::Table => doc::table(),
                RulesFormat::Json => format!("{:#}\n", doc::json()),
                RulesFormat::Markdown => doc::markdown(),
            };
            print!("{text}");
            Ok(0)
        }
        Command::Migrate => {
            let config = load_config(path.as_deref())?;
            let store = Store::connect(&config.database.url, 1).map_err(runtime_error)?;
            let applied = store.migrate().map_err(runtime_error)?;
            eprintln!(
                "applied {applied} migration(s) to the {} database",
                store.backend().as_str()
            );
            Ok(0)
        }
        Command::ApiKey(cmd) => {
            let config = load_config(path.as_deref())?;
            let store = open_store(&config)?;
            api_key(&store, clock.as_ref(), cmd)
        }
    }
}

/// At start: mark scans left running by processes that are gone as interrupted (on SQLite,
/// every running scan: one process works a SQLite database; on PostgreSQL, those that no other
/// live replica works on).
fn interrupt_orphaned(
    store: &Store,
    clock: &Arc<dyn Clock>,
    me: &crate::store::replica::Replica,
) -> Result<(), Failure> {
    let live = store.liveness(me).map_err(runtime_error)?.without(me.key());
    let scans = store
        .interrupt_orphaned_scans(&live, None, clock.now())
        .map_err(runtime_error)?;
    if !scans.is_empty() {
        tracing::warn!(
            ?scans,
            "marked scans left running by processes that are gone as interrupted"
        );
    }
    Ok(())
}

/// Run the web server and the scheduler until SIGINT/SIGTERM; `simulator` is the demo's SaaS
/// simulator (`serve --demo`), stopped after the server.
fn serve(
    rt: tokio::runtime::Runtime,
    config: Config,
    clock: Arc<dyn Clock>,
    simulator: Option<connectors::simulator::RunningSimulator>,
) -> Result<u8, Failure> {
    use crate::collector::scheduler::{self, ScanGate, SchedulerStatus};
    let demo = simulator.is_some();
    let store = open_store(&config)?;
    // On PostgreSQL this replica also takes jobs of scans other replicas started.
    let postgres = store.backend() == crate::store::Backend::Postgres;
    let replica = Arc::new(store.register_replica(postgres).map_err(runtime_error)?);
    tracing::info!(
        replica = replica.key(),
        pid = std::process::id(),
        "registered replica"
    );
    interrupt_orphaned(&store, &clock, &replica)?;
    let schedule = config
        .schedule
        .parsed()
        .map_err(|e| runtime_error(anyhow::anyhow!("schedule: {e}")))?;
    let last_success = store.last_successful_scan_at().map_err(runtime_error)?;
    rt.block_on(async move {
        let gate = Arc::new(ScanGate::for_replica(replica.clone()));
        let status = Arc::new(SchedulerStatus::default());
        let state = crate::web::AppState {
            store: store.clone(),
            clock: clock.clone(),
            demo,
            scan_gate: gate.clone(),
            scheduler: status.clone(),
            config: Arc::new(config.clone()),
        };
        let (server, addr) = crate::web::start(state, config.server.bind)
            .with_context(|| format!("cannot listen on {}", config.server.bind))
            .map_err(runtime_error)?;
        // The only line on stdout, so scripts and tests can find the port.
        println!("oauth-audit listening on http://{addr}");
        if demo {
            eprintln!(
                "demo mode: sample tenants of all eight providers served by the built-in SaaS simulator, no login; {} database",
                store.backend().as_str()
            );
        }
        let worker = collector::Worker::new(&store, &config, clock.clone(), Some(replica.clone()))
            .await
            .map_err(runtime_error)?;
        let config = Arc::new(config);
        let scan = {
            let worker = worker.clone();
            move |trigger: Trigger, fire_time: Option<chrono::DateTime<chrono::Utc>>| {
                let worker = worker.clone();
                async move { collector::replica::start_and_work(&worker, trigger, fire_time).await }
            }
        };
        let catch_up = !config.tenants.is_empty()
            && scheduler::catch_up_due(&schedule, last_success, clock.now());
        if demo || config.schedule.run_on_start || catch_up {
            if catch_up && !(demo || config.schedule.run_on_start) {
                tracing::info!(
                    last_success = ?last_success.map(|t| t.to_rfc3339()),
                    "catch-up scan: the last successful scan is older than one period"
                );
            }
            if let Some(pass) = gate.try_enter() {
                let scan = scan.clone();
                tokio::spawn(async move {
                    scan(Trigger::Startup, None).await;
                    drop(pass);
                });
            }
        }
        let gate_for_shutdown = gate.clone();
        if postgres {
            tokio::spawn(collector::replica::join_running_scans(
                worker.clone(),
                gate.clone(),
            ));
        }
        tokio::spawn(scheduler::run(schedule, clock.clone(), gate, status, move |at| {
            scan(Trigger::Schedule, Some(at))
        }));
        let grace = Duration::from_secs(config.collector.shutdown_grace_secs);
        server.await.map_err(runtime_error)?;
        finish_or_interrupt_scan(&store, &clock, &gate_for_shutdown, &replica, grace).await;
        if let Some(sim) = simulator {
            sim.shutdown().await;
        }
        tracing::info!("stopped");
        Ok(0)
    })
}

/// At shutdown: close the scan gate to new scans, give a running scan `grace` to finish, then
/// mark what still runs as interrupted (a tenant is stored in one transaction, so an unfinished
/// one keeps its earlier inventory).
async fn finish_or_interrupt_scan(
    store: &Store,
    clock: &Arc<dyn Clock>,
    gate: &Arc<crate::collector::scheduler::ScanGate>,
    replica: &Arc<crate::store::replica::Replica>,
    grace: Duration,
) {
    let deadline = std::time::Instant::now() + grace;
    let mut closed = gate.try_enter();
    if closed.is_none() {
        tracing::info!(
            grace_secs = grace.as_secs(),
            "waiting for the running scan to finish"
        );
    }
    while closed.is_none() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        closed = gate.try_enter();
    }
    if closed.is_none() {
        // Hand this replica's jobs back; a scan no other live replica works on is interrupted
        // (its unfinished tenants keep their stored inventory).
        let (store, now, me) = (store.clone(), clock.now(), replica.clone());
        let done = tokio::task::spawn_blocking(move || {
            store.release_jobs(me.key())?;
            let live = store.liveness(&me)?.without(me.key());
            store.interrupt_orphaned_scans(&live, Some(me.key()), now)
        })
        .await;
        match done {
            Ok(Ok(scans)) if scans.is_empty() => tracing::warn!(
                "the running scan did not finish in time: its jobs are left to the other replicas"
            ),
            Ok(Ok(scans)) => tracing::warn!(
                ?scans,
                "the running scan did not finish in time: marked interrupted"
            ),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "could not mark the running scan interrupted")
            }
            Err(e) => tracing::error!(error = %e, "could not mark the running scan interrupted"),
        }
    }
}

fn print_scan(report: &collector::ScanReport) {
    println!("scan {}: {}", report.scan_id, report.status.as_str());
    println!(
        "{:<24} {:<10} {:>8} {:>10} {:>7} {:>7} {:>7} {:>9} {:>8} {:>6} {:>8}  error",
        "tenant",
        "status",
        "apps",
        "grants",
        "added",
        "changed",
        "removed",
        "ms",
        "findings",
        "new",
        "resolved"
    );
    for t in &report.tenants {
        let s = &t.stats;
        let (findings, new, resolved) = t.evaluation.as_ref().map_or_else(
            || ("-".to_string(), "-".to_string(), "-".to_string()),
            |e| {
                (
                    e.findings.to_string(),
                    (e.stats.opened + e.stats.reopened).to_string(),
                    e.stats.resolved.to_string(),
                )
            },
        );
        println!(
            "{:<24} {:<10} {:>8} {:>10} {:>7} {:>7} {:>7} {:>9} {:>8} {:>6} {:>8}  {}",
            t.name,
            t.status.as_str(),
            t.apps_seen,
            t.grants_seen,
            s.apps_added + s.grants_added,
            s.apps_changed,
            s.apps_removed + s.grants_removed,
            t.duration.as_millis(),
            findings,
            new,
            resolved,
            t.error.as_deref().unwrap_or("")
        );
    }
}

fn api_key(store: &Store, clock: &dyn Clock, cmd: ApiKeyCommand) -> Result<u8, Failure> {
    match cmd {
        ApiKeyCommand::Create { name, role } => {
            let role = match role {
                RoleArg::Reader => Role::Reader,
                RoleArg::Admin => Role::Admin,
            };
            let (row, key) = store
                .create_api_key(&name, role, clock.now())
                .map_err(runtime_error)?;
            eprintln!(
                "created API key {} ({}, {}); it is shown only once:",
                row.id, row.name, row.role
            );
            println!("{key}");
            Ok(0)
        }
        ApiKeyCommand::List => {
            println!(
                "{:>4}  {:<24} {:<7} {:<14} {:<20} {:<20} revoked",
                "id", "name", "role", "prefix", "created", "last used"
            );
            for k in store.list_api_keys().map_err(runtime_error)? {
                let fmt = |t: Option<chrono::NaiveDateTime>| {
                    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into())
                };
                println!(
                    "{:>4}  {:<24} {:<7} {:<14} {:<20} {:<20} {}",
                    k.id,
                    k.name,
                    k.role,
                    format!("{}…", k.key_prefix),
                    fmt(Some(k.created_at)),
                    fmt(k.last_used_at),
                    fmt(k.revoked_at)
                );
            }
            Ok(0)
        }
        ApiKeyCommand::Revoke { id } => {
            if store
                .revoke_api_key(id, clock.now())
                .map_err(runtime_error)?
            {
                eprintln!("revoked API key {id}");
                Ok(0)
            } else {
                Err(runtime_error(anyhow::anyhow!(
                    "no active API key with id {id}"
                )))
            }
        }
    }
}
