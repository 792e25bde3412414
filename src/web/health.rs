//! Liveness and readiness, open to load balancers without a key.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use super::error::ApiError;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers and every migration is applied; also says whether a scan runs and
/// when the next scheduled one fires.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let backend = store.backend().as_str();
    match tokio::task::spawn_blocking(move || store.ready()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(json!({
            "status": "ready",
            "database": backend,
            "scan_running": state.scan_gate.is_busy(),
            "next_scan": state.scheduler.next_run().map(|t| t.to_rfc3339()),
        }))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database is not ready",
            ))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}
