//! W3C trace context when no traces are exported: the caller's context
//! passes through unchanged.
//!
//! A process without `SCM_OTLP_ENDPOINT` records no spans of its own, so
//! it has no span id to put in an outgoing `traceparent`. Dropping the
//! caller's context there would cut its trace in two at the first hop
//! that is not instrumented; inventing a trace id would show a trace no
//! backend holds. So the context of an inbound RPC or webhook request is
//! kept on the request's span and sent on, as received, with every
//! provider call made for it, stored with the event it produced and given
//! to the listeners run for it (W3C trace context lets a component that
//! does not participate forward the headers unmodified). Log lines and
//! Sentry events carry that trace id. Without an inbound context nothing
//! is sent and no trace id is logged.

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Subscriber;
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::layer::Identity;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::span_data;
use super::traces::{is_exported, Headers, HeadersMut};

/// The context a request or a stored event came with, kept on its span.
#[derive(Clone)]
struct Received(opentelemetry::Context);

/// Forwards the caller's trace context without adding spans of its own.
pub struct PassThrough;

impl scm_core::trace_context::Propagation for PassThrough {
    fn inject(&self, headers: &mut http::HeaderMap) {
        if let Some(Received(context)) = span_data::nearest(&tracing::Span::current()) {
            TraceContextPropagator::new().inject_context(&context, &mut HeadersMut(headers));
        }
    }

    fn adopt(&self, span: &tracing::Span, headers: &http::HeaderMap) {
        let context = TraceContextPropagator::new().extract(&Headers(headers));
        if context.span().span_context().is_valid() {
            span_data::keep(span, Received(context));
        }
    }

    fn trace_id(&self, span: &tracing::Span) -> Option<String> {
        let Received(context) = span_data::nearest(span)?;
        Some(context.span().span_context().trace_id().to_string())
    }
}

/// Installs [`PassThrough`] as the process's propagation, with a layer
/// that keeps the platform's spans enabled whatever `RUST_LOG` says, so
/// the context has a span to live on.
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    scm_core::trace_context::install(Box::new(PassThrough));
    let spans = filter_fn(|metadata| metadata.is_span() && is_exported(metadata));
    Identity::new().with_filter(spans.with_max_level_hint(LevelFilter::INFO))
}
