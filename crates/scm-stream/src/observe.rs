//! Seams between the worker and whoever keeps its records: an observer of
//! finished attempts (the delivery history) and the set of paused
//! listeners. Both are plain traits and types here so this crate does not
//! depend on where they are stored.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use scm_core::events::EventEnvelope;
use scm_core::model::Timestamp;

use crate::worker::RunOutcome;

/// One finished attempt, as a [`DeliveryObserver`] sees it.
#[derive(Debug)]
pub struct AttemptReport<'a> {
    pub listener: &'a str,
    pub envelope: &'a EventEnvelope,
    /// 1 for the first attempt (replays start again at 1).
    pub attempt: u32,
    pub outcome: &'a RunOutcome,
    pub finished_at: Timestamp,
}

/// Told about every attempt after the queue recorded its outcome (or
/// failed to). Called on the run's task: keep it short, and handle its own
/// errors; a slow observer delays only that listener.
#[async_trait]
pub trait DeliveryObserver: Send + Sync {
    async fn attempted(&self, report: &AttemptReport<'_>);
}

/// Listeners whose deliveries the worker holds in the queue for now.
/// Cloning shares the set; whoever owns the flag (the registry, polled by
/// `scm worker`) updates it with [`PausedListeners::replace`].
#[derive(Debug, Clone, Default)]
pub struct PausedListeners(Arc<RwLock<HashSet<String>>>);

impl PausedListeners {
    pub fn contains(&self, listener: &str) -> bool {
        self.0.read().expect("not poisoned").contains(listener)
    }

    /// Makes exactly `listeners` paused.
    pub fn replace(&self, listeners: impl IntoIterator<Item = String>) {
        *self.0.write().expect("not poisoned") = listeners.into_iter().collect();
    }

    pub fn pause(&self, listener: &str) {
        self.0
            .write()
            .expect("not poisoned")
            .insert(listener.to_owned());
    }

    pub fn resume(&self, listener: &str) {
        self.0.write().expect("not poisoned").remove(listener);
    }
}
