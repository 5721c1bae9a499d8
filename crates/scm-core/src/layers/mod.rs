//! Cross-cutting behaviour, applied once around every provider.
//!
//! Two kinds of layers, after OpenDAL's: [`ProviderLayer`]s wrap a whole
//! action (tracing span, metrics), transport layers wrap each HTTP request
//! (quota, retry). [`standard_stack`] assembles the usual order:
//! tracing → metrics around the provider; quota → retry around its
//! transport.

mod metrics;
mod retry;
mod tracing;

use std::sync::Arc;

pub use self::metrics::MetricsLayer;
pub use self::retry::{RetryPolicy, RetryTransport};
pub use self::tracing::TracingLayer;

use crate::provider::Provider;

/// Wraps a provider in another provider.
pub trait ProviderLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider>;
}

/// The standard action-level stack: metrics inside a tracing span.
pub fn standard_stack(provider: Arc<dyn Provider>) -> Arc<dyn Provider> {
    let metered = MetricsLayer.layer(provider);
    TracingLayer.layer(metered)
}
