//! Signature check of Bitbucket Cloud deliveries.
//!
//! A hook with a secret signs each delivery with
//! `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` — the
//! header name of GitHub's legacy SHA-1 signature, but SHA-256, so only
//! the `sha256=` form is accepted. The check runs on the raw bytes before
//! anything is parsed, against every configured secret (rotation) in
//! constant time ([`scm_core::events::signature::verify_sha256_hex`]).
//! Unsigned deliveries are refused when a secret is configured.

use scm_core::events::signature::{verify_sha256_hex, SignatureError};
use scm_core::Secret;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";

/// A stable code for a refused signature.
pub fn code(err: &SignatureError) -> &'static str {
    match err {
        SignatureError::NoSecret => "webhook_secret_missing",
        SignatureError::Malformed => "webhook_signature_malformed",
        SignatureError::Mismatch => "webhook_signature_mismatch",
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
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    fn headers(signature: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        h
    }

    #[test]
    fn any_configured_secret_verifies() {
        let body = br#"{"push":{}}"#;
        let secrets = [Secret::new("old"), Secret::new(""), Secret::new("new")];
        assert_eq!(verify(&headers(&sign("new", body)), body, &secrets), Ok(()));
        assert_eq!(verify(&headers(&sign("old", body)), body, &secrets), Ok(()));
        assert_eq!(
            verify(&headers(&sign("other", body)), body, &secrets),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&headers(&sign("new", body)), br#"{"push":[]}"#, &secrets),
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
            verify(&headers(&sha1), body, &secrets),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&headers("sha256=zz"), body, &secrets),
            Err(SignatureError::Malformed)
        );
        let unsigned = http::HeaderMap::new();
        assert_eq!(
            verify(&unsigned, body, &secrets),
            Err(SignatureError::Malformed)
        );
        assert_eq!(verify(&unsigned, body, &[]), Err(SignatureError::NoSecret));
        assert_eq!(
            verify(&headers(&sign("s", body)), body, &[Secret::new("")]),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(
            code(&SignatureError::Mismatch),
            "webhook_signature_mismatch"
        );
    }
}
