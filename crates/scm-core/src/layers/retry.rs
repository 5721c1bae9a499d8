//! Retries idempotent requests on transient failures.
//!
//! Retried: connection errors and timeouts, 500/502/503/504, 429, and 403
//! with `Retry-After` (GitHub's secondary rate limit), but only for
//! idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, or a request
//! marked idempotent in its [`RequestContext`]). Waits honour
//! `Retry-After` / the rate-limit reset; otherwise exponential backoff
//! with full jitter. A wait longer than [`RetryPolicy::max_delay`] is not
//! taken: the response goes back to the provider, which maps it to
//! `rate_limit_exceeded` with the wait in `retry_after`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::{Method, StatusCode};
use rand::Rng;

use crate::error::Error;
use crate::quota::{RateLimits, RetryAfterOnly};
use crate::transport::{HttpRequest, HttpResponse, RequestContext, Transport};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    /// The longest single wait; longer waits are not taken.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter backoff for the given (0-based) retry.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

pub struct RetryTransport<T> {
    inner: T,
    policy: RetryPolicy,
    rate_limits: Arc<dyn RateLimits>,
}

impl<T: Transport> RetryTransport<T> {
    /// Retries that only know `Retry-After`.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Self::with_rate_limits(inner, policy, Arc::new(RetryAfterOnly))
    }

    /// Retries that also read the provider's rate-limit answers (a
    /// forbidden answer with nothing remaining waits for the reset).
    pub fn with_rate_limits(
        inner: T,
        policy: RetryPolicy,
        rate_limits: Arc<dyn RateLimits>,
    ) -> Self {
        Self {
            inner,
            policy,
            rate_limits,
        }
    }
}

fn is_idempotent(request: &HttpRequest) -> bool {
    let marked = request
        .extensions()
        .get::<RequestContext>()
        .is_some_and(|ctx| ctx.idempotent);
    marked
        || matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
}

/// Whether a response is worth retrying, and how long to wait first.
fn retry_wait(
    response: &HttpResponse,
    policy: &RetryPolicy,
    rate_limits: &dyn RateLimits,
    retry: u32,
) -> Option<Duration> {
    let status = response.status();
    let limits = rate_limits.read(response.headers());
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (limits.retry_after.is_some() || limits.remaining == Some(0)));
    if rate_limited {
        let wait = limits.wait().unwrap_or_else(|| policy.backoff(retry));
        return (wait <= policy.max_delay).then_some(wait);
    }
    let transient = matches!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    );
    transient.then(|| {
        limits
            .retry_after
            .unwrap_or_else(|| policy.backoff(retry))
            .min(policy.max_delay)
    })
}

fn clone_request(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    // All of them: providers put more than the context there (GitHub's
    // credential mode), and a retry must be the same request.
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

#[async_trait]
impl<T: Transport> Transport for RetryTransport<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        if !is_idempotent(&request) || self.policy.max_attempts <= 1 {
            return self.inner.send(request).await;
        }
        let mut retry = 0;
        loop {
            let attempt = clone_request(&request);
            let last = retry + 1 >= self.policy.max_attempts;
            let wait = match self.inner.send(attempt).await {
                Ok(response) => {
                    match retry_wait(&response, &self.policy, &*self.rate_limits, retry) {
                        Some(wait) if !last => wait,
                        _ => return Ok(response),
                    }
                }
                Err(
                    err @ (Error::ProviderUnavailable { status: None, .. } | Error::Timeout { .. }),
                ) if !last => {
                    tracing::debug!(error = %err, retry, "retrying after transport error");
                    self.policy.backoff(retry)
                }
                Err(err) => return Err(err),
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::transport::Body;

    /// Answers the scripted statuses in order, counting calls.
    struct Scripted {
        statuses: Vec<(u16, Option<&'static str>)>,
        calls: AtomicU32,
    }

    #[async_trait]
    impl Transport for Scripted {
        async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, Error> {
            let i = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
            let (status, retry_after) = self.statuses[i.min(self.statuses.len() - 1)];
            let mut builder = http::Response::builder().status(status);
            if let Some(value) = retry_after {
                builder = builder.header("retry-after", value);
            }
            Ok(builder.body(Body::empty()).unwrap())
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        }
    }

    async fn run(method: Method, statuses: Vec<(u16, Option<&'static str>)>) -> (u16, u32) {
        let scripted = Arc::new(Scripted {
            statuses,
            calls: AtomicU32::new(0),
        });
        let transport = RetryTransport::new(scripted.clone(), policy());
        let request = http::Request::builder()
            .method(method)
            .uri("http://x/")
            .body(Default::default())
            .unwrap();
        let response = transport.send(request).await.unwrap();
        (
            response.status().as_u16(),
            scripted.calls.load(Ordering::SeqCst),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn retries_idempotent_5xx_and_secondary_limits() {
        assert_eq!(
            run(Method::GET, vec![(502, None), (200, None)]).await,
            (200, 2)
        );
        assert_eq!(run(Method::GET, vec![(503, None)]).await, (503, 3));
        assert_eq!(
            run(Method::GET, vec![(403, Some("1")), (200, None)]).await,
            (200, 2)
        );
        assert_eq!(
            run(Method::GET, vec![(429, None), (200, None)]).await,
            (200, 2)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn leaves_the_rest_alone() {
        // Not idempotent.
        assert_eq!(
            run(Method::POST, vec![(502, None), (200, None)]).await,
            (502, 1)
        );
        // Plain forbidden, not found.
        assert_eq!(
            run(Method::GET, vec![(403, None), (200, None)]).await,
            (403, 1)
        );
        assert_eq!(run(Method::GET, vec![(404, None)]).await, (404, 1));
        // Waiting longer than max_delay is not done.
        assert_eq!(
            run(Method::GET, vec![(429, Some("3600")), (200, None)]).await,
            (429, 1)
        );
    }
}
