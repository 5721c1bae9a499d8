//! `sha256=<hex>` webhook signatures, checked on the raw bytes.
//!
//! Several providers sign a delivery with a hex HMAC-SHA256 of the body
//! behind a `sha256=` prefix (under different header names). Checking it is
//! the same everywhere, so it lives here once; each provider's receiver
//! picks the header. Every secret is tried with constant-time compares and
//! no early exit, so timing reveals neither the digest nor which secret
//! matched (several are active during a rotation).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::secret::Secret;

/// Why a signature did not verify. Carries no part of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No non-empty secret is configured: nothing can be verified.
    #[error("no webhook secret is configured")]
    NoSecret,
    /// The value is not `sha256=` followed by 64 hex digits.
    #[error("the signature is not `sha256=` and 64 hex digits")]
    Malformed,
    /// Well formed, but no secret produces it.
    #[error("the signature does not match")]
    Mismatch,
}

/// Verifies `header_value` = `sha256=<hex HMAC-SHA256(secret, body)>`
/// against every non-empty secret.
pub fn verify_sha256_hex(
    secrets: &[Secret],
    header_value: &[u8],
    body: &[u8],
) -> Result<(), SignatureError> {
    let mut secrets = secrets.iter().filter(|s| !s.is_empty()).peekable();
    if secrets.peek().is_none() {
        return Err(SignatureError::NoSecret);
    }
    let hex_digest = header_value
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_digest, &mut digest).map_err(|_| SignatureError::Malformed)?;
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        matched |= sign(secret, body).as_slice().ct_eq(&digest);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `sha256=<hex>` of `body` under `secret`: what a provider sends (for
/// tests and for signing deliveries we send ourselves).
pub fn sign_sha256_hex(secret: &Secret, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(sign(secret, body)))
}

fn sign(secret: &Secret, body: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_active_secret_verifies_and_nothing_else_does() {
        let body = b"{\"a\":1}";
        let old = Secret::new("old");
        let new = Secret::new("new");
        let signed = sign_sha256_hex(&new, body);
        let secrets = [Secret::new(""), old.clone(), new];
        assert_eq!(verify_sha256_hex(&secrets, signed.as_bytes(), body), Ok(()));
        assert_eq!(
            verify_sha256_hex(std::slice::from_ref(&old), signed.as_bytes(), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_sha256_hex(std::slice::from_ref(&old), signed.as_bytes(), b"{\"a\":2}"),
            Err(SignatureError::Mismatch)
        );
        for bad in [&b"sha1=00"[..], b"sha256=zz", b"sha256=", b""] {
            assert_eq!(
                verify_sha256_hex(std::slice::from_ref(&old), bad, body),
                Err(SignatureError::Malformed)
            );
        }
        assert_eq!(
            verify_sha256_hex(&[Secret::new("")], signed.as_bytes(), body),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn matches_github_s_documented_example() {
        // GitHub's documentation: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        let secret = Secret::new("It's a Secret to Everybody");
        assert_eq!(
            sign_sha256_hex(&secret, b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
