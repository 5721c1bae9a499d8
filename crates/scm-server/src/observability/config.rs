//! `[observability]` in the config file, with `SCM_*` overrides.
//!
//! ```toml
//! [observability]
//! metrics_prefix = "sentry.scm"      # SCM_METRICS_PREFIX
//! statsd_addr = "127.0.0.1:8125"     # SCM_STATSD_ADDR (DogStatsD over UDP)
//! ```

use std::collections::HashMap;

use serde::Deserialize;

use crate::config_error::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObservabilityConfig {
    /// The prefix of every metric name (Prometheus writes its dots as
    /// underscores).
    pub metrics_prefix: String,
    /// Where to send DogStatsD datagrams (`host:port`); none when unset.
    pub statsd_addr: Option<String>,
}

impl Default for ObservabilityConfig {
    fn default() -> Self {
        Self {
            metrics_prefix: scm_core::telemetry::DEFAULT_PREFIX.to_owned(),
            statsd_addr: None,
        }
    }
}

impl ObservabilityConfig {
    /// `SCM_METRICS_PREFIX`, `SCM_STATSD_ADDR` (empty turns StatsD off).
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        if let Some(prefix) = env.get("SCM_METRICS_PREFIX") {
            let valid = !prefix.is_empty()
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
            if !valid {
                return Err(ConfigError::Invalid {
                    name: "SCM_METRICS_PREFIX".into(),
                    detail: "letters, digits, dots and underscores only".into(),
                });
            }
            self.metrics_prefix = prefix.clone();
        }
        if let Some(addr) = env.get("SCM_STATSD_ADDR") {
            self.statsd_addr = Some(addr.trim().to_owned()).filter(|a| !a.is_empty());
        }
        Ok(())
    }
}
