//! Raw requests (rpc0) for one repository, through the provider's own
//! authenticated transport.
//!
//! The scope is the repository's API prefix,
//! `/repositories/{workspace}/{repo_slug}`: a proxied request can read or
//! change that repository and nothing else (no workspace, user or other
//! repository routes).

use async_trait::async_trait;
use http::HeaderValue;
use scm_core::http_util::encode_segment;
use scm_core::provider::CallContext;
use scm_core::proxy::{ProxyScope, RawProxy, RawRequest};
use scm_core::transport::HttpResponse;
use scm_core::{Error, Result};

use crate::Bitbucket;

#[async_trait]
impl RawProxy for Bitbucket {
    fn scope(&self, ctx: &CallContext) -> Result<ProxyScope> {
        let name = Bitbucket::repo_name(ctx)?;
        Ok(ProxyScope {
            prefix: format!(
                "/repositories/{}/{}",
                encode_segment(&name.workspace)?,
                encode_segment(&name.slug)?
            ),
            case_insensitive: false,
            extra: Vec::new(),
            // Paths below the repository are plain segments.
            encoded_slashes: false,
        })
    }

    async fn send_raw(&self, request: RawRequest, ctx: &CallContext) -> Result<HttpResponse> {
        let url = format!("{}{}", self.config.api_url, request.path.path_and_query());
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(&url);
        let headers = builder
            .headers_mut()
            .ok_or_else(|| Error::invalid_input("invalid proxied request"))?;
        for (name, value) in request.headers.iter() {
            if name != http::header::AUTHORIZATION && name != http::header::HOST {
                headers.append(name.clone(), value.clone());
            }
        }
        if !headers.contains_key(http::header::ACCEPT) {
            headers.insert(
                http::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            );
        }
        let idempotent = matches!(
            request.method,
            http::Method::GET | http::Method::HEAD | http::Method::PUT | http::Method::DELETE
        );
        let mut outbound = builder
            .body(request.body)
            .map_err(|err| Error::invalid_input(format!("invalid proxied request: {err}")))?;
        outbound
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        self.transport.send(outbound).await
    }
}
