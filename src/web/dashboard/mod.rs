//! The security dashboard: server-rendered askama pages, one module per page, each view
//! struct beside the handler that fills it. Pages read through `crate::store::queries` (shared
//! with the JSON API) and never mark provider data `|safe`: askama escapes every value.

pub mod assets;
pub mod error;
pub mod layout;

pub use error::PageError;
pub use layout::{Layout, Nav};

use actix_web::HttpResponse;
use actix_web::http::header;

/// Render a page to a `text/html` response that is never cached (pages show tenant data).
pub fn render(page: &impl askama::Template) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
