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
pub mod graphql;
pub mod media;
pub mod proxy;
pub mod rate_limits;
pub mod registration;
pub mod schema;
pub mod webhooks;

mod actions;

use std::sync::Arc;

use async_trait::async_trait;
use scm_core::transport::Transport;
use scm_core::{AnyAction, AnyOutput, CallContext, CapabilitySet, Provider, Response, Result};

pub use config::{AppCredentials, Credentials, GitHubConfig};
pub use graphql::graphql_documents;
pub use registration::{GitHubRegistration, REGISTRATION};

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
    /// quota added). Production providers are built by
    /// [`scm_core::registration::connect`] with [`REGISTRATION`], which
    /// adds every layer.
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
