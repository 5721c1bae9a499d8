//! Sending HTTP requests: the seam between providers and the network.
//!
//! Providers build `http::Request`s and hand them to a [`Transport`]:
//! reqwest in production, a local mock in tests, the RPC proxy in remote
//! mode. Cross-cutting behaviour that works per request (retry, quota,
//! authentication) wraps a transport in another transport. The caller's
//! identity (referrer) travels in the request's extensions as
//! [`RequestContext`], so transport layers see it without any provider
//! code passing it along.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use tracing::Instrument as _;

use crate::error::Error;

pub type HttpRequest = http::Request<Bytes>;
pub type HttpResponse = http::Response<Body>;

/// Who asked, attached to every outbound request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub referrer: String,
    /// Safe to send twice even if the method is not (a GraphQL query is a
    /// POST but does not change anything).
    pub idempotent: bool,
}

impl RequestContext {
    pub const DEFAULT_REFERRER: &'static str = "shared";
}

impl Default for RequestContext {
    fn default() -> Self {
        Self {
            referrer: Self::DEFAULT_REFERRER.to_owned(),
            idempotent: false,
        }
    }
}

/// A response body: fully read or still streaming.
pub struct Body(BodyInner);

enum BodyInner {
    Full(Bytes),
    Stream(BoxStream<'static, Result<Bytes, Error>>),
}

impl Body {
    pub fn empty() -> Self {
        Body(BodyInner::Full(Bytes::new()))
    }

    pub fn from_stream(stream: BoxStream<'static, Result<Bytes, Error>>) -> Self {
        Body(BodyInner::Stream(stream))
    }

    /// Reads the whole body, refusing more than `limit` bytes so a hostile
    /// or broken provider cannot exhaust memory.
    pub async fn collect(self, limit: usize) -> Result<Bytes, Error> {
        let too_large = || Error::malformed(format!("provider response larger than {limit} bytes"));
        match self.0 {
            BodyInner::Full(bytes) if bytes.len() > limit => Err(too_large()),
            BodyInner::Full(bytes) => Ok(bytes),
            BodyInner::Stream(mut stream) => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    if buf.len() + chunk.len() > limit {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(buf.freeze())
            }
        }
    }

    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes, Error>> {
        match self.0 {
            BodyInner::Full(bytes) => futures::stream::once(async move { Ok(bytes) }).boxed(),
            BodyInner::Stream(stream) => stream,
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body(BodyInner::Full(bytes))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body(BodyInner::Full(bytes.into()))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body(BodyInner::Full(Bytes::from_static(text.as_bytes())))
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            BodyInner::Full(bytes) => write!(f, "Body({} bytes)", bytes.len()),
            BodyInner::Stream(_) => f.write_str("Body(stream)"),
        }
    }
}

/// Sends one HTTP request. Implementations must not follow redirects:
/// providers decide (an archive link *is* the redirect target).
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        (**self).send(request).await
    }
}

/// The production transport over reqwest (rustls, no redirects).
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new(timeout: Duration) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(timeout)
            .user_agent(concat!("scm-platform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::Unhandled {
                status: None,
                detail: format!("HTTP client setup failed: {}", err.without_url()),
            })?;
        Ok(Self { client })
    }
}

/// The `scm.http_client` span of one outbound call (a provider, or the RPC
/// server for the RPC client), with the HTTP client semantic-convention
/// attributes. The URL's query and credentials
/// are left out (a query may carry a signature); the path names the
/// repository, which the action span names too.
fn client_call_span(request: &HttpRequest) -> tracing::Span {
    let uri = request.uri();
    tracing::info_span!(
        "scm.http_client",
        otel.name = request.method().as_str(),
        otel.kind = "client",
        http.request.method = request.method().as_str(),
        server.address = uri.host().unwrap_or_default(),
        server.port = uri.port_u16(),
        url.scheme = uri.scheme_str().unwrap_or_default(),
        url.path = uri.path(),
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}

fn map_reqwest_error(err: reqwest::Error) -> Error {
    // `without_url`: URLs may carry signed query strings; never echo them.
    let is_timeout = err.is_timeout();
    let is_connect = err.is_connect();
    let detail = err.without_url().to_string();
    if is_timeout {
        Error::Timeout { detail }
    } else if is_connect {
        Error::ProviderUnavailable {
            status: None,
            detail: format!("connection failed: {detail}"),
        }
    } else {
        Error::ProviderUnavailable {
            status: None,
            detail,
        }
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let span = client_call_span(&request);
        {
            let _entered = span.enter();
            crate::trace_context::inject(request.headers_mut());
        }
        let request =
            reqwest::Request::try_from(request.map(reqwest::Body::from)).map_err(|err| {
                Error::invalid_input(format!("invalid request: {}", err.without_url()))
            })?;
        let response = self
            .client
            .execute(request)
            .instrument(span.clone())
            .await
            .map_err(map_reqwest_error);
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                span.record("error.type", err.code());
                return Err(err);
            }
        };
        span.record("http.response.status_code", response.status().as_u16());
        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = response.headers().clone();
        }
        let stream = response.bytes_stream().map_err(map_reqwest_error).boxed();
        builder
            .body(Body::from_stream(stream))
            .map_err(|err| Error::malformed(err.to_string()))
    }
}
