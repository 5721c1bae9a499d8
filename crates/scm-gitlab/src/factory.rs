//! [`GitLabFactory`]: GitLab from an integration's neutral settings.

use std::sync::Arc;

use scm_core::factory::{IntegrationAuth, IntegrationSpec, ProviderFactory, ProviderInstance};
use scm_core::layers::{standard_stack, ConnectOptions};
use scm_core::{CapabilitySet, Error, Result};

use crate::config::{GitLabConfig, TokenKind};
use crate::GitLab;

/// Builds GitLab.com and self-managed GitLab providers.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitLabFactory;

impl GitLabFactory {
    /// The configuration an integration describes: GitLab.com unless a web
    /// URL is given; the API is `<web>/api/v4` unless given too.
    pub fn config(spec: &IntegrationSpec) -> Result<GitLabConfig> {
        let (token, kind) =
            match &spec.auth {
                IntegrationAuth::Token(token) => (token.clone(), TokenKind::PrivateToken),
                IntegrationAuth::OAuthToken(token) => (token.clone(), TokenKind::OAuthBearer),
                IntegrationAuth::App { .. } => return Err(Error::invalid_input(
                    "GitLab integrations authenticate with an access token, not app credentials",
                )),
            };
        let web = spec.web_url.as_deref().unwrap_or("https://gitlab.com");
        let mut config = GitLabConfig::self_managed(web, token, kind);
        if let Some(api) = &spec.api_url {
            config.api_url = api.clone();
        }
        Ok(config)
    }
}

impl ProviderFactory for GitLabFactory {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn title(&self) -> &'static str {
        "GitLab"
    }

    fn capabilities(&self) -> CapabilitySet {
        GitLab::capability_set()
    }

    fn build(&self, spec: &IntegrationSpec, options: ConnectOptions) -> Result<ProviderInstance> {
        let gitlab = GitLab::connect(Self::config(spec)?, options)?;
        Ok(ProviderInstance {
            provider: standard_stack(Arc::new(gitlab)),
            proxy: None,
        })
    }
}
