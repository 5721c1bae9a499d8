//! What the webhook targets share: turning fuzz input into a delivery
//! signed the way Bitbucket (Cloud and Data Center) sign theirs.

use bytes::Bytes;
use scm_core::Secret;

/// The secret every webhook target configures and signs with.
pub const SECRET: &str = "fuzz-webhook-secret";

/// The headers of a provider that signs deliveries with
/// `X-Hub-Signature: sha256=<hex HMAC of the body>`.
pub struct HubSigned {
    pub event_header: &'static str,
    pub delivery_header: &'static str,
    pub signature_header: &'static str,
}

impl HubSigned {
    /// Input: the event key, a newline, the body (no newline: the body
    /// under `default_event`). The body is signed with [`SECRET`] so the
    /// parser behind the check is reached; an event key starting with `!`
    /// sends it unsigned.
    pub fn delivery(&self, data: &[u8], default_event: &'static str) -> (http::HeaderMap, Bytes) {
        let (event, body) = match data.iter().position(|&b| b == b'\n') {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (default_event.as_bytes(), data),
        };
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_bytes(event) {
            headers.insert(self.event_header, value);
        }
        headers.insert(
            self.delivery_header,
            http::HeaderValue::from_static("{c9ee4d0e-5f57-4c1b-9e0a-6f3a0d2f7b11}"),
        );
        if !event.starts_with(b"!") {
            let signature =
                scm_core::events::signature::sign_sha256_hex(&Secret::new(SECRET), body);
            if let Ok(value) = http::HeaderValue::from_str(&signature) {
                headers.insert(self.signature_header, value);
            }
        }
        (headers, Bytes::copy_from_slice(body))
    }
}
