//! One provider per integration, built on first use and cached.
//!
//! Each provider is built by [`scm_core::registration::connect`] from its
//! registration in [`scm_providers::PROVIDERS`]: the provider's own
//! authentication, then the core's retry, quota, metrics and tracing.
//! Nothing here knows any provider's configuration.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use scm_core::credential::Credential;
use scm_core::layers::ConnectOptions;
use scm_core::provider::ProviderResolver;
use scm_core::proxy::{ProxyResolver, RawProxy};
use scm_core::registration::{connect, IntegrationSpec};
use scm_core::registry::RepositoryRecord;
use scm_core::{Error, Provider, Result};

use crate::registry::{IntegrationRecord, Registry};

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

    fn build(&self, integration: &IntegrationRecord, credential: Credential) -> Result<Built> {
        let registration = scm_providers::find(&integration.provider).ok_or_else(|| {
            Error::ProviderUnavailable {
                status: None,
                detail: format!(
                    "provider `{}` is not available in this server",
                    integration.provider
                ),
            }
        })?;
        let spec = IntegrationSpec {
            api_url: Some(integration.api_url.clone()),
            web_url: Some(integration.web_url.clone()),
            credential,
        };
        // One provider quota per integration (one set of credentials).
        let options = ConnectOptions {
            quota_bucket: Some(format!("integration:{}", integration.id)),
            ..self.options.clone()
        };
        let instance = connect(registration, &spec, options)?;
        Ok(Built {
            provider: instance.provider,
            proxy: instance.proxy,
        })
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
