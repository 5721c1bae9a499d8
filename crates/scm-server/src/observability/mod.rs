//! What the server tells operators about itself: one log line per request
//! and the facts handlers add to it.
//!
//! - [`request_log`]: the `scm.request` span around every request and its
//!   closing line (method, route, status, latency, and what the handler
//!   recorded: provider, action or event, referrer, delivery id; refusals
//!   at warn with their code);
//! - [`config`]: `[observability]` and its `SCM_*` overrides;
//! - [`exporters`]: the `metrics` recorder (Prometheus, DogStatsD);
//! - [`traces`]: spans over OTLP and W3C trace context;
//! - [`pass_through`]: the callers' trace context forwarded when no
//!   traces are exported;
//! - [`span_data`]: what layers keep on spans, read back outside them;
//! - [`errors`]: errors and panics to Sentry, scrubbed;
//! - [`prometheus_names`]: counters named `…_total` for Prometheus;
//! - [`proxied`]: rpc0's proxied requests counted as actions;
//! - [`startup`]: the configuration summary logged at start-up, without
//!   secrets.
//!
//! Handlers never log the request themselves: they call [`record`] (or
//! [`record_webhook`]) with what they learned, and the request's line
//! carries it.

pub mod config;
pub mod errors;
pub mod exporters;
pub mod pass_through;
pub mod prometheus_names;
pub mod proxied;
pub mod request_log;
pub mod span_data;
pub mod startup;
pub mod traces;

pub use config::ObservabilityConfig;
pub use proxied::count_rpc0_proxied;
pub use request_log::{log_requests, record, record_webhook, ErrorCode};
