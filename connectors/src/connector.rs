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
/// The collector flushes the sink after `collect` returns.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The SaaS whose data this connector returns (for a file import, its format).
    fn provider(&self) -> Provider;

    async fn collect(&self, sink: &mut ItemSink) -> Result<CollectSummary, ConnectorError>;
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

/// Items sent across the channel at once: batching keeps the connector and the collector from
/// waking each other for every item.
pub const BATCH: usize = 256;

/// The sending half of the bounded channel between a connector and the collector. Items are
/// buffered and sent in batches; [`ItemSink::flush`] sends the rest.
#[derive(Debug)]
pub struct ItemSink {
    tx: Option<mpsc::Sender<Vec<InventoryItem>>>,
    buf: Vec<InventoryItem>,
}

impl ItemSink {
    /// A sink and its receiver, buffering at most `capacity` batches (backpressure on the
    /// connector).
    pub fn channel(capacity: usize) -> (ItemSink, mpsc::Receiver<Vec<InventoryItem>>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            ItemSink {
                tx: Some(tx),
                buf: Vec::with_capacity(BATCH),
            },
            rx,
        )
    }

    /// Send from async code.
    pub async fn send(&mut self, item: InventoryItem) -> Result<(), ConnectorError> {
        self.buf.push(item);
        if self.buf.len() >= BATCH {
            self.flush().await
        } else {
            Ok(())
        }
    }

    /// Send from a blocking thread (file parsers run on one).
    pub fn blocking_send(&mut self, item: InventoryItem) -> Result<(), ConnectorError> {
        self.buf.push(item);
        if self.buf.len() >= BATCH {
            self.blocking_flush()
        } else {
            Ok(())
        }
    }

    /// Send what is buffered.
    pub async fn flush(&mut self) -> Result<(), ConnectorError> {
        match self.full_batch()? {
            Some((tx, batch)) => tx.send(batch).await.map_err(|_| closed()),
            None => Ok(()),
        }
    }

    /// Send what is buffered, from a blocking thread.
    pub fn blocking_flush(&mut self) -> Result<(), ConnectorError> {
        match self.full_batch()? {
            Some((tx, batch)) => tx.blocking_send(batch).map_err(|_| closed()),
            None => Ok(()),
        }
    }

    /// The buffered items, if any, and the channel to send them on.
    #[allow(clippy::type_complexity)]
    fn full_batch(
        &mut self,
    ) -> Result<Option<(mpsc::Sender<Vec<InventoryItem>>, Vec<InventoryItem>)>, ConnectorError>
    {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let tx = self.tx.clone().ok_or_else(closed)?;
        Ok(Some((
            tx,
            std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH)),
        )))
    }

    /// Move the sink out (for example into a blocking task), leaving a closed one behind.
    pub fn take(&mut self) -> ItemSink {
        ItemSink {
            tx: self.tx.take(),
            buf: std::mem::take(&mut self.buf),
        }
    }
}

fn closed() -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Cancelled,
        "the collector stopped receiving items",
    )
}
