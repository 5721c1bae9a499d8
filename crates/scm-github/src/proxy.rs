//! Raw requests for one repository (the rpc0 proxy), sent through this
//! provider's own transport stack so they are authenticated, counted
//! against the caller's quota allocation and retried like any action.
//!
//! Scope: everything below `/repos/{owner}/{repo}` (GitHub matches names
//! without regard to case), plus `POST /graphql` as an opt-in extra route.
//! GraphQL cannot be scoped by path: one document may address any node the
//! credentials can see, so enabling it widens a request's reach from the
//! signed repository to every repository of the installation (or the
//! token's owner).

use async_trait::async_trait;
use http::header::{HeaderValue, ACCEPT};
use http::Method;
use scm_core::proxy::{CredentialSet, ExtraRoute, ProxyScope, RawProxy, RawRequest};
use scm_core::transport::HttpResponse;
use scm_core::{CallContext, Error, Result};

use crate::auth::CredentialMode;
use crate::client::{Client, API_VERSION, JSON_ACCEPT};
use crate::GitHub;

/// `POST /graphql`: the one route outside a repository prefix.
pub const GRAPHQL_ROUTE_RISK: &str =
    "a GraphQL document may read or change any node the integration's credentials can reach, \
     not only the signed repository";

#[async_trait]
impl RawProxy for GitHub {
    fn scope(&self, ctx: &CallContext) -> Result<ProxyScope> {
        Ok(ProxyScope {
            prefix: Client::repo_path(ctx)?,
            case_insensitive: true,
            extra: vec![ExtraRoute {
                method: Method::POST,
                path: "/graphql",
                risk: GRAPHQL_ROUTE_RISK,
            }],
        })
    }

    async fn send_raw(&self, request: RawRequest, ctx: &CallContext) -> Result<HttpResponse> {
        let client = self.client();
        let uri = if request.path.extra {
            // `/graphql` lives at its own URL on GHES (`/api/graphql`).
            match &request.path.query {
                Some(query) => format!("{}?{query}", client.graphql_url()),
                None => client.graphql_url().to_owned(),
            }
        } else {
            format!("{}{}", client.api_url(), request.path.path_and_query())
        };
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(&uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = request.headers;
            headers
                .entry(ACCEPT)
                .or_insert(HeaderValue::from_static(JSON_ACCEPT));
            headers.insert(
                "x-github-api-version",
                HeaderValue::from_static(API_VERSION),
            );
        }
        let mut http_request = builder
            .body(request.body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        let idempotent = matches!(request.method, Method::GET | Method::HEAD);
        http_request
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        http_request
            .extensions_mut()
            .insert(match request.credentials {
                CredentialSet::Installation => CredentialMode::Installation,
                CredentialSet::Application => CredentialMode::Application,
            });
        client.transport().send(http_request).await
    }
}
