//! The configuration summary logged once at start-up: what an operator
//! needs to know the process runs as intended, and nothing secret.
//!
//! URLs are reduced to scheme, host and port (a database or NATS URL may
//! carry a password); secrets are counted, never shown.

use crate::events::QueueBackend;
use crate::Config;

/// `scheme://host:port` of a URL, without user, password, path or query;
/// a SQLite URL keeps its file path (which holds nothing secret).
pub fn redacted_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        return url.to_owned();
    }
    match url::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", parsed.scheme()),
            (Some(host), None) => format!("{}://{host}", parsed.scheme()),
            _ => format!("{}:", parsed.scheme()),
        },
        Err(_) => "unparsable".to_owned(),
    }
}

/// Logs the summary at info, for `role` (`serve`, `worker`). The Sentry
/// DSN is only said to be set: it carries the project's key.
pub fn log_configuration(config: &Config, role: &'static str) {
    let queue = match config.queue.backend {
        QueueBackend::Sqlite => format!("sqlite {}", config.queue.path.display()),
        QueueBackend::Nats => format!("nats {}", redacted_url(&config.queue.url)),
    };
    let webhook_secrets: Vec<String> = crate::events::receivers()
        .iter()
        .map(|receiver| {
            let provider = receiver.provider();
            format!("{provider}={}", config.webhooks.secrets(provider).len())
        })
        .collect();
    tracing::info!(
        role,
        listen = %config.listen,
        database = %redacted_url(&config.database_url),
        queue = %queue,
        quota_store = if config.quota.redis_url.is_some() { "redis" } else { "memory" },
        webhook_secrets = %webhook_secrets.join(","),
        rpc0 = config.rpc0.active(),
        console = config.console.enabled(),
        max_body_bytes = config.max_body_bytes,
        metrics_prefix = scm_core::telemetry::prefix(),
        statsd = config.observability.statsd_addr.as_deref().unwrap_or("off"),
        otlp = %config
            .observability
            .otlp_endpoint
            .as_deref()
            .map_or_else(|| "off".to_owned(), redacted_url),
        otlp_sample_ratio = config.observability.otlp_sample_ratio,
        sentry = if config.observability.sentry_dsn.is_some() { "on" } else { "off" },
        "configuration"
    );
}

#[cfg(test)]
mod tests {
    use super::redacted_url;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redacted_url("postgres://scm:hunter2@db.internal:5432/scm?sslmode=require"),
            "postgres://db.internal:5432"
        );
        assert_eq!(redacted_url("sqlite://reg.db"), "sqlite://reg.db");
        assert_eq!(redacted_url("not a url"), "unparsable");
    }
}
