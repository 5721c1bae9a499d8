//! One `tracing` span per action, recording the outcome's code (and the
//! trace id, when traces are exported, for the log lines inside it).

use std::sync::Arc;

use async_trait::async_trait;
use tracing::Instrument;

use super::ProviderLayer;
use crate::actions::{AnyAction, AnyOutput};
use crate::capability::CapabilitySet;
use crate::error::Result;
use crate::provider::{CallContext, Provider};
use crate::response::Response;

/// Wraps every action in a `scm.action` span.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingLayer;

impl ProviderLayer for TracingLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider> {
        Arc::new(Traced { inner })
    }
}

struct Traced {
    inner: Arc<dyn Provider>,
}

#[async_trait]
impl Provider for Traced {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> CapabilitySet {
        self.inner.capabilities()
    }

    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        let span = tracing::info_span!(
            "scm.action",
            action = action.name().as_str(),
            provider = self.inner.name(),
            referrer = %ctx.referrer,
            repository = %ctx.repository.full_name,
            code = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        if let Some(trace_id) = crate::trace_context::trace_id(&span) {
            span.record("trace_id", trace_id.as_str());
        }
        let result = self
            .inner
            .execute(action, ctx)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(_) => span.record("code", "ok"),
            Err(err) => {
                log_failure(&span, err);
                span.record("code", err.code())
            }
        };
        result
    }
}

/// Provider failures (the provider was unreachable, slow, malformed, rate
/// limited or answered an unexpected status, after retries) at warn with
/// the provider's status; the caller's own mistakes (not found, invalid
/// input, …) only at debug, the RPC answer already carries them.
fn log_failure(span: &tracing::Span, err: &crate::Error) {
    use crate::Error;
    let root = err.root();
    let status = match root {
        Error::ProviderUnavailable { status, .. } | Error::Unhandled { status, .. } => *status,
        Error::RateLimited { .. } => Some(429),
        Error::Timeout { .. } | Error::MalformedResponse { .. } => None,
        _ => {
            tracing::debug!(parent: span, code = err.code(), error = %root, "action failed");
            return;
        }
    };
    tracing::warn!(
        parent: span,
        code = err.code(),
        provider_status = status,
        error = %root,
        "provider call failed"
    );
}
