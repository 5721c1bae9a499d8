//! Listing and replaying dead letters: one code path for `scm events
//! dead-letters|replay` and the console, so both do exactly the same.

use scm_stream::{DeadLetter, EventQueue, QueueError};

use crate::events::redeliver;
use crate::registry::Registry;

/// Dead letters, oldest first, of one listener or all.
pub async fn list(
    queue: &dyn EventQueue,
    listener: Option<&str>,
) -> Result<Vec<DeadLetter>, QueueError> {
    queue.dead_letters(listener).await
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay<'a> {
    /// One dead letter by id.
    One(u64),
    /// Every dead letter, or every one of a listener.
    All { listener: Option<&'a str> },
}

/// Delivers dead letters again, each to its own listener with a fresh
/// attempt count, and marks them pending in the delivery history
/// ([`crate::events::redeliver::replay`]); how many. `Ok(0)` for
/// [`Replay::One`] of an unknown id.
pub async fn replay(
    registry: &Registry,
    queue: &dyn EventQueue,
    what: Replay<'_>,
) -> Result<usize, QueueError> {
    match what {
        Replay::One(id) => Ok(usize::from(redeliver::replay(registry, queue, id).await?)),
        Replay::All { listener } => redeliver::replay_all(registry, queue, listener).await,
    }
}
