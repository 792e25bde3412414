//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and the
//! response types (utoipa), served at `/api/openapi.json` without a key.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The error envelope: `{"error": {"code": "…", "message": "…"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: unauthorized, forbidden, not_found, invalid_request,
    /// rate_limited, scan_running, config_suppression, internal.
    pub code: String,
    pub message: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `oauth-audit api-key create`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "oauth-audit API",
        description = "OAuth apps, grants, findings and change feeds of the audited SaaS tenants.",
        license(name = "Apache-2.0")
    ),
    paths(
        super::findings::list_findings,
        super::apps::list_apps,
        super::apps::get_app,
        super::tenants::list_tenants,
        super::scans::list_scans,
        super::scans::get_scan,
        super::scans::create_scan,
        super::events::list_events,
        super::vendors::get_vendor,
        super::suppressions::list_suppressions,
        super::suppressions::create_suppression,
        super::suppressions::delete_suppression,
        super::audit::list_audit,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
