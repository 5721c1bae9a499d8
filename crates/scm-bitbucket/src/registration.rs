//! Bitbucket Cloud's entry in the platform's provider list: names,
//! credential kinds, URL defaults, rate limits, authentication, the
//! provider and its webhook receiver.

use std::sync::Arc;
use std::time::Duration;

use scm_core::credential::{Credential, CredentialKind};
use scm_core::quota::RateLimitInfo;
use scm_core::quota::RateLimits;
use scm_core::registration::{BuiltProvider, Endpoints, ProviderRegistration};
use scm_core::transport::Transport;
use scm_core::{CapabilitySet, Error, Result};

use crate::auth::{AuthTransport, BitbucketAuth, OAuthClient};
use crate::config::{normalize_base, BitbucketConfig, DEFAULT_API_URL, DEFAULT_WEB_URL};
use crate::rate_limits::BitbucketRateLimits;
use crate::webhooks::BitbucketReceiver;
use crate::{Bitbucket, PROVIDER, TITLE};

/// The registration value the provider list names.
pub static REGISTRATION: BitbucketRegistration = BitbucketRegistration;

/// Bitbucket Cloud (`bitbucket`).
#[derive(Debug, Clone, Copy, Default)]
pub struct BitbucketRegistration;

impl RateLimits for BitbucketRateLimits {
    fn read(&self, headers: &http::HeaderMap) -> RateLimitInfo {
        self.info(headers)
    }

    fn assumed_capacity(&self) -> Option<(u64, Duration)> {
        Some(self.capacity())
    }
}

/// The Bitbucket credentials for a neutral one.
fn auth(credential: &Credential) -> Result<BitbucketAuth> {
    Ok(match credential {
        Credential::Basic { username, secret } => BitbucketAuth::Basic {
            username: username.clone(),
            secret: secret.clone(),
        },
        Credential::Token { token } => BitbucketAuth::Bearer(token.clone()),
        Credential::OAuth { token, refresh: None } => BitbucketAuth::Bearer(token.clone()),
        Credential::OAuth {
            token,
            refresh: Some(refresh),
        } => BitbucketAuth::OAuth {
            access_token: (!token.is_empty()).then(|| token.clone()),
            client: OAuthClient {
                client_id: refresh.client_id.clone(),
                client_secret: refresh.client_secret.clone(),
                refresh_token: refresh.refresh_token.clone(),
            },
        },
        Credential::App { .. } => {
            return Err(Error::invalid_input(
                "Bitbucket Cloud has no app installations: use an API token (Basic with the Atlassian e-mail), an access token or OAuth",
            ))
        }
    })
}

fn config(endpoints: &Endpoints) -> Result<BitbucketConfig> {
    BitbucketConfig::custom(endpoints.api_url.clone(), endpoints.web_url.clone())
}

impl ProviderRegistration for BitbucketRegistration {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn title(&self) -> &'static str {
        TITLE
    }

    fn capabilities(&self) -> CapabilitySet {
        Bitbucket::capability_set()
    }

    fn credential_kinds(&self) -> &'static [CredentialKind] {
        &[
            CredentialKind::Basic,
            CredentialKind::Token,
            CredentialKind::OAuth,
        ]
    }

    /// Bitbucket Cloud is one public service: `api.bitbucket.org/2.0` and
    /// `bitbucket.org` unless given (tests, a proxy in front). Given only a
    /// web base, the API is its `/!api/2.0` (Bitbucket serves the API there
    /// too); given only an API base, the web base stays bitbucket.org.
    fn endpoints(&self, api_url: Option<&str>, web_url: Option<&str>) -> Result<Endpoints> {
        let web = normalize_base(web_url.unwrap_or(DEFAULT_WEB_URL), "web")?;
        let api = match (api_url, web_url) {
            (Some(api), _) => normalize_base(api, "API")?,
            (None, Some(_)) if web != DEFAULT_WEB_URL => format!("{web}/!api/2.0"),
            (None, _) => DEFAULT_API_URL.to_owned(),
        };
        Ok(Endpoints {
            api_url: api,
            web_url: web,
        })
    }

    fn rate_limits(&self) -> Arc<dyn RateLimits> {
        Arc::new(BitbucketRateLimits)
    }

    fn authenticate(
        &self,
        endpoints: &Endpoints,
        credential: &Credential,
        http: Arc<dyn Transport>,
    ) -> Result<Arc<dyn Transport>> {
        let layer = AuthTransport::new(&config(endpoints)?, auth(credential)?, http)?;
        Ok(Arc::new(layer))
    }

    fn build(
        &self,
        endpoints: &Endpoints,
        _credential: &Credential,
        transport: Arc<dyn Transport>,
    ) -> Result<BuiltProvider> {
        let bitbucket = Arc::new(Bitbucket::new(config(endpoints)?, transport)?);
        Ok(BuiltProvider {
            provider: bitbucket.clone(),
            proxy: Some(bitbucket),
        })
    }

    fn webhooks(&self) -> Option<Arc<dyn scm_core::events::WebhookReceiver>> {
        Some(Arc::new(BitbucketReceiver))
    }

    fn webhook_headers(&self) -> &'static [&'static str] {
        &[
            "x-event-key",
            "x-request-uuid",
            "x-hook-uuid",
            "x-attempt-number",
        ]
    }
}
