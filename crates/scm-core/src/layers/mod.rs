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
use std::time::Duration;

pub use self::metrics::MetricsLayer;
pub use self::retry::{RetryPolicy, RetryTransport};
pub use self::tracing::TracingLayer;

use crate::error::Result;
use crate::provider::Provider;
use crate::quota::{InMemoryQuotaStore, QuotaPolicy, QuotaStore, QuotaTransport};
use crate::transport::{ReqwestTransport, Transport};

/// Wraps a provider in another provider.
pub trait ProviderLayer {
    fn layer(&self, inner: Arc<dyn Provider>) -> Arc<dyn Provider>;
}

/// The standard action-level stack: metrics inside a tracing span.
pub fn standard_stack(provider: Arc<dyn Provider>) -> Arc<dyn Provider> {
    let metered = MetricsLayer.layer(provider);
    TracingLayer.layer(metered)
}

/// How a provider's production transport stack is built.
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
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            quota: QuotaPolicy::default(),
            quota_store: Arc::new(InMemoryQuotaStore::new()),
            quota_bucket: None,
        }
    }
}

/// The HTTP client every provider uses in production, without auth.
pub fn http_transport(options: &ConnectOptions) -> Result<ReqwestTransport> {
    ReqwestTransport::new(options.timeout)
}

/// Wraps a provider's authenticated transport in retry, then quota:
/// quota → retry → `authenticated`. `default_bucket` names the provider
/// quota when [`ConnectOptions::quota_bucket`] does not.
pub fn production_transport<T: Transport>(
    authenticated: T,
    default_bucket: String,
    options: ConnectOptions,
) -> Arc<dyn Transport> {
    let retry = RetryTransport::new(authenticated, options.retry);
    let bucket = options.quota_bucket.unwrap_or(default_bucket);
    Arc::new(QuotaTransport::new(
        retry,
        bucket,
        options.quota,
        options.quota_store,
    ))
}
