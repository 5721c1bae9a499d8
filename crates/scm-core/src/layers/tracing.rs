//! One `tracing` span per action, recording the outcome's code.

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
        );
        let result = self
            .inner
            .execute(action, ctx)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(_) => span.record("code", "ok"),
            Err(err) => {
                tracing::debug!(parent: &span, error = %err, "action failed");
                span.record("code", err.code())
            }
        };
        result
    }
}
