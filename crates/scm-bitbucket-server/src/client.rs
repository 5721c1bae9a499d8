//! The HTTP client every Data Center action uses.
//!
//! It builds requests below the REST base (`{base}/rest`), sends them
//! through the transport stack (auth, retry and quota are layers around
//! it), maps error answers, parses JSON with a size cap and turns Data
//! Center's `start`/`limit`/`isLastPage`/`nextPageStart` paging into opaque
//! cursors. Actions only say which path, which body and how to map the
//! answer.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use http::{HeaderMap, Method, StatusCode};
use scm_core::http_util::{decode_json, encode_segment, MAX_JSON_BODY};
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{
    CallContext, Cursor, Error, Page, PageRequest, RawJson, RawResponse, Response, ResponseMeta,
    Result,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::errors::error_from_response;
use crate::schema::BbPage;

/// The provider name in results, routes and capability tables.
pub const PROVIDER: &str = "bitbucket_server";
/// Items per page when the caller does not say (Data Center's own default).
pub const DEFAULT_LIMIT: u32 = 25;
/// Pages read at most when an action must see a whole list itself (a
/// branch by exact name, the comments of a thread).
pub const MAX_INTERNAL_PAGES: usize = 20;

/// One Data Center instance, with its transport stack.
#[derive(Clone)]
pub struct Client {
    transport: Arc<dyn Transport>,
    api_url: String,
    web_url: String,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Payload {
    Json(serde_json::Value),
    /// A pre-encoded body with its content type (multipart file edits).
    Raw {
        content_type: String,
        bytes: Bytes,
    },
}

/// How to send one request.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    /// Below the REST base, starting with `/`, already encoded:
    /// `/api/latest/projects/PRJ/repos/my-repo`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Payload>,
    pub accept: &'static str,
    /// Send the caller's conditional validators (reads only).
    pub conditional: bool,
}

impl Call {
    pub fn new(method: Method, path: String) -> Self {
        let conditional = method == Method::GET;
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            accept: "application/json",
            conditional,
        }
    }

    pub fn get(path: String) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: String, body: serde_json::Value) -> Self {
        Self::new(Method::POST, path).json(body)
    }

    pub fn put(path: String, body: serde_json::Value) -> Self {
        Self::new(Method::PUT, path).json(body)
    }

    pub fn delete(path: String) -> Self {
        Self::new(Method::DELETE, path)
    }

    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn query_opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(Payload::Json(body));
        self
    }

    pub fn raw_body(mut self, content_type: String, bytes: Bytes) -> Self {
        self.body = Some(Payload::Raw {
            content_type,
            bytes,
        });
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }

    /// Never send conditional validators (lookups inside an action).
    pub fn unconditional(mut self) -> Self {
        self.conditional = false;
        self
    }
}

/// What a list cursor holds: the `start` of the next page. Only the number
/// travels; the path always comes from the action, so a cursor cannot
/// point a request at another repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCursor {
    pub s: u64,
}

impl StartCursor {
    /// The start encoded in a caller's page request (0 without a cursor).
    pub fn from_page(page: &PageRequest) -> Result<u64> {
        Ok(page
            .cursor
            .as_ref()
            .map(Cursor::decode::<StartCursor>)
            .transpose()?
            .map_or(0, |c| c.s))
    }
}

/// The cursor after a page: `None` exactly when Data Center says it was the
/// last page (or gives no way on).
pub fn next_cursor<T>(page: &BbPage<T>) -> Option<Cursor> {
    next_start(page).map(|s| Cursor::encode(&StartCursor { s }))
}

/// The `start` of the page after `page`, `None` on the last one.
pub fn next_start<T>(page: &BbPage<T>) -> Option<u64> {
    if page.is_last_page {
        return None;
    }
    // Negative numbers (mock servers' placeholders) are no position.
    let start = page.start.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    page.next_page_start
        .and_then(|s| u64::try_from(s).ok())
        .or_else(|| {
            let size = page.values.len() as u64;
            (size > 0).then(|| start + size)
        })
}

fn query_string(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

impl Client {
    pub fn new(transport: Arc<dyn Transport>, api_url: &str, web_url: &str) -> Self {
        Self {
            transport,
            api_url: api_url.trim_end_matches('/').to_owned(),
            web_url: web_url.trim_end_matches('/').to_owned(),
        }
    }

    /// `{base}/rest`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// `{base}`: where web pages live.
    pub fn web_url(&self) -> &str {
        &self.web_url
    }

    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    fn build(&self, call: &Call, ctx: &CallContext) -> Result<HttpRequest> {
        let mut uri = format!("{}{}", self.api_url, call.path);
        if !call.query.is_empty() {
            uri.push('?');
            uri.push_str(&query_string(&call.query));
        }
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(&uri)
            .header(ACCEPT, call.accept);
        let body = match &call.body {
            Some(Payload::Json(json)) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(json).map_err(|e| {
                    Error::invalid_input(format!("request body could not be encoded: {e}"))
                })?)
            }
            Some(Payload::Raw {
                content_type,
                bytes,
            }) => {
                builder = builder.header(CONTENT_TYPE, content_type.as_str());
                bytes.clone()
            }
            None => Bytes::new(),
        };
        if call.conditional {
            if let Some(etag) = &ctx.options.if_none_match {
                builder = builder.header(IF_NONE_MATCH, etag);
            }
            if let Some(since) = &ctx.options.if_modified_since {
                builder = builder.header(IF_MODIFIED_SINCE, since);
            }
        }
        let mut request = builder
            .body(body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        let idempotent = matches!(call.method, Method::GET | Method::HEAD);
        request
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        Ok(request)
    }

    /// Sends a call; 2xx (and 304 on a conditional read) come back as they
    /// are, anything else becomes a typed error with Data Center's message.
    pub async fn send(&self, call: &Call, ctx: &CallContext) -> Result<HttpResponse> {
        let request = self.build(call, ctx)?;
        let response = self.transport.send(request).await?;
        let status = response.status();
        // The path names the repository; the query and headers never go
        // into logs.
        tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), "bitbucket_server request");
        if status.is_success() || (status == StatusCode::NOT_MODIFIED && call.conditional) {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect(256 * 1024)
            .await
            .unwrap_or_default();
        Err(error_from_response(status, &headers, &body))
    }

    /// Sends a call and parses the JSON answer (304 → *not modified*).
    pub async fn json<T: DeserializeOwned>(
        &self,
        call: Call,
        ctx: &CallContext,
    ) -> Result<Response<T>> {
        let response = self.send(&call, ctx).await?;
        parse(response).await
    }

    /// A JSON answer for a lookup inside an action (never conditional).
    pub async fn value<T: DeserializeOwned>(
        &self,
        call: Call,
        ctx: &CallContext,
    ) -> Result<(T, RawResponse, HeaderMap)> {
        let response = self.send(&call.unconditional(), ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        let (value, raw) = decode_json::<T>(bytes)?;
        Ok((
            value,
            RawResponse::new(status.as_u16(), &headers, Some(raw)),
            headers,
        ))
    }

    /// [`Client::json`], then Data Center's shape → the neutral type.
    pub async fn json_map<G: DeserializeOwned, T>(
        &self,
        call: Call,
        ctx: &CallContext,
        map: impl FnOnce(G) -> Result<T>,
    ) -> Result<Response<T>> {
        match self.json::<G>(call, ctx).await? {
            Response::Ok(result) => {
                let data = map(result.data)?;
                Ok(Response::ok(data, PROVIDER, result.raw, result.meta))
            }
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
        }
    }

    /// Sends a call whose answer has no body worth keeping (204).
    pub async fn empty(&self, call: Call, ctx: &CallContext) -> Result<Response<()>> {
        let response = self.send(&call.unconditional(), ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        let body = RawJson::new(bytes).ok();
        Ok(Response::ok(
            (),
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, body)),
            ResponseMeta::from_headers(&headers),
        ))
    }

    /// Sends a call and returns the body as bytes (raw files, diffs).
    pub async fn bytes(&self, call: Call, ctx: &CallContext) -> Result<Response<Bytes>> {
        let response = self.send(&call, ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let meta = ResponseMeta::from_headers(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(not_modified(meta));
        }
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        Ok(Response::ok(
            bytes,
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, None)),
            meta,
        ))
    }

    /// One page of a paged list, mapped item by item (`None` drops an
    /// item: filters Data Center cannot apply itself).
    pub async fn list<G: DeserializeOwned, T>(
        &self,
        call: Call,
        page: &PageRequest,
        ctx: &CallContext,
        mut map: impl FnMut(G) -> Result<Option<T>>,
    ) -> Result<Response<Page<T>>> {
        let start = StartCursor::from_page(page)?;
        let call = call
            .query("start", start)
            .query("limit", page.per_page_or(DEFAULT_LIMIT));
        match self.json::<BbPage<G>>(call, ctx).await? {
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
            Response::Ok(result) => {
                let next = next_cursor(&result.data);
                let mut items = Vec::with_capacity(result.data.values.len());
                for value in result.data.values {
                    if let Some(item) = map(value)? {
                        items.push(item);
                    }
                }
                Ok(Response::ok(
                    Page::new(items, next),
                    PROVIDER,
                    result.raw,
                    result.meta,
                ))
            }
        }
    }

    /// Every item of a paged list, up to [`MAX_INTERNAL_PAGES`] pages of
    /// `limit`; the flag says whether the list was cut.
    pub async fn collect<G: DeserializeOwned>(
        &self,
        call: Call,
        limit: u32,
        ctx: &CallContext,
    ) -> Result<(Vec<G>, bool)> {
        let mut items = Vec::new();
        let mut start = 0;
        for _ in 0..MAX_INTERNAL_PAGES {
            let page_call = call.clone().query("start", start).query("limit", limit);
            let (page, _, _) = self.value::<BbPage<G>>(page_call, ctx).await?;
            let next = next_start(&page);
            items.extend(page.values);
            match next {
                Some(next) if next > start => start = next,
                _ => return Ok((items, false)),
            }
        }
        Ok((items, true))
    }
}

/// Parses a successful response (304 → *not modified*).
pub async fn parse<T: DeserializeOwned>(response: HttpResponse) -> Result<Response<T>> {
    let status = response.status();
    let meta = ResponseMeta::from_headers(response.headers());
    if status == StatusCode::NOT_MODIFIED {
        return Ok(not_modified(meta));
    }
    let headers = response.headers().clone();
    let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
    let (data, raw) = decode_json::<T>(bytes)?;
    Ok(Response::ok(
        data,
        PROVIDER,
        Some(RawResponse::new(status.as_u16(), &headers, Some(raw))),
        meta,
    ))
}

pub fn not_modified<T>(meta: ResponseMeta) -> Response<T> {
    Response::NotModified {
        provider: PROVIDER.into(),
        meta,
    }
}

/// A read's data, or the *not modified* answer to pass on as the action's
/// result: for actions that need the data before they can answer.
pub enum Fetched<T, U> {
    Data(scm_core::ActionResult<T>),
    NotModified(Response<U>),
}

pub fn data_or_not_modified<T, U>(response: Response<T>) -> Fetched<T, U> {
    match response {
        Response::Ok(result) => Fetched::Data(result),
        Response::NotModified { provider, meta } => {
            Fetched::NotModified(Response::NotModified { provider, meta })
        }
    }
}

/// A neutral result built by the provider itself (web URLs, composed
/// answers).
pub fn ok<T>(data: T, raw: Option<RawResponse>) -> Response<T> {
    Response::ok(data, PROVIDER, raw, ResponseMeta::default())
}

/// The project key and repository slug of the call's repository
/// (`PRJ/my-repo`; personal repositories: `~USER/my-repo`).
pub fn project_and_slug(ctx: &CallContext) -> Result<(&str, &str)> {
    let full_name = ctx.repository.full_name.as_str();
    match full_name.split_once('/') {
        Some((key, slug)) if !key.is_empty() && !slug.is_empty() && !slug.contains('/') => {
            Ok((key, slug))
        }
        _ => Err(Error::invalid_input(format!(
            "`{full_name}` is not a `PROJECT/repository` Bitbucket Data Center repository"
        ))),
    }
}

/// `/projects/{key}/repos/{slug}`, each part encoded.
pub fn repo_segment(ctx: &CallContext) -> Result<String> {
    let (key, slug) = project_and_slug(ctx)?;
    Ok(format!(
        "/projects/{}/repos/{}",
        encode_segment(key)?,
        encode_segment(slug)?
    ))
}

/// `/api/latest/projects/{key}/repos/{slug}`: the core REST resource.
pub fn repo_path(ctx: &CallContext) -> Result<String> {
    Ok(format!("/api/latest{}", repo_segment(ctx)?))
}

/// The same resource in a plugin's REST module (`branch-utils`,
/// `comment-likes`, …): `/{module}/latest/projects/{key}/repos/{slug}`.
pub fn module_repo_path(module: &str, ctx: &CallContext) -> Result<String> {
    Ok(format!("/{module}/latest{}", repo_segment(ctx)?))
}

/// A numeric id (pull request, comment) safe to put in a path.
pub fn number(value: &str, what: &str) -> Result<u64> {
    value.trim().parse::<u64>().map_err(|_| {
        Error::invalid_input(format!(
            "`{what}` must be a numeric Bitbucket id, got `{}`",
            value.chars().take(40).collect::<String>()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scm_core::registry::RepositoryRecord;

    fn page(last: bool, start: u64, next: Option<u64>, n: usize) -> BbPage<u8> {
        BbPage {
            values: vec![0; n],
            is_last_page: last,
            start: Some(start as i64),
            next_page_start: next.map(|n| n as i64),
            size: None,
            limit: None,
        }
    }

    #[test]
    fn cursors_end_exactly_on_the_last_page() {
        assert_eq!(next_start(&page(true, 0, Some(25), 25)), None);
        assert_eq!(next_start(&page(false, 0, Some(25), 25)), Some(25));
        assert_eq!(next_start(&page(false, 25, None, 5)), Some(30));
        assert_eq!(next_start(&page(false, 25, None, 0)), None);
        let cursor = next_cursor(&page(false, 0, Some(3), 3)).unwrap();
        let request = PageRequest {
            cursor: Some(cursor),
            per_page: None,
        };
        assert_eq!(StartCursor::from_page(&request).unwrap(), 3);
        let bad = PageRequest {
            cursor: Some(Cursor::from_raw("nope")),
            per_page: None,
        };
        assert!(StartCursor::from_page(&bad).is_err());
    }

    #[test]
    fn repository_paths_are_encoded() {
        let ctx = CallContext::new(
            Arc::new(RepositoryRecord::direct(PROVIDER, "~JDOE/my repo")),
            "t",
        );
        assert_eq!(
            repo_path(&ctx).unwrap(),
            "/api/latest/projects/~JDOE/repos/my%20repo"
        );
        let bad = CallContext::new(Arc::new(RepositoryRecord::direct(PROVIDER, "a/b/c")), "t");
        assert!(repo_path(&bad).is_err());
        assert_eq!(number("12", "id").unwrap(), 12);
        assert!(number("1/2", "id").is_err());
    }
}
