//! Metric names, shared by every layer and the event stream.
//!
//! Names follow the platform's seed (`<prefix>.actions.success`, …) with a
//! configurable prefix, default `sentry.scm`. Exporters (Prometheus,
//! StatsD) are installed by the binary; here we only emit through the
//! `metrics` facade, which is a no-op until a recorder is installed.

use std::sync::OnceLock;

static PREFIX: OnceLock<String> = OnceLock::new();

pub const DEFAULT_PREFIX: &str = "sentry.scm";

/// Sets the metric prefix once, at start-up. Later calls are ignored and
/// return `false`.
pub fn set_prefix(prefix: impl Into<String>) -> bool {
    PREFIX.set(prefix.into()).is_ok()
}

pub fn prefix() -> &'static str {
    PREFIX.get().map(String::as_str).unwrap_or(DEFAULT_PREFIX)
}

/// `<prefix>.<name>`.
pub fn metric_name(name: &str) -> String {
    format!("{}.{name}", prefix())
}
