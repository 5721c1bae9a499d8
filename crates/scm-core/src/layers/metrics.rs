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
use crate::telemetry::metric_name;

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
        let provider = self.inner.name().to_owned();
        let referrer = ctx.referrer.clone();
        match &result {
            Ok(_) => metrics::counter!(
                metric_name("actions.success"),
                "provider" => provider,
                "referrer" => referrer,
                "action" => name.as_str(),
            )
            .increment(1),
            Err(err) => metrics::counter!(
                metric_name("actions.failed"),
                "provider" => provider,
                "referrer" => referrer,
                "action" => name.as_str(),
                "code" => err.code(),
            )
            .increment(1),
        }
        result
    }
}
