//! Retention: after a scan finishes, history older than `retention.days` goes, in batches of
//! [`BATCH`] rows, each its own short transaction, with a pause between batches so readers and
//! the next scan's writers get their turn. What is kept and why: `store::retention`.

use std::time::Duration;

use crate::clock::Clock;
use crate::store::Store;
use crate::store::retention::History;

/// Rows deleted per transaction.
pub const BATCH: i64 = 1000;
/// The pause between two batches.
const PAUSE: Duration = Duration::from_millis(50);

/// Prune history older than `days` days; returns the rows deleted. Failures are logged, not
/// returned: the next scan's pruning tries again.
pub async fn prune(store: &Store, clock: &dyn Clock, days: u32) -> usize {
    let cutoff = clock.now() - chrono::Duration::days(i64::from(days));
    let mut total = 0;
    for what in History::ALL {
        loop {
            let s = store.clone();
            let deleted =
                tokio::task::spawn_blocking(move || s.prune_batch(what, cutoff, BATCH)).await;
            match deleted {
                Ok(Ok(n)) => {
                    total += n;
                    if (n as i64) < BATCH {
                        break;
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(history = what.as_str(), error = %e, "pruning stopped");
                    return total;
                }
                Err(e) => {
                    tracing::warn!(history = what.as_str(), error = %e, "pruning stopped");
                    return total;
                }
            }
            tokio::time::sleep(PAUSE).await;
        }
    }
    if total > 0 {
        tracing::info!(rows = total, days, cutoff = %cutoff.to_rfc3339(), "pruned old history");
    }
    total
}
