//! Authentication as a transport layer.
//!
//! Action code never sees credentials: [`AuthTransport`] adds the
//! `Authorization` header (Bearer for HTTP access tokens, Basic for a
//! username and password) to each request, and only to requests for the
//! instance's own origin, so a credential is never sent anywhere else.

use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::header::{HeaderValue, AUTHORIZATION};
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{Error, Result};

use crate::config::Credentials;

/// Adds Data Center credentials to requests for one origin.
pub struct AuthTransport {
    inner: Arc<dyn Transport>,
    header: HeaderValue,
    /// `scheme://host[:port]` of the instance.
    origin: String,
}

impl std::fmt::Debug for AuthTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthTransport")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl AuthTransport {
    /// Credentials for requests to `api_url`'s origin. Refuses empty
    /// credentials and characters a header cannot carry.
    pub fn new(
        inner: Arc<dyn Transport>,
        credentials: &Credentials,
        api_url: &str,
    ) -> Result<Self> {
        let value = match credentials {
            Credentials::Token(token) => {
                if token.is_empty() {
                    return Err(Error::invalid_input("the access token is empty"));
                }
                format!("Bearer {}", token.expose())
            }
            Credentials::Basic { username, password } => {
                if username.is_empty() || password.is_empty() {
                    return Err(Error::invalid_input(
                        "basic credentials need a username and a password",
                    ));
                }
                let pair = format!("{username}:{}", password.expose());
                format!("Basic {}", STANDARD.encode(pair))
            }
        };
        let mut header = HeaderValue::from_str(&value)
            .map_err(|_| Error::invalid_input("the credentials contain invalid characters"))?;
        header.set_sensitive(true);
        Ok(Self {
            inner,
            header,
            origin: origin(api_url)?,
        })
    }
}

fn origin(url: &str) -> Result<String> {
    let parsed =
        url::Url::parse(url).map_err(|err| Error::invalid_input(format!("invalid URL: {err}")))?;
    Ok(parsed.origin().ascii_serialization())
}

#[async_trait]
impl Transport for AuthTransport {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse> {
        let same_origin = origin(&request.uri().to_string())
            .map(|o| o == self.origin)
            .unwrap_or(false);
        if same_origin {
            request
                .headers_mut()
                .insert(AUTHORIZATION, self.header.clone());
        } else {
            request.headers_mut().remove(AUTHORIZATION);
        }
        self.inner.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use scm_core::transport::Body;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Seen(Mutex<Vec<Option<String>>>);

    #[async_trait]
    impl Transport for Seen {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
            let auth = request
                .headers()
                .get(AUTHORIZATION)
                .map(|v| v.to_str().unwrap().to_owned());
            self.0.lock().unwrap().push(auth);
            Ok(http::Response::new(Body::empty()))
        }
    }

    fn get(uri: &str) -> HttpRequest {
        http::Request::get(uri).body(Bytes::new()).unwrap()
    }

    #[tokio::test]
    async fn bearer_basic_and_only_to_the_instance() {
        let seen = Arc::new(Seen::default());
        let bearer = AuthTransport::new(
            seen.clone(),
            &Credentials::Token("tok".into()),
            "https://bb.example/ctx/rest",
        )
        .unwrap();
        bearer
            .send(get("https://bb.example/ctx/rest/api/latest/repos"))
            .await
            .unwrap();
        bearer
            .send(get("https://elsewhere.example/x"))
            .await
            .unwrap();
        let basic = AuthTransport::new(
            seen.clone(),
            &Credentials::Basic {
                username: "ci".into(),
                password: "pw".into(),
            },
            "https://bb.example/rest",
        )
        .unwrap();
        basic
            .send(get("https://bb.example/rest/api/latest/repos"))
            .await
            .unwrap();
        let seen = seen.0.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![
                Some("Bearer tok".to_owned()),
                None,
                Some(format!("Basic {}", STANDARD.encode("ci:pw"))),
            ]
        );
        assert!(!format!("{basic:?}").contains("pw"));
        assert!(AuthTransport::new(
            Arc::new(Seen::default()),
            &Credentials::Token("".into()),
            "https://bb.example/rest"
        )
        .is_err());
    }
}
