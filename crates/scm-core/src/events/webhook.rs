//! The provider-neutral webhook boundary.
//!
//! Each provider crate implements [`WebhookReceiver`]: verify a delivery on
//! its raw bytes against the active secrets, then parse it into an
//! [`EventEnvelope`]. The server's ingress only knows this trait, so a new
//! provider's webhooks need one registration line and nothing else.

use std::fmt;

use bytes::Bytes;

use super::EventEnvelope;
use crate::Secret;

/// Verifies and parses one provider's webhook deliveries.
///
/// Each provider's receiver comes from its registration
/// ([`crate::registration::ProviderRegistration::webhooks`]). Here GitHub's
/// own example `check_run` delivery, signed with a secret, is verified and
/// parsed; the same bytes with another secret are refused before parsing:
///
/// ```
/// use scm_core::events::{Event, ReceivedWebhook, RejectionKind};
/// use scm_core::Secret;
///
/// let receiver = scm_providers::require("github").unwrap().webhooks().unwrap();
/// let delivery = scm_testkit::webhooks::examples_for("check_run")[0];
/// let headers = delivery.delivery_headers(b"webhook-secret");
/// let body = delivery.payload_bytes.clone();
///
/// let secrets = [Secret::new("old-secret"), Secret::new("webhook-secret")];
/// let ReceivedWebhook::Event(envelope) = receiver.receive(&secrets, &headers, body.clone()).unwrap()
/// else {
///     panic!("check runs have a neutral event");
/// };
/// assert_eq!(envelope.provider, "github");
/// assert!(matches!(envelope.event, Event::CheckRun(_)));
///
/// let refused = receiver.receive(&[Secret::new("wrong")], &headers, body).unwrap_err();
/// assert_eq!(refused.kind, RejectionKind::Unauthenticated);
/// assert_eq!(refused.http_status(), 401);
/// ```
pub trait WebhookReceiver: Send + Sync + 'static {
    /// The provider name in routes and envelopes (`github`, `gitlab`).
    fn provider(&self) -> &'static str;

    /// Verifies `body` (the exact bytes received) against `secrets` (any
    /// one may match, for rotation) before parsing anything, then parses
    /// it. `organization_id` and `repository.id` of the envelope are left
    /// for the caller to resolve.
    fn receive(
        &self,
        secrets: &[Secret],
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<ReceivedWebhook, WebhookRejection>;
}

/// What a verified delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedWebhook {
    /// A neutral event, ready to enqueue.
    Event(Box<EventEnvelope>),
    /// Verified, but of a kind with no neutral event: answer 2xx, count,
    /// skip. Providers send whatever a hook subscribes to; refusing would
    /// only make them retry.
    Unsupported {
        /// The provider's event name (and action, when there is one).
        event: String,
        action: Option<String>,
        delivery_id: String,
    },
}

/// Longest delivery id accepted, in bytes. Providers send GUIDs (36
/// bytes) or short numbers; an id is stored with every queued event and
/// is the deduplication key, so a longer one is refused as malformed.
pub const MAX_DELIVERY_ID_BYTES: usize = 256;

impl ReceivedWebhook {
    /// The delivery id, whatever the delivery became.
    pub fn delivery_id(&self) -> &str {
        match self {
            ReceivedWebhook::Event(envelope) => &envelope.delivery_id,
            ReceivedWebhook::Unsupported { delivery_id, .. } => delivery_id,
        }
    }

    /// Refuses a delivery id longer than `MAX_DELIVERY_ID_BYTES` (or
    /// empty): every receiver's answer goes through this before it is
    /// queued.
    pub fn check_delivery_id(self) -> Result<Self, WebhookRejection> {
        let len = self.delivery_id().len();
        if len == 0 || len > MAX_DELIVERY_ID_BYTES {
            return Err(WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_invalid_delivery_id",
                format!("the delivery id must be 1-{MAX_DELIVERY_ID_BYTES} bytes"),
            ));
        }
        Ok(self)
    }
}

/// Why a delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Missing or wrong signature or token: 401.
    Unauthenticated,
    /// Missing headers, not JSON, a field the event needs is wrong: 400.
    Malformed,
    /// We cannot verify anything (no secret configured): 503, so that the
    /// provider retries once the configuration is fixed.
    Misconfigured,
}

/// A refused delivery: a kind (the HTTP status), a stable code and a
/// message. Built from codes and header names only, never from secrets
/// or signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRejection {
    pub kind: RejectionKind,
    pub code: &'static str,
    pub message: String,
}

impl WebhookRejection {
    pub fn new(kind: RejectionKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }

    pub fn http_status(&self) -> u16 {
        match self.kind {
            RejectionKind::Unauthenticated => 401,
            RejectionKind::Malformed => 400,
            RejectionKind::Misconfigured => 503,
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for WebhookRejection {}
