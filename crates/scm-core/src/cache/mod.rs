//! A shared conditional-request cache for provider reads, so unchanged
//! data costs no provider quota where the provider does not count `304`s.
//!
//! [`CacheTransport`] is a transport layer that
//! [`crate::registration::connect`] places above the quota layer of every
//! provider. For a plain `GET` it keeps the answer's validators (`ETag`,
//! `Last-Modified`) and body in a [`CacheStore`] and sends every repeated
//! read with `If-None-Match`/`If-Modified-Since`: a `304` is turned back
//! into the stored answer (marked revalidated in the result's `meta`), so a
//! caller always gets the provider's current data, never a stale copy.
//! Concurrent identical reads make one provider request (`coalesce`).
//!
//! What is never cached: requests that carry their own conditional
//! headers (the caller's `304` keeps its meaning), non-`GET` requests,
//! answers other than `200`, answers marked `no-store`, answers without a
//! validator and bodies above the entry limit.
//!
//! Entries never cross tenants: every key starts with the scope given to
//! the layer (the integration's quota bucket and the credential's
//! identity), then the method, the full URL and the request headers that
//! change the answer (`Accept`, and what the answer's `Vary` names).
//!
//! A store that fails is left alone for a few seconds (reads then go to
//! the provider without the cache), so an unreachable Redis costs one slow
//! read per pause, not every read.
//!
//! Metrics: `cache.hits` (revalidated `304`s), `cache.misses`,
//! `cache.coalesced`, `cache.stored_bytes` (gauge), `cache.evictions`,
//! `cache.store_unavailable`.

mod coalesce;
mod entry;
mod key;
mod memory;
mod transport;

use async_trait::async_trait;

pub use entry::CachedResponse;
pub use key::CacheScope;
pub use memory::InMemoryCacheStore;
pub use transport::{CacheOptions, CacheTransport, CACHE_STATUS_HEADER};

/// Why a cache store could not answer; the layer then works without the
/// cache (and counts `cache.store_unavailable`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cache store unavailable: {0}")]
pub struct CacheStoreError(pub String);

/// Where entries live: this process's memory, or a store shared by every
/// server of a deployment.
#[async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// The entry stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<CachedResponse>, CacheStoreError>;

    /// Stores (or replaces) the entry under `key`.
    async fn put(&self, key: &str, entry: &CachedResponse) -> Result<(), CacheStoreError>;
}
