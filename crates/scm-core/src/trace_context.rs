//! W3C trace context (`traceparent`, `tracestate`) across process
//! boundaries, without tying the library to a trace exporter.
//!
//! The `scm` binary installs a [`Propagation`] once (one that exports
//! traces, or one that passes callers' context through unchanged); every
//! place that crosses a process boundary calls [`inject`] (outbound
//! provider calls, the RPC client, HTTP listeners) or [`adopt`] (inbound
//! RPC and webhook requests, a listener run restoring the context stored
//! with its event). Until something is installed both do nothing, so
//! library users pay nothing.

use std::sync::OnceLock;

/// The header that carries the trace and parent span ids.
pub const TRACEPARENT: &str = "traceparent";
/// The header that carries vendor-specific trace state.
pub const TRACESTATE: &str = "tracestate";

/// How the installed tracer reads and writes trace context.
pub trait Propagation: Send + Sync {
    /// Writes the current span's context into `headers`.
    fn inject(&self, headers: &mut http::HeaderMap);
    /// Makes the context carried by `headers` (if any) the parent of `span`.
    fn adopt(&self, span: &tracing::Span, headers: &http::HeaderMap);
    /// The trace id of `span` as 32 hex digits, when it belongs to a trace.
    fn trace_id(&self, span: &tracing::Span) -> Option<String>;
}

static PROPAGATION: OnceLock<Box<dyn Propagation>> = OnceLock::new();

/// Installs the process's propagation once; later calls return `false`.
pub fn install(propagation: Box<dyn Propagation>) -> bool {
    PROPAGATION.set(propagation).is_ok()
}

/// Writes the current span's `traceparent` (and `tracestate`) into
/// `headers`; nothing when no tracer is installed.
pub fn inject(headers: &mut http::HeaderMap) {
    if let Some(propagation) = PROPAGATION.get() {
        propagation.inject(headers);
    }
}

/// Makes the trace context in `headers` the parent of `span`.
pub fn adopt(span: &tracing::Span, headers: &http::HeaderMap) {
    if let Some(propagation) = PROPAGATION.get() {
        propagation.adopt(span, headers);
    }
}

/// The trace id of `span`, for log lines and error reports.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    PROPAGATION.get()?.trace_id(span)
}

/// The current span's context as stored with an event: `(traceparent,
/// tracestate)`, `None` outside a trace.
pub fn current() -> Option<(String, Option<String>)> {
    let mut headers = http::HeaderMap::new();
    inject(&mut headers);
    let text = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    Some((text(TRACEPARENT)?, text(TRACESTATE)))
}

/// Headers holding a stored `traceparent` and `tracestate` (values that are
/// not valid header text are dropped).
pub fn headers_of(traceparent: &str, tracestate: Option<&str>) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(traceparent) {
        headers.insert(TRACEPARENT, value);
    }
    if let Some(Ok(value)) = tracestate.map(http::HeaderValue::from_str) {
        headers.insert(TRACESTATE, value);
    }
    headers
}
