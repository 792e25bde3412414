//! The `oauth-audit` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    oauth_audit::cli::main()
}
