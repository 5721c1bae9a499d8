//! Server configuration: one TOML file, overridden by `SCM_*` environment
//! variables (and then by the CLI's flags, which set fields directly).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading the config file: {0}")]
    Read(#[from] std::io::Error),
    #[error("config file: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("`{name}`: {detail}")]
    Invalid { name: String, detail: String },
}

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
    /// `[rpc0]`: the older signed proxy protocol.
    pub rpc0: crate::rpc0::Rpc0Config,
    /// `[webhooks]`: body cap and per-provider secrets of the ingress.
    pub webhooks: crate::events::WebhooksConfig,
    /// `[queue]`: the event queue backend (`sqlite` or `nats`).
    pub queue: crate::events::QueueConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://scm.db".into(),
            max_body_bytes: crate::app::MAX_BODY,
            quota: Default::default(),
            rpc0: Default::default(),
            webhooks: Default::default(),
            queue: Default::default(),
        }
    }
}

impl Config {
    /// Loads `path` (when given) and applies `SCM_LISTEN`,
    /// `SCM_DATABASE_URL` and `SCM_MAX_BODY_BYTES` from `env`.
    pub fn load(path: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => toml::from_str(&std::fs::read_to_string(path)?)?,
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
        config.quota.apply_env(env)?;
        config.rpc0.apply_env(env)?;
        config.webhooks.apply_env(env)?;
        config.queue.apply_env(env)?;
        Ok(config)
    }

    /// [`Config::load`] with the process environment.
    pub fn load_from_env(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load(path, &std::env::vars().collect())
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
        std::fs::write(&file, "lisen = 1\n").unwrap();
        assert!(Config::load(Some(&file), &HashMap::new()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            Config::load(None, &HashMap::new()).unwrap(),
            Config::default()
        );
    }
}
