//! The cache as a transport layer: revalidates stored reads, coalesces
//! identical ones.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::header::{CACHE_CONTROL, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RANGE};
use http::{HeaderValue, Method, StatusCode};

use super::coalesce::{self, Flights, Leader, Role, Shared};
use super::key::{vary_names, vary_values};
use super::{CacheScope, CacheStore, CachedResponse};
use crate::error::Error;
use crate::telemetry::metric_name;
use crate::transport::{Body, HttpRequest, HttpResponse, Transport};

/// Set on an answer the cache served from its store after the provider
/// confirmed it with `304` (`revalidated`); read into
/// [`crate::ResponseMeta::revalidated`].
pub const CACHE_STATUS_HEADER: &str = "x-scm-cache";

/// How the layer behaves, and where it keeps entries.
#[derive(Clone)]
pub struct CacheOptions {
    pub store: Arc<dyn CacheStore>,
    /// Longest a read waits for an identical read in flight before it
    /// sends its own request.
    pub coalesce_wait: Duration,
    /// Bodies larger than this pass through and are not stored.
    pub max_entry_bytes: usize,
}

impl CacheOptions {
    pub const DEFAULT_COALESCE_WAIT: Duration = Duration::from_secs(5);
    pub const DEFAULT_MAX_ENTRY_BYTES: usize = 1024 * 1024;

    /// `store` with the default wait and entry bound.
    pub fn new(store: Arc<dyn CacheStore>) -> Self {
        Self {
            store,
            coalesce_wait: Self::DEFAULT_COALESCE_WAIT,
            max_entry_bytes: Self::DEFAULT_MAX_ENTRY_BYTES,
        }
    }
}

/// Revalidates `GET`s against stored answers of one scope (one
/// integration and credential).
pub struct CacheTransport<T> {
    inner: T,
    scope: CacheScope,
    options: CacheOptions,
    flights: Arc<Flights>,
    /// After a store failure the store is left alone until then, so an
    /// unreachable store costs one slow read per pause, not every read.
    paused_until: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How long the layer works without its store after the store failed.
const STORE_PAUSE: Duration = Duration::from_secs(5);

impl<T: Transport> CacheTransport<T> {
    pub fn new(inner: T, scope: CacheScope, options: CacheOptions) -> Self {
        Self {
            inner,
            scope,
            options,
            flights: Arc::default(),
            paused_until: std::sync::Mutex::new(None),
        }
    }

    /// Whether the store is usable now; counts a read made without it.
    fn store_usable(&self) -> bool {
        let paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        let usable = paused.is_none_or(|until| std::time::Instant::now() >= until);
        if !usable {
            metrics::counter!(metric_name("cache.store_unavailable")).increment(1);
        }
        usable
    }

    /// Counts and logs a store failure, and pauses the store.
    fn store_failed(&self, err: &super::CacheStoreError) {
        metrics::counter!(metric_name("cache.store_unavailable")).increment(1);
        tracing::warn!(error = %err, "cache store unavailable; reading without the cache");
        *self.paused_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now() + STORE_PAUSE);
    }

    /// Plain `GET`s only: a request with its own validators or a range
    /// passes through untouched.
    fn cacheable(request: &HttpRequest) -> bool {
        let headers = request.headers();
        request.method() == Method::GET
            && !headers.contains_key(IF_NONE_MATCH)
            && !headers.contains_key(IF_MODIFIED_SINCE)
            && !headers.contains_key(RANGE)
    }

    async fn stored(&self, key: &str, request: &HttpRequest) -> Option<CachedResponse> {
        if !self.store_usable() {
            return None;
        }
        let entry = match self.options.store.get(key).await {
            Ok(entry) => entry?,
            Err(err) => {
                self.store_failed(&err);
                return None;
            }
        };
        let names: Vec<String> = entry.vary.iter().map(|(name, _)| name.clone()).collect();
        (vary_values(&names, request.headers()).as_ref() == Some(&entry.vary)).then_some(entry)
    }

    /// One read as its key's leader: revalidate or fetch, store, answer.
    async fn lead(
        &self,
        key: &str,
        mut request: HttpRequest,
        leader: Leader,
    ) -> Result<HttpResponse, Error> {
        let stored = self.stored(key, &request).await;
        // The caller's headers, before the validators are added.
        let request_headers = request.headers().clone();
        if let Some(entry) = &stored {
            let headers = request.headers_mut();
            for (validator, condition) in
                [(ETAG, IF_NONE_MATCH), (LAST_MODIFIED, IF_MODIFIED_SINCE)]
            {
                if let Some(value) = entry
                    .header(validator.as_str())
                    .and_then(|v| HeaderValue::from_str(v).ok())
                {
                    headers.insert(condition, value);
                }
            }
        }
        let response = self.inner.send(request).await?;
        match (response.status(), stored) {
            (StatusCode::NOT_MODIFIED, Some(entry)) => {
                metrics::counter!(metric_name("cache.hits")).increment(1);
                let entry = Arc::new(refreshed(entry, response.headers()));
                leader.finish(Some((entry.clone(), true)));
                Ok(answer(&entry, true))
            }
            (StatusCode::OK, _) => {
                metrics::counter!(metric_name("cache.misses")).increment(1);
                if !storable(response.headers()) {
                    return Ok(response);
                }
                let Some(vary) = vary_values(&vary_names(response.headers()), &request_headers)
                else {
                    return Ok(response);
                };
                let (parts, body) = response.into_parts();
                let body = match buffer_up_to(body, self.options.max_entry_bytes).await? {
                    Ok(bytes) => bytes,
                    Err(stream) => return Ok(HttpResponse::from_parts(parts, stream)),
                };
                let entry = Arc::new(CachedResponse::new(&parts.headers, body.clone(), vary));
                if self.store_usable() {
                    if let Err(err) = self.options.store.put(key, &entry).await {
                        self.store_failed(&err);
                    }
                }
                leader.finish(Some((entry, false)));
                Ok(HttpResponse::from_parts(parts, body.into()))
            }
            _ => Ok(response),
        }
    }
}

#[async_trait]
impl<T: Transport> Transport for CacheTransport<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        if !Self::cacheable(&request) {
            return self.inner.send(request).await;
        }
        let key = self.scope.key(&request);
        match self.flights.join(&key) {
            Role::Leader(leader) => self.lead(&key, request, leader).await,
            Role::Waiter(receiver) => {
                let shared: Shared = coalesce::wait(receiver, self.options.coalesce_wait).await;
                match shared {
                    Some((entry, revalidated)) => {
                        metrics::counter!(metric_name("cache.coalesced")).increment(1);
                        Ok(answer(&entry, revalidated))
                    }
                    None => self.inner.send(request).await,
                }
            }
        }
    }
}

/// An answer may be stored: it carries a validator and is not `no-store`.
fn storable(headers: &http::HeaderMap) -> bool {
    let no_store = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("no-store"));
    !no_store && (headers.contains_key(ETAG) || headers.contains_key(LAST_MODIFIED))
}

/// The stored entry with the `304`'s headers applied (fresh rate-limit and
/// date headers; RFC 9111 §4.3.4), body unchanged.
fn refreshed(mut entry: CachedResponse, not_modified: &http::HeaderMap) -> CachedResponse {
    const KEEP: [&str; 4] = [
        "content-length",
        "content-type",
        "content-encoding",
        "transfer-encoding",
    ];
    for (name, value) in not_modified {
        if KEEP.contains(&name.as_str()) {
            continue;
        }
        entry.headers.retain(|(n, _)| n != name.as_str());
        entry
            .headers
            .push((name.as_str().to_owned(), value.as_bytes().to_vec()));
    }
    entry
}

/// A `200` built from a stored entry.
fn answer(entry: &CachedResponse, revalidated: bool) -> HttpResponse {
    let mut response = http::Response::new(Body::from(entry.body.clone()));
    *response.headers_mut() = entry.header_map();
    if revalidated {
        response
            .headers_mut()
            .insert(CACHE_STATUS_HEADER, HeaderValue::from_static("revalidated"));
    }
    response
}

/// The whole body when it is at most `limit` bytes; otherwise a body that
/// still yields every byte (what was read, then the rest).
async fn buffer_up_to(body: Body, limit: usize) -> Result<Result<Bytes, Body>, Error> {
    let mut stream = body.into_stream();
    let mut buffer = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        buffer.extend_from_slice(&chunk);
        if buffer.len() > limit {
            let head = futures::stream::once(async move { Ok(buffer.freeze()) });
            return Ok(Err(Body::from_stream(head.chain(stream).boxed())));
        }
    }
    Ok(Ok(buffer.freeze()))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::cache::InMemoryCacheStore;

    /// Our own provider stand-in: one resource, `ETag` `"v<version>"`,
    /// `304` on a match, optionally `no-store`.
    #[derive(Default)]
    struct OneResource {
        version: AtomicU64,
        full: AtomicU64,
        conditional: AtomicU64,
        no_store: bool,
    }

    #[async_trait]
    impl Transport for OneResource {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let etag = format!("\"v{}\"", self.version.load(Ordering::SeqCst));
            let builder = http::Response::builder().header("etag", &etag);
            if let Some(condition) = request.headers().get(IF_NONE_MATCH) {
                self.conditional.fetch_add(1, Ordering::SeqCst);
                if condition.as_bytes() == etag.as_bytes() {
                    return Ok(builder.status(304).body(Body::empty()).unwrap());
                }
            }
            self.full.fetch_add(1, Ordering::SeqCst);
            let builder = if self.no_store {
                builder.header("cache-control", "private, no-store")
            } else {
                builder
            };
            Ok(builder.body(Body::from(etag.into_bytes())).unwrap())
        }
    }

    fn cache(inner: Arc<OneResource>) -> Arc<CacheTransport<Arc<OneResource>>> {
        let store = Arc::new(InMemoryCacheStore::default());
        Arc::new(CacheTransport::new(
            inner,
            CacheScope::new("integration:1", "token"),
            CacheOptions::new(store),
        ))
    }

    async fn get(
        cache: &CacheTransport<Arc<OneResource>>,
        if_none_match: Option<&str>,
    ) -> (u16, Bytes, bool) {
        let mut request = http::Request::get("http://x/r");
        if let Some(etag) = if_none_match {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = cache
            .send(request.body(Bytes::new()).unwrap())
            .await
            .unwrap();
        let revalidated = response.headers().contains_key(CACHE_STATUS_HEADER);
        let status = response.status().as_u16();
        (
            status,
            response.into_body().collect(1024).await.unwrap(),
            revalidated,
        )
    }

    #[tokio::test]
    async fn revalidates_serves_current_data_and_leaves_callers_validators_alone() {
        let provider = Arc::new(OneResource::default());
        let cache = cache(provider.clone());
        assert_eq!(get(&cache, None).await, (200, "\"v0\"".into(), false));
        assert_eq!(get(&cache, None).await, (200, "\"v0\"".into(), true));
        provider.version.store(1, Ordering::SeqCst);
        assert_eq!(get(&cache, None).await, (200, "\"v1\"".into(), false));
        assert_eq!(provider.full.load(Ordering::SeqCst), 2);
        // The caller's own validator: its 304 reaches the caller.
        assert_eq!(get(&cache, Some("\"v1\"")).await.0, 304);
    }

    #[tokio::test]
    async fn identical_concurrent_reads_share_one_request() {
        let provider = Arc::new(OneResource::default());
        let cache = cache(provider.clone());
        let reads: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { get(&cache, None).await.1 })
            })
            .collect();
        for read in reads {
            assert_eq!(read.await.unwrap(), "\"v0\"");
        }
        assert_eq!(provider.full.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn no_store_answers_are_fetched_again() {
        let provider = Arc::new(OneResource {
            no_store: true,
            ..OneResource::default()
        });
        let cache = cache(provider.clone());
        for _ in 0..2 {
            assert_eq!(get(&cache, None).await, (200, "\"v0\"".into(), false));
        }
        assert_eq!(provider.conditional.load(Ordering::SeqCst), 0);
    }
}
