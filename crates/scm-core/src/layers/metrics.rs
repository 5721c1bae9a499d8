//! `actions.success` / `actions.failed` for every action, tagged with
//! provider, referrer, action (and code on failure).

use std::sync::Arc;

use async_trait::async_trait;

use super::ProviderLayer;
use crate::actions::{AnyAction, AnyOutput};
use crate::capability::CapabilitySet;
use crate::error::Result;
use crate::provider::{CallContext, Provider};
use crate::response::Response;
use crate::telemetry::count_action;

/// Counts every action's outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsLayer;

impl ProviderLayer for MetricsLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider> {
        Arc::new(Metered { inner })
    }
}

struct Metered {
    inner: Arc<dyn Provider>,
}

#[async_trait]
impl Provider for Metered {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> CapabilitySet {
        self.inner.capabilities()
    }

    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        let name = action.name();
        let result = self.inner.execute(action, ctx).await;
        count_action(
            self.inner.name(),
            &ctx.referrer,
            name.as_str(),
            result.as_ref().err().map(|err| err.code()),
        );
        result
    }
}
