//! `GET /metrics`: Prometheus text exposition, open to scrapers without a key (DESIGN §4).
//!
//! Inventory, findings and collection health come from the database at scrape time, so every
//! replica sharing one database reports the same estate. HTTP traffic to the providers (requests,
//! retries, failed requests) is counted in this process by the connectors' HTTP layer.

use actix_web::{HttpResponse, web};
use connectors::Provider;
use prometheus::{Encoder, IntGaugeVec, Opts, Registry, TextEncoder};

use super::AppState;
use super::error::ApiError;
use crate::store::gauges::Gauges;

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let gauges = web::block(move || store.gauges())
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let text = render(&gauges, state.scan_gate.is_busy()).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

fn gauge(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> prometheus::Result<IntGaugeVec> {
    let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(g.clone()))?;
    Ok(g)
}

/// The exposition text for `gauges` plus this process's HTTP counters.
pub fn render(gauges: &Gauges, scan_running: bool) -> prometheus::Result<String> {
    let r = Registry::new();
    let apps = gauge(
        &r,
        "oauth_audit_apps",
        "Apps in the stored inventory",
        &["tenant", "provider"],
    )?;
    let grants = gauge(
        &r,
        "oauth_audit_grants",
        "Grants in the stored inventory",
        &["tenant", "provider"],
    )?;
    let stale = gauge(
        &r,
        "oauth_audit_tenant_stale",
        "1 when the last collection failed and the inventory is from an earlier scan",
        &["tenant"],
    )?;
    let success = gauge(
        &r,
        "oauth_audit_tenant_last_success_timestamp_seconds",
        "When the tenant was last collected completely",
        &["tenant"],
    )?;
    let duration = prometheus::GaugeVec::new(
        Opts::new(
            "oauth_audit_tenant_scan_duration_seconds",
            "Duration of the tenant's last collection",
        ),
        &["tenant"],
    )?;
    r.register(Box::new(duration.clone()))?;
    let findings = gauge(
        &r,
        "oauth_audit_open_findings",
        "Open findings by severity",
        &["severity"],
    )?;
    let running = gauge(
        &r,
        "oauth_audit_scan_running",
        "1 while this process runs a scan",
        &[],
    )?;
    let requests = gauge(
        &r,
        "oauth_audit_http_requests_total",
        "Requests sent to provider APIs by this process",
        &["provider"],
    )?;
    let retries = gauge(
        &r,
        "oauth_audit_http_retries_total",
        "Requests retried after a retryable failure",
        &["provider"],
    )?;
    let errors = gauge(
        &r,
        "oauth_audit_http_errors_total",
        "Requests that failed for good",
        &["provider"],
    )?;

    for t in &gauges.tenants {
        apps.with_label_values(&[&t.name, &t.provider]).set(t.apps);
        grants
            .with_label_values(&[&t.name, &t.provider])
            .set(t.grants);
        stale.with_label_values(&[&t.name]).set(i64::from(t.stale));
        if let Some(at) = t.last_success_at {
            success
                .with_label_values(&[&t.name])
                .set(at.and_utc().timestamp());
        }
        if let Some(ms) = t.last_run_ms {
            duration
                .with_label_values(&[&t.name])
                .set(ms as f64 / 1000.0);
        }
    }
    for severity in ["critical", "high", "medium", "low", "info"] {
        let n = gauges
            .open_findings
            .iter()
            .find(|(s, _)| s == severity)
            .map_or(0, |(_, n)| *n);
        findings.with_label_values(&[severity]).set(n);
    }
    running
        .with_label_values::<&str>(&[])
        .set(i64::from(scan_running));
    for p in Provider::SAAS {
        let totals = connectors::http::provider_totals(p);
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        requests
            .with_label_values(&[p.as_str()])
            .set(count(totals.requests));
        retries
            .with_label_values(&[p.as_str()])
            .set(count(totals.retries));
        errors
            .with_label_values(&[p.as_str()])
            .set(count(totals.failures));
    }
    let mut out = Vec::new();
    TextEncoder::new().encode(&r.gather(), &mut out)?;
    String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::gauges::TenantGauges;

    #[test]
    fn renders_inventory_health_findings_and_traffic() {
        let gauges = Gauges {
            tenants: vec![TenantGauges {
                name: "contoso".into(),
                provider: "entra".into(),
                apps: 12,
                grants: 40,
                last_success_at: chrono::DateTime::from_timestamp(1_700_000_000, 0)
                    .map(|d| d.naive_utc()),
                last_run_ms: Some(1500),
                stale: false,
            }],
            open_findings: vec![("high".into(), 3), ("low".into(), 1)],
        };
        let text = render(&gauges, true).unwrap();
        for line in [
            r#"oauth_audit_apps{provider="entra",tenant="contoso"} 12"#,
            r#"oauth_audit_grants{provider="entra",tenant="contoso"} 40"#,
            r#"oauth_audit_tenant_last_success_timestamp_seconds{tenant="contoso"} 1700000000"#,
            r#"oauth_audit_tenant_scan_duration_seconds{tenant="contoso"} 1.5"#,
            r#"oauth_audit_open_findings{severity="high"} 3"#,
            r#"oauth_audit_open_findings{severity="critical"} 0"#,
            "oauth_audit_scan_running 1",
            r#"oauth_audit_http_requests_total{provider="okta"} "#,
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
