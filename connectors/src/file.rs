//! The file importer: audit a provider's own API responses saved to disk, with no credentials.
//!
//! `provider = "file"` tenants name a `format` (a provider) and a `path` (a file or a
//! directory, depending on the format). Each format's reader lives in its provider module and
//! uses the same parsers as the HTTP connector, so an offline export and a live collection of
//! the same tenant produce the same inventory.
//!
//! Entra and Okta exports are directories of list files and Keycloak's is a realm export, all
//! streamed. Every other format (Auth0, GitHub, Google, Salesforce, Slack, RFC 7591 metadata)
//! is one JSON file holding one saved API response in the provider's shape, read whole and
//! parsed by [`crate::detect::read_document`].

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

    /// The formats the importer reads: all of them.
    pub fn supported_formats() -> &'static [Provider] {
        &Provider::ALL
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
        other => import_document(other, path, emit),
    }
}

/// Read a one-file export: a saved API response in `format`'s shape.
fn import_document(
    format: Provider,
    path: &Path,
    emit: &mut Emit<'_>,
) -> Result<CollectSummary, ConnectorError> {
    if path.is_dir() {
        return Err(ConnectorError::new(
            ErrorKind::Config,
            format!("a `{format}` export is one JSON file (a saved API response), not a directory"),
        )
        .at(path.display().to_string()));
    }
    let at = located(path);
    let value: serde_json::Value = serde_json::from_reader(std::io::BufReader::new(open(path)?))
        .map_err(|e| at(ConnectorError::malformed(format!("invalid JSON: {e}"))))?;
    let (_, inv) = crate::detect::read_document(Some(crate::detect::Format::of(format)), &value)
        .map_err(&at)?;
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = 0u64;
    for app in inv.apps {
        if seen.insert(app.external_id.clone()) {
            emit(InventoryItem::App(Box::new(app)))?;
        } else {
            duplicates += 1;
        }
    }
    if duplicates > 0 {
        tracing::warn!(duplicates, "skipped apps listed twice in the export");
    }
    for grant in inv.grants {
        emit(InventoryItem::Grant(grant))?;
    }
    for policy in inv.policies {
        emit(InventoryItem::TenantPolicy(policy))?;
    }
    Ok(CollectSummary::default())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path)
    }

    #[test]
    fn one_file_formats_import_apps_and_grants() {
        let inv = read_all(Provider::Google, &fixture("google/tokens.json")).unwrap();
        assert_eq!((inv.apps.len(), inv.grants.len()), (3, 4));
        let inv = read_all(Provider::Rfc7591, &fixture("rfc7591/clients.json")).unwrap();
        assert_eq!(inv.apps.len(), 3);
        assert_eq!(
            FileConnector::supported_formats().len(),
            Provider::ALL.len()
        );
    }

    #[test]
    fn a_directory_the_wrong_format_or_bad_json_is_an_error_naming_the_path() {
        let e = read_all(Provider::Slack, &fixture("slack")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        let e = read_all(Provider::Slack, &fixture("auth0/clients.json")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.source_name.is_some_and(|s| s.ends_with("clients.json")));
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{not json").unwrap();
        let e = read_all(Provider::Auth0, &bad).unwrap_err();
        assert!(e.message.contains("invalid JSON"), "{e}");
    }
}
