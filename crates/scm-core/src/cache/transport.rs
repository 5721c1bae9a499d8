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
}

impl<T: Transport> CacheTransport<T> {
    pub fn new(inner: T, scope: CacheScope, options: CacheOptions) -> Self {
        Self {
            inner,
            scope,
            options,
            flights: Arc::default(),
        }
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
        let entry = match self.options.store.get(key).await {
            Ok(entry) => entry?,
            Err(err) => {
                store_unavailable(&err);
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
                if let Err(err) = self.options.store.put(key, &entry).await {
                    store_unavailable(&err);
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

fn store_unavailable(err: &super::CacheStoreError) {
    metrics::counter!(metric_name("cache.store_unavailable")).increment(1);
    tracing::warn!(error = %err, "cache store unavailable; reading without the cache");
}
