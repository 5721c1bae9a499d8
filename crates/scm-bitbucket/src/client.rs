//! Building, sending and reading Bitbucket Cloud REST requests.
//!
//! Every request goes through [`Bitbucket::send`]: it adds the caller's
//! [`RequestContext`](scm_core::transport::RequestContext) and conditional
//! headers when asked, follows the redirects Bitbucket answers for diffs,
//! diffstats and logs, and turns non-2xx answers into typed errors.
//! Credentials are not added here: the transport's authentication layer
//! does that, and only for Bitbucket's own origin.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use scm_core::http_util::{decode_json, encode_query, MAX_JSON_BODY};
use scm_core::provider::CallContext;
use scm_core::transport::Body;
use scm_core::{Error, RawJson, RawResponse, Response, ResponseMeta};
use serde::de::DeserializeOwned;

use crate::errors::map_error;
use crate::Bitbucket;

/// How many redirects one request may follow.
const MAX_REDIRECTS: usize = 5;

/// What a request carries.
#[derive(Debug, Clone)]
pub(crate) enum ReqBody {
    None,
    Json(serde_json::Value),
    /// Already encoded, with its content type (multipart forms).
    Raw {
        content_type: String,
        bytes: Bytes,
    },
}

/// One request, relative to the API base.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    /// Already percent-encoded, no leading slash: `repositories/ws/repo`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: ReqBody,
    /// Send the caller's `If-None-Match` / `If-Modified-Since`.
    pub conditional: bool,
    /// Follow a redirect to another origin (raw file content and logs,
    /// which Bitbucket serves from media hosts). Credentials never go there:
    /// the authentication layer only signs requests to Bitbucket's origin.
    pub follow_foreign: bool,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: ReqBody::None,
            conditional: false,
            follow_foreign: false,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::POST, path).json(body)
    }

    pub fn put(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::PUT, path).json(body)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = ReqBody::Json(body);
        self
    }

    pub fn q(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn q_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.q(key, value),
            None => self,
        }
    }

    /// Makes the request conditional on the caller's validators.
    pub fn conditional(mut self) -> Self {
        self.conditional = true;
        self
    }

    pub fn follow_foreign(mut self) -> Self {
        self.follow_foreign = true;
        self
    }

    fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        )
    }
}

/// A successful answer whose body has not been read yet.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Body,
    /// The path (decoded) the answer finally came from, after redirects.
    pub final_path: String,
}

/// A JSON answer: the typed value, what to keep as `raw`, and validators.
pub(crate) struct Json<T> {
    pub value: T,
    pub raw: RawResponse,
    pub meta: ResponseMeta,
    pub final_path: String,
}

/// A read either returns data or says *not modified*.
pub(crate) enum Fetched<T> {
    Data(Json<T>),
    NotModified(ResponseMeta),
}

/// `scheme://host:port` of a URL, for same-origin checks.
pub(crate) fn origin(url: &url::Url) -> (String, Option<String>, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host_str().map(str::to_ascii_lowercase),
        url.port_or_known_default(),
    )
}

/// A URL's path with percent-escapes decoded, for comparing paths that
/// Bitbucket and we may encode differently (`{` vs `%7B`).
pub(crate) fn decoded_path(url: &url::Url) -> String {
    percent_decode(url.path())
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Bitbucket {
    pub(crate) fn url(&self, req: &Req) -> String {
        let mut url = format!("{}/{}", self.config.api_url, req.path);
        for (i, (key, value)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode_query(key));
            url.push('=');
            url.push_str(&encode_query(value));
        }
        url
    }

    fn build(
        &self,
        method: &Method,
        url: &str,
        req: &Req,
        ctx: &CallContext,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(url)
            .header(http::header::ACCEPT, "application/json");
        let headers = builder
            .headers_mut()
            .ok_or_else(|| Error::invalid_input("invalid request"))?;
        if req.conditional {
            if let Some(etag) = &ctx.options.if_none_match {
                if let Ok(value) = HeaderValue::from_str(etag) {
                    headers.insert(http::header::IF_NONE_MATCH, value);
                }
            }
            if let Some(since) = &ctx.options.if_modified_since {
                if let Ok(value) = HeaderValue::from_str(since) {
                    headers.insert(http::header::IF_MODIFIED_SINCE, value);
                }
            }
        }
        let body = match (&req.body, method) {
            (_, &Method::GET) => Bytes::new(),
            (ReqBody::None, _) => Bytes::new(),
            (ReqBody::Json(json), _) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(json).map_err(|err| {
                    Error::invalid_input(format!("request body could not be encoded: {err}"))
                })?)
            }
            (
                ReqBody::Raw {
                    content_type,
                    bytes,
                },
                _,
            ) => {
                builder = builder.header(http::header::CONTENT_TYPE, content_type.as_str());
                bytes.clone()
            }
        };
        let mut request = builder
            .body(body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        request
            .extensions_mut()
            .insert(ctx.request_context(req.is_idempotent()));
        Ok(request)
    }

    /// Sends one request. Non-2xx answers become errors, except 304 on a
    /// conditional request, which is returned as is. Redirects of reads
    /// are followed within Bitbucket's API origin (and, when the request
    /// allows it, to media hosts without credentials).
    pub(crate) async fn send(&self, req: Req, ctx: &CallContext) -> Result<Reply, Error> {
        let api = url::Url::parse(&self.config.api_url)
            .map_err(|_| Error::invalid_input("invalid Bitbucket API URL"))?;
        let mut url = url::Url::parse(&self.url(&req))
            .map_err(|_| Error::invalid_input("invalid request URL"))?;
        let mut method = req.method.clone();
        for _ in 0..=MAX_REDIRECTS {
            let request = self.build(&method, url.as_str(), &req, ctx)?;
            let response = self.transport.send(request).await?;
            let (parts, body) = response.into_parts();
            // The path names the repository; the query and headers are
            // never logged.
            tracing::debug!(method = %method, path = %url.path(), status = parts.status.as_u16(), "bitbucket request");
            let status = parts.status;
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = parts
                    .headers
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        Error::malformed(format!(
                            "Bitbucket answered {} without a Location",
                            status.as_u16()
                        ))
                    })?;
                let next = url
                    .join(location)
                    .map_err(|_| Error::malformed("Bitbucket redirected to an invalid URL"))?;
                let same_origin = origin(&next) == origin(&api);
                if !(same_origin || req.follow_foreign)
                    || !matches!(next.scheme(), "http" | "https")
                {
                    return Err(Error::malformed(
                        "Bitbucket redirected outside its API; not followed",
                    ));
                }
                if method != Method::GET && method != Method::HEAD {
                    return Err(Error::UnexpectedStatus {
                        status: status.as_u16(),
                        detail: format!("Bitbucket redirected a {method} request"),
                    });
                }
                url = next;
                method = Method::GET;
                continue;
            }
            if status.is_success() || (status == StatusCode::NOT_MODIFIED && req.conditional) {
                return Ok(Reply {
                    status,
                    headers: parts.headers,
                    body,
                    final_path: decoded_path(&url),
                });
            }
            let bytes = body.collect(64 * 1024).await.unwrap_or_default();
            return Err(map_error(status, &parts.headers, &bytes));
        }
        Err(Error::malformed("Bitbucket redirected too many times"))
    }

    /// Sends and reads a JSON answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Fetched<T>, Error> {
        let reply = self.send(req, ctx).await?;
        let meta = ResponseMeta::from_headers(&reply.headers);
        if reply.status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified(meta));
        }
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        let (value, raw) = decode_json::<T>(bytes)?;
        Ok(Fetched::Data(Json {
            value,
            raw: RawResponse::new(reply.status.as_u16(), &reply.headers, Some(raw)),
            meta,
            final_path: reply.final_path,
        }))
    }

    /// A JSON answer for a request that is never conditional (writes and
    /// lookups inside an action).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Json<T>, Error> {
        let req = Req {
            conditional: false,
            ..req
        };
        match self.fetch(req, ctx).await? {
            Fetched::Data(json) => Ok(json),
            Fetched::NotModified(_) => Err(Error::malformed("unexpected 304 Not Modified")),
        }
    }

    /// A request whose answer carries no body worth mapping (deletes,
    /// uploads). Returns the answer with its headers.
    pub(crate) async fn call_empty(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<(RawResponse, HeaderMap), Error> {
        let req = Req {
            conditional: false,
            ..req
        };
        let reply = self.send(req, ctx).await?;
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        let body = RawJson::new(bytes).ok();
        Ok((
            RawResponse::new(reply.status.as_u16(), &reply.headers, body),
            reply.headers,
        ))
    }

    /// Wraps mapped data into a response.
    pub(crate) fn ok<T>(
        &self,
        data: T,
        raw: Option<RawResponse>,
        meta: ResponseMeta,
    ) -> Response<T> {
        Response::ok(data, crate::PROVIDER, raw, meta)
    }

    /// A read: fetch, map, respond; *not modified* passes through.
    pub(crate) async fn read<T: DeserializeOwned, U>(
        &self,
        req: Req,
        ctx: &CallContext,
        map: impl FnOnce(T) -> Result<U, Error>,
    ) -> Result<Response<U>, Error> {
        match self.fetch::<T>(req.conditional(), ctx).await? {
            Fetched::NotModified(meta) => Ok(not_modified(meta)),
            Fetched::Data(json) => {
                let data = map(json.value)?;
                Ok(self.ok(data, Some(json.raw), json.meta))
            }
        }
    }

    /// A write: call, map, respond.
    pub(crate) async fn write<T: DeserializeOwned, U>(
        &self,
        req: Req,
        ctx: &CallContext,
        map: impl FnOnce(T) -> Result<U, Error>,
    ) -> Result<Response<U>, Error> {
        let json = self.call::<T>(req, ctx).await?;
        let data = map(json.value)?;
        Ok(self.ok(data, Some(json.raw), json.meta))
    }

    /// A write whose 201 answer may come without a body, only with the new
    /// resource's `Location` (issue comments): the resource is then read
    /// from there, on the API's own origin only.
    pub(crate) async fn write_located<T: DeserializeOwned, U>(
        &self,
        req: Req,
        ctx: &CallContext,
        map: impl FnOnce(T) -> Result<U, Error>,
    ) -> Result<Response<U>, Error> {
        let request_url = url::Url::parse(&self.url(&req))
            .map_err(|_| Error::invalid_input("invalid request URL"))?;
        let (raw, headers) = self.call_empty(req, ctx).await?;
        if let Some(body) = &raw.body {
            let value = body.decode::<T>()?;
            return Ok(self.ok(map(value)?, Some(raw), ResponseMeta::from_headers(&headers)));
        }
        let location = headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::malformed(
                    "Bitbucket created the resource but sent neither it nor its Location",
                )
            })?;
        let target = request_url
            .join(location)
            .map_err(|_| Error::malformed("Bitbucket sent an invalid Location"))?;
        let api = url::Url::parse(&self.config.api_url)
            .map_err(|_| Error::invalid_input("invalid Bitbucket API URL"))?;
        let base = api.path().trim_end_matches('/');
        let path = target
            .path()
            .strip_prefix(base)
            .filter(|_| origin(&target) == origin(&api))
            .ok_or_else(|| {
                Error::malformed("Bitbucket's Location points outside its API; not followed")
            })?;
        let mut get = Req::get(path.trim_start_matches('/').to_owned());
        get.query = target
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        self.write(get, ctx, map).await
    }

    /// A write that returns nothing.
    pub(crate) async fn write_empty(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let (raw, _) = self.call_empty(req, ctx).await?;
        Ok(self.ok((), Some(raw), ResponseMeta::default()))
    }

    /// A text answer (diffs), read whole.
    pub(crate) async fn text(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Response<String>, Error> {
        let req = Req {
            conditional: true,
            ..req
        };
        let reply = self.send(req, ctx).await?;
        let meta = ResponseMeta::from_headers(&reply.headers);
        if reply.status == StatusCode::NOT_MODIFIED {
            return Ok(not_modified(meta));
        }
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        let raw = RawResponse::new(reply.status.as_u16(), &reply.headers, None);
        Ok(self.ok(
            String::from_utf8_lossy(&bytes).into_owned(),
            Some(raw),
            meta,
        ))
    }
}

pub(crate) fn not_modified<T>(meta: ResponseMeta) -> Response<T> {
    Response::NotModified {
        provider: crate::PROVIDER.into(),
        meta,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_for_comparison() {
        assert_eq!(percent_decode("/a/%7Bx%7D/b"), "/a/{x}/b");
        assert_eq!(percent_decode("/a%"), "/a%");
        assert_eq!(percent_decode("/a%zz"), "/a%zz");
    }
}
