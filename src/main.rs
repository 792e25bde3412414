//! The `oauth-audit` binary: everything lives in the library; see `cli`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// mimalloc returns memory freed by short-lived worker threads (scan pipelines, spool
/// readers) to the whole process, where glibc's per-thread arenas would keep it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    oauth_audit::cli::main()
}
