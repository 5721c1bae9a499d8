//! Where quota units are counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::QuotaSlot;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quota store unavailable: {0}")]
pub struct QuotaStoreError(pub String);

/// Atomic "take one unit if fewer than `limit` are taken" per key, in one
/// round trip.
#[async_trait]
pub trait QuotaStore: Send + Sync + 'static {
    /// Takes `cost` units from the slot; `Ok(false)` when it is full.
    async fn try_acquire(&self, slot: &QuotaSlot, cost: u64) -> Result<bool, QuotaStoreError>;

    /// Gives back `cost` units taken from the slot (an answer the provider
    /// did not count). A store that cannot give back keeps them: the
    /// referrer is then charged as before, never more.
    async fn release(&self, slot: &QuotaSlot, cost: u64) -> Result<(), QuotaStoreError> {
        let _ = (slot, cost);
        Ok(())
    }
}

/// Counts in this process's memory (the default; one server).
#[derive(Debug, Default)]
pub struct InMemoryQuotaStore {
    counters: Mutex<HashMap<String, (u64, Instant)>>,
}

impl InMemoryQuotaStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl QuotaStore for InMemoryQuotaStore {
    async fn try_acquire(&self, slot: &QuotaSlot, cost: u64) -> Result<bool, QuotaStoreError> {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() > 10_000 {
            counters.retain(|_, (_, expires)| *expires > now);
        }
        let entry = counters
            .entry(slot.key.clone())
            .or_insert((0, now + slot.ttl.max(Duration::from_secs(1))));
        if entry.1 <= now {
            *entry = (0, now + slot.ttl.max(Duration::from_secs(1)));
        }
        if entry.0 + cost > slot.limit {
            return Ok(false);
        }
        entry.0 += cost;
        Ok(true)
    }

    async fn release(&self, slot: &QuotaSlot, cost: u64) -> Result<(), QuotaStoreError> {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = counters.get_mut(&slot.key) {
            entry.0 = entry.0.saturating_sub(cost);
        }
        Ok(())
    }
}
