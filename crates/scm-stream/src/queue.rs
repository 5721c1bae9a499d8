//! The queue contract shared by every backend.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scm_core::events::{EventEnvelope, EventType};
use scm_core::model::Timestamp;

use crate::error::QueueError;
use crate::handle::Handle;

/// What [`EventQueue::enqueue`] did with an envelope. Both are successes:
/// the ingress answers 2xx either way, since the provider only needs to
/// know that the delivery is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueOutcome {
    /// Stored durably; listeners will get it.
    Accepted,
    /// A delivery with the same `(provider, delivery_id)` was accepted
    /// before; nothing was stored.
    Duplicate,
}

/// Where a new subscription starts. Applied only when a listener is
/// subscribed for the first time; later subscriptions keep its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// Events enqueued from now on.
    #[default]
    New,
    /// Every event the queue still holds.
    All,
}

/// A listener as the queue sees it: which events it gets and how
/// deliveries to it are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerSubscription {
    /// Unique; `[A-Za-z0-9_-]`, at most 64 characters (it names a durable
    /// JetStream consumer).
    pub name: String,
    pub event_types: Vec<EventType>,
    /// Attempts before a delivery becomes a dead letter.
    pub max_attempts: u32,
    /// How long a reserved delivery stays invisible to other workers. A
    /// delivery neither acked nor nacked by then (the worker crashed) is
    /// delivered again. Must exceed the listener's deadline.
    pub lease: Duration,
    pub start: StartFrom,
}

impl ListenerSubscription {
    pub fn new(name: impl Into<String>, event_types: &[EventType]) -> Self {
        Self {
            name: name.into(),
            event_types: event_types.to_vec(),
            max_attempts: 5,
            lease: Duration::from_secs(60),
            start: StartFrom::New,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), QueueError> {
        validate_name(&self.name).map_err(QueueError::InvalidSubscription)?;
        if self.event_types.is_empty() {
            return Err(QueueError::InvalidSubscription(format!(
                "listener `{}` subscribes to no event type",
                self.name
            )));
        }
        if self.max_attempts == 0 {
            return Err(QueueError::InvalidSubscription(format!(
                "listener `{}`: max_attempts must be at least 1",
                self.name
            )));
        }
        if self.lease < Duration::from_millis(100) {
            return Err(QueueError::InvalidSubscription(format!(
                "listener `{}`: the lease must be at least 100 ms",
                self.name
            )));
        }
        Ok(())
    }
}

/// Listener names travel into consumer names, subjects and metric tags.
pub(crate) fn validate_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "listener name `{}` must be 1 to 64 characters of A-Z, a-z, 0-9, `_` or `-`",
            name.chars().take(80).collect::<String>()
        ))
    }
}

/// One event on its way to one listener.
pub struct Delivery {
    pub listener: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The attempt limit of the listener's subscription.
    pub max_attempts: u32,
    /// When the queue stored the event (or the replay).
    pub enqueued_at: Timestamp,
    /// Size of the stored envelope in bytes.
    pub size: usize,
    pub envelope: Arc<EventEnvelope>,
    pub(crate) handle: Handle,
}

impl Delivery {
    /// The last attempt: a failure now makes a dead letter.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("listener", &self.listener)
            .field("delivery_id", &self.envelope.delivery_id)
            .field("event_type", &self.envelope.event_type())
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// What a failed delivery became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackOutcome {
    /// It will be delivered again after the retry delay.
    Retrying,
    /// It was the last attempt; the delivery is now a dead letter.
    DeadLettered,
}

/// A delivery that failed every attempt, kept until replayed. Serialized
/// as operators see it (`scm events dead-letters`, the console).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    /// Backend-assigned id, what `replay` takes.
    pub id: u64,
    pub listener: String,
    pub provider: String,
    pub delivery_id: String,
    pub event_type: String,
    pub attempts: u32,
    /// The last failure (`timeout`, `panic`, the listener's error, …).
    pub reason: String,
    pub failed_at: Timestamp,
}

/// A durable queue of event envelopes with one delivery per (event,
/// listener). See the crate docs for the guarantees every backend keeps.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// `sqlite`, `nats`: for logs and metric tags.
    fn backend(&self) -> &'static str;

    /// Stores the envelope durably, deduplicated by
    /// `(provider, delivery_id)`. Returns only after the store committed;
    /// an error means nothing is guaranteed and the caller must not answer
    /// 2xx.
    async fn enqueue(&self, envelope: &EventEnvelope) -> Result<EnqueueOutcome, QueueError>;

    /// Which of `delivery_ids` of `provider` this queue accepted and still
    /// remembers (the deduplication's memory: the SQLite queue's retention,
    /// JetStream's `max_age`). Missed-delivery recovery asks this before
    /// requesting a redelivery, so a webhook that did arrive costs nothing.
    async fn accepted(
        &self,
        provider: &str,
        delivery_ids: &[String],
    ) -> Result<HashSet<String>, QueueError>;

    /// Creates or updates a listener's subscription (idempotent). Workers
    /// call it at start-up; events of its types enqueued afterwards (or,
    /// for [`StartFrom::All`] on first subscription, still held) are
    /// delivered to it.
    async fn subscribe(&self, subscription: &ListenerSubscription) -> Result<(), QueueError>;

    /// Removes a subscription and its pending deliveries and dead letters.
    async fn unsubscribe(&self, listener: &str) -> Result<(), QueueError>;

    /// Leases up to `max` due deliveries of `listener`, waiting up to
    /// `wait` for the first one. A delivery that already used every
    /// attempt through expired leases is dead-lettered here instead of
    /// being returned.
    async fn reserve(
        &self,
        listener: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, QueueError>;

    /// The listener handled the delivery; it is never delivered again.
    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError>;

    /// The attempt failed. Retried after `retry_after`, or dead-lettered
    /// when it was the last attempt.
    async fn nack(
        &self,
        delivery: &Delivery,
        retry_after: Duration,
        reason: &str,
    ) -> Result<NackOutcome, QueueError>;

    /// Dead letters, oldest first, optionally of one listener.
    async fn dead_letters(&self, listener: Option<&str>) -> Result<Vec<DeadLetter>, QueueError>;

    /// Delivers a dead letter again, to its listener only, with a fresh
    /// attempt count. `false` if there is no such dead letter.
    async fn replay(&self, id: u64) -> Result<bool, QueueError>;

    /// Delivers an event again to `listener` only, with a fresh attempt
    /// count, whether it was delivered, failed or dead-lettered before (an
    /// operator's "redeliver"); other listeners do not see it again.
    /// `false` when this backend cannot deliver it any more: the SQLite
    /// queue redelivers the event it still holds (within its retention,
    /// with its raw body); JetStream publishes `envelope` on the listener's
    /// replay subject, as a dead-letter replay does.
    async fn redeliver(&self, envelope: &EventEnvelope, listener: &str)
        -> Result<bool, QueueError>;

    /// Replays every dead letter (of one listener); returns how many.
    async fn replay_all(&self, listener: Option<&str>) -> Result<usize, QueueError> {
        let mut replayed = 0;
        for dead in self.dead_letters(listener).await? {
            if self.replay(dead.id).await? {
                replayed += 1;
            }
        }
        Ok(replayed)
    }
}
