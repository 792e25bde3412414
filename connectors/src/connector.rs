//! The `Connector` contract: collect one tenant's inventory and stream it to the collector.

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::Provider;
use crate::error::{ConnectorError, ErrorKind};
use crate::model::InventoryItem;

/// Collects one tenant's OAuth inventory.
///
/// `collect` streams items into `sink` as it reads them, so a tenant with a million grants
/// never sits in memory at once. It returns once the inventory is complete; an `Err`, or a
/// summary with coverage gaps, tells the collector not to replace the tenant's stored inventory.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The SaaS whose data this connector returns (for a file import, its format).
    fn provider(&self) -> Provider;

    async fn collect(&self, sink: ItemSink) -> Result<CollectSummary, ConnectorError>;
}

/// What a finished collection reports besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectSummary {
    /// HTTP requests made (0 for file imports).
    pub requests: u64,
    /// Data the connector could not collect, and why. Non-empty means the inventory is partial.
    pub gaps: Vec<CoverageGap>,
}

/// A part of the inventory that could not be collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    /// What is missing, e.g. "delegated grants".
    pub what: String,
    pub reason: String,
}

/// The sending half of the bounded channel between a connector and the collector.
#[derive(Debug, Clone)]
pub struct ItemSink {
    tx: mpsc::Sender<InventoryItem>,
}

impl ItemSink {
    /// A sink and its receiver, buffering at most `capacity` items (backpressure on the connector).
    pub fn channel(capacity: usize) -> (ItemSink, mpsc::Receiver<InventoryItem>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (ItemSink { tx }, rx)
    }

    /// Send from async code.
    pub async fn send(&self, item: InventoryItem) -> Result<(), ConnectorError> {
        self.tx.send(item).await.map_err(|_| closed())
    }

    /// Send from a blocking thread (file parsers run on one).
    pub fn blocking_send(&self, item: InventoryItem) -> Result<(), ConnectorError> {
        self.tx.blocking_send(item).map_err(|_| closed())
    }
}

fn closed() -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Cancelled,
        "the collector stopped receiving items",
    )
}
