//! GitHub and GitHub Enterprise Server as an SCM provider.
//!
//! - [`config`]: where GitHub is and which credentials to use;
//! - [`auth`]: App JWT → cached installation token, or a personal token,
//!   as a transport layer;
//! - [`client`]: requests, conditional reads, error mapping, `Link`
//!   pagination into opaque cursors, GraphQL;
//! - [`schema`]: GitHub's JSON shapes and their mapping to neutral types;
//! - `actions/`: one module per action group, each action an
//!   `impl Handle<Action> for GitHub`;
//! - [`webhooks`]: signature verification and event parsing.

pub mod auth;
pub mod client;
pub mod config;
pub mod errors;
pub mod factory;
pub mod graphql;
pub mod proxy;
pub mod schema;
pub mod webhooks;

mod actions;

use std::sync::Arc;

use async_trait::async_trait;
use scm_core::transport::Transport;
use scm_core::{AnyAction, AnyOutput, CallContext, CapabilitySet, Provider, Response, Result};

pub use config::{AppCredentials, Credentials, GitHubConfig};
pub use factory::GitHubFactory;
pub use graphql::graphql_documents;
/// Re-exported: the options of [`GitHub::connect`] are shared by all providers.
pub use scm_core::layers::ConnectOptions;

use crate::auth::AuthTransport;
use crate::client::Client;

/// The GitHub provider for one integration (one set of credentials).
#[derive(Clone)]
pub struct GitHub {
    client: Client,
    /// Kept for what actions must know about the identity itself (the
    /// installation id of an App); requests are authenticated by the
    /// transport stack, never from here.
    credentials: Credentials,
}

impl GitHub {
    /// A provider sending through `transport` as it is (no auth, retry or
    /// quota added): for tests and custom stacks.
    pub fn with_transport(config: &GitHubConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            client: Client::new(
                transport,
                &config.api_url,
                &config.graphql_url,
                &config.web_url,
            ),
            credentials: config.credentials.clone(),
        }
    }

    /// The production stack: quota → retry → auth → reqwest.
    pub fn connect(config: &GitHubConfig, options: ConnectOptions) -> Result<Self> {
        let http = scm_core::layers::http_transport(&options)?;
        let auth = AuthTransport::new(http, config.credentials.clone(), config.api_url.clone());
        let bucket = match &config.credentials {
            Credentials::App(app) => format!(
                "github:{}:installation:{}",
                config.api_url, app.installation_id
            ),
            Credentials::Token(_) => format!("github:{}:token", config.api_url),
        };
        let transport = scm_core::layers::production_transport(auth, bucket, options);
        Ok(Self::with_transport(config, transport))
    }

    /// A provider with only authentication added: for tests that must see
    /// every request (no retries, no quota).
    pub fn with_auth(config: &GitHubConfig, transport: Arc<dyn Transport>) -> Self {
        let auth = AuthTransport::new(
            transport,
            config.credentials.clone(),
            config.api_url.clone(),
        );
        Self::with_transport(config, Arc::new(auth))
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

#[async_trait]
impl Provider for GitHub {
    fn name(&self) -> &str {
        client::PROVIDER
    }

    fn capabilities(&self) -> CapabilitySet {
        GitHub::capability_set()
    }

    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        self.dispatch(action, ctx, client::PROVIDER).await
    }
}
