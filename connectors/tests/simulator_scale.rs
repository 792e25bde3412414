//! The simulator at the size of the collection benchmark (50 tenants × 1,000 apps × 10 grants,
//! 50 ms per request, pages of 100) must not be what limits a collector: paging every tenant's
//! service principals and grants at once takes about as long as the latency alone allows, and
//! the estate is generated page by page instead of held in memory.
//! Run on an otherwise idle machine with
//! `cargo test --release -p connectors --features simulator --test simulator_scale -- --ignored`.

mod simulator_support;

use connectors::Provider;
use connectors::simulator::{EstateSize, Faults, Preset, RedirectMix, Simulator, SimulatorConfig};
use serde_json::Value;
use simulator_support::static_auth;
use std::time::{Duration, Instant};

const TENANTS: usize = 50;
const APPS: usize = 1000;
const GRANTS: usize = 10;
const LATENCY: Duration = Duration::from_millis(50);

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Page through one Graph listing, one request at a time; the number of items and pages.
async fn page_through(client: &reqwest::Client, first: String, auth: &str) -> (usize, usize) {
    let (mut items, mut pages) = (0, 0);
    let mut url = Some(first);
    while let Some(u) = url {
        let resp = client
            .get(&u)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{u}");
        let body: Value = resp.json().await.unwrap();
        items += body["value"].as_array().unwrap().len();
        pages += 1;
        url = body["@odata.nextLink"].as_str().map(str::to_string);
    }
    (items, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes several seconds; a capacity measurement, run on demand"]
async fn fifty_full_tenants_page_at_the_speed_latency_allows() {
    let sim = Simulator::start(SimulatorConfig {
        seed: 11,
        preset: Preset::Generated(EstateSize {
            tenants: TENANTS,
            apps_per_tenant: APPS,
            grants_per_app: GRANTS,
            users_per_tenant: 2000,
            redirect_mix: RedirectMix::default(),
        }),
        faults: Faults {
            latency: LATENCY,
            ..Faults::none()
        },
        page_size: 100,
        workers: 2,
        ..SimulatorConfig::default()
    })
    .unwrap();
    let base: Vec<String> = (0..TENANTS)
        .map(|t| sim.base_url(Provider::Entra, t))
        .collect();
    let auth: Vec<String> = (0..TENANTS)
        .map(|t| static_auth(&sim, Provider::Entra, t))
        .collect();
    // One client, as a collector has: connections are kept alive between pages.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let started = Instant::now();
    let tenants = (0..TENANTS).map(|t| {
        let (base, auth, client) = (base[t].clone(), auth[t].clone(), client.clone());
        tokio::spawn(async move {
            let sps = page_through(&client, format!("{base}/v1.0/servicePrincipals"), &auth).await;
            let grants = page_through(
                &client,
                format!("{base}/v1.0/oauth2PermissionGrants"),
                &auth,
            )
            .await;
            (sps, grants)
        })
    });
    let results = futures_join(tenants.collect()).await;
    let took = started.elapsed();
    let pages_per_tenant = results[0].0.1 + results[0].1.1;
    for ((sps, _), (grants, _)) in &results {
        assert_eq!((*sps, *grants), (APPS + 1, APPS * GRANTS));
    }
    // One request at a time per tenant: the ideal is the tenant's pages times the latency.
    let ideal = LATENCY * pages_per_tenant as u32;
    let rss = peak_rss_mb().unwrap_or(0.0);
    eprintln!(
        "{TENANTS} tenants × {pages_per_tenant} pages, {} ms latency: {:.2} s (ideal {:.2} s, ratio {:.2}); {} requests; peak RSS {rss:.0} MB (client and server)",
        LATENCY.as_millis(),
        took.as_secs_f64(),
        ideal.as_secs_f64(),
        took.as_secs_f64() / ideal.as_secs_f64(),
        sim.total_requests(),
    );
    assert!(
        took.as_secs_f64() <= ideal.as_secs_f64() * 1.2,
        "{took:?} against an ideal of {ideal:?}"
    );
    assert!(rss < 300.0, "peak RSS {rss} MB");
    sim.shutdown().await;
}

async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
