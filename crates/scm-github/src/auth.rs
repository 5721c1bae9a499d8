//! Authentication as a transport layer.
//!
//! Action code never sees credentials: [`AuthTransport`] adds the
//! `Authorization` header to each request. For GitHub Apps it signs an
//! RS256 JWT with the app's private key, exchanges it for an installation
//! token, caches that token and refreshes it five minutes before its
//! `expires_at`. A request can ask for the app's own identity (the JWT
//! itself) with [`CredentialMode::Application`], which app-level endpoints
//! such as `GET /app/installations/{id}` need.

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use scm_core::quota::now_unix;
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{Error, Secret};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::config::{AppCredentials, Credentials};
use crate::errors::error_from_response;

/// Which identity a request is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CredentialMode {
    /// The installation token (or the personal token).
    #[default]
    Installation,
    /// The GitHub App itself (JWT).
    Application,
    /// No credentials: pre-signed redirect targets (archives, logs) on
    /// other hosts must never see our token.
    Anonymous,
}

/// Refresh installation tokens this long before they expire.
const REFRESH_MARGIN: u64 = 300;

#[derive(Debug, Serialize)]
struct Claims {
    iat: u64,
    exp: u64,
    iss: String,
}

#[derive(Debug, Deserialize)]
struct InstallationToken {
    token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

struct CachedToken {
    token: Secret,
    expires_at: u64,
}

pub struct AuthTransport<T> {
    inner: T,
    credentials: Credentials,
    api_url: String,
    cached: Mutex<Option<CachedToken>>,
}

impl<T: Transport> AuthTransport<T> {
    pub fn new(inner: T, credentials: Credentials, api_url: impl Into<String>) -> Self {
        Self {
            inner,
            credentials,
            api_url: api_url.into(),
            cached: Mutex::new(None),
        }
    }

    async fn bearer(&self, mode: CredentialMode) -> Result<Option<Secret>, Error> {
        Ok(Some(match (&self.credentials, mode) {
            (_, CredentialMode::Anonymous) => return Ok(None),
            (Credentials::Token(token), _) => token.clone(),
            (Credentials::App(app), CredentialMode::Application) => app_jwt(app)?,
            (Credentials::App(app), CredentialMode::Installation) => {
                self.installation_token(app).await?
            }
        }))
    }

    async fn installation_token(&self, app: &AppCredentials) -> Result<Secret, Error> {
        // Holding the lock across the exchange makes concurrent callers
        // wait for one refresh instead of each minting a token.
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| t.expires_at > now_unix() + REFRESH_MARGIN)
        {
            return Ok(token.token.clone());
        }
        let jwt = app_jwt(app)?;
        let installation = scm_core::http_util::encode_segment(&app.installation_id)?;
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(format!(
                "{}/app/installations/{installation}/access_tokens",
                self.api_url
            ))
            .header(ACCEPT, "application/vnd.github+json, application/json")
            .header(CONTENT_TYPE, "application/json")
            .header("x-github-api-version", crate::media::API_VERSION)
            .body(Bytes::from_static(b"{}"))
            .map_err(|err| Error::invalid_input(err.to_string()))?;
        request
            .headers_mut()
            .insert(AUTHORIZATION, bearer_header(&jwt)?);
        let response = self.inner.send(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect(1024 * 1024).await?;
        if !status.is_success() {
            return Err(error_from_response(status, &headers, &body));
        }
        let (token, _): (InstallationToken, _) = scm_core::http_util::parse_json(&body)?;
        let expires_at = u64::try_from(token.expires_at.timestamp()).unwrap_or(0);
        let secret = Secret::new(token.token);
        *cached = Some(CachedToken {
            token: secret.clone(),
            expires_at,
        });
        Ok(secret)
    }
}

/// A JWT for the app: issued a minute in the past (clock drift), valid
/// nine minutes (GitHub's maximum is ten).
fn app_jwt(app: &AppCredentials) -> Result<Secret, Error> {
    let now = now_unix();
    let claims = Claims {
        iat: now.saturating_sub(60),
        exp: now + 540,
        iss: app.app_id.clone(),
    };
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(app.private_key.expose().as_bytes())
        .map_err(|_| {
            Error::invalid_input("the GitHub App private key is not a valid RSA PEM key")
        })?;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .map(Secret::new)
    .map_err(|_| Error::invalid_input("could not sign the GitHub App JWT"))
}

fn bearer_header(token: &Secret) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        Error::invalid_input("the token contains characters not allowed in a header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[async_trait]
impl<T: Transport> Transport for AuthTransport<T> {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let mode = request
            .extensions()
            .get::<CredentialMode>()
            .copied()
            .unwrap_or_default();
        match self.bearer(mode).await? {
            Some(token) => {
                request
                    .headers_mut()
                    .insert(AUTHORIZATION, bearer_header(&token)?);
            }
            None => {
                request.headers_mut().remove(AUTHORIZATION);
            }
        }
        self.inner.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_are_reported_without_the_key() {
        let app = AppCredentials {
            app_id: "1".into(),
            private_key: Secret::new(
                "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----",
            ),
            installation_id: "2".into(),
        };
        let err = app_jwt(&app).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(!err.to_string().contains("not a key"));
    }
}
