//! Authentication as a transport layer.
//!
//! Bitbucket Cloud accepts, on `api.bitbucket.org`:
//! - API tokens: HTTP Basic with the Atlassian account e-mail and the
//!   token ([`BitbucketAuth::Basic`]; any other Basic credential uses the
//!   same header — app passwords were removed in July 2026);
//! - repository, project and workspace access tokens and OAuth 2.0 access
//!   tokens: `Authorization: Bearer` ([`BitbucketAuth::Bearer`]);
//! - an OAuth 2.0 consumer with a refresh token ([`BitbucketAuth::OAuth`]):
//!   access tokens last an hour; this layer renews one shortly before it
//!   expires, or when Bitbucket answers 401, once for all concurrent
//!   callers (they wait for the one renewal), and keeps the rotated
//!   refresh token.
//!
//! Credentials are only ever added to requests for the API's own origin
//! (scheme, host and port); anything else (a media host a download was
//! redirected to) goes out without them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{Error, Secret};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::client::origin;
use crate::config::BitbucketConfig;

/// How long before expiry an OAuth access token is renewed.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Bitbucket's OAuth token endpoint, below the web base.
pub const TOKEN_PATH: &str = "/site/oauth2/access_token";

/// An OAuth 2.0 consumer that may renew access tokens.
#[derive(Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The credentials of one integration.
#[derive(Clone)]
pub enum BitbucketAuth {
    /// HTTP Basic: the Atlassian e-mail and an API token.
    Basic { username: String, secret: Secret },
    /// An access token (repository, project, workspace) or an OAuth access
    /// token that is not renewed here.
    Bearer(Secret),
    /// An OAuth access token (if one is already known) renewed with the
    /// consumer's refresh token.
    OAuth {
        access_token: Option<Secret>,
        client: OAuthClient,
    },
}

impl std::fmt::Debug for BitbucketAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BitbucketAuth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
            BitbucketAuth::Bearer(_) => f.write_str("Bearer(..)"),
            BitbucketAuth::OAuth { client, .. } => f
                .debug_struct("OAuth")
                .field("client", client)
                .finish_non_exhaustive(),
        }
    }
}

fn sensitive(value: String) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&value)
        .map_err(|_| Error::invalid_input("the Bitbucket credential has invalid characters"))?;
    value.set_sensitive(true);
    Ok(value)
}

fn basic(username: &str, secret: &str) -> Result<HeaderValue, Error> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{secret}"));
    sensitive(format!("Basic {encoded}"))
}

fn bearer(token: &Secret) -> Result<HeaderValue, Error> {
    sensitive(format!("Bearer {}", token.expose()))
}

type Origin = (String, Option<String>, Option<u16>);

fn origin_of(uri: &http::Uri) -> Option<Origin> {
    url::Url::parse(&uri.to_string()).ok().map(|u| origin(&u))
}

/// The current OAuth access token and what renews it.
struct TokenState {
    access: Option<Secret>,
    refresh: Secret,
    /// When the access token expires; `None` for a token given at start
    /// (its age is unknown: it is used until Bitbucket refuses it).
    expires_at: Option<Instant>,
    /// Bumped at every renewal, so a 401 renews only the token that failed.
    generation: u64,
}

struct OAuthState {
    client_id: String,
    client_secret: Secret,
    token_url: String,
    inner: Arc<dyn Transport>,
    state: Mutex<TokenState>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl OAuthState {
    /// A usable access token and its generation, renewing first when there
    /// is none or it expires within [`REFRESH_MARGIN`].
    async fn token(&self) -> Result<(Secret, u64), Error> {
        let mut state = self.state.lock().await;
        let fresh = match (&state.access, state.expires_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(_), Some(at)) => at > Instant::now() + REFRESH_MARGIN,
        };
        if !fresh {
            self.renew(&mut state).await?;
        }
        let access = state.access.clone().ok_or_else(|| Error::Unauthorized {
            detail: "no Bitbucket OAuth access token".into(),
        })?;
        Ok((access, state.generation))
    }

    /// Renews after a 401 unless another caller already did.
    async fn token_after_refusal(&self, failed_generation: u64) -> Result<Secret, Error> {
        let mut state = self.state.lock().await;
        if state.generation == failed_generation {
            self.renew(&mut state).await?;
        }
        state.access.clone().ok_or_else(|| Error::Unauthorized {
            detail: "no Bitbucket OAuth access token".into(),
        })
    }

    async fn renew(&self, state: &mut TokenState) -> Result<(), Error> {
        let body = format!(
            "grant_type=refresh_token&refresh_token={}",
            scm_core::http_util::encode_query(state.refresh.expose())
        );
        let request = http::Request::builder()
            .method(http::Method::POST)
            .uri(&self.token_url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::AUTHORIZATION,
                basic(&self.client_id, self.client_secret.expose())?,
            )
            .body(Bytes::from(body))
            .map_err(|err| Error::invalid_input(format!("invalid token request: {err}")))?;
        let response = self.inner.send(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect(64 * 1024).await?;
        if !status.is_success() {
            let refusal: TokenError = serde_json::from_slice(&bytes).unwrap_or_default();
            let reason = refusal
                .error_description
                .or(refusal.error)
                .unwrap_or_else(|| "no reason given".into());
            let detail = format!(
                "Bitbucket refused to renew the OAuth access token ({}): {reason}",
                status.as_u16()
            );
            return Err(match status.as_u16() {
                400 | 401 | 403 => Error::Unauthorized { detail },
                429 => Error::RateLimited {
                    detail,
                    retry_after: None,
                },
                _ => Error::ProviderUnavailable {
                    status: Some(status.as_u16()),
                    detail,
                },
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&bytes)
            .map_err(|_| Error::malformed("Bitbucket's token answer is not the expected JSON"))?;
        state.access = Some(Secret::new(answer.access_token));
        if let Some(refresh) = answer.refresh_token.filter(|r| !r.is_empty()) {
            state.refresh = Secret::new(refresh);
        }
        // Hour-long tokens when Bitbucket does not say.
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        state.expires_at = Some(Instant::now() + lifetime);
        state.generation += 1;
        tracing::debug!(
            generation = state.generation,
            "bitbucket oauth token renewed"
        );
        Ok(())
    }
}

enum Scheme {
    Static(HeaderValue),
    OAuth(Arc<OAuthState>),
}

/// Adds Bitbucket credentials to requests for the API origin.
pub struct AuthTransport {
    inner: Arc<dyn Transport>,
    api_origin: Origin,
    scheme: Scheme,
}

impl std::fmt::Debug for AuthTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthTransport").finish_non_exhaustive()
    }
}

impl AuthTransport {
    /// Wraps `inner`. Refuses empty credentials.
    pub fn new(
        config: &BitbucketConfig,
        auth: BitbucketAuth,
        inner: Arc<dyn Transport>,
    ) -> Result<Self, Error> {
        let config = config.clone().normalized()?;
        let api = url::Url::parse(&config.api_url)
            .map_err(|_| Error::invalid_input("invalid Bitbucket API URL"))?;
        let scheme = match auth {
            BitbucketAuth::Basic { username, secret } => {
                if username.trim().is_empty() || secret.is_empty() {
                    return Err(Error::invalid_input(
                        "Bitbucket Basic credentials need the Atlassian e-mail and an API token",
                    ));
                }
                Scheme::Static(basic(username.trim(), secret.expose())?)
            }
            BitbucketAuth::Bearer(token) => {
                if token.is_empty() {
                    return Err(Error::invalid_input("the Bitbucket access token is empty"));
                }
                Scheme::Static(bearer(&token)?)
            }
            BitbucketAuth::OAuth {
                access_token,
                client,
            } => {
                if client.client_id.is_empty()
                    || client.client_secret.is_empty()
                    || client.refresh_token.is_empty()
                {
                    return Err(Error::invalid_input(
                        "Bitbucket OAuth renewal needs a client id, a client secret and a refresh token",
                    ));
                }
                Scheme::OAuth(Arc::new(OAuthState {
                    client_id: client.client_id,
                    client_secret: client.client_secret,
                    token_url: format!("{}{TOKEN_PATH}", config.web_url),
                    inner: inner.clone(),
                    state: Mutex::new(TokenState {
                        access: access_token.filter(|t| !t.is_empty()),
                        refresh: client.refresh_token,
                        expires_at: None,
                        generation: 0,
                    }),
                }))
            }
        };
        Ok(Self {
            inner,
            api_origin: origin(&api),
            scheme,
        })
    }
}

#[async_trait]
impl Transport for AuthTransport {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        if origin_of(request.uri()).as_ref() != Some(&self.api_origin) {
            // Never send a credential to another host.
            request.headers_mut().remove(http::header::AUTHORIZATION);
            return self.inner.send(request).await;
        }
        match &self.scheme {
            Scheme::Static(value) => {
                request
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, value.clone());
                self.inner.send(request).await
            }
            Scheme::OAuth(oauth) => {
                let (token, generation) = oauth.token().await?;
                let retry = duplicate(&request);
                request
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, bearer(&token)?);
                let response = self.inner.send(request).await?;
                if response.status() != StatusCode::UNAUTHORIZED {
                    return Ok(response);
                }
                // The token was revoked or expired early: renew once, retry once.
                let token = oauth.token_after_refusal(generation).await?;
                let mut retry = retry;
                retry
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, bearer(&token)?);
                self.inner.send(retry).await
            }
        }
    }
}

/// A copy of a request for the one retry after a 401 (bodies are bytes).
fn duplicate(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    if let Some(context) = request
        .extensions()
        .get::<scm_core::transport::RequestContext>()
    {
        copy.extensions_mut().insert(context.clone());
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_has_no_secrets() {
        let auth = BitbucketAuth::OAuth {
            access_token: Some(Secret::new("access-xyz")),
            client: OAuthClient {
                client_id: "cid".into(),
                client_secret: Secret::new("client-secret-xyz"),
                refresh_token: Secret::new("refresh-xyz"),
            },
        };
        let text = format!("{auth:?}");
        assert!(!text.contains("xyz"), "{text}");
        let text = format!(
            "{:?}",
            BitbucketAuth::Basic {
                username: "me@example.com".into(),
                secret: Secret::new("token-xyz")
            }
        );
        assert!(!text.contains("xyz"), "{text}");
    }

    #[test]
    fn basic_is_email_and_token() {
        let value = basic("me@example.com", "tok").unwrap();
        assert_eq!(value.to_str().unwrap(), "Basic bWVAZXhhbXBsZS5jb206dG9r");
        assert!(value.is_sensitive());
    }
}
