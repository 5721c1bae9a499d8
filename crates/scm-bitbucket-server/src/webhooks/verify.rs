//! Webhook verification, on the raw bytes, before any parsing.
//!
//! Data Center signs a delivery when its webhook has a secret:
//! `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. The check
//! itself (every active secret, constant time, no early exit) is the
//! platform's shared [`verify_sha256_hex`]; this module only picks the
//! header.

use http::HeaderMap;
use scm_core::events::signature::{verify_sha256_hex, SignatureError};
use scm_core::Secret;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";

/// A stable code for a refusal, for rejections, metrics and logs.
pub fn refusal_code(err: SignatureError) -> &'static str {
    match err {
        SignatureError::NoSecret => "no_secrets",
        SignatureError::Malformed => "malformed_signature",
        SignatureError::Mismatch => "bad_signature",
    }
}

/// Verifies a delivery's `X-Hub-Signature` header against the secrets.
pub fn verify(headers: &HeaderMap, body: &[u8], secrets: &[Secret]) -> Result<(), SignatureError> {
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
    use scm_core::events::signature::sign_sha256_hex;

    use super::*;

    #[test]
    fn the_header_is_checked_against_every_secret() {
        let body = br#"{"eventKey":"repo:refs_changed"}"#;
        let secrets = [Secret::new("old-secret"), Secret::new("new-secret")];
        let mut headers = HeaderMap::new();
        assert_eq!(
            verify(&headers, body, &secrets),
            Err(SignatureError::Malformed)
        );
        headers.insert(
            SIGNATURE_HEADER,
            sign_sha256_hex(&secrets[1], body).parse().unwrap(),
        );
        assert_eq!(verify(&headers, body, &secrets), Ok(()));
        assert_eq!(
            verify(&headers, b"tampered", &secrets),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&headers, body, &[Secret::new("")]),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(refusal_code(SignatureError::Mismatch), "bad_signature");
    }
}
