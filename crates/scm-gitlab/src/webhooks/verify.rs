//! Webhook verification, on the raw bytes, before any parsing.
//!
//! GitLab authenticates deliveries in one of two ways:
//! - a shared secret echoed in `X-Gitlab-Token` (compared in constant
//!   time against every active secret, so secrets can be rotated);
//! - signed webhooks in the Standard Webhooks format: `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//!   "{id}.{timestamp}.{body}">` (several space-separated signatures
//!   possible). Timestamps more than five minutes away are refused. The
//!   signing secret may be given raw or as `whsec_<base64>`.
//!
//! When a delivery carries a signature, the signature decides; the token
//! is only checked when there is no signature.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use scm_core::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signed delivery's timestamp may be from now.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 5 * 60;

/// Which check accepted a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// `X-Gitlab-Token` matched one of the secrets.
    Token,
    /// A `webhook-signature` matched one of the secrets.
    Signature,
}

/// Why a delivery was refused. Never includes a secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// No secret is configured: nothing can be verified.
    NoSecrets,
    /// Neither `X-Gitlab-Token` nor `webhook-signature` was sent.
    Missing,
    /// The token matches no secret.
    BadToken,
    /// No signature matches any secret.
    BadSignature,
    /// `webhook-id` or `webhook-timestamp` is missing or malformed.
    MalformedSignatureHeaders,
    /// The signed timestamp is too far from now.
    Stale,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VerifyError::NoSecrets => "no webhook secret is configured",
            VerifyError::Missing => {
                "the delivery carries neither X-Gitlab-Token nor webhook-signature"
            }
            VerifyError::BadToken => "X-Gitlab-Token does not match",
            VerifyError::BadSignature => "webhook-signature does not match",
            VerifyError::MalformedSignatureHeaders => {
                "webhook-id or webhook-timestamp is missing or malformed"
            }
            VerifyError::Stale => "webhook-timestamp is outside the accepted window",
        })
    }
}

impl std::error::Error for VerifyError {}

impl VerifyError {
    /// A stable code for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::NoSecrets => "no_secrets",
            VerifyError::Missing => "missing_credentials",
            VerifyError::BadToken => "bad_token",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::MalformedSignatureHeaders => "malformed_signature_headers",
            VerifyError::Stale => "stale_timestamp",
        }
    }
}

/// Verifies a delivery against the active secrets, now.
pub fn verify(
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[Secret],
) -> Result<Verified, VerifyError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    verify_at(headers, body, secrets, now)
}

/// [`verify`] at a given Unix time (for tests and replays).
pub fn verify_at(
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[Secret],
    now: i64,
) -> Result<Verified, VerifyError> {
    let secrets: Vec<&Secret> = secrets.iter().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        return Err(VerifyError::NoSecrets);
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(signatures) = header("webhook-signature") {
        let id = header("webhook-id").filter(|v| !v.is_empty());
        let timestamp = header("webhook-timestamp").and_then(|v| v.parse::<i64>().ok());
        let (Some(id), Some(timestamp)) = (id, timestamp) else {
            return Err(VerifyError::MalformedSignatureHeaders);
        };
        // `abs_diff` cannot overflow: `(now - timestamp).abs()` did on
        // `i64::MIN`, before anything was authenticated.
        if now.abs_diff(timestamp) > TIMESTAMP_TOLERANCE_SECS.unsigned_abs() {
            return Err(VerifyError::Stale);
        }
        let mut signed = Vec::with_capacity(id.len() + body.len() + 24);
        signed.extend_from_slice(id.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(timestamp.to_string().as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(body);
        let offered: Vec<Vec<u8>> = signatures
            .split_whitespace()
            .filter_map(|sig| sig.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .collect();
        let mut matched = subtle::Choice::from(0u8);
        for secret in &secrets {
            let expected = sign(&signing_key(secret), &signed);
            for candidate in &offered {
                matched |= expected.as_slice().ct_eq(candidate.as_slice());
            }
        }
        return if bool::from(matched) {
            Ok(Verified::Signature)
        } else {
            Err(VerifyError::BadSignature)
        };
    }
    let Some(token) = headers.get("x-gitlab-token").map(|v| v.as_bytes()) else {
        return Err(VerifyError::Missing);
    };
    // Every secret is compared, whatever matched first.
    let mut matched = subtle::Choice::from(0u8);
    for secret in &secrets {
        matched |= secret.expose().as_bytes().ct_eq(token);
    }
    if bool::from(matched) {
        Ok(Verified::Token)
    } else {
        Err(VerifyError::BadToken)
    }
}

/// The HMAC key: the decoded bytes of a `whsec_` secret, else the secret.
fn signing_key(secret: &Secret) -> Vec<u8> {
    let raw = secret.expose();
    if let Some(encoded) = raw.strip_prefix("whsec_") {
        if let Ok(key) = STANDARD.decode(encoded) {
            return key;
        }
    }
    raw.as_bytes().to_vec()
}

fn sign(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Signs a delivery the way GitLab does: the `webhook-signature` value.
/// For tests and for relaying deliveries.
pub fn signature_header(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!(
        "v1,{}",
        STANDARD.encode(sign(&signing_key(secret), &signed))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn tokens_against_several_secrets() {
        let secrets = [Secret::new("old-secret"), Secret::new("new-secret")];
        let body = b"{}";
        for token in ["old-secret", "new-secret"] {
            let h = headers(&[("x-gitlab-token", token.into())]);
            assert_eq!(verify_at(&h, body, &secrets, NOW), Ok(Verified::Token));
        }
        let wrong = headers(&[("x-gitlab-token", "new-secre".into())]);
        assert_eq!(
            verify_at(&wrong, body, &secrets, NOW),
            Err(VerifyError::BadToken)
        );
        assert_eq!(
            verify_at(&HeaderMap::new(), body, &secrets, NOW),
            Err(VerifyError::Missing)
        );
        assert_eq!(
            verify_at(&headers(&[("x-gitlab-token", "x".into())]), body, &[], NOW),
            Err(VerifyError::NoSecrets)
        );
        assert_eq!(
            verify_at(
                &headers(&[("x-gitlab-token", "".into())]),
                body,
                &[Secret::new("")],
                NOW
            ),
            Err(VerifyError::NoSecrets)
        );
    }

    #[test]
    fn standard_webhooks_signatures() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let secrets = std::slice::from_ref(&secret);
        let other = Secret::new("another");
        let body = br#"{"object_kind":"push"}"#;
        let id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
        let good = signature_header(&secret, id, NOW, body);
        let signed = |sig: String, ts: i64| {
            headers(&[
                ("webhook-id", id.into()),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", sig),
            ])
        };
        assert_eq!(
            verify_at(
                &signed(good.clone(), NOW),
                body,
                &[other.clone(), secret.clone()],
                NOW
            ),
            Ok(Verified::Signature)
        );
        // Several signatures, one valid (rotation on the sender's side).
        let several = format!("v1,AAAA {good} v2,zzz");
        assert_eq!(
            verify_at(&signed(several, NOW), body, secrets, NOW),
            Ok(Verified::Signature)
        );
        // Tampered body.
        assert_eq!(
            verify_at(&signed(good.clone(), NOW), b"{}", secrets, NOW),
            Err(VerifyError::BadSignature)
        );
        // Stale and future timestamps.
        assert_eq!(
            verify_at(&signed(good.clone(), NOW), body, secrets, NOW + 301),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify_at(&signed(good.clone(), NOW), body, secrets, NOW - 301),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify_at(&signed(good.clone(), NOW), body, secrets, NOW + 299),
            Ok(Verified::Signature)
        );
        // Extreme timestamps are stale, never an arithmetic overflow.
        for ts in [i64::MIN, i64::MAX, i64::MIN + 1] {
            assert_eq!(
                verify_at(&signed(good.clone(), ts), body, secrets, NOW),
                Err(VerifyError::Stale),
                "{ts}"
            );
        }
        // Missing id.
        let no_id = headers(&[
            ("webhook-timestamp", NOW.to_string()),
            ("webhook-signature", good.clone()),
        ]);
        assert_eq!(
            verify_at(&no_id, body, secrets, NOW),
            Err(VerifyError::MalformedSignatureHeaders)
        );
        // A valid token does not rescue a bad signature.
        let mut mixed = signed("v1,AAAA".into(), NOW);
        mixed.insert("x-gitlab-token", "another".parse().unwrap());
        assert_eq!(
            verify_at(&mixed, body, &[other], NOW),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn standard_webhooks_reference_vector() {
        // The example from the Standard Webhooks specification.
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature_header(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn errors_never_echo_secrets() {
        let err = verify_at(
            &headers(&[("x-gitlab-token", "guess".into())]),
            b"",
            &[Secret::new("s3cr3t")],
            NOW,
        )
        .unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(!format!("{err:?}").contains("s3cr3t"));
    }
}
