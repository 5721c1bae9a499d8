//! [`REGISTRATION`]: what the platform knows about GitLab, and how it
//! builds a GitLab provider from an integration's neutral settings.

use std::sync::Arc;

use scm_core::credential::{Credential, CredentialKind};
use scm_core::events::WebhookReceiver;
use scm_core::quota::RateLimits;
use scm_core::registration::{normalize_base_url, BuiltProvider, Endpoints, ProviderRegistration};
use scm_core::transport::Transport;
use scm_core::{CapabilitySet, Error, Result, Secret};

use crate::auth::GitLabAuth;
use crate::config::{GitLabConfig, TokenKind};
use crate::rate_limits::GitLabRateLimits;
use crate::webhooks::GitLabReceiver;
use crate::GitLab;

/// GitLab.com's web base; its API is `<web>/api/v4`, like every instance's.
pub const PUBLIC_WEB_URL: &str = "https://gitlab.com";
/// Where the REST API lives below an instance's web base.
pub const API_SUFFIX: &str = "/api/v4";

/// GitLab.com and self-managed GitLab.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitLabRegistration;

/// The one registration value of this crate.
pub static REGISTRATION: GitLabRegistration = GitLabRegistration;

/// The token and the header it goes in: access tokens in `PRIVATE-TOKEN`,
/// OAuth tokens as bearer tokens.
fn token(credential: &Credential) -> Result<(Secret, TokenKind)> {
    match credential {
        Credential::Token { token } => Ok((token.clone(), TokenKind::PrivateToken)),
        Credential::OAuth {
            token,
            refresh: None,
        } => Ok((token.clone(), TokenKind::OAuthBearer)),
        Credential::OAuth {
            refresh: Some(_), ..
        } => Err(Error::invalid_input(
            "GitLab OAuth tokens are used as they are; GitLab does not refresh them here",
        )),
        Credential::Basic { .. } | Credential::App { .. } => Err(Error::invalid_input(
            "GitLab integrations authenticate with an access token or an OAuth token",
        )),
    }
}

impl ProviderRegistration for GitLabRegistration {
    fn name(&self) -> &'static str {
        crate::webhooks::PROVIDER
    }

    fn title(&self) -> &'static str {
        "GitLab"
    }

    fn capabilities(&self) -> CapabilitySet {
        GitLab::capability_set()
    }

    fn credential_kinds(&self) -> &'static [CredentialKind] {
        &[CredentialKind::Token, CredentialKind::OAuth]
    }

    /// GitLab.com without URLs. A self-managed instance at
    /// `https://host[/prefix]` has its API at `…/api/v4`; an API base
    /// ending in `/api/v4` gives the web base (any other API base alone
    /// keeps GitLab.com's web base for links).
    fn check(&self, credential: &Credential) -> Result<()> {
        token(credential).map(drop)
    }

    fn endpoints(&self, api_url: Option<&str>, web_url: Option<&str>) -> Result<Endpoints> {
        let (api_url, web_url) = match (api_url, web_url) {
            (None, None) => (
                format!("{PUBLIC_WEB_URL}{API_SUFFIX}"),
                PUBLIC_WEB_URL.into(),
            ),
            (Some(api), Some(web)) => (normalize_base_url(api)?, normalize_base_url(web)?),
            (None, Some(web)) => {
                let web = normalize_base_url(web)?;
                (format!("{web}{API_SUFFIX}"), web)
            }
            (Some(api), None) => {
                let api = normalize_base_url(api)?;
                let web = api
                    .strip_suffix(API_SUFFIX)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Error::invalid_input(format!(
                        "cannot derive the web base from API base `{api}`; give the web URL too"
                    ))
                    })?;
                (api, web)
            }
        };
        Ok(Endpoints { api_url, web_url })
    }

    fn rate_limits(&self) -> Arc<dyn RateLimits> {
        Arc::new(GitLabRateLimits)
    }

    fn authenticate(
        &self,
        _endpoints: &Endpoints,
        credential: &Credential,
        http: Arc<dyn Transport>,
    ) -> Result<Arc<dyn Transport>> {
        let (token, kind) = token(credential)?;
        Ok(Arc::new(GitLabAuth::new(http, token, kind)))
    }

    fn build(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        transport: Arc<dyn Transport>,
    ) -> Result<BuiltProvider> {
        let (token, token_kind) = token(credential)?;
        let config = GitLabConfig {
            api_url: endpoints.api_url.clone(),
            web_url: endpoints.web_url.clone(),
            token,
            token_kind,
            ssh_remote: None,
        };
        let gitlab = Arc::new(GitLab::with_transport(config, transport)?);
        Ok(BuiltProvider {
            provider: gitlab.clone(),
            proxy: Some(gitlab),
        })
    }

    fn webhooks(&self) -> Option<Arc<dyn WebhookReceiver>> {
        Some(Arc::new(GitLabReceiver))
    }

    /// Personal, project and group access tokens.
    fn token_prefixes(&self) -> &'static [&'static str] {
        &["glpat-"]
    }

    fn webhook_headers(&self) -> &'static [&'static str] {
        &[
            "x-gitlab-event",
            "x-gitlab-event-uuid",
            "x-gitlab-webhook-uuid",
            "x-gitlab-instance",
            "idempotency-key",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_gitlab_com_and_derive_self_managed_bases() {
        let reg = GitLabRegistration;
        let public = reg.endpoints(None, None).unwrap();
        assert_eq!(public.api_url, "https://gitlab.com/api/v4");
        assert_eq!(public.web_url, "https://gitlab.com");
        let prefixed = reg
            .endpoints(None, Some("https://git.example.com/gitlab/"))
            .unwrap();
        assert_eq!(prefixed.api_url, "https://git.example.com/gitlab/api/v4");
        assert_eq!(prefixed.web_url, "https://git.example.com/gitlab");
        let from_api = reg
            .endpoints(Some("https://git.example.com/api/v4"), None)
            .unwrap();
        assert_eq!(from_api.web_url, "https://git.example.com");
        assert!(reg
            .endpoints(Some("https://git.example.com/api"), None)
            .is_err());
    }
}
