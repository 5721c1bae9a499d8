//! One log line per HTTP request, written when the answer is ready.
//!
//! [`log_requests`] wraps every route in an `scm.request` span with empty
//! fields that handlers fill through [`record`]; the closing line is an
//! event inside that span, so the text and JSON formats show the fields
//! next to the status and latency. Values come from verified requests or
//! bounded sets (the catalogue, the registry, the receivers); the raw path
//! is never logged, only its route template.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use scm_core::events::ReceivedWebhook;
use tracing::field::Empty;
use tracing::Instrument as _;

/// The error code of a refused request, attached to the response by
/// [`crate::error::ApiError`] so the request line can name it.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// The fields a handler may fill on the current request's line.
pub const FIELDS: [&str; 5] = ["provider", "action", "event", "referrer", "delivery_id"];

/// Records `value` as `field` (one of [`FIELDS`]) of the current request.
/// Outside a request it does nothing.
pub fn record(field: &'static str, value: &str) {
    tracing::Span::current().record(field, value);
}

/// Records what a verified webhook delivery is: the provider (a known
/// receiver's name), its event
/// (the neutral type, or the provider's name for an unsupported kind) and
/// the delivery id.
pub fn record_webhook(provider: &str, received: &ReceivedWebhook) {
    record("provider", provider);
    match received {
        ReceivedWebhook::Event(envelope) => {
            record("event", envelope.event_type().as_str());
            record("delivery_id", &envelope.delivery_id);
        }
        ReceivedWebhook::Unsupported {
            event, delivery_id, ..
        } => {
            record("event", event);
            record("delivery_id", delivery_id);
        }
    }
}

/// The route template of a path: a bounded set, never the raw path.
pub fn route_of(path: &str) -> &'static str {
    const FIXED: [&str; 6] = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/capabilities",
        "/v1/openapi.json",
        crate::rpc0::PATH,
    ];
    if let Some(route) = FIXED.iter().find(|route| **route == path) {
        return route;
    }
    if path.starts_with("/v1/actions/") {
        return "/v1/actions/{action}";
    }
    if let Some(rest) = path.strip_prefix("/webhooks/") {
        return match rest.split('/').count() {
            1 => "/webhooks/{provider}",
            _ => "/webhooks/{provider}/{integration}",
        };
    }
    "other"
}

/// The middleware: the request's span (a child of the caller's trace
/// context when the request carries one), and its line once answered.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = route_of(request.uri().path());
    // Exported as `POST /v1/actions/{action}` (HTTP semantic conventions).
    let name = format!("{method} {route}");
    let span = tracing::info_span!(
        "scm.request",
        otel.name = name.as_str(),
        otel.kind = "server",
        http.request.method = %method,
        http.route = route,
        http.response.status_code = Empty,
        provider = Empty,
        action = Empty,
        event = Empty,
        referrer = Empty,
        delivery_id = Empty,
        trace_id = Empty,
    );
    // A caller's `traceparent` makes this request part of its trace; the
    // trace id goes on the request's log lines.
    scm_core::trace_context::adopt(&span, request.headers());
    if let Some(trace_id) = scm_core::trace_context::trace_id(&span) {
        span.record("trace_id", trace_id.as_str());
    }
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let code = response.extensions().get::<ErrorCode>().map(|code| code.0);
    let _entered = span.enter();
    match code {
        Some(code) if status >= 500 => {
            tracing::error!(status, code, latency_ms, "request failed")
        }
        Some(code) => tracing::warn!(status, code, latency_ms, "request refused"),
        None => tracing::info!(status, latency_ms, "request"),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::route_of;

    #[test]
    fn routes_are_templates() {
        assert_eq!(route_of("/v1/actions/get_issue"), "/v1/actions/{action}");
        assert_eq!(route_of("/webhooks/github"), "/webhooks/{provider}");
        assert_eq!(
            route_of("/webhooks/gitlab/3"),
            "/webhooks/{provider}/{integration}"
        );
        assert_eq!(route_of("/metrics"), "/metrics");
        assert_eq!(route_of("/etc/passwd"), "other");
    }
}
