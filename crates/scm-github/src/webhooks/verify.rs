//! Signature verification, on the raw bytes, before anything is parsed.

use hmac::{Hmac, Mac};
use scm_core::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::sha1::hmac_sha1;
use super::WebhookError;

/// Header with `sha256=<hex HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_256: &str = "x-hub-signature-256";
/// Legacy header with `sha1=<hex HMAC-SHA1(secret, body)>`.
pub const SIGNATURE_SHA1: &str = "x-hub-signature";

/// Checks GitHub webhook signatures against one or more secrets.
///
/// Several secrets exist during a rotation: GitHub signs with the new
/// secret as soon as it is saved, while the old one may still be in
/// flight. Every secret is tried (no early exit, constant-time compares),
/// so timing reveals neither the digest nor which secret matched.
#[derive(Debug, Clone, Default)]
pub struct WebhookVerifier {
    secrets: Vec<Secret>,
    allow_sha1: bool,
}

impl WebhookVerifier {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self {
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
            allow_sha1: false,
        }
    }

    /// Accept `X-Hub-Signature` (HMAC-SHA1) when `X-Hub-Signature-256` is
    /// absent. Off by default: SHA-1 is only for old GitHub Enterprise
    /// Server versions.
    pub fn allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// `Ok` when the body carries a valid signature by any secret.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        verify_with(&self.secrets, self.allow_sha1, headers, body)
    }
}

/// [`WebhookVerifier::verify`] on borrowed secrets, so a caller holding a
/// slice of them (the generic ingress) does not copy them per delivery.
/// Empty secrets are skipped, as [`WebhookVerifier::new`] drops them.
pub(super) fn verify_with(
    secrets: &[Secret],
    allow_sha1: bool,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<(), WebhookError> {
    let mut secrets = secrets.iter().filter(|s| !s.is_empty()).peekable();
    if secrets.peek().is_none() {
        return Err(WebhookError::NoSecret);
    }
    let header = |name: &str| headers.get(name).map(|v| v.as_bytes());
    if let Some(value) = header(SIGNATURE_256) {
        let digest: [u8; 32] = decode(value, b"sha256=")?;
        let mut matched = subtle::Choice::from(0);
        for secret in secrets {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
                .expect("HMAC accepts any key length");
            mac.update(body);
            matched |= mac.finalize().into_bytes().as_slice().ct_eq(&digest);
        }
        return if bool::from(matched) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature)
        };
    }
    match header(SIGNATURE_SHA1) {
        Some(value) if allow_sha1 => {
            let digest: [u8; 20] = decode(value, b"sha1=")?;
            let mut matched = subtle::Choice::from(0);
            for secret in secrets {
                matched |= hmac_sha1(secret.expose().as_bytes(), body)
                    .as_slice()
                    .ct_eq(&digest);
            }
            if bool::from(matched) {
                Ok(())
            } else {
                Err(WebhookError::BadSignature)
            }
        }
        Some(_) => Err(WebhookError::Sha1NotAllowed),
        None => Err(WebhookError::MissingSignature),
    }
}

/// `<prefix><hex>` → the digest, decoded once into a fixed-size array (no
/// allocation); a wrong prefix, length or digit is a bad signature.
fn decode<const N: usize>(value: &[u8], prefix: &[u8]) -> Result<[u8; N], WebhookError> {
    let hex_digest = value
        .strip_prefix(prefix)
        .ok_or(WebhookError::BadSignature)?;
    let mut digest = [0u8; N];
    hex::decode_to_slice(hex_digest, &mut digest).map_err(|_| WebhookError::BadSignature)?;
    Ok(digest)
}
