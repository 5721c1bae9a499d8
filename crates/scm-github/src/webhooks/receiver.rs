//! [`WebhookReceiver`] for GitHub: what the server's generic ingress calls.

use bytes::Bytes;
use scm_core::events::{ReceivedWebhook, RejectionKind, WebhookReceiver, WebhookRejection};
use scm_core::Secret;

use super::verify::verify_with;
use super::{receive_verified, Received, WebhookError, PROVIDER};

/// GitHub deliveries through the provider-neutral trait. SHA-1 signatures
/// stay refused unless [`GitHubReceiver::allow_sha1`] says otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitHubReceiver {
    allow_sha1: bool,
}

impl GitHubReceiver {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }
}

impl From<WebhookError> for WebhookRejection {
    fn from(err: WebhookError) -> Self {
        let kind = match err.http_status() {
            401 => RejectionKind::Unauthenticated,
            400 => RejectionKind::Malformed,
            _ => RejectionKind::Misconfigured,
        };
        WebhookRejection::new(kind, err.code(), err.to_string())
    }
}

impl WebhookReceiver for GitHubReceiver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn receive(
        &self,
        secrets: &[Secret],
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<ReceivedWebhook, WebhookRejection> {
        verify_with(secrets, self.allow_sha1, headers, &body)?;
        match receive_verified(headers, body)? {
            Received::Event(envelope) => Ok(ReceivedWebhook::Event(envelope)),
            Received::Unsupported {
                event,
                action,
                delivery_id,
            } => Ok(ReceivedWebhook::Unsupported {
                event,
                action,
                delivery_id,
            }),
        }
    }
}
