//! Authentication as a transport layer.
//!
//! Action code never sees the token: [`GitLabAuth`] adds it to each
//! request, in the header its kind needs (`PRIVATE-TOKEN` for personal,
//! project and group access tokens; `Authorization: Bearer` for OAuth
//! tokens), marked sensitive so no HTTP layer prints it.

use async_trait::async_trait;
use http::HeaderValue;
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{Error, Secret};

use crate::config::TokenKind;

/// Adds the integration's token to every request.
pub struct GitLabAuth<T> {
    inner: T,
    token: Secret,
    kind: TokenKind,
}

impl<T: Transport> GitLabAuth<T> {
    pub fn new(inner: T, token: Secret, kind: TokenKind) -> Self {
        Self { inner, token, kind }
    }

    fn header(&self) -> Result<(http::HeaderName, HeaderValue), Error> {
        let (name, value) = match self.kind {
            TokenKind::PrivateToken => (
                http::HeaderName::from_static("private-token"),
                self.token.expose().to_owned(),
            ),
            TokenKind::OAuthBearer => (
                http::header::AUTHORIZATION,
                format!("Bearer {}", self.token.expose()),
            ),
        };
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| Error::invalid_input("the GitLab token has invalid characters"))?;
        value.set_sensitive(true);
        Ok((name, value))
    }
}

#[async_trait]
impl<T: Transport> Transport for GitLabAuth<T> {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let (name, value) = self.header()?;
        request.headers_mut().insert(name, value);
        self.inner.send(request).await
    }
}
