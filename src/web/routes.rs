//! The whole route table, so the HTTP surface is visible at a glance.

use actix_web::web;

use super::{error, health, metrics};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .default_service(web::to(error::not_found));
}
