//! Sending deliveries again, through the queue and never by calling a
//! listener directly, so retries, deadlines and dead letters apply as to
//! any delivery; the history marks each listener concerned `pending`:
//!
//! - [`redeliver`]: a recorded delivery to one of its listeners or to all
//!   of them ([`EventQueue::redeliver`]);
//! - [`replay`] and [`replay_all`]: dead letters ([`EventQueue::replay`]),
//!   what `scm events replay` and the console run.

use scm_stream::{EventQueue, QueueError};

use crate::registry::{Registry, RegistryError};

#[derive(Debug, thiserror::Error)]
pub enum RedeliverError {
    #[error("delivery {0} not found in the history")]
    NotFound(String),
    #[error("listener `{listener}` has no part in delivery {delivery_id}")]
    NotAListener {
        delivery_id: String,
        listener: String,
    },
    #[error("the queue no longer holds delivery {0} (past its retention)")]
    NotHeld(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Redelivers delivery `delivery_id` (of `provider`, when given) to
/// `listener`, or to every listener the history has for it. Each listener
/// redelivered is marked `pending`; returns their names.
pub async fn redeliver(
    registry: &Registry,
    queue: &dyn EventQueue,
    delivery_id: &str,
    provider: Option<&str>,
    listener: Option<&str>,
) -> Result<Vec<String>, RedeliverError> {
    let record = registry
        .delivery(delivery_id, provider)
        .await?
        .ok_or_else(|| RedeliverError::NotFound(delivery_id.to_owned()))?;
    let summary = &record.summary;
    let listeners: Vec<String> = match listener {
        Some(name) => {
            if !summary.listeners.iter().any(|l| l.listener == name) {
                return Err(RedeliverError::NotAListener {
                    delivery_id: delivery_id.to_owned(),
                    listener: name.to_owned(),
                });
            }
            vec![name.to_owned()]
        }
        None => summary
            .listeners
            .iter()
            .map(|l| l.listener.clone())
            .collect(),
    };
    let envelope = registry
        .delivery_envelope(&summary.provider, &summary.delivery_id)
        .await?
        .ok_or_else(|| RedeliverError::NotFound(delivery_id.to_owned()))?;
    let mut done = Vec::with_capacity(listeners.len());
    for name in listeners {
        if !queue.redeliver(&envelope, &name).await? {
            return Err(RedeliverError::NotHeld(delivery_id.to_owned()));
        }
        registry
            .mark_pending(&summary.provider, &summary.delivery_id, &name)
            .await?;
        done.push(name);
    }
    Ok(done)
}

/// Replays dead letter `id` to its listener; `false` if there is no such
/// dead letter. A history that cannot be marked is logged, not fatal: the
/// replay is already queued.
pub async fn replay(
    registry: &Registry,
    queue: &dyn EventQueue,
    id: u64,
) -> Result<bool, QueueError> {
    let dead = queue
        .dead_letters(None)
        .await?
        .into_iter()
        .find(|d| d.id == id);
    let Some(dead) = dead else { return Ok(false) };
    if !queue.replay(id).await? {
        return Ok(false);
    }
    mark_replayed(registry, &dead).await;
    Ok(true)
}

/// Replays every dead letter (of one listener); returns how many.
pub async fn replay_all(
    registry: &Registry,
    queue: &dyn EventQueue,
    listener: Option<&str>,
) -> Result<usize, QueueError> {
    let mut replayed = 0;
    for dead in queue.dead_letters(listener).await? {
        if queue.replay(dead.id).await? {
            mark_replayed(registry, &dead).await;
            replayed += 1;
        }
    }
    Ok(replayed)
}

async fn mark_replayed(registry: &Registry, dead: &scm_stream::DeadLetter) {
    if let Err(err) = registry
        .mark_pending(&dead.provider, &dead.delivery_id, &dead.listener)
        .await
    {
        tracing::warn!(listener = %dead.listener, error = %err, "delivery history not marked for the replay");
    }
}
