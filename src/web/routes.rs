//! The whole route table, so the HTTP surface is visible at a glance.

use actix_web::{HttpRequest, web};

use super::api::{apps, audit, events, findings, openapi, scans, suppressions, tenants, vendors};
use super::dashboard;
use super::error::ApiError;
use super::session::{login, oidc};
use super::{auth, health, metrics};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/api/openapi.json", web::get().to(openapi::openapi_json))
        .configure(dashboard::assets::configure)
        .route("/login", web::get().to(login::login_page))
        .route("/login", web::post().to(login::login_with_key))
        .route("/logout", web::post().to(login::logout))
        .route("/login/oidc", web::get().to(oidc::start))
        .route("/login/oidc/callback", web::get().to(oidc::callback))
        // The dashboard (DESIGN §6, fixed URLs).
        .app_data(web::Data::new(dashboard::overview::OverviewCache::default()))
        .route("/", web::get().to(dashboard::overview::overview))
        .route("/apps", web::get().to(dashboard::apps::list_apps))
        .route("/apps/{id}", web::get().to(dashboard::app_detail::get_app))
        .route(
            "/vendors/{publisher}",
            web::get().to(dashboard::vendors::get_vendor),
        )
        .route(
            "/findings",
            web::get().to(dashboard::findings::list_findings),
        )
        .route("/tenants", web::get().to(dashboard::tenants::list_tenants))
        .route("/scans", web::get().to(dashboard::scans::list_scans))
        .route("/scans", web::post().to(dashboard::scans::start_scan))
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(auth::require_key))
                .app_data(web::QueryConfig::default().error_handler(|e, _| bad_input(e)))
                .app_data(web::PathConfig::default().error_handler(|e, _| bad_input(e)))
                .app_data(
                    web::JsonConfig::default()
                        .limit(64 * 1024)
                        .error_handler(|e, _| bad_input(e)),
                )
                .route("/findings", web::get().to(findings::list_findings))
                .route("/apps", web::get().to(apps::list_apps))
                .route("/apps/{id}", web::get().to(apps::get_app))
                .route("/tenants", web::get().to(tenants::list_tenants))
                .route("/scans", web::get().to(scans::list_scans))
                .route("/scans", web::post().to(scans::create_scan))
                .route("/scans/{id}", web::get().to(scans::get_scan))
                .route("/events", web::get().to(events::list_events))
                .route("/vendors/{publisher}", web::get().to(vendors::get_vendor))
                .route(
                    "/suppressions",
                    web::get().to(suppressions::list_suppressions),
                )
                .route(
                    "/suppressions",
                    web::post().to(suppressions::create_suppression),
                )
                .route(
                    "/suppressions/{id}",
                    web::delete().to(suppressions::delete_suppression),
                )
                .route("/audit-log", web::get().to(audit::list_audit))
                .default_service(web::to(not_found_in_api)),
        )
        .default_service(web::to(unrouted));
}

/// A malformed query, path or body, answered in the error envelope (the parser's message
/// names the field; it never echoes a value back).
fn bad_input(e: impl std::fmt::Display) -> actix_web::Error {
    let message = e.to_string();
    // Parser messages are short; cap them in case a value ends up quoted.
    let message: String = message.chars().take(200).collect();
    ApiError::bad_request(message).into()
}

/// Any other path: the JSON envelope under `/api/`, an HTML page elsewhere, after sign-in
/// (so a signed-out browser learns nothing about which pages exist, and is sent to `/login`).
async fn unrouted(req: HttpRequest) -> actix_web::HttpResponse {
    use actix_web::{FromRequest, ResponseError};
    if req.path().starts_with("/api/") {
        return ApiError::not_found("resource").error_response();
    }
    match super::session::Viewer::extract(&req).await {
        Ok(_) => dashboard::PageError::not_found("page").error_response(),
        Err(e) => e.error_response(),
    }
}

async fn not_found_in_api(_req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("resource"))
}
