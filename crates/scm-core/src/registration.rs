//! What the platform knows about a provider, and how it builds one.
//!
//! Each provider crate exports one registration value implementing
//! [`ProviderRegistration`]: its names, the credential kinds it takes, its
//! URL defaults, how its answers state rate limits, its authentication
//! layer, its bare provider and its webhook receiver. One list of these
//! values (the `scm-providers` crate) is the only place providers are named
//! outside their own crates; the server, the webhook ingress, the CLI and
//! the capability matrix all read it.
//!
//! A registration never applies cross-cutting layers itself. [`connect`]
//! assembles every provider the same way, so a new provider cannot forget
//! one:
//!
//! ```text
//! tracing → metrics → provider ─ cache → quota → retry → auth (provider's) → HTTP
//! ```
//!
//! The cache (when [`ConnectOptions::cache`] is set) sits above the quota
//! layer, so a read answered from a coalesced flight takes no quota, and
//! a revalidation is counted (or given back) by the provider's rules.

use std::sync::Arc;

use crate::cache::{CacheScope, CacheTransport};
use crate::capability::CapabilitySet;
use crate::credential::{Credential, CredentialKind};
use crate::error::{Error, Result};
use crate::events::WebhookReceiver;
use crate::layers::{standard_stack, ConnectOptions, RetryTransport};
use crate::provider::Provider;
use crate::proxy::RawProxy;
use crate::quota::QuotaTransport;
pub use crate::quota::{RateLimits, RetryAfterOnly};
use crate::transport::{ReqwestTransport, Transport};

/// Where an integration's provider lives: both bases, normalized (http or
/// https, no trailing slash, no query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The REST API base, e.g. `https://gitlab.example.com/api/v4`.
    pub api_url: String,
    /// The web base for links, e.g. `https://gitlab.example.com`.
    pub web_url: String,
}

/// A provider without any layer, and its raw proxy when it has one.
#[derive(Clone)]
pub struct BuiltProvider {
    pub provider: Arc<dyn Provider>,
    pub proxy: Option<Arc<dyn RawProxy>>,
}

/// Everything the platform knows about one provider.
pub trait ProviderRegistration: Send + Sync + 'static {
    /// The provider's name in routes, the registry, results and events
    /// (`github`, `gitlab`, …).
    fn name(&self) -> &'static str;

    /// A human name for documentation and help texts (`GitHub`).
    fn title(&self) -> &'static str;

    /// What the provider supports, without building it.
    fn capabilities(&self) -> CapabilitySet;

    /// The credential kinds the provider takes, in the order help texts
    /// list them.
    fn credential_kinds(&self) -> &'static [CredentialKind];

    /// Refuses (`invalid_input`) a credential of an accepted kind that the
    /// provider still cannot use (say, an OAuth token with a refresh
    /// grant it does not renew), so the registry never stores it.
    fn check(&self, credential: &Credential) -> Result<()> {
        let _ = credential;
        Ok(())
    }

    /// The integration's bases: the public service when neither is given,
    /// the missing one derived from the other for a self-managed instance.
    /// Refuses invalid URLs, and a missing URL where there is no public
    /// service, with `invalid_input`.
    fn endpoints(&self, api_url: Option<&str>, web_url: Option<&str>) -> Result<Endpoints>;

    /// How the provider's answers state its rate limit.
    fn rate_limits(&self) -> Arc<dyn RateLimits>;

    /// Authentication as a transport layer around `http`: the only code
    /// that reads the credential's secret values.
    fn authenticate(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        http: Arc<dyn Transport>,
    ) -> Result<Arc<dyn Transport>>;

    /// The bare provider over `transport`, which is already authenticated,
    /// retried and quota-checked.
    fn build(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        transport: Arc<dyn Transport>,
    ) -> Result<BuiltProvider>;

    /// The receiver of the provider's webhooks (`/webhooks/<name>`), when
    /// the platform verifies and parses them.
    fn webhooks(&self) -> Option<Arc<dyn WebhookReceiver>>;

    /// Prefixes that mark the provider's tokens in free text (a GitHub
    /// personal access token starts with `ghp_`), so error reports can
    /// mask a token wherever a message quotes it. None by default.
    fn token_prefixes(&self) -> &'static [&'static str] {
        &[]
    }

    /// Request headers of the provider's webhooks that an operator reads
    /// with a delivery (event name, delivery, hook and attempt ids),
    /// lower-case. The delivery history keeps only these and a few generic
    /// ones, so a signature or token header is never listed here. None by
    /// default.
    fn webhook_headers(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Where an integration's provider is and how it authenticates. Missing
/// URLs are filled by the provider ([`ProviderRegistration::endpoints`]).
#[derive(Debug, Clone)]
pub struct IntegrationSpec {
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub credential: Credential,
}

/// A provider built for one integration: the provider inside the standard
/// action layers, and its raw proxy when it offers one (sharing the same
/// transport stack, so quota is counted once).
#[derive(Clone)]
pub struct ProviderInstance {
    pub provider: Arc<dyn Provider>,
    pub proxy: Option<Arc<dyn RawProxy>>,
    pub endpoints: Endpoints,
}

/// Checks a credential against what `registration` accepts: not blank,
/// of a kind it takes.
pub fn check_credential(
    registration: &dyn ProviderRegistration,
    credential: &Credential,
) -> Result<()> {
    credential.validate()?;
    credential.check_kind(registration.name(), registration.credential_kinds())?;
    registration.check(credential)
}

/// Builds one provider for one integration, with every layer, in the one
/// order every provider gets: tracing → metrics → provider, and under it
/// cache (when configured) → quota → retry → the provider's
/// authentication → HTTP (reqwest).
pub fn connect(
    registration: &dyn ProviderRegistration,
    spec: &IntegrationSpec,
    options: ConnectOptions,
) -> Result<ProviderInstance> {
    let http = Arc::new(ReqwestTransport::new(options.timeout)?);
    connect_over(registration, spec, options, http)
}

/// [`connect`] over a given HTTP transport instead of reqwest: for tests
/// that must see what reaches the network, with every layer in place.
pub fn connect_over(
    registration: &dyn ProviderRegistration,
    spec: &IntegrationSpec,
    options: ConnectOptions,
    http: Arc<dyn Transport>,
) -> Result<ProviderInstance> {
    check_credential(registration, &spec.credential)?;
    let endpoints = registration.endpoints(spec.api_url.as_deref(), spec.web_url.as_deref())?;
    let authenticated = registration.authenticate(&endpoints, &spec.credential, http)?;
    // One quota per credential: the caller's bucket (the server names it
    // after the integration), else the provider, its API and the identity.
    let bucket = options.quota_bucket.clone().unwrap_or_else(|| {
        format!(
            "{}:{}:{}",
            registration.name(),
            endpoints.api_url,
            spec.credential.identity()
        )
    });
    let rate_limits = registration.rate_limits();
    let mut policy = options.quota.clone();
    if let Some((capacity, window)) = rate_limits.assumed_capacity() {
        policy.default_capacity = capacity;
        policy.window = window;
    }
    let retried =
        RetryTransport::with_rate_limits(authenticated, options.retry.clone(), rate_limits.clone());
    let quota: Arc<dyn Transport> = Arc::new(QuotaTransport::new(
        retried,
        bucket.clone(),
        policy,
        options.quota_store.clone(),
        rate_limits,
    ));
    let transport = match &options.cache {
        Some(cache) => {
            // Without a caller-named bucket the identity may not tell two
            // credentials apart (every token is `token`): scope the
            // entries to this connection alone.
            let bucket = match &options.quota_bucket {
                Some(_) => bucket,
                None => format!("{bucket}:{:032x}", rand::random::<u128>()),
            };
            let scope = CacheScope::new(&bucket, &spec.credential.identity());
            Arc::new(CacheTransport::new(quota, scope, cache.clone())) as Arc<dyn Transport>
        }
        None => quota,
    };
    let built = registration.build(&endpoints, &spec.credential, transport)?;
    Ok(ProviderInstance {
        provider: standard_stack(built.provider),
        proxy: built.proxy,
        endpoints,
    })
}

/// Normalizes a base URL given by an operator: http or https, no query or
/// fragment, no trailing slash.
pub fn normalize_base_url(url: &str) -> Result<String> {
    let trimmed = url.trim();
    let parsed = url::Url::parse(trimmed)
        .map_err(|err| Error::invalid_input(format!("invalid URL `{trimmed}`: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid_input(format!(
            "URL `{trimmed}` must be http or https"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "URL `{trimmed}` must not have a query or fragment"
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_input(format!("URL `{trimmed}` has no host")));
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            normalize_base_url(" https://git.example/gl/ ").unwrap(),
            "https://git.example/gl"
        );
        for bad in ["ftp://x", "https://x/?a=1", "https://x/#f", "not a url", ""] {
            assert_eq!(normalize_base_url(bad).unwrap_err().code(), "invalid_input");
        }
    }
}
