//! [`GitHubFactory`]: GitHub from an integration's neutral settings.

use std::sync::Arc;

use scm_core::factory::{IntegrationAuth, IntegrationSpec, ProviderFactory, ProviderInstance};
use scm_core::layers::{standard_stack, ConnectOptions};
use scm_core::{CapabilitySet, Result};

use crate::config::{AppCredentials, Credentials, GitHubConfig};
use crate::GitHub;

/// Builds GitHub (and GitHub Enterprise Server) providers.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitHubFactory;

impl GitHubFactory {
    /// The configuration an integration describes: GitHub.com unless URLs
    /// are given (GitHub Enterprise Server: `https://host/api/v3` and
    /// `https://host`).
    pub fn config(spec: &IntegrationSpec) -> Result<GitHubConfig> {
        let credentials = match &spec.auth {
            // GitHub takes OAuth and personal tokens alike, as bearer tokens.
            IntegrationAuth::Token(token) | IntegrationAuth::OAuthToken(token) => {
                Credentials::Token(token.clone())
            }
            IntegrationAuth::App {
                app_id,
                private_key,
                installation_id,
            } => Credentials::App(AppCredentials {
                app_id: app_id.clone(),
                private_key: private_key.clone(),
                installation_id: installation_id.clone(),
            }),
        };
        match (&spec.api_url, &spec.web_url) {
            (None, None) => Ok(GitHubConfig::github_com(credentials)),
            (api, web) => GitHubConfig::custom(
                api.as_deref().unwrap_or("https://api.github.com"),
                web.as_deref().unwrap_or("https://github.com"),
                credentials,
            ),
        }
    }
}

impl ProviderFactory for GitHubFactory {
    fn name(&self) -> &'static str {
        crate::client::PROVIDER
    }

    fn title(&self) -> &'static str {
        "GitHub"
    }

    fn capabilities(&self) -> CapabilitySet {
        GitHub::capability_set()
    }

    fn build(&self, spec: &IntegrationSpec, options: ConnectOptions) -> Result<ProviderInstance> {
        let github = Arc::new(GitHub::connect(&Self::config(spec)?, options)?);
        Ok(ProviderInstance {
            provider: standard_stack(github.clone()),
            proxy: Some(github),
        })
    }
}
