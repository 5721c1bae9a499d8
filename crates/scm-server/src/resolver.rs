//! One provider per integration, built on first use and cached.
//!
//! Each provider is the provider crate's production stack (auth, retry,
//! quota) wrapped in scm-core's standard action layers (tracing, metrics).
//! Adding a provider is one arm in [`RegistryResolver::build`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use scm_core::layers::standard_stack;
use scm_core::proxy::{ProxyResolver, RawProxy};
use scm_core::registry::{ProviderResolver, RepositoryRecord};
use scm_core::{Error, Provider, Result};
use scm_github::{AppCredentials, ConnectOptions, Credentials, GitHub, GitHubConfig};
use scm_gitlab::{GitLab, GitLabConfig, TokenKind};

use crate::registry::{IntegrationCredentials, IntegrationRecord, Registry};

/// Resolves providers from the registry's integrations.
pub struct RegistryResolver {
    registry: Registry,
    options: ConnectOptions,
    cache: RwLock<HashMap<i64, Built>>,
}

/// One integration's provider, and its raw proxy when it has one (sharing
/// the provider's transport stack, so quota is counted once).
#[derive(Clone)]
struct Built {
    provider: Arc<dyn Provider>,
    proxy: Option<Arc<dyn RawProxy>>,
}

impl RegistryResolver {
    pub fn new(registry: Registry, options: ConnectOptions) -> Self {
        Self {
            registry,
            options,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// Forgets the cached provider of an integration (after its
    /// credentials changed or it was removed).
    pub fn invalidate(&self, integration_id: i64) {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&integration_id);
    }

    fn build(
        &self,
        integration: &IntegrationRecord,
        credentials: IntegrationCredentials,
    ) -> Result<Built> {
        // One provider quota per integration (one set of credentials).
        let options = ConnectOptions {
            quota_bucket: Some(format!("integration:{}", integration.id)),
            ..self.options.clone()
        };
        match integration.provider.as_str() {
            "github" => {
                let credentials = match credentials {
                    IntegrationCredentials::Token { token } => Credentials::Token(token),
                    IntegrationCredentials::App {
                        app_id,
                        private_key,
                        installation_id,
                    } => Credentials::App(AppCredentials {
                        app_id,
                        private_key,
                        installation_id,
                    }),
                };
                let config =
                    GitHubConfig::custom(&integration.api_url, &integration.web_url, credentials)?;
                let github = Arc::new(GitHub::connect(&config, options)?);
                Ok(Built {
                    provider: standard_stack(github.clone()),
                    proxy: Some(github),
                })
            }
            "gitlab" => {
                let token = gitlab_token(credentials)?;
                let config = GitLabConfig {
                    api_url: integration.api_url.clone(),
                    web_url: integration.web_url.clone(),
                    token,
                    token_kind: TokenKind::PrivateToken,
                    ssh_remote: None,
                };
                let gitlab = GitLab::connect(config, options)?;
                Ok(Built {
                    provider: standard_stack(Arc::new(gitlab)),
                    proxy: None,
                })
            }
            other => Err(Error::ProviderUnavailable {
                status: None,
                detail: format!("provider `{other}` is not available in this server"),
            }),
        }
    }
}

/// GitLab integrations authenticate with an access token only.
fn gitlab_token(credentials: IntegrationCredentials) -> Result<scm_core::Secret> {
    match credentials {
        IntegrationCredentials::Token { token } => Ok(token),
        IntegrationCredentials::App { .. } => Err(Error::invalid_input(
            "GitLab integrations authenticate with a token, not app credentials",
        )),
    }
}

impl RegistryResolver {
    async fn built(&self, repository: &RepositoryRecord) -> Result<Built> {
        if let Some(built) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&repository.integration_id)
        {
            return Ok(built.clone());
        }
        let (integration, credentials) = self
            .registry
            .integration(repository.integration_id)
            .await?
            .ok_or_else(|| Error::ProviderUnavailable {
                status: None,
                detail: format!(
                    "integration {} of repository {} is gone",
                    repository.integration_id, repository.id
                ),
            })?;
        let built = self.build(&integration, credentials)?;
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(repository.integration_id, built.clone());
        Ok(built)
    }
}

#[async_trait]
impl ProviderResolver for RegistryResolver {
    async fn provider_for(&self, repository: &RepositoryRecord) -> Result<Arc<dyn Provider>> {
        Ok(self.built(repository).await?.provider)
    }
}

#[async_trait]
impl ProxyResolver for RegistryResolver {
    async fn proxy_for(&self, repository: &RepositoryRecord) -> Result<Arc<dyn RawProxy>> {
        self.built(repository)
            .await?
            .proxy
            .ok_or_else(|| Error::ProviderUnavailable {
                status: None,
                detail: format!(
                    "provider `{}` cannot proxy raw requests",
                    repository.provider
                ),
            })
    }
}
