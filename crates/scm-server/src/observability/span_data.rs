//! What layers keep on the process's spans, read back from a
//! `tracing::Span` outside the layer callbacks (a propagation asked for
//! the current context, a Sentry event built by the panic hook).
//!
//! The data lives in the span extensions of `tracing-subscriber`'s
//! registry, which every `scm` command's subscriber is built on.

use tracing_subscriber::registry::{LookupSpan, SpanRef};
use tracing_subscriber::Registry;

/// Runs `read` on `span` as the registry holds it; `None` when the span is
/// disabled or the process's subscriber has no registry.
pub fn with_span<R>(
    span: &tracing::Span,
    read: impl FnOnce(SpanRef<'_, Registry>) -> R,
) -> Option<R> {
    span.with_subscriber(|(id, dispatch)| {
        let registry = dispatch.downcast_ref::<Registry>()?;
        Some(read(registry.span(id)?))
    })
    .flatten()
}

/// The first value of type `T` kept on `span` or its nearest ancestor
/// holding one.
pub fn nearest<T: Clone + Send + Sync + 'static>(span: &tracing::Span) -> Option<T> {
    with_span(span, |data| {
        data.scope().find_map(|ancestor| {
            let found = ancestor.extensions().get::<T>().cloned();
            found
        })
    })
    .flatten()
}

/// Keeps `value` on `span` (replacing one of the same type).
pub fn keep<T: Send + Sync + 'static>(span: &tracing::Span, value: T) {
    with_span(span, |data| {
        data.extensions_mut().replace(value);
    });
}
