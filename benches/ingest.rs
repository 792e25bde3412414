//! Ingest benchmark (issue: Foundation): a generated Entra export of 100,000 service
//! principals and 1,000,000 delegated grants, scanned into a fresh SQLite database, then
//! rescanned unchanged.
//!
//! Run: `cargo bench --bench ingest` (sizes: `INGEST_SPS`, `INGEST_GRANTS`, `INGEST_APPS`).
//! Prints the rows written, the time and rate of each scan, and the process's peak RSS.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use oauth_audit::clock::SystemClock;
use oauth_audit::collector::{Trigger, run_scan};
use oauth_audit::config::Config;
use oauth_audit::store::Store;

/// The same allocator as the binary, so the figures match what `oauth-audit scan` does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn guid(kind: u32, n: usize) -> String {
    format!(
        "{kind:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 16) & 0xffff,
        (n >> 4) & 0xfff,
        n & 0xfff,
        n
    )
}

/// Write `{"value": [ item, item, ... ]}` streaming, one item at a time.
fn page(
    path: &Path,
    count: usize,
    mut item: impl FnMut(usize, &mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(b"{\"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#bench\", \"value\": [\n")?;
    for i in 0..count {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        item(i, &mut w)?;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()
}

fn generate(dir: &Path, apps: usize, sps: usize, grants: usize) -> std::io::Result<()> {
    const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
    let graph_sp = guid(0xf0, 0);
    page(&dir.join("applications.json"), apps, |i, w| {
        write!(
            w,
            r#"{{"id": "{}", "appId": "{}", "displayName": "Line of business app {i}", "createdDateTime": "2024-01-01T00:00:00Z", "publisherDomain": "contoso.com", "signInAudience": "AzureADMyOrg", "isFallbackPublicClient": false, "web": {{"redirectUris": ["https://app{i}.contoso.com/signin-oidc", "https://app{i}.contoso.com/auth"], "implicitGrantSettings": {{"enableAccessTokenIssuance": false, "enableIdTokenIssuance": {}}}}}, "spa": {{"redirectUris": []}}, "publicClient": {{"redirectUris": []}}, "requiredResourceAccess": [{{"resourceAppId": "{GRAPH_APP}", "resourceAccess": [{{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}}]}}], "passwordCredentials": [{{"keyId": "{}", "displayName": "ci", "hint": "abc", "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z", "secretText": null}}], "keyCredentials": []}}"#,
            guid(0xa0, i),
            guid(0xa1, i),
            i % 7 == 0,
            guid(0xa2, i)
        )
    })?;
    page(&dir.join("servicePrincipals.json"), sps, |i, w| {
        if i == 0 {
            return write!(
                w,
                r#"{{"id": "{graph_sp}", "appId": "{GRAPH_APP}", "displayName": "Microsoft Graph", "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "servicePrincipalType": "Application", "accountEnabled": true, "replyUrls": [], "oauth2PermissionScopes": [{{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "value": "User.Read"}}, {{"id": "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "value": "Mail.Read"}}], "appRoles": []}}"#
            );
        }
        let app_id = if i <= apps {
            guid(0xa1, i - 1)
        } else {
            guid(0xb1, i)
        };
        write!(
            w,
            r#"{{"id": "{}", "appId": "{app_id}", "displayName": "Integration {i}", "appDisplayName": "Integration {i}", "accountEnabled": true, "appOwnerOrganizationId": "{}", "publisherName": "Vendor {}", "servicePrincipalType": "Application", "verifiedPublisher": {{"displayName": null, "verifiedPublisherId": null, "addedDateTime": null}}, "replyUrls": ["https://vendor{i}.example.com/oauth/callback"], "tags": ["WindowsAzureActiveDirectoryIntegratedApp"], "passwordCredentials": [], "keyCredentials": [], "oauth2PermissionScopes": [], "appRoles": []}}"#,
            guid(0xb0, i),
            guid(0xc0, i % 5000),
            i % 5000
        )
    })?;
    let per_sp = grants.div_ceil(sps.saturating_sub(1).max(1));
    page(&dir.join("oauth2PermissionGrants.json"), grants, |i, w| {
        let sp = 1 + (i / per_sp) % (sps - 1).max(1);
        let (consent, principal, scope) = if i % per_sp == 0 {
            (
                "AllPrincipals",
                "null".to_string(),
                " User.Read offline_access",
            )
        } else {
            (
                "Principal",
                format!("\"{}\"", guid(0xd0, i % 200_000)),
                "User.Read Mail.Read",
            )
        };
        write!(
            w,
            r#"{{"clientId": "{}", "consentType": "{consent}", "id": "grant-{i:010}-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "principalId": {principal}, "resourceId": "{graph_sp}", "scope": "{scope}"}}"#,
            guid(0xb0, sp)
        )
    })
}

/// The process's peak resident set size, from the kernel.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--list") {
        println!("ingest: bench");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter("info,oauth_audit::store=debug")
        .with_writer(std::io::stderr)
        .init();
    let (apps, sps, grants) = (
        env_or("INGEST_APPS", 10_000),
        env_or("INGEST_SPS", 100_000),
        env_or("INGEST_GRANTS", 1_000_000),
    );
    let dir = tempfile::tempdir()?;
    let export = dir.path().join("entra");
    std::fs::create_dir_all(&export)?;
    let t = Instant::now();
    generate(&export, apps, sps, grants)?;
    let size: u64 = std::fs::read_dir(&export)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "generated {apps} applications, {sps} service principals, {grants} grants ({:.0} MB) in {:.1}s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    println!("peak RSS after generating: {:.0} MB", peak_rss_mb());

    let db = dir.path().join("bench.db");
    let config_file = dir.path().join("oauth-audit.toml");
    std::fs::write(
        &config_file,
        format!(
            "[database]\nurl = {:?}\n\n[[tenants]]\nname = \"bench\"\nprovider = \"file\"\nformat = \"entra\"\npath = {:?}\n",
            db.display().to_string(),
            export.display().to_string()
        ),
    )?;
    let config = Config::load_with_env(Some(&config_file), std::iter::empty())?;
    let store = Store::open(&config.database.url, config.database.pool_size)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut first_secs = 0.0;
    let mut first_rows = 0;
    for label in ["first ingest", "unchanged rescan"] {
        let t = Instant::now();
        let report = rt.block_on(run_scan(
            &store,
            &config,
            Arc::new(SystemClock),
            Trigger::Cli,
            config.tenants.clone(),
        ))?;
        let secs = t.elapsed().as_secs_f64();
        let tenant = &report.tenants[0];
        assert!(tenant.error.is_none(), "scan failed: {:?}", tenant.error);
        let rows = tenant.stats.rows_written;
        // The tenant's own duration is collection and storage (the ingest); the rest of the
        // scan is judging it (rules, findings, scores).
        let ingest = tenant.duration.as_secs_f64();
        let evaluation = tenant.evaluation.clone().unwrap_or_default();
        println!(
            "{label}: {} apps, {} grants seen; {rows} rows written in {ingest:.2}s = {:.0} rows/s; peak RSS so far {:.0} MB",
            tenant.apps_seen,
            tenant.grants_seen,
            rows as f64 / ingest,
            peak_rss_mb()
        );
        println!(
            "{label}: rules over {} apps: {} findings ({} written) in {:.2}s; whole scan {secs:.2}s",
            evaluation.apps,
            evaluation.findings,
            evaluation.stats.opened + evaluation.stats.updated + evaluation.stats.resolved,
            secs - ingest,
        );
        let secs = ingest;
        if first_rows == 0 {
            (first_secs, first_rows) = (secs, rows);
        } else {
            println!(
                "rescan wrote {:.3}% of the first ingest's rows in {:.1}% of its ingest time",
                100.0 * rows as f64 / first_rows as f64,
                100.0 * secs / first_secs
            );
        }
    }
    Ok(())
}
