//! Signature check of Bitbucket Cloud deliveries.
//!
//! A hook with a secret signs each delivery with
//! `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` — the
//! header name of GitHub's legacy SHA-1 signature, but SHA-256, so
//! GitHub's verifier is not reused. The check runs on the raw bytes before
//! anything is parsed, against every configured secret (rotation) in
//! constant time, without stopping at the first match. Unsigned
//! deliveries are refused when a secret is configured.

use hmac::{Hmac, Mac};
use scm_core::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";

/// Why a signature did not verify. Carries no secret or signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No non-empty secret is configured: nothing can be verified.
    NoSecret,
    /// The header is missing or not `sha256=<64 hex digits>`.
    Malformed,
    /// No secret produces this signature.
    Mismatch,
}

impl SignatureError {
    pub fn code(self) -> &'static str {
        match self {
            SignatureError::NoSecret => "webhook_secret_missing",
            SignatureError::Malformed => "webhook_signature_malformed",
            SignatureError::Mismatch => "webhook_signature_mismatch",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SignatureError::NoSecret => "no webhook secret is configured for Bitbucket",
            SignatureError::Malformed => {
                "the X-Hub-Signature header is missing or not `sha256=<hex>`"
            }
            SignatureError::Mismatch => "the X-Hub-Signature does not match any configured secret",
        }
    }
}

/// Verifies `header_value` = `sha256=<hex HMAC-SHA256(secret, body)>`
/// against every non-empty secret in constant time (no early exit).
pub fn verify_sha256_hex(
    secrets: &[Secret],
    header_value: &[u8],
    body: &[u8],
) -> Result<(), SignatureError> {
    let usable: Vec<&Secret> = secrets.iter().filter(|s| !s.is_empty()).collect();
    if usable.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let hex_part = header_value
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let mut expected = [0u8; 32];
    if hex_part.len() != 64 || hex::decode_to_slice(hex_part, &mut expected).is_err() {
        return Err(SignatureError::Malformed);
    }
    let mut matched = subtle::Choice::from(0u8);
    for secret in usable {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
            continue;
        };
        mac.update(body);
        let actual = mac.finalize().into_bytes();
        matched |= actual.as_slice().ct_eq(&expected);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Verifies a delivery's headers and raw body.
pub fn verify(
    headers: &http::HeaderMap,
    body: &[u8],
    secrets: &[Secret],
) -> Result<(), SignatureError> {
    if secrets.iter().all(|s| s.is_empty()) {
        return Err(SignatureError::NoSecret);
    }
    let header = headers
        .get(SIGNATURE_HEADER)
        .ok_or(SignatureError::Malformed)?;
    verify_sha256_hex(secrets, header.as_bytes(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn any_configured_secret_verifies() {
        let body = br#"{"push":{}}"#;
        let secrets = [Secret::new("old"), Secret::new(""), Secret::new("new")];
        assert_eq!(
            verify_sha256_hex(&secrets, sign("new", body).as_bytes(), body),
            Ok(())
        );
        assert_eq!(
            verify_sha256_hex(&secrets, sign("old", body).as_bytes(), body),
            Ok(())
        );
        assert_eq!(
            verify_sha256_hex(&secrets, sign("other", body).as_bytes(), body),
            Err(SignatureError::Mismatch)
        );
        // One changed byte of the body.
        assert_eq!(
            verify_sha256_hex(&secrets, sign("new", body).as_bytes(), br#"{"push":[]}"#),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_and_missing() {
        let body = b"{}";
        let secrets = [Secret::new("s")];
        // GitHub's legacy SHA-1 form is not accepted.
        let sha1 = format!("sha1={}", "0".repeat(40));
        assert_eq!(
            verify_sha256_hex(&secrets, sha1.as_bytes(), body),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_sha256_hex(&secrets, b"sha256=zz", body),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_sha256_hex(&[], sign("s", body).as_bytes(), body),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(
            verify_sha256_hex(&[Secret::new("")], sign("s", body).as_bytes(), body),
            Err(SignatureError::NoSecret)
        );
        let unsigned = http::HeaderMap::new();
        assert_eq!(
            verify(&unsigned, body, &secrets),
            Err(SignatureError::Malformed)
        );
        assert_eq!(verify(&unsigned, body, &[]), Err(SignatureError::NoSecret));
    }
}
