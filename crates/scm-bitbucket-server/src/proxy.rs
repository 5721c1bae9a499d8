//! Raw requests for one repository (the rpc0 proxy), sent through this
//! provider's own transport stack so they are authenticated, counted
//! against the caller's quota allocation and retried like any action.
//!
//! Scope: everything below `/api/latest/projects/{key}/repos/{slug}`
//! (relative to `{base}/rest`). Project keys are case-insensitive on Data
//! Center, slugs are lower case, so the prefix is matched without regard
//! to ASCII case. Plugin modules (`branch-utils`, `comment-likes`, …) are
//! outside the prefix and not proxied.

use async_trait::async_trait;
use http::header::{HeaderValue, ACCEPT};
use http::Method;
use scm_core::proxy::{ProxyScope, RawProxy, RawRequest};
use scm_core::transport::HttpResponse;
use scm_core::{CallContext, Error, Result};

use crate::client::repo_path;
use crate::BitbucketServer;

#[async_trait]
impl RawProxy for BitbucketServer {
    fn scope(&self, ctx: &CallContext) -> Result<ProxyScope> {
        Ok(ProxyScope {
            prefix: repo_path(ctx)?,
            case_insensitive: true,
            extra: Vec::new(),
            // Paths below the repository are plain segments.
            encoded_slashes: false,
        })
    }

    async fn send_raw(&self, request: RawRequest, ctx: &CallContext) -> Result<HttpResponse> {
        let uri = format!(
            "{}{}",
            self.client().api_url(),
            request.path.path_and_query()
        );
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(&uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = request.headers;
            headers
                .entry(ACCEPT)
                .or_insert(HeaderValue::from_static("application/json"));
        }
        let mut http_request = builder
            .body(request.body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        let idempotent = matches!(request.method, Method::GET | Method::HEAD);
        http_request
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        self.client().transport().send(http_request).await
    }
}
