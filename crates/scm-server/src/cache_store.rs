//! `[cache]`: where the shared conditional-request cache keeps provider
//! answers (scm-core's `cache` module), and its Redis store.
//!
//! In memory by default (bounded by bytes); in Redis when a URL is given
//! here or through `SCM_CACHE_REDIS_URL`, or when `[quota]` already names
//! a Redis, so every server of a deployment revalidates against the same
//! entries. A Redis failure makes a read go to the provider without the
//! cache (`cache.store_unavailable`), never an error for the caller.
//!
//! ```toml
//! [cache]
//! store = "auto"                # auto | memory | redis | off
//! redis_url = "redis://127.0.0.1:6379"   # else [quota]'s
//! key_prefix = "prod:"          # namespaces a shared Redis
//! max_bytes = 67108864          # the in-memory bound
//! max_entry_bytes = 1048576     # larger answers pass through
//! ttl_secs = 86400              # how long Redis keeps an unused entry
//! coalesce_wait_ms = 5000       # longest wait for an identical read
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scm_core::cache::{
    CacheOptions, CacheStore, CacheStoreError, CachedResponse, InMemoryCacheStore,
};
use scm_core::Secret;
use serde::Deserialize;

use crate::config_error::ConfigError;
use crate::quota_store::{QuotaConfig, RedisConnection};

/// Which store holds the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheStoreKind {
    /// Redis when one is configured (here or in `[quota]`), else memory.
    #[default]
    Auto,
    Memory,
    Redis,
    /// No cache: every read goes to the provider.
    Off,
}

/// `[cache]` in the config file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    pub store: CacheStoreKind,
    /// May carry a password, so it is a [`Secret`].
    pub redis_url: Option<Secret>,
    pub key_prefix: String,
    pub max_bytes: usize,
    pub max_entry_bytes: usize,
    pub ttl_secs: u64,
    pub coalesce_wait_ms: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            store: CacheStoreKind::Auto,
            redis_url: None,
            key_prefix: String::new(),
            max_bytes: InMemoryCacheStore::DEFAULT_MAX_BYTES,
            max_entry_bytes: CacheOptions::DEFAULT_MAX_ENTRY_BYTES,
            ttl_secs: 24 * 3600,
            coalesce_wait_ms: CacheOptions::DEFAULT_COALESCE_WAIT.as_millis() as u64,
        }
    }
}

impl CacheConfig {
    /// Applies `SCM_CACHE_STORE`, `SCM_CACHE_REDIS_URL` (which implies
    /// `redis` unless a store is named), `SCM_CACHE_KEY_PREFIX`,
    /// `SCM_CACHE_MAX_BYTES` and `SCM_CACHE_TTL_SECS`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let invalid = |name: &str, detail: String| ConfigError::Invalid {
            name: name.into(),
            detail,
        };
        if let Some(url) = env.get("SCM_CACHE_REDIS_URL").filter(|u| !u.is_empty()) {
            self.redis_url = Some(Secret::new(url.clone()));
        }
        if let Some(store) = env.get("SCM_CACHE_STORE") {
            self.store = match store.trim() {
                "auto" => CacheStoreKind::Auto,
                "memory" => CacheStoreKind::Memory,
                "redis" => CacheStoreKind::Redis,
                "off" => CacheStoreKind::Off,
                other => {
                    return Err(invalid(
                        "SCM_CACHE_STORE",
                        format!("`{other}` is not auto, memory, redis or off"),
                    ))
                }
            };
        }
        if let Some(prefix) = env.get("SCM_CACHE_KEY_PREFIX") {
            self.key_prefix = prefix.clone();
        }
        if let Some(value) = env.get("SCM_CACHE_MAX_BYTES") {
            self.max_bytes = value
                .trim()
                .parse()
                .map_err(|err| invalid("SCM_CACHE_MAX_BYTES", format!("{err}")))?;
        }
        if let Some(value) = env.get("SCM_CACHE_TTL_SECS") {
            self.ttl_secs = value
                .trim()
                .parse()
                .map_err(|err| invalid("SCM_CACHE_TTL_SECS", format!("{err}")))?;
        }
        if let Some(url) = &self.redis_url {
            redis::Client::open(url.expose())
                .map_err(|_| invalid("cache", "`redis_url` is not a valid Redis URL".into()))?;
        }
        Ok(())
    }

    /// The layer's options: `None` when the cache is off. `quota` supplies
    /// the Redis URL when this section names none.
    pub fn options(&self, quota: &QuotaConfig) -> Result<Option<CacheOptions>, CacheStoreError> {
        let redis_url = self.redis_url.as_ref().or(quota.redis_url.as_ref());
        let store: Arc<dyn CacheStore> = match (self.store, redis_url) {
            (CacheStoreKind::Off, _) => return Ok(None),
            (CacheStoreKind::Redis, None) => {
                return Err(CacheStoreError(
                    "store = \"redis\" needs a Redis URL".into(),
                ))
            }
            (CacheStoreKind::Auto | CacheStoreKind::Redis, Some(url)) => {
                let connection = RedisConnection::new(url).map_err(|err| CacheStoreError(err.0))?;
                Arc::new(RedisCacheStore::new(
                    connection,
                    &self.key_prefix,
                    Duration::from_secs(self.ttl_secs.max(1)),
                ))
            }
            (CacheStoreKind::Auto | CacheStoreKind::Memory, _) => {
                Arc::new(InMemoryCacheStore::new(self.max_bytes))
            }
        };
        Ok(Some(CacheOptions {
            store,
            coalesce_wait: Duration::from_millis(self.coalesce_wait_ms),
            max_entry_bytes: self.max_entry_bytes,
        }))
    }
}

/// Entries in Redis, shared by every server: one `GET` per read, one `SET
/// … PX ttl` per new answer.
pub struct RedisCacheStore {
    connection: RedisConnection,
    prefix: String,
    ttl: Duration,
}

impl RedisCacheStore {
    /// Keys are `<prefix>scm:cache:<key>`; entries unused for `ttl` expire.
    pub fn new(connection: RedisConnection, prefix: &str, ttl: Duration) -> Self {
        Self {
            connection,
            prefix: format!("{prefix}scm:cache:"),
            ttl,
        }
    }
}

#[async_trait]
impl CacheStore for RedisCacheStore {
    async fn get(&self, key: &str) -> Result<Option<CachedResponse>, CacheStoreError> {
        let mut connection = self.connection.manager.clone();
        let mut command = redis::cmd("GET");
        command.arg(format!("{}{key}", self.prefix));
        let bytes: Option<Vec<u8>> = self
            .connection
            .run(command.query_async(&mut connection))
            .await
            .map_err(|err| CacheStoreError(err.0))?;
        Ok(bytes.and_then(|bytes| CachedResponse::decode(&bytes)))
    }

    async fn put(&self, key: &str, entry: &CachedResponse) -> Result<(), CacheStoreError> {
        let mut connection = self.connection.manager.clone();
        let mut command = redis::cmd("SET");
        command
            .arg(format!("{}{key}", self.prefix))
            .arg(entry.encode())
            .arg("PX")
            .arg(u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX));
        let _: () = self
            .connection
            .run(command.query_async(&mut connection))
            .await
            .map_err(|err| CacheStoreError(err.0))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_follows_the_config_and_the_quota_redis() {
        let quota = QuotaConfig::default();
        let config = CacheConfig::default();
        assert!(config.options(&quota).unwrap().is_some());
        let off = HashMap::from([("SCM_CACHE_STORE".to_owned(), "off".to_owned())]);
        let mut config = CacheConfig::default();
        config.apply_env(&off).unwrap();
        assert!(config.options(&quota).unwrap().is_none());
        let redis_without_url = CacheConfig {
            store: CacheStoreKind::Redis,
            ..CacheConfig::default()
        };
        assert!(redis_without_url.options(&quota).is_err());
        let bad = HashMap::from([("SCM_CACHE_STORE".to_owned(), "disk".to_owned())]);
        assert!(CacheConfig::default().apply_env(&bad).is_err());
        let url = HashMap::from([(
            "SCM_CACHE_REDIS_URL".to_owned(),
            "redis://127.0.0.1:6379".to_owned(),
        )]);
        let mut config = CacheConfig::default();
        config.apply_env(&url).unwrap();
        assert!(config.redis_url.is_some());
    }
}
