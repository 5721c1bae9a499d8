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
//!
//! The rpc0 lookup tells the older platform's clients the web base, the
//! App installation, and `github_enterprise` as the provider's name for an
//! Enterprise Server (those clients build github.com links otherwise).

use async_trait::async_trait;
use http::header::HeaderValue;
use http::Method;
use scm_core::proxy::{CredentialSet, ExtraRoute, LookupFields, ProxyScope, RawProxy, RawRequest};
use scm_core::transport::HttpResponse;
use scm_core::{CallContext, Result};

use crate::auth::CredentialMode;
use crate::client::{Client, API_VERSION, JSON_ACCEPT};
use crate::config::Credentials;
use crate::registration::PUBLIC_WEB_URL;
use crate::GitHub;

/// What the older platform's clients call GitHub Enterprise Server.
pub const ENTERPRISE_PROVIDER_NAME: &str = "github_enterprise";

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
            encoded_slashes: false,
        })
    }

    fn lookup_fields(&self, _ctx: &CallContext) -> Result<LookupFields> {
        let web_url = self.client().web_url();
        Ok(LookupFields {
            provider_name: (web_url != PUBLIC_WEB_URL).then(|| ENTERPRISE_PROVIDER_NAME.to_owned()),
            web_base_url: Some(web_url.to_owned()),
            installation_id: match self.credentials() {
                Credentials::App(app) => Some(app.installation_id.clone()),
                Credentials::Token(_) => None,
            },
            ..LookupFields::default()
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
        let mode = match request.credentials {
            CredentialSet::Installation => CredentialMode::Installation,
            CredentialSet::Application => CredentialMode::Application,
        };
        let mut http_request = request.into_http(&uri, JSON_ACCEPT, ctx)?;
        http_request.headers_mut().insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        http_request.extensions_mut().insert(mode);
        client.transport().send(http_request).await
    }
}
