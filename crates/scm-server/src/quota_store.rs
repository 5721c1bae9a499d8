//! Quota counters and request nonces in Redis, shared by every server.
//!
//! Each quota decision is one round trip: a Lua script adds the cost to
//! the slot's counter only if the sum stays within the slot's limit, and
//! gives a new counter its expiry (the end of the window). Nonces are one
//! `SET key 1 NX PX ttl`.
//!
//! Timeouts are short: a slow or unreachable Redis must not hold requests.
//! The quota layer fails open on an error (and counts
//! `quota.store_unavailable`); the nonce store falls back to this
//! process's own cache (and counts `rpc.nonce_store_unavailable`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use scm_core::quota::{InMemoryQuotaStore, QuotaPolicy, QuotaSlot, QuotaStore, QuotaStoreError};
use scm_core::telemetry::metric_name;
use scm_core::Secret;
use serde::Deserialize;

use crate::config_error::ConfigError;
use crate::nonces::{NonceCache, NonceStore};

/// `[quota]` in the config file.
///
/// ```toml
/// [quota]
/// redis_url = "redis://127.0.0.1:6379"   # optional; in memory without it
/// key_prefix = "prod:"                     # namespaces a shared Redis
/// default_capacity = 5000                  # until the provider says
/// window_secs = 3600                       # until the provider says
/// allocations = { autofix = 0.2, seer = 0.3 }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaConfig {
    /// Shared counters (and request nonces) across servers. It may carry a
    /// password, so it is a [`Secret`].
    pub redis_url: Option<Secret>,
    pub key_prefix: String,
    pub default_capacity: u64,
    pub window_secs: u64,
    /// Referrer → fraction of each window's capacity reserved for it.
    pub allocations: BTreeMap<String, f64>,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        let policy = QuotaPolicy::default();
        Self {
            redis_url: None,
            key_prefix: String::new(),
            default_capacity: policy.default_capacity,
            window_secs: policy.window.as_secs(),
            allocations: BTreeMap::new(),
        }
    }
}

/// The stores a [`QuotaConfig`] names.
pub struct Stores {
    pub quota: Arc<dyn QuotaStore>,
    /// Set when nonces must be shared (Redis configured).
    pub nonces: Option<Arc<dyn NonceStore>>,
}

impl QuotaConfig {
    /// Applies `SCM_QUOTA_REDIS_URL`, `SCM_QUOTA_KEY_PREFIX`,
    /// `SCM_QUOTA_DEFAULT_CAPACITY`, `SCM_QUOTA_WINDOW_SECS` and
    /// `SCM_QUOTA_ALLOCATIONS` (`referrer=fraction,…`), then validates.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let invalid = |name: &str, detail: String| ConfigError::Invalid {
            name: name.into(),
            detail,
        };
        if let Some(url) = env.get("SCM_QUOTA_REDIS_URL") {
            self.redis_url = Some(Secret::new(url.clone())).filter(|u| !u.is_empty());
        }
        if let Some(prefix) = env.get("SCM_QUOTA_KEY_PREFIX") {
            self.key_prefix = prefix.clone();
        }
        if let Some(value) = env.get("SCM_QUOTA_DEFAULT_CAPACITY") {
            self.default_capacity = value
                .parse()
                .map_err(|err| invalid("SCM_QUOTA_DEFAULT_CAPACITY", format!("{err}")))?;
        }
        if let Some(value) = env.get("SCM_QUOTA_WINDOW_SECS") {
            self.window_secs = value
                .parse()
                .map_err(|err| invalid("SCM_QUOTA_WINDOW_SECS", format!("{err}")))?;
        }
        if let Some(value) = env.get("SCM_QUOTA_ALLOCATIONS") {
            self.allocations = value
                .split(',')
                .filter(|pair| !pair.trim().is_empty())
                .map(|pair| {
                    let (referrer, fraction) = pair.split_once('=').ok_or_else(|| {
                        invalid(
                            "SCM_QUOTA_ALLOCATIONS",
                            "expected referrer=fraction,…".into(),
                        )
                    })?;
                    let fraction = fraction
                        .trim()
                        .parse::<f64>()
                        .map_err(|err| invalid("SCM_QUOTA_ALLOCATIONS", format!("{err}")))?;
                    Ok((referrer.trim().to_owned(), fraction))
                })
                .collect::<Result<_, ConfigError>>()?;
        }
        self.validate()
    }

    /// Fractions in 0–1 summing to at most 1, a non-zero window, a
    /// parseable Redis URL (not connected to here).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |detail: String| ConfigError::Invalid {
            name: "quota".into(),
            detail,
        };
        for (referrer, fraction) in &self.allocations {
            if referrer.is_empty() || !(0.0..=1.0).contains(fraction) {
                return Err(invalid(format!(
                    "allocation `{referrer}` must be a fraction between 0 and 1"
                )));
            }
        }
        if self.allocations.values().sum::<f64>() > 1.0 + 1e-9 {
            return Err(invalid("the allocations add up to more than 1".into()));
        }
        if self.window_secs == 0 {
            return Err(invalid("`window_secs` must be positive".into()));
        }
        if let Some(url) = &self.redis_url {
            redis::Client::open(url.expose())
                .map_err(|_| invalid("`redis_url` is not a valid Redis URL".into()))?;
        }
        Ok(())
    }

    pub fn policy(&self) -> QuotaPolicy {
        QuotaPolicy {
            default_capacity: self.default_capacity,
            window: Duration::from_secs(self.window_secs.max(1)),
            allocations: self.allocations.clone(),
        }
    }

    /// Redis stores when `redis_url` is set (connected lazily), the
    /// in-memory quota store otherwise.
    pub fn stores(&self) -> Result<Stores, QuotaStoreError> {
        match &self.redis_url {
            Some(url) => {
                let connection = RedisConnection::new(url)?;
                Ok(Stores {
                    quota: Arc::new(RedisQuotaStore::new(
                        connection.clone(),
                        self.key_prefix.clone(),
                    )),
                    nonces: Some(Arc::new(RedisNonceStore::new(
                        connection,
                        format!("{}scm:nonce:", self.key_prefix),
                    ))),
                })
            }
            None => Ok(Stores {
                quota: Arc::new(InMemoryQuotaStore::new()),
                nonces: None,
            }),
        }
    }
}

/// Connection and per-command timeout.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// KEYS[1]: counter; ARGV: cost, limit, ttl in ms. Returns `{allowed, count}`.
const ACQUIRE: &str = r"
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current + cost > limit then
  return {0, current}
end
local count = redis.call('INCRBY', KEYS[1], cost)
if count == cost or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, count}
";

/// KEYS[1]: counter; ARGV[1]: cost. Gives units back without going below
/// zero or touching a counter that has expired. Returns the new count.
const RELEASE: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current <= 0 then
  return 0
end
local cost = math.min(tonumber(ARGV[1]), current)
return redis.call('DECRBY', KEYS[1], cost)
";

/// A lazily connected, self-reconnecting Redis connection with short
/// timeouts. Never fails to build for an unreachable server: commands fail
/// instead, and the callers degrade.
#[derive(Clone)]
pub struct RedisConnection {
    pub(crate) manager: ConnectionManager,
}

impl RedisConnection {
    /// `url` is `redis://[:password@]host:port[/db]`; it is never echoed.
    pub fn new(url: &Secret) -> Result<Self, QuotaStoreError> {
        let client = redis::Client::open(url.expose())
            .map_err(|_| QuotaStoreError("the Redis URL is invalid".into()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(100));
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|err| QuotaStoreError(format!("Redis setup: {}", err.kind_label())))?;
        Ok(Self { manager })
    }

    /// Whether Redis answers `PING` within the timeouts (health pages).
    pub async fn ping(&self) -> bool {
        let mut connection = self.manager.clone();
        let pong: Result<String, _> = self
            .run(redis::cmd("PING").query_async(&mut connection))
            .await;
        pong.is_ok()
    }

    pub(crate) async fn run<T, F>(&self, command: F) -> Result<T, QuotaStoreError>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(REDIS_TIMEOUT * 2, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(QuotaStoreError(format!("Redis: {}", err.kind_label()))),
            Err(_) => Err(QuotaStoreError("Redis did not answer in time".into())),
        }
    }
}

trait KindLabel {
    fn kind_label(&self) -> String;
}

impl KindLabel for redis::RedisError {
    /// The error's kind and category only: a Redis error's text can
    /// include the URL it failed on.
    fn kind_label(&self) -> String {
        format!("{:?} ({})", self.kind(), self.category())
    }
}

/// Quota counters in Redis.
#[derive(Clone)]
pub struct RedisQuotaStore {
    connection: RedisConnection,
    prefix: String,
    script: redis::Script,
    release: redis::Script,
}

impl RedisQuotaStore {
    /// Keys are `<prefix><slot key>`; the prefix namespaces deployments
    /// (and tests) sharing one Redis.
    pub fn new(connection: RedisConnection, prefix: impl Into<String>) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
            script: redis::Script::new(ACQUIRE),
            release: redis::Script::new(RELEASE),
        }
    }
}

#[async_trait]
impl QuotaStore for RedisQuotaStore {
    async fn try_acquire(&self, slot: &QuotaSlot, cost: u64) -> Result<bool, QuotaStoreError> {
        let ttl_ms = u64::try_from(slot.ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1000);
        let mut connection = self.connection.manager.clone();
        let mut invocation = self.script.key(format!("{}{}", self.prefix, slot.key));
        invocation.arg(cost).arg(slot.limit).arg(ttl_ms);
        let (allowed, _count): (u8, u64) = self
            .connection
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(allowed == 1)
    }

    async fn release(&self, slot: &QuotaSlot, cost: u64) -> Result<(), QuotaStoreError> {
        let mut connection = self.connection.manager.clone();
        let mut invocation = self.release.key(format!("{}{}", self.prefix, slot.key));
        invocation.arg(cost);
        let _: u64 = self
            .connection
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(())
    }
}

/// Request nonces in Redis, so a request replayed to another server is
/// refused too. When Redis fails, this server's own cache decides.
pub struct RedisNonceStore {
    connection: RedisConnection,
    prefix: String,
    fallback: NonceCache,
}

impl RedisNonceStore {
    pub fn new(connection: RedisConnection, prefix: impl Into<String>) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
            fallback: NonceCache::default(),
        }
    }
}

#[async_trait]
impl NonceStore for RedisNonceStore {
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        let ttl_ms = (expires - now).max(1) * 1000;
        let mut connection = self.connection.manager.clone();
        let mut command = redis::cmd("SET");
        command
            .arg(format!("{}{key}", self.prefix))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms);
        let result: Result<Option<String>, _> = self
            .connection
            .run(command.query_async(&mut connection))
            .await;
        match result {
            Ok(set) => set.is_some(),
            Err(err) => {
                metrics::counter!(metric_name("rpc.nonce_store_unavailable")).increment(1);
                tracing::warn!(error = %err, "nonce store unavailable; using this server's cache");
                self.fallback.insert(key, now, expires)
            }
        }
    }
}
