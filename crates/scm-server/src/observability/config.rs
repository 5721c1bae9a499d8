//! `[observability]` in the config file, with `SCM_*` overrides.
//!
//! ```toml
//! [observability]
//! metrics_prefix = "sentry.scm"      # SCM_METRICS_PREFIX
//! statsd_addr = "127.0.0.1:8125"     # SCM_STATSD_ADDR (DogStatsD over UDP)
//! sentry_dsn = "https://key@o1.ingest.sentry.io/2"  # SCM_SENTRY_DSN
//! sentry_environment = "production"  # SCM_SENTRY_ENVIRONMENT
//! sentry_release = "scm@1.2.3"       # SCM_SENTRY_RELEASE (default scm@<version>)
//! otlp_endpoint = "http://127.0.0.1:4318"  # SCM_OTLP_ENDPOINT (OTLP/HTTP protobuf)
//! service_name = "scm"               # SCM_OTLP_SERVICE_NAME
//! otlp_sample_ratio = 1.0            # SCM_OTLP_SAMPLE_RATIO (share of new traces exported)
//! ```
//!
//! Every optional destination is off while unset; an empty variable turns
//! a value of the file off.

use std::collections::HashMap;

use serde::Deserialize;

use crate::config_error::ConfigError;

#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObservabilityConfig {
    /// The prefix of every metric name (Prometheus writes its dots as
    /// underscores).
    pub metrics_prefix: String,
    /// Where to send DogStatsD datagrams (`host:port`); none when unset.
    pub statsd_addr: Option<String>,
    /// Where errors are reported (a Sentry DSN); none when unset.
    pub sentry_dsn: Option<String>,
    /// The `environment` of every Sentry event.
    pub sentry_environment: Option<String>,
    /// The `release` of every Sentry event (default `scm@<version>`).
    pub sentry_release: Option<String>,
    /// The OTLP/HTTP base URL traces go to (`…/v1/traces` is appended);
    /// none when unset.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of traces that start here which are exported (0 to 1,
    /// by trace id). A request that arrives with a caller's
    /// `traceparent` follows the caller's sampled flag instead, so a
    /// trace is never cut in the middle. Every trace by default.
    pub otlp_sample_ratio: f64,
}

/// The DSN is left out: it names the project and carries its key.
impl std::fmt::Debug for ObservabilityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservabilityConfig")
            .field("metrics_prefix", &self.metrics_prefix)
            .field("statsd_addr", &self.statsd_addr)
            .field("sentry_dsn", &self.sentry_dsn.as_ref().map(|_| "…"))
            .field("sentry_environment", &self.sentry_environment)
            .field("sentry_release", &self.sentry_release)
            .field("otlp_endpoint", &self.otlp_endpoint)
            .field("service_name", &self.service_name)
            .field("otlp_sample_ratio", &self.otlp_sample_ratio)
            .finish()
    }
}

/// `service.name` when none is configured.
pub const DEFAULT_SERVICE_NAME: &str = "scm";

impl Default for ObservabilityConfig {
    fn default() -> Self {
        Self {
            metrics_prefix: scm_core::telemetry::DEFAULT_PREFIX.to_owned(),
            statsd_addr: None,
            sentry_dsn: None,
            sentry_environment: None,
            sentry_release: None,
            otlp_endpoint: None,
            service_name: DEFAULT_SERVICE_NAME.to_owned(),
            otlp_sample_ratio: 1.0,
        }
    }
}

impl ObservabilityConfig {
    /// `SCM_METRICS_PREFIX`, `SCM_STATSD_ADDR`, `SCM_SENTRY_DSN`,
    /// `SCM_SENTRY_ENVIRONMENT`, `SCM_SENTRY_RELEASE`, `SCM_OTLP_ENDPOINT`,
    /// `SCM_OTLP_SERVICE_NAME`, `SCM_OTLP_SAMPLE_RATIO` (an empty value
    /// turns an optional one off).
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
        let optional = |name: &str, value: &mut Option<String>| {
            if let Some(text) = env.get(name) {
                *value = Some(text.trim().to_owned()).filter(|text| !text.is_empty());
            }
        };
        optional("SCM_STATSD_ADDR", &mut self.statsd_addr);
        optional("SCM_SENTRY_DSN", &mut self.sentry_dsn);
        optional("SCM_SENTRY_ENVIRONMENT", &mut self.sentry_environment);
        optional("SCM_SENTRY_RELEASE", &mut self.sentry_release);
        optional("SCM_OTLP_ENDPOINT", &mut self.otlp_endpoint);
        if let Some(name) = env.get("SCM_OTLP_SERVICE_NAME").map(|name| name.trim()) {
            if !name.is_empty() {
                self.service_name = name.to_owned();
            }
        }
        if let Some(ratio) = env.get("SCM_OTLP_SAMPLE_RATIO") {
            self.otlp_sample_ratio = ratio.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "SCM_OTLP_SAMPLE_RATIO".into(),
                detail: "a number from 0 to 1".into(),
            })?;
        }
        self.validate()
    }

    /// What the file and the variables must agree on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=1.0).contains(&self.otlp_sample_ratio) {
            return Err(ConfigError::Invalid {
                name: "observability.otlp_sample_ratio".into(),
                detail: "a number from 0 to 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::ObservabilityConfig;

    fn with(name: &str, value: &str) -> Result<ObservabilityConfig, String> {
        let mut config = ObservabilityConfig::default();
        let env = HashMap::from([(name.to_owned(), value.to_owned())]);
        config
            .apply_env(&env)
            .map(|()| config)
            .map_err(|err| err.to_string())
    }

    #[test]
    fn the_sample_ratio_is_a_share_of_traces() {
        assert_eq!(ObservabilityConfig::default().otlp_sample_ratio, 1.0);
        assert_eq!(
            with("SCM_OTLP_SAMPLE_RATIO", " 0.25")
                .unwrap()
                .otlp_sample_ratio,
            0.25
        );
        for bad in ["1.5", "-0.1", "NaN", "all", ""] {
            let err = with("SCM_OTLP_SAMPLE_RATIO", bad).unwrap_err();
            assert!(err.contains("from 0 to 1"), "{bad}: {err}");
        }
    }
}
