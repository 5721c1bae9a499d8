//! Where request nonces are remembered for replay protection: this
//! process ([`NonceCache`], the default) or Redis
//! ([`RedisNonceStore`](crate::quota_store::RedisNonceStore)), shared by
//! every server so a request replayed to another one is refused too.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

#[async_trait]
pub trait NonceStore: Send + Sync {
    /// Records `key` until `expires` (Unix seconds); `false` if it was
    /// already there.
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool;
}

/// Nonces seen within the window (in memory; one server).
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: Mutex<HashMap<String, i64>>,
}

impl NonceCache {
    /// Records `key` until `expires`; `false` if it was already there.
    pub fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, exp| *exp > now);
        }
        match seen.get(&key) {
            Some(exp) if *exp > now => false,
            _ => {
                seen.insert(key, expires);
                true
            }
        }
    }
}

#[async_trait]
impl NonceStore for NonceCache {
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        NonceCache::insert(self, key, now, expires)
    }
}
