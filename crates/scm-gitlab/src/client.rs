//! Building, sending and reading GitLab REST requests.
//!
//! Every request goes through [`GitLab::send`]: it adds the caller's
//! [`RequestContext`] and conditional headers when asked, and turns non-2xx
//! answers into typed errors. The token is added by the transport's
//! authentication layer ([`crate::auth`]), never here.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use scm_core::http_util::{decode_json, encode_query, MAX_JSON_BODY};
use scm_core::provider::CallContext;
use scm_core::quota::{parse_retry_after, RateLimits};
use scm_core::transport::Body;
use scm_core::{Error, RawJson, RawResponse, Response, ResponseMeta};
use serde::de::DeserializeOwned;

use crate::rate_limits::GitLabRateLimits;
use crate::GitLab;

/// One request, relative to the API base.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    /// Already percent-encoded, no leading slash: `projects/a%2Fb/issues/1`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    /// Send the caller's `If-None-Match` / `If-Modified-Since`.
    pub conditional: bool,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            conditional: false,
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
        self.body = Some(body);
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
}

/// A JSON answer: the typed value, what to keep as `raw`, and validators.
pub(crate) struct Json<T> {
    pub value: T,
    pub raw: RawResponse,
    pub meta: ResponseMeta,
    pub headers: HeaderMap,
}

/// A read either returns data or says *not modified*.
pub(crate) enum Fetched<T> {
    Data(Json<T>),
    NotModified(ResponseMeta),
}

impl GitLab {
    pub(crate) fn url(&self, req: &Req) -> String {
        let mut url = format!("{}/{}", self.config.api_url, req.path);
        for (i, (key, value)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            // `scope[]` goes out as `scope%5B%5D`; Rack decodes both.
            url.push_str(&encode_query(key));
            url.push('=');
            url.push_str(&encode_query(value));
        }
        url
    }

    /// Sends one request. Non-2xx answers become errors, except 304 on a
    /// conditional request, which is returned as is.
    pub(crate) async fn send(&self, req: Req, ctx: &CallContext) -> Result<Reply, Error> {
        let url = self.url(&req);
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(&url)
            .header(http::header::ACCEPT, "application/json");
        {
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
        }
        let body = match &req.body {
            Some(json) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(json).map_err(|err| {
                    Error::invalid_input(format!("request body could not be encoded: {err}"))
                })?)
            }
            None => Bytes::new(),
        };
        let mut request = builder
            .body(body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        request
            .extensions_mut()
            .insert(ctx.request_context(req.is_idempotent()));
        let response = self.transport.send(request).await?;
        let (parts, body) = response.into_parts();
        // The path names the project; the query and headers (token) are
        // never logged.
        tracing::debug!(method = %req.method, path = %req.path, status = parts.status.as_u16(), "gitlab request");
        if parts.status.is_success()
            || (parts.status == StatusCode::NOT_MODIFIED && req.conditional)
        {
            return Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            });
        }
        let bytes = body.collect(64 * 1024).await.unwrap_or_default();
        Err(self.map_error(parts.status, &parts.headers, &bytes))
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
            headers: reply.headers,
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

    /// A request whose answer carries no body worth reading (deletes).
    pub(crate) async fn call_empty(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<RawResponse, Error> {
        let req = Req {
            conditional: false,
            ..req
        };
        let reply = self.send(req, ctx).await?;
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        let body = RawJson::new(bytes).ok();
        Ok(RawResponse::new(
            reply.status.as_u16(),
            &reply.headers,
            body,
        ))
    }

    /// Wraps mapped data into a response.
    pub(crate) fn ok<T>(
        &self,
        data: T,
        raw: Option<RawResponse>,
        meta: ResponseMeta,
    ) -> Response<T> {
        Response::ok(data, "gitlab", raw, meta)
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

    /// A write that returns nothing.
    pub(crate) async fn write_empty(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let raw = self.call_empty(req, ctx).await?;
        Ok(self.ok((), Some(raw), ResponseMeta::default()))
    }

    /// Maps an error answer to a typed error, keeping GitLab's message.
    pub(crate) fn map_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        let detail = self.redact(&error_detail(status, body));
        match status.as_u16() {
            400 | 422 => Error::UnprocessableContent { detail },
            401 => Error::Unauthorized { detail },
            403 if parse_retry_after(headers).is_some() => Error::RateLimited {
                detail,
                retry_after: parse_retry_after(headers),
            },
            403 => Error::Forbidden { detail },
            404 => Error::NotFound { detail },
            409 | 412 => Error::Conflict { detail },
            429 => Error::RateLimited {
                retry_after: GitLabRateLimits.read(headers).wait(),
                detail,
            },
            500..=599 => Error::ProviderUnavailable {
                status: Some(status.as_u16()),
                detail,
            },
            other => Error::UnexpectedStatus {
                status: other,
                detail,
            },
        }
    }

    /// Removes the token from any text that leaves this crate.
    pub(crate) fn redact(&self, text: &str) -> String {
        let token = self.config.token.expose();
        if token.len() >= 4 && text.contains(token) {
            text.replace(token, "[redacted]")
        } else {
            text.to_owned()
        }
    }
}

pub(crate) fn not_modified<T>(meta: ResponseMeta) -> Response<T> {
    Response::NotModified {
        provider: "gitlab".into(),
        meta,
    }
}

/// GitLab's error text: `message` or `error` (a string, a list or an
/// object of field → messages), else the body's start, else the status.
pub(crate) fn error_detail(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let prefix = format!("GitLab answered {} {reason}", status.as_u16());
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut parts = Vec::new();
        for key in ["message", "error", "error_description"] {
            match json.get(key) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(text)) => parts.push(text.clone()),
                Some(serde_json::Value::Array(items)) => parts.push(
                    items
                        .iter()
                        .map(|item| match item {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Some(other) => parts.push(other.to_string()),
            }
        }
        if !parts.is_empty() {
            return format!("{prefix}: {}", parts.join("; "));
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        prefix
    } else {
        format!("{prefix}: {}", text.chars().take(300).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_every_shape() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            error_detail(s, br#"{"message":"404 Project Not Found"}"#),
            "GitLab answered 400 Bad Request: 404 Project Not Found"
        );
        assert_eq!(
            error_detail(s, br#"{"message":["a","b"]}"#),
            "GitLab answered 400 Bad Request: a; b"
        );
        assert_eq!(
            error_detail(s, br#"{"message":{"title":["can't be blank"]}}"#),
            r#"GitLab answered 400 Bad Request: {"title":["can't be blank"]}"#
        );
        assert_eq!(
            error_detail(s, br#"{"error":"title is missing"}"#),
            "GitLab answered 400 Bad Request: title is missing"
        );
        assert_eq!(error_detail(s, b""), "GitLab answered 400 Bad Request");
        assert_eq!(
            error_detail(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>"),
            "GitLab answered 502 Bad Gateway: <html>bad gateway</html>"
        );
    }
}
