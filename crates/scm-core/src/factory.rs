//! Building a provider from an integration's settings.
//!
//! The server (from its registry) and the CLI (from flags) both need "a
//! provider for these URLs and these credentials". Each provider crate
//! answers that with a [`ProviderFactory`]; everything outside the crate
//! only names the factory, one registration line per provider, and never
//! touches provider-specific configuration.

use std::sync::Arc;

use crate::capability::CapabilitySet;
use crate::error::Result;
use crate::layers::ConnectOptions;
use crate::provider::Provider;
use crate::proxy::RawProxy;
use crate::secret::Secret;

/// How an integration authenticates, in provider-neutral terms. A provider
/// refuses (`invalid_input`) the kinds it cannot use.
#[derive(Debug, Clone)]
pub enum IntegrationAuth {
    /// A personal, project, group or fine-grained access token.
    Token(Secret),
    /// An OAuth access token.
    OAuthToken(Secret),
    /// An app installation (GitHub App): id, private key (PEM), installation.
    App {
        app_id: String,
        private_key: Secret,
        installation_id: String,
    },
}

/// Where an integration's provider is and how to reach it. Missing URLs
/// mean the provider's public service.
#[derive(Debug, Clone)]
pub struct IntegrationSpec {
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub auth: IntegrationAuth,
}

/// A provider built for one integration: the provider with the standard
/// action layers, and its raw proxy when it offers one (sharing the same
/// transport stack, so quota is counted once).
#[derive(Clone)]
pub struct ProviderInstance {
    pub provider: Arc<dyn Provider>,
    pub proxy: Option<Arc<dyn RawProxy>>,
}

/// Builds one provider kind from neutral settings.
pub trait ProviderFactory: Send + Sync + 'static {
    /// The provider's name (`github`, `gitlab`, …).
    fn name(&self) -> &'static str;
    /// A human name for documentation (`GitHub`).
    fn title(&self) -> &'static str;
    /// What the provider supports, without building it.
    fn capabilities(&self) -> CapabilitySet;
    /// The production provider (auth, retry, quota, tracing, metrics).
    fn build(&self, spec: &IntegrationSpec, options: ConnectOptions) -> Result<ProviderInstance>;
}
