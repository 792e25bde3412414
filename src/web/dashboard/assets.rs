//! Static assets, embedded in the binary (no CDN, nothing read from disk at run time).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The one stylesheet.
const APP_CSS: &str = include_str!("assets/app.css");

/// Register the asset routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/app.css", web::get().to(app_css));
}

async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(APP_CSS)
}
