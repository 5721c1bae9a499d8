//! Where request nonces are remembered for replay protection: this
//! process ([`NonceCache`], the default) or Redis
//! ([`RedisNonceStore`](crate::quota_store::RedisNonceStore)), shared by
//! every server so a request replayed to another one is refused too.

use async_trait::async_trait;

use crate::signing::NonceCache;

#[async_trait]
pub trait NonceStore: Send + Sync {
    /// Records `key` until `expires` (Unix seconds); `false` if it was
    /// already there.
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool;
}

#[async_trait]
impl NonceStore for NonceCache {
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        NonceCache::insert(self, key, now, expires)
    }
}
