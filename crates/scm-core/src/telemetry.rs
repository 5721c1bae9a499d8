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

/// `actions.success`, or `actions.failed` with the error's `code`, tagged
/// with provider, referrer and action: the one definition every path (the
/// action layers, rpc0's proxied requests) counts through.
pub fn count_action(provider: &str, referrer: &str, action: &str, failure: Option<&'static str>) {
    let mut labels = vec![
        ("provider", provider.to_owned()),
        ("referrer", referrer.to_owned()),
        ("action", action.to_owned()),
    ];
    match failure {
        None => metrics::counter!(metric_name("actions.success"), &labels).increment(1),
        Some(code) => {
            labels.push(("code", code.to_owned()));
            metrics::counter!(metric_name("actions.failed"), &labels).increment(1)
        }
    }
}

/// Every metric the platform emits: name (without the prefix), kind and
/// what it counts. `docs/observability.md` lists the same table.
pub const TABLE: &[(&str, MetricKind, &str)] = &[
    (
        "actions.success",
        MetricKind::Counter,
        "Actions that succeeded (provider, referrer, action)",
    ),
    (
        "actions.failed",
        MetricKind::Counter,
        "Actions that failed (provider, referrer, action, code)",
    ),
    (
        "produce_event_to_scm_stream.success",
        MetricKind::Counter,
        "Webhook events stored in the event queue (backend, outcome)",
    ),
    (
        "produce_event_to_scm_stream.failed",
        MetricKind::Counter,
        "Webhook deliveries not queued (provider or backend, reason)",
    ),
    (
        "run_listener.success",
        MetricKind::Counter,
        "Listener runs that succeeded (listener)",
    ),
    (
        "run_listener.failed",
        MetricKind::Counter,
        "Listener runs that failed (listener, reason)",
    ),
    (
        "run_listener.message.size",
        MetricKind::Histogram,
        "Size of the event given to a listener, in bytes (listener)",
    ),
    (
        "run_listener.queue_time",
        MetricKind::Histogram,
        "Seconds from enqueue to the listener's start (listener)",
    ),
    (
        "run_listener.task_time",
        MetricKind::Histogram,
        "Seconds the listener ran (listener)",
    ),
    (
        "run_listener.real_time",
        MetricKind::Histogram,
        "Seconds from the webhook's receipt to the listener's end (listener)",
    ),
    (
        "quota.used",
        MetricKind::Gauge,
        "Quota units this process took in the current window (integration, referrer)",
    ),
    (
        "quota.remaining",
        MetricKind::Gauge,
        "Quota units left in the current window (integration, referrer)",
    ),
    (
        "quota.provider_remaining",
        MetricKind::Gauge,
        "Requests left as the provider last reported (integration)",
    ),
    (
        "quota.refused",
        MetricKind::Counter,
        "Requests refused for an exhausted allocation (integration, referrer)",
    ),
    (
        "quota.store_unavailable",
        MetricKind::Counter,
        "Quota checks skipped because the store did not answer",
    ),
    (
        "rpc0.proxied",
        MetricKind::Counter,
        "rpc0 proxied requests by provider answer (provider, referrer, status)",
    ),
    (
        "cache.hits",
        MetricKind::Counter,
        "Provider reads answered 304 and served from the cache (revalidated)",
    ),
    (
        "cache.misses",
        MetricKind::Counter,
        "Provider reads with no usable cache entry",
    ),
    (
        "cache.coalesced",
        MetricKind::Counter,
        "Reads that waited for an identical read in flight instead of sending their own",
    ),
    (
        "cache.stored_bytes",
        MetricKind::Gauge,
        "Bytes held by the in-memory cache",
    ),
    (
        "cache.evictions",
        MetricKind::Counter,
        "Entries evicted from the in-memory cache (least recently used)",
    ),
    (
        "cache.store_unavailable",
        MetricKind::Counter,
        "Cache lookups or writes skipped because the store did not answer",
    ),
    (
        "rpc.nonce_store_unavailable",
        MetricKind::Counter,
        "Nonce checks that could not reach the shared store",
    ),
    (
        "deliveries.recovered",
        MetricKind::Counter,
        "Missed webhook deliveries whose redelivery the provider accepted (integration, provider)",
    ),
    (
        "deliveries.recovery_failed",
        MetricKind::Counter,
        "Missed webhook deliveries whose redelivery request failed (integration, provider, code)",
    ),
    (
        "deliveries.recovery_last_success",
        MetricKind::Gauge,
        "Unix time of the last recovery pass that finished, per integration",
    ),
];

/// The kind of a metric in [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// Describes every metric of [`TABLE`] to the installed recorder (help
/// texts in Prometheus).
pub fn describe() {
    for (name, kind, help) in TABLE {
        let name = metric_name(name);
        match kind {
            MetricKind::Counter => metrics::describe_counter!(name, *help),
            MetricKind::Gauge => metrics::describe_gauge!(name, *help),
            MetricKind::Histogram => metrics::describe_histogram!(name, *help),
        }
    }
}
