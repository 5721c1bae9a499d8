//! Errors that say where they came from.
//!
//! Every error leaving a provider is wrapped in [`Error::Action`] with the
//! provider's name and the action, so logs, RPC error bodies and error
//! reports name them without any provider doing it (the code and status
//! stay the inner error's).

use std::sync::Arc;

use async_trait::async_trait;

use super::ProviderLayer;
use crate::actions::{AnyAction, AnyOutput};
use crate::capability::CapabilitySet;
use crate::error::Result;
use crate::provider::{CallContext, Provider};
use crate::response::Response;

/// Adds the provider and action to every error.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorContextLayer;

impl ProviderLayer for ErrorContextLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider> {
        Arc::new(WithContext { inner })
    }
}

struct WithContext {
    inner: Arc<dyn Provider>,
}

#[async_trait]
impl Provider for WithContext {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> CapabilitySet {
        self.inner.capabilities()
    }

    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        let name = action.name();
        self.inner
            .execute(action, ctx)
            .await
            .map_err(|err| err.in_action(self.inner.name(), name))
    }
}
