//! How the platform finds, configures and builds this provider: the one
//! registration value the providers list holds.
//!
//! Data Center has no public service: an integration must name its
//! instance (`web_url`, with or without a context path). The REST base is
//! `{web_url}/rest` unless given.

use std::sync::Arc;

use scm_core::credential::{Credential, CredentialKind};
use scm_core::events::WebhookReceiver;
use scm_core::quota::{RateLimits, RetryAfterOnly};
use scm_core::registration::{
    normalize_base_url as normalize, BuiltProvider, Endpoints, ProviderRegistration,
};
use scm_core::transport::Transport;
use scm_core::{CapabilitySet, Error, Result};

use crate::auth::AuthTransport;
use crate::client::PROVIDER;
use crate::config::{BitbucketServerConfig, Credentials};
use crate::webhooks::BitbucketServerReceiver;
use crate::BitbucketServer;

/// The registration of Bitbucket Data Center.
pub static REGISTRATION: BitbucketServerRegistration = BitbucketServerRegistration;

#[derive(Debug, Clone, Copy, Default)]
pub struct BitbucketServerRegistration;

impl BitbucketServerRegistration {
    fn credentials(credential: &Credential) -> Result<Credentials> {
        match credential {
            Credential::Token { token } => Ok(Credentials::Token(token.clone())),
            Credential::Basic { username, secret } => Ok(Credentials::Basic {
                username: username.clone(),
                password: secret.clone(),
            }),
            _ => Err(Error::invalid_input(
                "Bitbucket Data Center integrations use an HTTP access token or basic credentials",
            )),
        }
    }
}

impl ProviderRegistration for BitbucketServerRegistration {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn title(&self) -> &'static str {
        "Bitbucket Data Center"
    }

    fn capabilities(&self) -> CapabilitySet {
        BitbucketServer::capability_set()
    }

    fn check(&self, credential: &Credential) -> Result<()> {
        Self::credentials(credential).map(drop)
    }

    fn credential_kinds(&self) -> &'static [CredentialKind] {
        &[CredentialKind::Token, CredentialKind::Basic]
    }

    fn endpoints(&self, api_url: Option<&str>, web_url: Option<&str>) -> Result<Endpoints> {
        let web_url = match (web_url, api_url) {
            (Some(web), _) => normalize(web)?,
            (None, Some(api)) => {
                let api = normalize(api)?;
                api.strip_suffix("/rest").map(str::to_owned).ok_or_else(|| {
                    Error::invalid_input(
                        "Bitbucket Data Center needs the instance's web URL (`https://host[/context]`); \
                         it cannot be derived from an API URL that does not end in /rest",
                    )
                })?
            }
            (None, None) => {
                return Err(Error::invalid_input(
                    "Bitbucket Data Center has no public service: give the instance's web URL \
                     (`https://host[/context]`)",
                ))
            }
        };
        let api_url = match api_url {
            Some(api) => normalize(api)?,
            None => format!("{web_url}/rest"),
        };
        Ok(Endpoints { api_url, web_url })
    }

    /// Data Center's optional rate limiter (a token bucket per user, set
    /// up by the administrator) answers 429 with `Retry-After` and reports
    /// no budget on other answers; the quota policy counts locally.
    fn rate_limits(&self) -> Arc<dyn RateLimits> {
        Arc::new(RetryAfterOnly)
    }

    fn authenticate(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        http: Arc<dyn Transport>,
    ) -> Result<Arc<dyn Transport>> {
        let credentials = Self::credentials(credential)?;
        Ok(Arc::new(AuthTransport::new(
            http,
            &credentials,
            &endpoints.api_url,
        )?))
    }

    fn build(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        transport: Arc<dyn Transport>,
    ) -> Result<BuiltProvider> {
        let config = BitbucketServerConfig {
            api_url: endpoints.api_url.clone(),
            web_url: endpoints.web_url.clone(),
            credentials: Self::credentials(credential)?,
            ssh_base: None,
        };
        let provider = Arc::new(BitbucketServer::with_transport(&config, transport));
        Ok(BuiltProvider {
            provider: provider.clone(),
            proxy: Some(provider),
        })
    }

    fn webhooks(&self) -> Option<Arc<dyn WebhookReceiver>> {
        Some(Arc::new(BitbucketServerReceiver))
    }

    fn webhook_headers(&self) -> &'static [&'static str] {
        &["x-event-key", "x-request-id"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_need_the_instance() {
        let r = &REGISTRATION;
        let e = r
            .endpoints(None, Some("https://git.example.com/bitbucket/"))
            .unwrap();
        assert_eq!(e.web_url, "https://git.example.com/bitbucket");
        assert_eq!(e.api_url, "https://git.example.com/bitbucket/rest");
        let from_api = r.endpoints(Some("http://bb:7990/rest"), None).unwrap();
        assert_eq!(from_api.web_url, "http://bb:7990");
        let missing = r.endpoints(None, None).unwrap_err();
        assert_eq!(missing.code(), "invalid_input");
        assert!(missing.to_string().contains("no public service"));
        assert!(r.endpoints(None, Some("ftp://x")).is_err());
        assert!(r.endpoints(Some("https://bb/api"), None).is_err());
        assert_eq!(r.name(), "bitbucket_server");
        assert!(r.capabilities().len() >= 65);
        assert!(r.webhooks().is_some());
    }

    #[test]
    fn only_tokens_and_basic_credentials() {
        let app = Credential::App {
            app_id: "1".into(),
            private_key: "k".into(),
            installation_id: "2".into(),
        };
        let endpoints = REGISTRATION
            .endpoints(None, Some("https://bb.example"))
            .unwrap();
        let http: Arc<dyn Transport> = Arc::new(
            scm_core::transport::ReqwestTransport::new(std::time::Duration::from_secs(1)).unwrap(),
        );
        let refused = REGISTRATION.authenticate(&endpoints, &app, http.clone());
        assert_eq!(refused.err().unwrap().code(), "invalid_input");
        let token = Credential::Token { token: "t".into() };
        assert!(REGISTRATION.authenticate(&endpoints, &token, http).is_ok());
    }
}
