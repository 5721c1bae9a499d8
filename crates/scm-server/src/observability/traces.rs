//! Traces over OTLP/HTTP (protobuf) and W3C trace context.
//!
//! The process's `tracing` spans (`scm.request`, `scm.action`,
//! `scm.http_client`, `scm.webhook`, `scm.enqueue`, `run_listener`) become
//! OpenTelemetry spans through `tracing-opentelemetry` and are exported in
//! batches by the SDK's own thread. Only the platform's spans at `info` or
//! above are exported (not those of its dependencies), with its warnings
//! and errors as span events, whatever `RUST_LOG` says about log lines.
//!
//! [`TraceContextPropagation`] is what `scm_core::trace_context` uses to
//! read and write `traceparent`/`tracestate` when traces are exported; a
//! process that exports none passes its callers' context through
//! unchanged instead ([`super::pass_through`]).

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::ObservabilityConfig;

/// The OTLP/HTTP path of traces, appended to the configured base URL.
const TRACES_PATH: &str = "/v1/traces";

/// Why trace export could not start.
#[derive(Debug, thiserror::Error)]
#[error("OTLP endpoint `{endpoint}`: {detail}")]
pub struct TraceExportError {
    endpoint: String,
    detail: String,
}

/// Keeps the exporter running; flushes what is buffered when dropped.
pub struct TraceExport {
    provider: SdkTracerProvider,
}

impl Drop for TraceExport {
    fn drop(&mut self) {
        if let Err(err) = self.provider.shutdown() {
            eprintln!("scm: trace export did not flush: {err}");
        }
    }
}

/// `…/v1/traces` of a base URL (kept when already given).
pub fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with(TRACES_PATH) {
        base.to_owned()
    } else {
        format!("{base}{TRACES_PATH}")
    }
}

/// The `tracing` layer that turns the platform's spans into exported ones,
/// and its exporter, when `otlp_endpoint` is set; installs the
/// W3C propagation that `scm_core::trace_context` uses.
pub fn layer<S>(
    config: &ObservabilityConfig,
) -> Result<Option<(impl Layer<S>, TraceExport)>, TraceExportError>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let Some(endpoint) = &config.otlp_endpoint else {
        return Ok(None);
    };
    let url = traces_url(endpoint);
    let fail = |detail: String| TraceExportError {
        endpoint: super::startup::redacted_url(endpoint),
        detail,
    };
    url::Url::parse(&url).map_err(|err| fail(err.to_string()))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .build()
        .map_err(|err| fail(err.to_string()))?;
    // A caller's sampled flag decides for its trace; traces that start
    // here are kept by trace id at the configured ratio (all by default).
    let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
        config.otlp_sample_ratio,
    )));
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer("scm");
    scm_core::trace_context::install(Box::new(TraceContextPropagation));
    // Only what the spans say goes out: no source location, thread or
    // target attributes (six per span, one of them a fresh string), no
    // busy/idle timing on every poll, and no OpenTelemetry context made
    // current on every poll (propagation reads a span's context through
    // `OpenTelemetrySpanExt`, never the current OpenTelemetry context).
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_tracked_inactivity(false)
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_context_activation(false)
        .with_filter(filter_fn(is_exported).with_max_level_hint(LevelFilter::INFO));
    Ok(Some((layer, TraceExport { provider })))
}

/// The platform's own spans at `info` or above, and its warnings and
/// errors as span events (not every request's log line). The answer
/// depends on the call site only, so `tracing` caches it.
pub(super) fn is_exported(metadata: &tracing::Metadata<'_>) -> bool {
    let least = if metadata.is_event() {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    metadata.target().starts_with("scm") && *metadata.level() <= least
}

/// W3C trace context through the OpenTelemetry context of `tracing` spans.
pub struct TraceContextPropagation;

pub(super) struct Headers<'a>(pub(super) &'a http::HeaderMap);
pub(super) struct HeadersMut<'a>(pub(super) &'a mut http::HeaderMap);

impl opentelemetry::propagation::Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

impl opentelemetry::propagation::Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

impl scm_core::trace_context::Propagation for TraceContextPropagation {
    fn inject(&self, headers: &mut http::HeaderMap) {
        let context = tracing::Span::current().context();
        if context.span().span_context().is_valid() {
            TraceContextPropagator::new().inject_context(&context, &mut HeadersMut(headers));
        }
    }

    fn adopt(&self, span: &tracing::Span, headers: &http::HeaderMap) {
        let parent = TraceContextPropagator::new().extract(&Headers(headers));
        if parent.span().span_context().is_valid() {
            // Fails only for a span that already started its OpenTelemetry
            // span, which the callers' fresh spans have not.
            let _ = span.set_parent(parent);
        }
    }

    fn trace_id(&self, span: &tracing::Span) -> Option<String> {
        let context = span.context();
        let span_context = context.span().span_context().clone();
        span_context
            .is_valid()
            .then(|| span_context.trace_id().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn the_traces_path_is_appended_once() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://collector:4318/v1/traces/"),
            "http://collector:4318/v1/traces"
        );
    }
}
