//! Webhook verification, on the raw bytes, before any parsing.
//!
//! Data Center signs a delivery when its webhook has a secret:
//! `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. Every active
//! secret is tried (rotation), each in constant time and without an early
//! exit, so timing says nothing about which secret or how much matched.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use scm_core::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";

/// Why a signature was refused. Never includes a secret or a signature.
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
    /// A stable code for rejections, metrics and logs.
    pub fn code(self) -> &'static str {
        match self {
            SignatureError::NoSecret => "no_secrets",
            SignatureError::Malformed => "malformed_signature",
            SignatureError::Mismatch => "bad_signature",
        }
    }
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::NoSecret => "no webhook secret is configured",
            SignatureError::Malformed => "X-Hub-Signature is missing or not `sha256=<hex>`",
            SignatureError::Mismatch => "X-Hub-Signature does not match",
        })
    }
}

impl std::error::Error for SignatureError {}

/// Verifies `header_value` = `sha256=<hex HMAC-SHA256(secret, body)>`
/// against every non-empty secret in constant time (no early exit).
pub fn verify_sha256_hex(
    secrets: &[Secret],
    header_value: &[u8],
    body: &[u8],
) -> Result<(), SignatureError> {
    let secrets: Vec<&Secret> = secrets.iter().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let hex_part = header_value
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let hex_part = std::str::from_utf8(hex_part)
        .map_err(|_| SignatureError::Malformed)?
        .trim();
    let given = hex::decode(hex_part).map_err(|_| SignatureError::Malformed)?;
    if given.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
            continue;
        };
        mac.update(body);
        let expected = mac.finalize().into_bytes();
        matched |= expected.as_slice().ct_eq(&given);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Verifies a delivery's `X-Hub-Signature` header.
pub fn verify(headers: &HeaderMap, body: &[u8], secrets: &[Secret]) -> Result<(), SignatureError> {
    if secrets.iter().all(|s| s.is_empty()) {
        return Err(SignatureError::NoSecret);
    }
    let header = headers
        .get(SIGNATURE_HEADER)
        .ok_or(SignatureError::Malformed)?;
    verify_sha256_hex(secrets, header.as_bytes(), body)
}

/// `sha256=<hex>` for `body` (to sign test deliveries and replays).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_active_secret_matches() {
        let body = br#"{"eventKey":"repo:refs_changed"}"#;
        let header = sign("new-secret", body);
        let secrets = [Secret::new("old-secret"), Secret::new("new-secret")];
        assert_eq!(verify_sha256_hex(&secrets, header.as_bytes(), body), Ok(()));
        assert_eq!(
            verify_sha256_hex(&secrets[..1], header.as_bytes(), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_sha256_hex(&secrets, header.as_bytes(), b"tampered"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_sha256_hex(&[Secret::new("")], header.as_bytes(), body),
            Err(SignatureError::NoSecret)
        );
        for bad in ["sha1=abcd", "sha256=zz", "sha256=abcd", ""] {
            assert_eq!(
                verify_sha256_hex(&secrets, bad.as_bytes(), body),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        let mut headers = HeaderMap::new();
        assert_eq!(
            verify(&headers, body, &secrets),
            Err(SignatureError::Malformed)
        );
        headers.insert(SIGNATURE_HEADER, header.parse().unwrap());
        assert_eq!(verify(&headers, body, &secrets), Ok(()));
        assert!(!SignatureError::Mismatch.to_string().contains("secret"));
    }
}
