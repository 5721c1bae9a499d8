//! Cross-cutting behaviour, applied once around every provider.
//!
//! Two kinds of layers, after OpenDAL's: [`ProviderLayer`]s wrap a whole
//! action (tracing span, metrics), transport layers wrap each HTTP request
//! (quota, retry). [`crate::registration::connect`] applies them to every
//! provider in one order: tracing → metrics around the provider; quota →
//! retry around its authenticated transport. Providers never apply them.

mod context;
mod metrics;
mod retry;
mod tracing;

use std::sync::Arc;
use std::time::Duration;

pub use self::context::ErrorContextLayer;
pub use self::metrics::MetricsLayer;
pub use self::retry::{RetryPolicy, RetryTransport};
pub use self::tracing::TracingLayer;

use crate::cache::CacheOptions;
use crate::provider::Provider;
use crate::quota::{InMemoryQuotaStore, QuotaPolicy, QuotaStore};

/// Wraps a provider in another provider.
pub trait ProviderLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider>;
}

/// The standard action-level stack: errors that name their provider and
/// action, counted by metrics, inside a tracing span.
pub fn standard_stack(provider: Arc<dyn Provider>) -> Arc<dyn Provider> {
    let located = ErrorContextLayer.layer(provider);
    let metered = MetricsLayer.layer(located);
    TracingLayer.layer(metered)
}

/// How [`crate::registration::connect`] builds a provider's stack.
#[derive(Clone)]
pub struct ConnectOptions {
    /// Read timeout of one HTTP request.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub quota: QuotaPolicy,
    pub quota_store: Arc<dyn QuotaStore>,
    /// The quota bucket, when the caller knows the credential better than
    /// the provider does (the server names it after the integration).
    pub quota_bucket: Option<String>,
    /// The shared conditional-request cache, when reads should be
    /// revalidated instead of fetched again (see [`crate::cache`]). Off by
    /// default. Entries are scoped to `quota_bucket` and the credential's
    /// identity; without a bucket, to this one connection.
    pub cache: Option<CacheOptions>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            quota: QuotaPolicy::default(),
            quota_store: Arc::new(InMemoryQuotaStore::new()),
            quota_bucket: None,
            cache: None,
        }
    }
}
