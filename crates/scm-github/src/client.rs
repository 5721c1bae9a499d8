//! The HTTP client every GitHub action uses.
//!
//! It builds requests (API base, headers, conditional validators, the
//! caller's [`RequestContext`](scm_core::transport::RequestContext)), sends them through the transport stack,
//! maps error answers, parses JSON with a size cap, and turns `Link`
//! headers into opaque cursors. Actions only say which path, which body
//! and how to map the answer.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION};
use http::{Method, StatusCode};
use scm_core::http_util::{decode_json, encode_segment, json_error, next_link, MAX_JSON_BODY};
use scm_core::raw_json::Member;
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{
    CallContext, Cursor, Error, Page, PageRequest, RawJson, RawResponse, Response, ResponseMeta,
    Result,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::CredentialMode;
use crate::errors::error_from_response;

pub use crate::media::{API_VERSION, JSON_ACCEPT};
/// The provider name in results.
pub const PROVIDER: &str = "github";
/// Default items per page when the caller does not say.
pub const DEFAULT_PER_PAGE: u32 = 30;
/// Redirects to the same API followed before giving up.
pub const MAX_REDIRECTS: usize = 3;

/// One GitHub API, with its transport stack.
#[derive(Clone)]
pub struct Client {
    transport: Arc<dyn Transport>,
    api_url: String,
    graphql_url: String,
    web_url: String,
}

/// How to send one request.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub method: Method,
    /// Path below the API base, starting with `/`, already encoded.
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<serde_json::Value>,
    pub accept: &'a str,
    pub mode: CredentialMode,
    /// Send the caller's conditional validators (reads only).
    pub conditional: bool,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: String) -> Self {
        let conditional = method == Method::GET;
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            accept: JSON_ACCEPT,
            mode: CredentialMode::Installation,
            conditional,
        }
    }

    pub fn get(path: String) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn query(mut self, name: &'a str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn query_opt(self, name: &'a str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn accept(mut self, accept: &'a str) -> Self {
        self.accept = accept;
        self
    }

    pub fn mode(mut self, mode: CredentialMode) -> Self {
        self.mode = mode;
        self
    }
}

/// What a list cursor holds: the query of GitHub's `rel="next"` link.
/// Only the query is kept — the path always comes from the action — so a
/// cursor cannot point a request at another repository or host.
#[derive(Debug, Serialize, Deserialize)]
struct ListCursor(Vec<(String, String)>);

/// The query parameters a cursor may set: positions in the list only.
/// Everything else (`per_page`, `state`, filters) comes from the action,
/// so a forged cursor cannot lift the page cap or widen the list.
const POSITION_PARAMS: &[&str] = &["page", "after", "before", "cursor", "since"];

/// The cursor's pairs that name a position and that the action's own
/// query does not already set.
fn position_pairs(
    pairs: Vec<(String, String)>,
    query: &[(String, String)],
) -> impl Iterator<Item = (String, String)> + '_ {
    pairs.into_iter().filter(move |(name, _)| {
        POSITION_PARAMS.contains(&name.as_str()) && !query.iter().any(|(k, _)| k == name)
    })
}

/// The items of a list answer (the whole answer, or its member `key`),
/// decoded straight from the bytes, which are kept as the raw answer.
///
/// When the page does not decode, it is read again as a tree, item by
/// item ([`list_items`]), only to say which item failed and why: errors
/// are rare, and naming the item is worth a second parse then.
fn list_answer<T: DeserializeOwned>(
    bytes: Bytes,
    key: Option<&'static str>,
) -> Result<(Vec<T>, RawJson)> {
    let decoded = match key {
        None => RawJson::decode_with::<Vec<T>>(bytes.clone()),
        Some(key) => RawJson::decode_seed_with(bytes.clone(), Member::<Vec<T>>::new(key)).and_then(
            |(items, raw)| match items {
                Some(items) => Ok((items, raw)),
                None => Err(serde::de::Error::missing_field(key)),
            },
        ),
    };
    match decoded {
        Ok(decoded) => Ok(decoded),
        Err(err) => list_answer_from_tree(bytes, key, err),
    }
}

/// The slow path of [`list_answer`]: the same page read through a tree,
/// for the precise error (or, should the tree read succeed where the
/// direct decode did not, its result).
fn list_answer_from_tree<T: DeserializeOwned>(
    bytes: Bytes,
    key: Option<&'static str>,
    err: serde_json::Error,
) -> Result<(Vec<T>, RawJson)> {
    if err.is_syntax() || err.is_eof() || err.is_io() {
        return Err(json_error(err));
    }
    let tree: serde_json::Value = serde_json::from_slice(&bytes)?;
    let list = match key {
        Some(key) => tree
            .get(key)
            .ok_or_else(|| Error::malformed(format!("list answer has no `{key}` field")))?,
        None => &tree,
    };
    let items = list_items::<T>(list)?;
    let raw = RawJson::new(bytes).map_err(json_error)?;
    Ok((items, raw))
}

/// Reads a JSON list item by item, so that an item that cannot be mapped
/// is named (its index, and its `sha`, `id` or `number` when it has one)
/// instead of failing the page anonymously.
fn list_items<T: DeserializeOwned>(list: &serde_json::Value) -> Result<Vec<T>> {
    let items = list
        .as_array()
        .ok_or_else(|| Error::malformed("the list answer is not a JSON array"))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            T::deserialize(item).map_err(|err| {
                let named = ["sha", "id", "number"]
                    .iter()
                    .find_map(|key| item.get(*key).filter(|v| v.is_string() || v.is_number()))
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default();
                Error::malformed(format!(
                    "list item {index}{named} has an unexpected shape: {err}"
                ))
            })
        })
        .collect()
}

fn query_string(pairs: &[(impl AsRef<str>, impl AsRef<str>)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
        .finish()
}

impl Client {
    pub fn new(
        transport: Arc<dyn Transport>,
        api_url: &str,
        graphql_url: &str,
        web_url: &str,
    ) -> Self {
        Self {
            transport,
            api_url: api_url.trim_end_matches('/').to_owned(),
            graphql_url: graphql_url.to_owned(),
            web_url: web_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn web_url(&self) -> &str {
        &self.web_url
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub fn graphql_url(&self) -> &str {
        &self.graphql_url
    }

    /// The transport stack requests go through (auth, retry, quota).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// `/repos/{owner}/{repo}` for the call's repository, each part encoded.
    pub fn repo_path(ctx: &CallContext) -> Result<String> {
        let (owner, name) = split_full_name(&ctx.repository.full_name)?;
        Ok(format!(
            "/repos/{}/{}",
            encode_segment(owner)?,
            encode_segment(name)?
        ))
    }

    fn build(&self, call: &Call<'_>, ctx: &CallContext) -> Result<HttpRequest> {
        let mut uri = format!("{}{}", self.api_url, call.path);
        if !call.query.is_empty() {
            uri.push('?');
            uri.push_str(&query_string(&call.query));
        }
        let body = match &call.body {
            Some(json) => Bytes::from(
                serde_json::to_vec(json).map_err(|e| Error::invalid_input(e.to_string()))?,
            ),
            None => Bytes::new(),
        };
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(&uri)
            .header(ACCEPT, call.accept)
            .header("x-github-api-version", API_VERSION);
        if call.body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
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
        let idempotent = call.method == Method::GET;
        request
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        request.extensions_mut().insert(call.mode);
        Ok(request)
    }

    /// Sends a call and returns the raw response if it succeeded (2xx or
    /// 304); error statuses become typed errors.
    ///
    /// Redirects to the same API (a renamed or transferred repository
    /// answers `301`/`307` with its new `/repositories/{id}` URL) are
    /// followed, repeating the method and body, at most
    /// [`MAX_REDIRECTS`] times. Redirects anywhere else are errors here:
    /// credentials never follow a redirect to another host.
    pub async fn send(&self, call: &Call<'_>, ctx: &CallContext) -> Result<HttpResponse> {
        self.send_inner(call, ctx, false).await
    }

    async fn send_inner(
        &self,
        call: &Call<'_>,
        ctx: &CallContext,
        keep_redirects: bool,
    ) -> Result<HttpResponse> {
        let mut call = call.clone();
        for _ in 0..=MAX_REDIRECTS {
            let request = self.build(&call, ctx)?;
            let response = self.transport.send(request).await?;
            let status = response.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok(response);
            }
            if status.is_redirection() {
                if keep_redirects {
                    return Ok(response);
                }
                if let Some(path) = self.api_location(response.headers()) {
                    call.path = path;
                    call.query.clear();
                    continue;
                }
            }
            let headers = response.headers().clone();
            // Error bodies are small; anything larger is cut, not an error.
            let body = response
                .into_body()
                .collect(256 * 1024)
                .await
                .unwrap_or_default();
            return Err(error_from_response(status, &headers, &body));
        }
        Err(Error::malformed(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// The path (and query) below our API base of a `Location` header, if
    /// it points at our API at all.
    fn api_location(&self, headers: &http::HeaderMap) -> Option<String> {
        let location = headers.get(LOCATION)?.to_str().ok()?;
        let rest = location.strip_prefix(&self.api_url)?;
        rest.starts_with('/').then(|| rest.to_owned())
    }

    /// Sends a call and parses the JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        ctx: &CallContext,
    ) -> Result<Response<T>> {
        let response = self.send(&call, ctx).await?;
        Self::parse(response).await
    }

    /// [`Client::json`], then GitHub's shape → the neutral type.
    pub async fn json_into<G: DeserializeOwned, T: From<G>>(
        &self,
        call: Call<'_>,
        ctx: &CallContext,
    ) -> Result<Response<T>> {
        Ok(self.json::<G>(call, ctx).await?.map(T::from))
    }

    /// [`Client::list`], then each item → the neutral type.
    pub async fn list_into<G: DeserializeOwned, T: From<G>>(
        &self,
        call: Call<'_>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<T>>> {
        let response = self.list::<G>(call, page, ctx).await?;
        Ok(response.map(|page| page.map(T::from)))
    }

    /// [`Client::list_under`], then each item → the neutral type.
    pub async fn list_under_into<G: DeserializeOwned, T: From<G>>(
        &self,
        call: Call<'_>,
        key: &'static str,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<T>>> {
        let response = self.list_under::<G>(call, key, page, ctx).await?;
        Ok(response.map(|page| page.map(T::from)))
    }

    /// Parses a successful response (304 → *not modified*).
    pub async fn parse<T: DeserializeOwned>(response: HttpResponse) -> Result<Response<T>> {
        let status = response.status();
        let meta = ResponseMeta::from_headers(response.headers());
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified {
                provider: PROVIDER.into(),
                meta,
            });
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

    /// Sends a call whose answer has no body worth keeping (204).
    pub async fn empty(&self, call: Call<'_>, ctx: &CallContext) -> Result<Response<()>> {
        let response = self.send(&call, ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let meta = ResponseMeta::from_headers(&headers);
        // Drain (bounded) so the connection can be reused.
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        let body = RawJson::new(bytes).ok();
        Ok(Response::ok(
            (),
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, body)),
            meta,
        ))
    }

    /// Sends a call and returns the body as text (diffs, logs).
    pub async fn text(&self, call: Call<'_>, ctx: &CallContext) -> Result<Response<String>> {
        let response = self.send(&call, ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let meta = ResponseMeta::from_headers(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified {
                provider: PROVIDER.into(),
                meta,
            });
        }
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::malformed("response is not UTF-8 text"))?;
        Ok(Response::ok(
            text,
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, None)),
            meta,
        ))
    }

    /// One page of a list whose answer is a JSON array.
    pub async fn list<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<T>>> {
        self.list_in(call, page, ctx, None).await
    }

    /// One page of a list whose items sit under `key` of a JSON object
    /// (`{"total_count": 3, "check_runs": [...]}`).
    pub async fn list_under<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        key: &'static str,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<T>>> {
        self.list_in(call, page, ctx, Some(key)).await
    }

    async fn list_in<T: DeserializeOwned>(
        &self,
        mut call: Call<'_>,
        page: &PageRequest,
        ctx: &CallContext,
        key: Option<&'static str>,
    ) -> Result<Response<Page<T>>> {
        let per_page = page.per_page_or(DEFAULT_PER_PAGE);
        let mut query: Vec<(String, String)> = call
            .query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        query.retain(|(k, _)| k != "per_page");
        query.push(("per_page".into(), per_page.to_string()));
        if let Some(cursor) = &page.cursor {
            let ListCursor(pairs) = cursor.decode()?;
            let position: Vec<_> = position_pairs(pairs, &query).collect();
            query.extend(position);
        }
        let path_and_query = format!("{}?{}", call.path, query_string(&query));
        call.query.clear();
        call.path = path_and_query;
        let response = self.send(&call, ctx).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let meta = ResponseMeta::from_headers(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified {
                provider: PROVIDER.into(),
                meta,
            });
        }
        let next_cursor = next_link(&headers).and_then(|url| cursor_from_link(&url));
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::malformed(
                "empty response body where a JSON list was expected",
            ));
        }
        let (items, raw) = list_answer::<T>(bytes, key)?;
        Ok(Response::ok(
            Page::new(items, next_cursor),
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, Some(raw))),
            meta,
        ))
    }

    /// Runs a GraphQL query or mutation; GraphQL `errors` become typed errors.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
        ctx: &CallContext,
    ) -> Result<Response<T>> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let mut request = http::Request::builder()
            .method(Method::POST)
            .uri(&self.graphql_url)
            .header(ACCEPT, JSON_ACCEPT)
            .header(CONTENT_TYPE, "application/json")
            .body(Bytes::from(
                serde_json::to_vec(&body).map_err(|e| Error::invalid_input(e.to_string()))?,
            ))
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        let is_query = query.trim_start().starts_with("query");
        request
            .extensions_mut()
            .insert(ctx.request_context(is_query));
        request
            .extensions_mut()
            .insert(CredentialMode::Installation);
        let response = self.transport.send(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect(MAX_JSON_BODY).await?;
        if !status.is_success() {
            return Err(error_from_response(status, &headers, &bytes));
        }
        let (envelope, raw): (GraphqlEnvelope<T>, _) = decode_json(bytes)?;
        if let Some(error) = envelope.errors.into_iter().next() {
            return Err(graphql_error(error));
        }
        let data = envelope
            .data
            .ok_or_else(|| Error::malformed("GraphQL answer without data"))?;
        Ok(Response::ok(
            data,
            PROVIDER,
            Some(RawResponse::new(status.as_u16(), &headers, Some(raw))),
            ResponseMeta::from_headers(&headers),
        ))
    }

    /// The `Location` of a redirect answer (archive and log links).
    pub async fn redirect_location(
        &self,
        call: Call<'_>,
        ctx: &CallContext,
    ) -> Result<(String, HttpResponse)> {
        let response = self.send_inner(&call, ctx, true).await?;
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| Error::malformed("expected a redirect with a Location header"))?;
        Ok((location, response))
    }

    /// Sends a plain GET to an absolute URL (a redirect target) without our
    /// credentials: the target URL is pre-signed.
    pub async fn get_absolute(&self, url: &str, ctx: &CallContext) -> Result<HttpResponse> {
        let mut request = http::Request::builder()
            .method(Method::GET)
            .uri(url)
            .body(Bytes::new())
            .map_err(|_| Error::malformed("redirect target is not a valid URL"))?;
        request.extensions_mut().insert(ctx.request_context(true));
        request.extensions_mut().insert(CredentialMode::Anonymous);
        let response = self.transport.send(request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect(64 * 1024)
            .await
            .unwrap_or_default();
        Err(error_from_response(status, &headers, &body))
    }
}

/// Keeps only the query of a `next` link.
fn cursor_from_link(url: &str) -> Option<Cursor> {
    let parsed = url::Url::parse(url).ok()?;
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "per_page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (!pairs.is_empty()).then(|| Cursor::encode(&ListCursor(pairs)))
}

/// `owner/name` → (`owner`, `name`).
pub fn split_full_name(full_name: &str) -> Result<(&str, &str)> {
    match full_name.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((owner, name))
        }
        _ => Err(Error::invalid_input(format!(
            "`{full_name}` is not an `owner/name` repository"
        ))),
    }
}

#[derive(Debug, Deserialize)]
struct GraphqlEnvelope<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Debug, Deserialize)]
struct GraphqlError {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

fn graphql_error(error: GraphqlError) -> Error {
    let detail = error.message.unwrap_or_else(|| "GraphQL error".into());
    match error.kind.as_deref() {
        Some("NOT_FOUND") => Error::NotFound { detail },
        Some("FORBIDDEN") | Some("INSUFFICIENT_SCOPES") => Error::Forbidden { detail },
        Some("RATE_LIMITED") => Error::RateLimited {
            detail,
            retry_after: None,
        },
        _ => Error::UnprocessableContent { detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_keep_only_the_query() {
        let cursor =
            cursor_from_link("https://api.github.com/repositories/1/issues?per_page=1&page=2")
                .unwrap();
        let ListCursor(pairs) = cursor.decode().unwrap();
        assert_eq!(pairs, vec![("page".to_owned(), "2".to_owned())]);
        assert!(cursor_from_link("https://api.github.com/x").is_none());
    }

    /// A forged cursor cannot lift the page cap or change the action's
    /// filters: only position parameters the action does not set count.
    #[test]
    fn forged_cursors_only_move_the_position() {
        let forged = vec![
            ("per_page".to_owned(), "100000".to_owned()),
            ("state".to_owned(), "all".to_owned()),
            ("page".to_owned(), "3".to_owned()),
            ("since".to_owned(), "x".to_owned()),
        ];
        let query = vec![
            ("per_page".to_owned(), "30".to_owned()),
            ("since".to_owned(), "2020-01-01T00:00:00Z".to_owned()),
        ];
        let kept: Vec<_> = position_pairs(forged, &query).collect();
        assert_eq!(kept, vec![("page".to_owned(), "3".to_owned())]);
    }

    /// An item that cannot be mapped is named, with its index and id.
    #[test]
    fn unmappable_list_items_are_named() {
        #[derive(Debug, Deserialize)]
        struct Item {
            #[allow(dead_code)]
            name: String,
        }
        let list = serde_json::json!([{"name": "a"}, {"sha": "abc", "name": 5}]);
        let err = list_items::<Item>(&list).unwrap_err();
        assert_eq!(err.code(), "provider_malformed_response");
        assert!(err.to_string().contains("list item 1 (\"abc\")"), "{err}");
        assert_eq!(
            list_items::<Item>(&serde_json::json!([{"name": "a"}]))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn full_names() {
        assert_eq!(split_full_name("o/r").unwrap(), ("o", "r"));
        assert!(split_full_name("o").is_err());
        assert!(split_full_name("o/r/x").is_err());
        assert!(split_full_name("/r").is_err());
    }
}
