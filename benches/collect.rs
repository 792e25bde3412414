//! Collection benchmark (issue #4): 50 Entra tenants × 1,000 apps × 10 grants each, served by
//! the SaaS simulator with 50 ms added to every request and pages of 100, collected at once by
//! the real Entra connector (client-credentials token, OData paging, the shared HTTP layer).
//!
//! Every listing is cursor-paged, so a tenant's requests form one chain: the ideal wall time is
//! the longest tenant's request count × the added latency (all tenants run in parallel; the
//! per-tenant concurrency cannot shorten a cursor chain). The benchmark prints the ideal, the
//! measured wall time, their ratio, and the process's peak RSS (client and simulator together).
//!
//! The simulator runs in this process on the same two cores, so its own work (building and
//! gzipping about 6,500 pages) is part of what delays each answer; a real provider spends that
//! on its own machines.
//!
//! `cargo bench --bench collect` (env: `COLLECT_TENANTS`, `COLLECT_APPS`, `COLLECT_GRANTS`,
//! `COLLECT_LATENCY_MS`). Run it on an otherwise idle machine: it measures waiting, and a loaded
//! CPU delays every answer.

use std::time::{Duration, Instant};

use connectors::Provider;
use connectors::fetch::http_connector;
use connectors::http::HttpSettings;
use connectors::settings::TenantSettings;
use connectors::simulator::{EstateSize, Faults, Preset, RedirectMix, Simulator, SimulatorConfig};
use connectors::{ItemSink, model::InventoryItem};

/// The same allocator as the binary, so the figures match what `oauth-audit serve` does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let tenants = env("COLLECT_TENANTS", 50);
    let apps = env("COLLECT_APPS", 1000);
    let grants = env("COLLECT_GRANTS", 10);
    let latency = Duration::from_millis(env("COLLECT_LATENCY_MS", 50) as u64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let sim = Simulator::start(SimulatorConfig {
            seed: 7,
            preset: Preset::Generated(EstateSize {
                tenants,
                apps_per_tenant: apps,
                grants_per_app: grants,
                users_per_tenant: (grants * 20).max(100),
                redirect_mix: RedirectMix::default(),
            }),
            faults: Faults {
                latency,
                ..Faults::none()
            },
            page_size: 100,
            workers: 2,
            ..SimulatorConfig::default()
        })
        .expect("simulator");
        let started = Instant::now();
        let mut jobs = tokio::task::JoinSet::new();
        for t in 0..tenants {
            let c = sim.credentials(Provider::Entra, t);
            let mut s = TenantSettings::new(format!("bench-{t}"), Provider::Entra);
            s.base_url = Some(sim.base_url(Provider::Entra, t).parse().expect("url"));
            s.token_url = sim.token_url(Provider::Entra, t).map(|u| u.parse().expect("url"));
            s.client_id = Some(c.client_id.clone());
            s.client_secret = c.client_secret.clone().map(Into::into);
            s.tenant_id = c.tenant_id.clone();
            s.page_size = Some(100);
            s.http = HttpSettings {
                requests_per_second: None,
                ..HttpSettings::default()
            };
            let connector = http_connector(s).expect("connector");
            jobs.spawn(async move {
                let (mut sink, mut rx) = ItemSink::channel(8);
                let count = tokio::spawn(async move {
                    let (mut apps, mut grants) = (0u64, 0u64);
                    while let Some(batch) = rx.recv().await {
                        for item in batch {
                            match item {
                                InventoryItem::App(_) => apps += 1,
                                InventoryItem::Grant(_) => grants += 1,
                                InventoryItem::TenantPolicy(_) => {}
                            }
                        }
                    }
                    (apps, grants)
                });
                let summary = connector.collect(&mut sink).await.expect("collect");
                sink.flush().await.expect("flush");
                drop(sink);
                let counts = count.await.expect("counter");
                (t, summary.requests, counts)
            });
        }
        let mut longest_chain = 0u64;
        let (mut total_apps, mut total_grants, mut total_requests) = (0u64, 0u64, 0u64);
        while let Some(done) = jobs.join_next().await {
            let (t, requests, (a, g)) = done.expect("tenant task");
            assert!(a >= apps as u64 && g >= (apps * grants) as u64, "tenant {t}: {a} apps, {g} grants");
            longest_chain = longest_chain.max(requests);
            total_requests += requests;
            total_apps += a;
            total_grants += g;
        }
        let wall = started.elapsed();
        let ideal = latency * longest_chain as u32;
        println!(
            "collect: {tenants} tenants, {total_apps} apps, {total_grants} grants, {total_requests} requests \
             ({longest_chain} per tenant, one cursor chain)"
        );
        println!(
            "ideal {:.2} s ({longest_chain} × {} ms), measured {:.2} s, ratio {:.2}, peak RSS {:.0} MB",
            ideal.as_secs_f64(),
            latency.as_millis(),
            wall.as_secs_f64(),
            wall.as_secs_f64() / ideal.as_secs_f64(),
            peak_rss_mb()
        );
        sim.shutdown().await;
    });
}
