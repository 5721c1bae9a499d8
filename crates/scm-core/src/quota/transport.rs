//! The quota check, as a transport layer so every request counts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::telemetry::{self, QuotaGauges};
use super::{now_unix, QuotaPolicy, QuotaSlot, QuotaStore, RateLimitInfo, RateLimits};
use crate::error::Error;
use crate::telemetry::metric_name;
use crate::transport::{HttpRequest, HttpResponse, RequestContext, Transport};

/// What the provider last told us about this bucket.
#[derive(Debug, Default)]
struct Learned {
    capacity: Option<u64>,
    reset_at: Option<u64>,
    /// Nobody may send before this Unix second (remaining hit 0, or a
    /// `Retry-After`).
    blocked_until: Option<u64>,
}

/// Checks the caller's referrer allocation before each request and learns
/// capacity from each response.
pub struct QuotaTransport<T> {
    inner: T,
    bucket: String,
    policy: QuotaPolicy,
    store: Arc<dyn QuotaStore>,
    rate_limits: Arc<dyn RateLimits>,
    learned: Mutex<Learned>,
    /// The bucket's `integration` metric label.
    integration: String,
    gauges: QuotaGauges,
}

impl<T: Transport> QuotaTransport<T> {
    /// `bucket` names the provider quota (one per credential, e.g.
    /// `integration:42`); `rate_limits` reads the provider's answers.
    pub fn new(
        inner: T,
        bucket: impl Into<String>,
        policy: QuotaPolicy,
        store: Arc<dyn QuotaStore>,
        rate_limits: Arc<dyn RateLimits>,
    ) -> Self {
        let bucket = bucket.into();
        Self {
            inner,
            integration: telemetry::integration_label(&bucket),
            gauges: QuotaGauges::default(),
            bucket,
            policy,
            store,
            rate_limits,
            learned: Mutex::new(Learned::default()),
        }
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn learn(&self, info: &RateLimitInfo) {
        let now = now_unix();
        let mut learned = self.learned();
        if let Some(limit) = info.limit {
            learned.capacity = Some(limit);
        }
        if let Some(reset) = info.reset_at.filter(|r| *r > now) {
            learned.reset_at = Some(reset);
        }
        if let Some(wait) = info.wait() {
            learned.blocked_until = Some(now + wait.as_secs().max(1));
        }
    }

    /// Takes the referrer's unit; the slot it came from, `None` when the
    /// store was unavailable (nothing taken).
    async fn admit(&self, referrer: &str) -> Result<Option<QuotaSlot>, Error> {
        let now = now_unix();
        let (capacity, window_id, ttl) = {
            let learned = self.learned();
            if let Some(until) = learned.blocked_until.filter(|until| *until > now) {
                return Err(Error::RateLimited {
                    detail: "the provider's rate limit is exhausted until its reset".into(),
                    retry_after: Some(Duration::from_secs(until - now)),
                });
            }
            let capacity = learned.capacity.unwrap_or(self.policy.default_capacity);
            let window = self.policy.window.as_secs().max(1);
            match learned.reset_at.filter(|reset| *reset > now) {
                // The provider's window: its reset time names it.
                Some(reset) => (capacity, reset, Duration::from_secs(reset - now)),
                None => {
                    let id = now / window;
                    (capacity, id, Duration::from_secs((id + 1) * window - now))
                }
            }
        };
        let slot = self
            .policy
            .slot(&self.bucket, referrer, capacity, window_id, ttl);
        let label = if self.policy.allocations.contains_key(referrer) {
            referrer
        } else {
            "shared"
        };
        match self.store.try_acquire(&slot, 1).await {
            Ok(true) => {
                self.gauges
                    .admitted(&self.integration, label, window_id, slot.limit);
                Ok(Some(slot))
            }
            Ok(false) => {
                telemetry::refused(&self.integration, label, window_id, slot.limit);
                Err(Error::RateLimited {
                    detail: format!(
                        "referrer `{referrer}` used its quota allocation for this window"
                    ),
                    retry_after: Some(ttl),
                })
            }
            Err(err) => {
                metrics::counter!(metric_name("quota.store_unavailable")).increment(1);
                tracing::warn!(error = %err, "quota store unavailable; allowing the request");
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl<T: Transport> Transport for QuotaTransport<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let referrer = request
            .extensions()
            .get::<RequestContext>()
            .map(|ctx| ctx.referrer.clone())
            .unwrap_or_else(|| RequestContext::DEFAULT_REFERRER.to_owned());
        let slot = self.admit(&referrer).await?;
        let response = self.inner.send(request).await?;
        if response.status() == http::StatusCode::NOT_MODIFIED
            && self.rate_limits.not_modified_is_free()
        {
            if let Some(slot) = &slot {
                if let Err(err) = self.store.release(slot, 1).await {
                    metrics::counter!(metric_name("quota.store_unavailable")).increment(1);
                    tracing::warn!(error = %err, "quota store unavailable; a free 304 stays counted");
                }
            }
        }
        let info = self.rate_limits.read(response.headers());
        if let Some(remaining) = info.remaining {
            telemetry::provider_remaining(&self.integration, remaining);
        }
        if !info.is_empty() {
            self.learn(&info);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{header_u64, InMemoryQuotaStore, QuotaStoreError};
    use crate::transport::Body;

    /// A provider that states its limit in `limit`/`remaining` headers.
    struct TestLimits;

    impl RateLimits for TestLimits {
        fn read(&self, headers: &http::HeaderMap) -> RateLimitInfo {
            RateLimitInfo {
                limit: header_u64(headers, &["limit"]),
                remaining: header_u64(headers, &["remaining"]),
                retry_after: crate::quota::parse_retry_after(headers),
                ..RateLimitInfo::default()
            }
        }
    }

    fn quota<T: Transport>(
        inner: T,
        policy: QuotaPolicy,
        store: Arc<dyn QuotaStore>,
    ) -> QuotaTransport<T> {
        QuotaTransport::new(inner, "b", policy, store, Arc::new(TestLimits))
    }

    struct Ok200(&'static [(&'static str, &'static str)]);

    #[async_trait]
    impl Transport for Ok200 {
        async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, Error> {
            let mut builder = http::Response::builder().status(200);
            for (name, value) in self.0 {
                builder = builder.header(*name, *value);
            }
            Ok(builder.body(Body::empty()).unwrap())
        }
    }

    fn request(referrer: &str) -> HttpRequest {
        let mut request = http::Request::builder()
            .uri("http://x/")
            .body(Default::default())
            .unwrap();
        request.extensions_mut().insert(RequestContext {
            referrer: referrer.to_owned(),
            idempotent: false,
        });
        request
    }

    #[tokio::test]
    async fn allocated_referrer_is_capped_while_others_pass() {
        let policy = QuotaPolicy {
            default_capacity: 10,
            allocations: [("noisy".to_owned(), 0.3)].into(),
            ..QuotaPolicy::default()
        };
        let quota = quota(Ok200(&[]), policy, Arc::new(InMemoryQuotaStore::new()));
        for _ in 0..3 {
            quota.send(request("noisy")).await.unwrap();
        }
        let refused = quota.send(request("noisy")).await.unwrap_err();
        assert_eq!(refused.code(), "rate_limit_exceeded");
        assert!(refused.retry_after().is_some());
        // The shared pool (7 units) still serves everybody else.
        for _ in 0..7 {
            quota.send(request("other")).await.unwrap();
        }
        assert!(quota.send(request("other")).await.is_err());
    }

    #[tokio::test]
    async fn provider_exhaustion_blocks_everyone() {
        let quota = quota(
            Ok200(&[("limit", "5000"), ("remaining", "0"), ("retry-after", "60")]),
            QuotaPolicy::default(),
            Arc::new(InMemoryQuotaStore::new()),
        );
        quota.send(request("a")).await.unwrap();
        let err = quota.send(request("b")).await.unwrap_err();
        assert_eq!(err.code(), "rate_limit_exceeded");
    }

    struct Broken;

    #[async_trait]
    impl QuotaStore for Broken {
        async fn try_acquire(
            &self,
            _slot: &crate::quota::QuotaSlot,
            _cost: u64,
        ) -> Result<bool, QuotaStoreError> {
            Err(QuotaStoreError("down".into()))
        }
    }

    #[tokio::test]
    async fn store_failure_fails_open() {
        let quota = quota(Ok200(&[]), QuotaPolicy::default(), Arc::new(Broken));
        assert!(quota.send(request("a")).await.is_ok());
    }
}
