//! The security dashboard: server-rendered askama pages, one module per page, each view
//! struct beside the handler that fills it. Pages read through `crate::store::queries` (shared
//! with the JSON API) and never mark provider data `|safe`: askama escapes every value.

pub mod app_detail;
pub mod app_view;
pub mod apps;
pub mod assets;
pub mod charts;
pub mod containment;
pub mod error;
pub mod findings;
pub mod history;
pub mod layout;
pub mod overview;
pub mod scans;
pub mod tenants;
pub mod vendors;
pub mod view;

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

/// Run a blocking store call off the async workers; store errors become error pages.
pub async fn with_store<T, F>(state: &crate::web::AppState, f: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&crate::store::Store) -> Result<T, crate::store::StoreError> + Send + 'static,
{
    let store = state.store.clone();
    Ok(actix_web::web::block(move || f(&store))
        .await
        .map_err(PageError::internal)??)
}
