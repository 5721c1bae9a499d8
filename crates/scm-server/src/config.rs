//! Server configuration: one TOML file, overridden by `SCM_*` environment
//! variables (and then by the CLI's flags, which set fields directly).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

pub use crate::config_error::ConfigError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where to listen; 127.0.0.1:8080 by default.
    pub listen: SocketAddr,
    /// `sqlite://scm.db` (default) or `postgres://…`.
    pub database_url: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// `[quota]`: referrer allocations and the optional Redis store.
    pub quota: crate::quota_store::QuotaConfig,
    /// `[cache]`: the shared conditional-request cache's store.
    pub cache: crate::cache_store::CacheConfig,
    /// `[rpc]`: caching on the signed-request hot path.
    pub rpc: RpcConfig,
    /// `[rpc0]`: the older signed proxy protocol.
    pub rpc0: crate::rpc0::Rpc0Config,
    /// `[webhooks]`: body cap and per-provider secrets of the ingress.
    pub webhooks: crate::events::WebhooksConfig,
    /// `[queue]`: the event queue backend (`sqlite` or `nats`).
    pub queue: crate::events::QueueConfig,
    /// `[observability]`: metric prefix and exporters.
    pub observability: crate::observability::ObservabilityConfig,
    /// `[limits]`: timeouts, connection cap, body budget.
    pub limits: crate::limits::LimitsConfig,
    /// `[metrics]`: referrer labels kept, `/metrics` token or address.
    pub metrics: crate::metrics_guard::MetricsConfig,
    /// `[recovery]`: hook sources whose missed deliveries are recovered.
    pub recovery: crate::recovery::RecoveryConfig,
    /// `[console]`: the operator console (off without an admin token).
    pub console: crate::console::ConsoleConfig,
    /// `[events]`: how long the delivery history is kept.
    pub events: crate::events::history::HistoryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://scm.db".into(),
            max_body_bytes: crate::app::MAX_BODY,
            quota: Default::default(),
            cache: Default::default(),
            rpc: Default::default(),
            rpc0: Default::default(),
            webhooks: Default::default(),
            queue: Default::default(),
            observability: Default::default(),
            limits: Default::default(),
            metrics: Default::default(),
            recovery: Default::default(),
            console: Default::default(),
            events: Default::default(),
        }
    }
}

impl Config {
    /// Loads `path` (when given) and applies `SCM_LISTEN`,
    /// `SCM_DATABASE_URL` and `SCM_MAX_BODY_BYTES` from `env`.
    pub fn load(path: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let source = std::fs::read_to_string(path)?;
                toml::from_str(&source).map_err(|err| ConfigError::parse(&source, &err))?
            }
            None => Config::default(),
        };
        let invalid = |name: &str, detail: String| ConfigError::Invalid {
            name: name.into(),
            detail,
        };
        if let Some(listen) = env.get("SCM_LISTEN") {
            config.listen = listen
                .parse()
                .map_err(|err| invalid("SCM_LISTEN", format!("{err}")))?;
        }
        if let Some(url) = env.get("SCM_DATABASE_URL") {
            config.database_url = url.clone();
        }
        if let Some(max) = env.get("SCM_MAX_BODY_BYTES") {
            config.max_body_bytes = max
                .parse()
                .map_err(|err| invalid("SCM_MAX_BODY_BYTES", format!("{err}")))?;
        }
        config.rpc.apply_env(env)?;
        config.quota.apply_env(env)?;
        config.cache.apply_env(env)?;
        config.rpc0.apply_env(env)?;
        config.webhooks.apply_env(env)?;
        config.queue.apply_env(env)?;
        config.observability.apply_env(env)?;
        config.limits.apply_env(env)?;
        config.console.apply_env(env)?;
        config.events.apply_env(env)?;
        config.recovery.validate()?;
        config.recovery.reserve_quota(&mut config.quota);
        config.quota.validate()?;
        Ok(config)
    }

    /// [`Config::load`] with the process environment.
    pub fn load_from_env(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load(path, &std::env::vars().collect())
    }
}

/// `[rpc]`: how long the server trusts what it read from the registry.
///
/// Every signed call needs the client key (its secret is stored sealed and
/// opened with AES-GCM) and the repository row. Caching them in the
/// process saves two database round trips and a decryption per call. The
/// trade-off: a key revoked (`scm client-key revoke`) or a repository
/// deactivated (`scm repo deactivate`) from another process still works on
/// a running server for up to the TTL; a new key or repository works at
/// once (misses are never cached). `0` disables a cache, so every call
/// reads the registry.
///
/// ```toml
/// [rpc]
/// key_cache_ttl_ms = 2000          # SCM_RPC_KEY_CACHE_TTL_MS
/// repository_cache_ttl_ms = 2000   # SCM_RPC_REPOSITORY_CACHE_TTL_MS
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpcConfig {
    pub key_cache_ttl_ms: u64,
    pub repository_cache_ttl_ms: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            key_cache_ttl_ms: 2_000,
            repository_cache_ttl_ms: 2_000,
        }
    }
}

impl RpcConfig {
    /// Applies `SCM_RPC_KEY_CACHE_TTL_MS` and
    /// `SCM_RPC_REPOSITORY_CACHE_TTL_MS`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        for (name, field) in [
            ("SCM_RPC_KEY_CACHE_TTL_MS", &mut self.key_cache_ttl_ms),
            (
                "SCM_RPC_REPOSITORY_CACHE_TTL_MS",
                &mut self.repository_cache_ttl_ms,
            ),
        ] {
            if let Some(value) = env.get(name) {
                *field = value.trim().parse().map_err(|err| ConfigError::Invalid {
                    name: name.into(),
                    detail: format!("{err}"),
                })?;
            }
        }
        Ok(())
    }

    pub fn key_cache_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.key_cache_ttl_ms)
    }

    pub fn repository_cache_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.repository_cache_ttl_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env() {
        let dir = std::env::temp_dir().join(format!("scm-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("scm.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://a.db\"\n",
        )
        .unwrap();
        let env = HashMap::from([(
            "SCM_DATABASE_URL".to_owned(),
            "postgres://127.0.0.1/x".to_owned(),
        )]);
        let config = Config::load(Some(&file), &env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.database_url, "postgres://127.0.0.1/x");
        assert_eq!(config.max_body_bytes, 10 * 1024 * 1024);
        let env = HashMap::from([("SCM_RPC_KEY_CACHE_TTL_MS".to_owned(), "0".to_owned())]);
        std::fs::write(&file, "[rpc]\nrepository_cache_ttl_ms = 500\n").unwrap();
        let config = Config::load(Some(&file), &env).unwrap();
        assert_eq!(config.rpc.key_cache_ttl_ms, 0);
        assert_eq!(config.rpc.repository_cache_ttl_ms, 500);
        std::fs::write(&file, "lisen = 1\n").unwrap();
        assert!(Config::load(Some(&file), &HashMap::new()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            Config::load(None, &HashMap::new()).unwrap(),
            Config::default()
        );
    }
}
