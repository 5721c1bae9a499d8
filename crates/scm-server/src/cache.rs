//! Short-lived in-process caches for the registry rows every signed call
//! reads: the client key (with its opened secret) and the repository.
//!
//! Without them each call costs two SQLite round trips and an AES-GCM
//! open. The trade-off: a key revoked or a repository deactivated by
//! *another* process (the admin commands) keeps working here for at most
//! the TTL. Changes made through this process's [`Registry`] drop the
//! entry at once. A TTL of zero disables the cache. Only rows that exist
//! are cached (never a miss), so unknown key ids or repositories cannot
//! fill memory and a newly created key works on its first call.
//!
//! [`Registry`]: crate::registry::Registry

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries beyond this are dropped wholesale (the rows come from the
/// registry, so this only bounds a very large registry's footprint).
const MAX_ENTRIES: usize = 10_000;

/// A map whose entries expire `ttl` after they were stored.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    /// Milliseconds; settable while shared.
    ttl_ms: AtomicU64,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    /// Bumped by every removal, so a row read before a change cannot be
    /// stored after the change dropped it.
    generation: AtomicU64,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl_ms: AtomicU64::new(ttl.as_millis().min(u64::MAX as u128) as u64),
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed))
    }

    pub fn enabled(&self) -> bool {
        self.ttl_ms.load(Ordering::Relaxed) != 0
    }

    /// Changes the TTL (zero disables the cache) and drops every entry.
    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(
            ttl.as_millis().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
        self.remove_where(|_| true);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value stored for `key` if it has not expired.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if !self.enabled() {
            return None;
        }
        let now = Instant::now();
        let mut entries = self.lock();
        match entries.get(key) {
            Some((expires, value)) if *expires > now => Some(value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Take this before reading the row that [`TtlCache::insert`] stores.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores `value` unless an entry was removed since `generation` was
    /// taken (the value may then predate that change).
    pub fn insert(&self, key: K, value: V, generation: u64) {
        if !self.enabled() {
            return;
        }
        let expires = Instant::now() + self.ttl();
        let mut entries = self.lock();
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (expires, value));
    }

    /// Drops every entry whose value matches.
    pub fn remove_where(&self, matches: impl Fn(&V) -> bool) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, (_, value)| !matches(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_and_can_be_disabled() {
        let cache = TtlCache::new(Duration::from_millis(30));
        cache.insert("a".to_owned(), 1, cache.generation());
        assert_eq!(cache.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get("a"), None);

        cache.insert("b".to_owned(), 2, cache.generation());
        cache.remove_where(|v| *v == 2);
        assert_eq!(cache.get("b"), None);

        // Read before a removal, stored after it: not kept.
        let before = cache.generation();
        cache.remove_where(|v| *v == 3);
        cache.insert("c".to_owned(), 3, before);
        assert_eq!(cache.get("c"), None);

        let off = TtlCache::new(Duration::ZERO);
        off.insert("a".to_owned(), 1, off.generation());
        assert_eq!(off.get("a"), None);
    }
}
