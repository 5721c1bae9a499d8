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
//!
//! # Connecting
//!
//! GitHub.com by default; a GitHub Enterprise Server by its URLs. A GitHub
//! App authenticates with `Credential::App` (installation tokens are
//! fetched and cached by [`auth`]).
//! The platform builds the provider from an integration's settings through
//! [`REGISTRATION`] and `scm_core::registration::connect`, which adds every
//! layer (tracing, metrics, retry, quota, cache) around it. Building makes
//! no request; neither do web URL actions:
//!
//! ```
//! use scm_core::actions::GetGitRemote;
//! use scm_core::layers::ConnectOptions;
//! use scm_core::registration::{connect, IntegrationSpec};
//! use scm_core::registry::RepositoryRecord;
//! use scm_core::{Credential, SourceCodeManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> scm_core::Result<()> {
//! let settings = IntegrationSpec {
//!     api_url: None, // GitHub Enterprise Server: Some("https://ghe.example.com/api/v3")
//!     web_url: None,
//!     credential: Credential::token("a-personal-access-token"),
//! };
//! let instance = connect(&scm_github::REGISTRATION, &settings, ConnectOptions::default())?;
//! assert_eq!(instance.endpoints.api_url, "https://api.github.com");
//!
//! let scm = SourceCodeManager::for_repository(
//!     instance.provider,
//!     RepositoryRecord::direct("github", "octocat/hello-world"),
//!     "docs",
//! );
//! let remote = scm.execute(GetGitRemote {}).await?.into_data().unwrap();
//! assert_eq!(remote.https_url, "https://github.com/octocat/hello-world.git");
//! # Ok(())
//! # }
//! ```

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
