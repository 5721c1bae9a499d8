//! The default store: this process's memory, bounded by bytes, least
//! recently used out.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{CacheStore, CacheStoreError, CachedResponse};
use crate::telemetry::metric_name;

/// Entries of one process, at most `max_bytes` of them (an entry larger
/// than the bound is not kept).
#[derive(Debug)]
pub struct InMemoryCacheStore {
    max_bytes: usize,
    inner: Mutex<Lru>,
}

#[derive(Debug, Default)]
struct Lru {
    /// key → (entry, last use)
    entries: HashMap<String, (CachedResponse, u64)>,
    /// last use → key, oldest first
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

impl Lru {
    fn touch(&mut self, key: &str) -> Option<&CachedResponse> {
        self.tick += 1;
        let tick = self.tick;
        let (_, used) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key.to_owned());
        self.entries.get(key).map(|(entry, _)| entry)
    }

    fn remove(&mut self, key: &str) {
        if let Some((entry, used)) = self.entries.remove(key) {
            self.order.remove(&used);
            self.bytes -= entry.size();
        }
    }
}

impl InMemoryCacheStore {
    /// The default bound: 64 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(Lru::default()),
        }
    }

    fn lru(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes currently held.
    pub fn stored_bytes(&self) -> usize {
        self.lru().bytes
    }
}

impl Default for InMemoryCacheStore {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_BYTES)
    }
}

#[async_trait]
impl CacheStore for InMemoryCacheStore {
    async fn get(&self, key: &str) -> Result<Option<CachedResponse>, CacheStoreError> {
        Ok(self.lru().touch(key).cloned())
    }

    async fn put(&self, key: &str, entry: &CachedResponse) -> Result<(), CacheStoreError> {
        let size = entry.size();
        let mut lru = self.lru();
        lru.remove(key);
        if size > self.max_bytes {
            return Ok(());
        }
        let mut evicted = 0u64;
        while lru.bytes + size > self.max_bytes {
            let Some((_, oldest)) = lru.order.pop_first() else {
                break;
            };
            if let Some((old, _)) = lru.entries.remove(&oldest) {
                lru.bytes -= old.size();
                evicted += 1;
            }
        }
        lru.tick += 1;
        let tick = lru.tick;
        lru.order.insert(tick, key.to_owned());
        lru.entries.insert(key.to_owned(), (entry.clone(), tick));
        lru.bytes += size;
        metrics::gauge!(metric_name("cache.stored_bytes")).set(lru.bytes as f64);
        if evicted > 0 {
            metrics::counter!(metric_name("cache.evictions")).increment(evicted);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &'static [u8]) -> CachedResponse {
        CachedResponse::new(&http::HeaderMap::new(), body.into(), Vec::new())
    }

    #[tokio::test]
    async fn least_recently_used_entries_leave_first() {
        let store = InMemoryCacheStore::new(10);
        store.put("a", &entry(b"aaaa")).await.unwrap();
        store.put("b", &entry(b"bbbb")).await.unwrap();
        assert!(store.get("a").await.unwrap().is_some()); // a is now newer than b
        store.put("c", &entry(b"cccc")).await.unwrap();
        assert!(store.get("b").await.unwrap().is_none());
        assert!(store.get("a").await.unwrap().is_some());
        assert!(store.get("c").await.unwrap().is_some());
        assert_eq!(store.stored_bytes(), 8);
        store.put("a", &entry(b"aa")).await.unwrap();
        assert_eq!(store.stored_bytes(), 6);
        store.put("huge", &entry(b"0123456789ab")).await.unwrap();
        assert!(store.get("huge").await.unwrap().is_none());
    }
}
