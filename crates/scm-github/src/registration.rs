//! [`REGISTRATION`]: what the platform knows about GitHub, and how it
//! builds a GitHub provider from an integration's neutral settings.

use std::sync::Arc;

use scm_core::credential::{Credential, CredentialKind};
use scm_core::events::WebhookReceiver;
use scm_core::quota::RateLimits;
use scm_core::registration::{normalize_base_url, BuiltProvider, Endpoints, ProviderRegistration};
use scm_core::transport::Transport;
use scm_core::{CapabilitySet, Error, Result};

use crate::auth::AuthTransport;
use crate::config::{AppCredentials, Credentials, GitHubConfig};
use crate::rate_limits::GitHubRateLimits;
use crate::webhooks::GitHubReceiver;
use crate::GitHub;

/// GitHub.com's REST API.
pub const PUBLIC_API_URL: &str = "https://api.github.com";
/// GitHub.com's web base.
pub const PUBLIC_WEB_URL: &str = "https://github.com";

/// GitHub and GitHub Enterprise Server.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitHubRegistration;

/// The one registration value of this crate.
pub static REGISTRATION: GitHubRegistration = GitHubRegistration;

impl GitHubRegistration {
    /// The configuration of an integration at `endpoints`.
    pub fn config(endpoints: &Endpoints, credential: &Credential) -> Result<GitHubConfig> {
        GitHubConfig::custom(
            &endpoints.api_url,
            &endpoints.web_url,
            credentials(credential)?,
        )
    }
}

/// GitHub takes personal and OAuth tokens alike, as bearer tokens.
fn credentials(credential: &Credential) -> Result<Credentials> {
    match credential {
        Credential::Token { token }
        | Credential::OAuth {
            token,
            refresh: None,
        } => Ok(Credentials::Token(token.clone())),
        Credential::App {
            app_id,
            private_key,
            installation_id,
        } => Ok(Credentials::App(AppCredentials {
            app_id: app_id.clone(),
            private_key: private_key.clone(),
            installation_id: installation_id.clone(),
        })),
        Credential::OAuth {
            refresh: Some(_), ..
        } => Err(Error::invalid_input(
            "GitHub OAuth tokens are used as they are; GitHub does not refresh them here",
        )),
        Credential::Basic { .. } => Err(Error::invalid_input(
            "GitHub does not take basic credentials; use a token or an app",
        )),
    }
}

impl ProviderRegistration for GitHubRegistration {
    fn name(&self) -> &'static str {
        crate::client::PROVIDER
    }

    fn title(&self) -> &'static str {
        "GitHub"
    }

    fn capabilities(&self) -> CapabilitySet {
        GitHub::capability_set()
    }

    fn credential_kinds(&self) -> &'static [CredentialKind] {
        &[
            CredentialKind::Token,
            CredentialKind::App,
            CredentialKind::OAuth,
        ]
    }

    /// GitHub.com without URLs. Enterprise Server: the web base
    /// (`https://ghe.example.com`) gives the API (`…/api/v3`), and an API
    /// base ending in `/api/v3` gives the web base (any other API base
    /// alone keeps GitHub.com's web base for links).
    fn check(&self, credential: &Credential) -> Result<()> {
        credentials(credential).map(drop)
    }

    fn endpoints(&self, api_url: Option<&str>, web_url: Option<&str>) -> Result<Endpoints> {
        let (api_url, web_url) = match (api_url, web_url) {
            (None, None) => (PUBLIC_API_URL.to_owned(), PUBLIC_WEB_URL.to_owned()),
            (Some(api), Some(web)) => (normalize_base_url(api)?, normalize_base_url(web)?),
            (None, Some(web)) => {
                let web = normalize_base_url(web)?;
                (format!("{web}/api/v3"), web)
            }
            (Some(api), None) => {
                let api = normalize_base_url(api)?;
                // Links only: an API base that does not name its instance
                // (a proxy, a mock) keeps GitHub.com's web base.
                let web = api
                    .strip_suffix("/api/v3")
                    .unwrap_or(PUBLIC_WEB_URL)
                    .to_owned();
                (api, web)
            }
        };
        Ok(Endpoints { api_url, web_url })
    }

    fn rate_limits(&self) -> Arc<dyn RateLimits> {
        Arc::new(GitHubRateLimits)
    }

    fn authenticate(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        http: Arc<dyn Transport>,
    ) -> Result<Arc<dyn Transport>> {
        Ok(Arc::new(AuthTransport::new(
            http,
            credentials(credential)?,
            endpoints.api_url.clone(),
        )))
    }

    fn build(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        transport: Arc<dyn Transport>,
    ) -> Result<BuiltProvider> {
        let github = Arc::new(GitHub::with_transport(
            &Self::config(endpoints, credential)?,
            transport,
        ));
        Ok(BuiltProvider {
            provider: github.clone(),
            proxy: Some(github),
        })
    }

    fn webhooks(&self) -> Option<Arc<dyn WebhookReceiver>> {
        Some(Arc::new(GitHubReceiver::new()))
    }

    /// Personal, OAuth, user-to-server, installation and refresh tokens, and
    /// fine-grained personal access tokens.
    fn token_prefixes(&self) -> &'static [&'static str] {
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
    }

    fn webhook_headers(&self) -> &'static [&'static str] {
        &[
            "x-github-event",
            "x-github-delivery",
            "x-github-hook-id",
            "x-github-hook-installation-target-id",
            "x-github-hook-installation-target-type",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_github_com_and_derive_enterprise_bases() {
        let reg = GitHubRegistration;
        let public = reg.endpoints(None, None).unwrap();
        assert_eq!(public.api_url, PUBLIC_API_URL);
        assert_eq!(public.web_url, PUBLIC_WEB_URL);
        let ghes = reg
            .endpoints(None, Some("https://ghe.example.com/"))
            .unwrap();
        assert_eq!(ghes.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(ghes.web_url, "https://ghe.example.com");
        let from_api = reg
            .endpoints(Some("https://ghe.example.com/api/v3"), None)
            .unwrap();
        assert_eq!(from_api.web_url, "https://ghe.example.com");
        let proxied = reg.endpoints(Some("http://127.0.0.1:4010"), None).unwrap();
        assert_eq!(proxied.web_url, PUBLIC_WEB_URL);
        assert!(reg.endpoints(Some("ftp://x"), Some("https://x")).is_err());
    }
}
