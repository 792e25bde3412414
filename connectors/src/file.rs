//! The file importer: audit a provider's own API responses saved to disk, with no credentials.
//!
//! `provider = "file"` tenants name a `format` (a provider) and a `path` (a file or a
//! directory, depending on the format). Each format's reader lives in its provider module and
//! uses the same parsers as the HTTP connector, so an offline export and a live collection of
//! the same tenant produce the same inventory.

use async_trait::async_trait;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::Provider;
use crate::connector::{CollectSummary, Connector, ItemSink};
use crate::error::{ConnectorError, ErrorKind};
use crate::model::InventoryItem;

/// Where a format reader sends each item it parses.
pub type Emit<'a> = dyn FnMut(InventoryItem) -> Result<(), ConnectorError> + 'a;

/// Reads a saved export of one provider.
#[derive(Debug, Clone)]
pub struct FileConnector {
    format: Provider,
    path: PathBuf,
}

impl FileConnector {
    pub fn new(format: Provider, path: impl Into<PathBuf>) -> Self {
        FileConnector {
            format,
            path: path.into(),
        }
    }

    /// The formats the importer reads.
    pub fn supported_formats() -> &'static [Provider] {
        &[Provider::Entra, Provider::Okta, Provider::Keycloak]
    }
}

/// Read the export at `path` in `format`, handing each item to `emit`.
pub fn import(
    format: Provider,
    path: &Path,
    emit: &mut Emit<'_>,
) -> Result<CollectSummary, ConnectorError> {
    match format {
        Provider::Entra => crate::entra::import(path, emit),
        Provider::Okta => crate::okta::import(path, emit),
        Provider::Keycloak => crate::keycloak::import(path, emit),
        other => Err(ConnectorError::new(
            ErrorKind::Config,
            format!("the file importer does not read `{other}` exports yet"),
        )),
    }
}

#[async_trait]
impl Connector for FileConnector {
    fn provider(&self) -> Provider {
        self.format
    }

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError> {
        let (format, path) = (self.format, self.path.clone());
        let mut owned = sink.take();
        let (result, owned) = tokio::task::spawn_blocking(move || {
            let result = import(format, &path, &mut |item| owned.blocking_send(item));
            (result, owned)
        })
        .await
        .map_err(|e| {
            ConnectorError::new(ErrorKind::Cancelled, format!("file import task ended: {e}"))
        })?;
        *sink = owned;
        result
    }
}

/// Open `path` for reading, with an error that names it.
pub fn open(path: &Path) -> Result<File, ConnectorError> {
    File::open(path).map_err(|e| {
        ConnectorError::new(
            ErrorKind::Io,
            format!("cannot read {}: {e}", path.display()),
        )
        .at(path.display().to_string())
    })
}

/// Open `dir/name` if it exists: `Ok(None)` when an optional export file is absent.
pub fn open_optional(dir: &Path, name: &str) -> Result<Option<File>, ConnectorError> {
    let path = dir.join(name);
    if path.exists() {
        open(&path).map(Some)
    } else {
        Ok(None)
    }
}

/// An error mapper that names `path` on errors that do not already name their source.
pub fn located(path: &Path) -> impl Fn(ConnectorError) -> ConnectorError + use<> {
    let name = path.display().to_string();
    move |e| {
        if e.source_name.is_some() {
            e
        } else {
            e.at(name.clone())
        }
    }
}

/// A whole export read into memory: for small inputs (tests, offline checks of a few apps).
#[derive(Debug, Default)]
pub struct Inventory {
    pub apps: Vec<crate::model::OAuthApp>,
    pub grants: Vec<crate::model::Grant>,
    pub policies: Vec<crate::model::TenantPolicy>,
}

/// Read the export at `path` in `format` into memory.
pub fn read_all(format: Provider, path: &Path) -> Result<Inventory, ConnectorError> {
    let mut inv = Inventory::default();
    import(format, path, &mut |item| {
        match item {
            InventoryItem::App(app) => inv.apps.push(*app),
            InventoryItem::Grant(grant) => inv.grants.push(grant),
            InventoryItem::TenantPolicy(policy) => inv.policies.push(policy),
        }
        Ok(())
    })?;
    Ok(inv)
}
