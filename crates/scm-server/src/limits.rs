//! Resource limits of the HTTP server, in one place for every route (RPC
//! v1, rpc0, webhooks, health, metrics), so that nobody without
//! credentials can hold the server's memory, sockets or time.
//!
//! - **Connections** ([`serve`]): at most `max_connections` at once (the
//!   next `accept` waits for a free slot); `TCP_NODELAY` on every accepted
//!   socket (a streamed answer's last segment must not wait for the
//!   client's delayed ACK); a request head must arrive within
//!   `header_read_timeout_ms`. Hyper starts that timer whenever a
//!   connection waits for a request head, so it is also the keep-alive idle
//!   timeout: an idle connection is closed after it.
//! - **Requests** ([`layer`]): a URI longer than `max_uri_bytes` is 414, a
//!   head larger than `max_header_bytes` is 431, both with a coded JSON
//!   body; a route that exists without the method is a coded 405.
//! - **Bodies** ([`LimitedBody`]): the whole body must arrive within
//!   `body_read_timeout_ms`, with no gap longer than `body_idle_timeout_ms`
//!   between two chunks; every byte read is charged to a server-wide
//!   budget of `unauthenticated_body_budget_bytes` while the body is being
//!   read (every route reads it whole, under its cap, before it verifies
//!   anything, so this is where a stalled sender holds memory). A request
//!   that cannot get budget is refused with 503 and `Retry-After`.
//!
//! [`body_error`] turns a body that failed to read into the right coded
//! error (413 too large, 408 too slow, 503 no budget, 400 malformed
//! framing).
//!
//! ```toml
//! [limits]
//! header_read_timeout_ms = 10000     # also the keep-alive idle timeout
//! body_read_timeout_ms = 30000       # whole body
//! body_idle_timeout_ms = 10000       # between two chunks
//! max_connections = 1024
//! unauthenticated_body_budget_bytes = 134217728
//! max_uri_bytes = 8192
//! max_header_bytes = 65536
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::config_error::ConfigError;
use crate::error::ApiError;

/// `[limits]` in the config file (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub header_read_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    pub body_idle_timeout_ms: u64,
    pub max_connections: usize,
    pub unauthenticated_body_budget_bytes: usize,
    pub max_uri_bytes: usize,
    pub max_header_bytes: usize,
}

impl Default for LimitsConfig {
    /// Holds a small server up: 1,024 connections, 128 MiB of bodies in
    /// flight, 10 s for a head or a gap in a body, 30 s for a whole body.
    fn default() -> Self {
        Self {
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            body_idle_timeout_ms: 10_000,
            max_connections: 1024,
            unauthenticated_body_budget_bytes: 128 * 1024 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 64 * 1024,
        }
    }
}

impl LimitsConfig {
    /// Applies `SCM_LIMITS_<FIELD>` (upper case) for every field.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let parse = |name: &str, value: &str| -> Result<u64, ConfigError> {
            value.trim().parse().map_err(|err| ConfigError::Invalid {
                name: name.into(),
                detail: format!("{err}"),
            })
        };
        for (name, field) in [
            (
                "SCM_LIMITS_HEADER_READ_TIMEOUT_MS",
                &mut self.header_read_timeout_ms,
            ),
            (
                "SCM_LIMITS_BODY_READ_TIMEOUT_MS",
                &mut self.body_read_timeout_ms,
            ),
            (
                "SCM_LIMITS_BODY_IDLE_TIMEOUT_MS",
                &mut self.body_idle_timeout_ms,
            ),
        ] {
            if let Some(value) = env.get(name) {
                *field = parse(name, value)?;
            }
        }
        for (name, field) in [
            ("SCM_LIMITS_MAX_CONNECTIONS", &mut self.max_connections),
            (
                "SCM_LIMITS_UNAUTHENTICATED_BODY_BUDGET_BYTES",
                &mut self.unauthenticated_body_budget_bytes,
            ),
            ("SCM_LIMITS_MAX_URI_BYTES", &mut self.max_uri_bytes),
            ("SCM_LIMITS_MAX_HEADER_BYTES", &mut self.max_header_bytes),
        ] {
            if let Some(value) = env.get(name) {
                *field = usize::try_from(parse(name, value)?).unwrap_or(usize::MAX);
            }
        }
        Ok(())
    }

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value.max(1))
    }
}

/// Longest value of a header the server forwards to a provider
/// (`If-None-Match`, `If-Modified-Since`, rpc0's forwarded headers):
/// providers refuse long heads with statuses no mapping covers, and an
/// entity tag or a date is far shorter.
pub const MAX_FORWARDED_HEADER_BYTES: usize = 1024;

/// Refuses a forwarded header value over [`MAX_FORWARDED_HEADER_BYTES`].
pub fn check_forwarded_header(name: &str, value: &str) -> Result<(), ApiError> {
    if value.len() > MAX_FORWARDED_HEADER_BYTES {
        return Err(ApiError::malformed(format!(
            "header `{name}` exceeds {MAX_FORWARDED_HEADER_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Serves `app` on `listener` under the connection limits until
/// `shutdown` completes; in-flight requests then finish first.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: &LimitsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};

    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(LimitsConfig::ms(limits.header_read_timeout_ms))
        .keep_alive(true);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // EMFILE and friends: wait rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        set_nodelay(&stream);
        // The peer's address, for handlers that limit per client (the
        // console's login).
        let service = hyper_util::service::TowerToHyperService::new(
            tower::ServiceExt::map_request(app.clone(), move |mut request: http::Request<_>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            }),
        );
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _slot: OwnedSemaphorePermit = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stop.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot until it is done.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// Sets `TCP_NODELAY` on an accepted socket: without it a streamed
/// answer's last small segment waits for the client's delayed ACK (a
/// 40 ms stall on a fraction of answers). Every listener the project
/// starts calls this on what it accepts.
pub fn set_nodelay(stream: &tokio::net::TcpStream) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "TCP_NODELAY not set");
    }
}

/// What the request layer shares: the limits and the body budget.
#[derive(Clone)]
pub struct RequestLimits {
    config: LimitsConfig,
    budget: Arc<Semaphore>,
}

impl RequestLimits {
    pub fn new(config: &LimitsConfig) -> Self {
        let budget = config
            .unauthenticated_body_budget_bytes
            .min(Semaphore::MAX_PERMITS);
        Self {
            config: config.clone(),
            budget: Arc::new(Semaphore::new(budget)),
        }
    }

    /// Bytes of budget not held by any body right now.
    pub fn budget_available(&self) -> usize {
        self.budget.available_permits()
    }
}

/// Applies the request limits to every route of `router` (call it on the
/// complete router, after every merge).
pub fn layer(router: axum::Router, limits: RequestLimits) -> axum::Router {
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(limits, guard))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "method_not_allowed",
        "Method not allowed",
        "this endpoint does not take this method",
    )
}

/// The per-request checks, then the body wrapped in its limits.
async fn guard(State(limits): State<RequestLimits>, request: Request, next: Next) -> Response {
    let uri_len = request.uri().to_string().len();
    if uri_len > limits.config.max_uri_bytes {
        return ApiError::new(
            414,
            "uri_too_long",
            "URI too long",
            format!("the URI exceeds {} bytes", limits.config.max_uri_bytes),
        )
        .into_response();
    }
    let head_len: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if head_len > limits.config.max_header_bytes {
        return ApiError::new(
            431,
            "request_header_fields_too_large",
            "Request header fields too large",
            format!(
                "the headers exceed {} bytes",
                limits.config.max_header_bytes
            ),
        )
        .into_response();
    }
    if limits.budget.available_permits() == 0 {
        return no_budget().into_response();
    }
    let request = request.map(|body| Body::new(LimitedBody::new(body, &limits)));
    next.run(request).await
}

fn no_budget() -> ApiError {
    ApiError::unavailable("the server holds too many request bodies; retry shortly")
        .with_retry_after(1)
}

/// Why [`LimitedBody`] stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyRefused {
    #[error("the request body did not arrive in time")]
    Timeout,
    #[error("the server's budget for unauthenticated request bodies is used up")]
    NoBudget,
}

/// A request body under the time limits, charged to the budget.
pub struct LimitedBody {
    inner: Body,
    budget: Arc<Semaphore>,
    held: Option<OwnedSemaphorePermit>,
    deadline: Pin<Box<Sleep>>,
    idle: Pin<Box<Sleep>>,
    idle_for: Duration,
}

impl LimitedBody {
    fn new(inner: Body, limits: &RequestLimits) -> Self {
        let idle_for = LimitsConfig::ms(limits.config.body_idle_timeout_ms);
        let total = LimitsConfig::ms(limits.config.body_read_timeout_ms);
        Self {
            inner,
            budget: limits.budget.clone(),
            held: None,
            deadline: Box::pin(tokio::time::sleep(total)),
            idle: Box::pin(tokio::time::sleep(idle_for)),
            idle_for,
        }
    }

    fn charge(&mut self, bytes: usize) -> Result<(), BodyRefused> {
        if bytes == 0 {
            return Ok(());
        }
        let bytes = u32::try_from(bytes).map_err(|_| BodyRefused::NoBudget)?;
        let permit = self
            .budget
            .clone()
            .try_acquire_many_owned(bytes)
            .map_err(|_| BodyRefused::NoBudget)?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            if let Some(Ok(frame)) = &frame {
                let len = frame.data_ref().map_or(0, Bytes::len);
                if let Err(refused) = this.charge(len) {
                    return Poll::Ready(Some(Err(axum::Error::new(refused))));
                }
                let next = Instant::now() + this.idle_for;
                this.idle.as_mut().reset(next);
            }
            return Poll::Ready(frame);
        }
        if this.deadline.as_mut().poll(cx).is_ready() || this.idle.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(BodyRefused::Timeout))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The coded error for a body that could not be read under `max` bytes:
/// 413 too large, 408 too slow, 503 (with `Retry-After`) no budget, 400
/// anything else (malformed chunked framing, a connection cut short).
pub fn body_error(err: &axum::Error, max: usize) -> ApiError {
    if let Some(refused) = refused(err) {
        return refused;
    }
    if find::<http_body_util::LengthLimitError>(err).is_some() {
        return ApiError::too_large(max);
    }
    ApiError::malformed("the request body could not be read to its end (malformed framing)")
}

/// The coded error when [`LimitedBody`] stopped the read (408 too slow,
/// 503 no budget); `None` for any other body error.
pub fn refused(err: &axum::Error) -> Option<ApiError> {
    Some(match find::<BodyRefused>(err)? {
        BodyRefused::Timeout => ApiError::new(
            408,
            "request_timeout",
            "Request timeout",
            BodyRefused::Timeout.to_string(),
        ),
        BodyRefused::NoBudget => no_budget(),
    })
}

/// The first error of type `E` in `err`'s source chain.
fn find<E: std::error::Error + 'static>(err: &axum::Error) -> Option<&E> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<E>() {
            return Some(found);
        }
        source = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_get_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert!(!accepted.nodelay().unwrap());
        set_nodelay(&accepted);
        assert!(accepted.nodelay().unwrap());
    }

    #[test]
    fn limits_from_env() {
        let mut config = LimitsConfig::default();
        let env = HashMap::from([
            ("SCM_LIMITS_MAX_CONNECTIONS".to_owned(), "7".to_owned()),
            ("SCM_LIMITS_BODY_IDLE_TIMEOUT_MS".to_owned(), "5".to_owned()),
        ]);
        config.apply_env(&env).unwrap();
        assert_eq!(
            (config.max_connections, config.body_idle_timeout_ms),
            (7, 5)
        );
        let bad = HashMap::from([("SCM_LIMITS_MAX_URI_BYTES".to_owned(), "x".to_owned())]);
        assert!(config.apply_env(&bad).is_err());
    }
}
