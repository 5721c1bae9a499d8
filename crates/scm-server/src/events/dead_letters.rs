//! Listing and replaying dead letters: one code path for `scm events
//! dead-letters|replay` and the console, so both do exactly the same.

use scm_stream::{DeadLetter, EventQueue, QueueError};
use serde::Serialize;

use crate::events::redeliver;
use crate::registry::Registry;

/// A dead letter as shown to operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetterView {
    pub id: u64,
    pub listener: String,
    pub provider: String,
    pub delivery_id: String,
    pub event_type: String,
    pub attempts: u32,
    /// The last failure, as the worker recorded it.
    pub reason: String,
    pub failed_at: scm_core::model::Timestamp,
}

impl From<&DeadLetter> for DeadLetterView {
    fn from(d: &DeadLetter) -> Self {
        Self {
            id: d.id,
            listener: d.listener.clone(),
            provider: d.provider.clone(),
            delivery_id: d.delivery_id.clone(),
            event_type: d.event_type.clone(),
            attempts: d.attempts,
            reason: d.reason.clone(),
            failed_at: d.failed_at,
        }
    }
}

/// Dead letters, oldest first, of one listener or all.
pub async fn list(
    queue: &dyn EventQueue,
    listener: Option<&str>,
) -> Result<Vec<DeadLetterView>, QueueError> {
    Ok(queue
        .dead_letters(listener)
        .await?
        .iter()
        .map(DeadLetterView::from)
        .collect())
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
