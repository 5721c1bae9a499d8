//! Request signing v1: the one implementation clients sign with and the
//! server verifies with.
//!
//! The client sends these headers:
//!
//! | header | value |
//! |---|---|
//! | `x-scm-key-id` | the client key id (several may be active: rotation) |
//! | `x-scm-timestamp` | Unix seconds |
//! | `x-scm-nonce` | 16–128 characters `[A-Za-z0-9_-]`, unique per request |
//! | `x-scm-organization` | the organization id |
//! | `x-scm-repository` | compact JSON: `5` or `["github","owner/repo"]` |
//! | `x-scm-referrer` | the referrer (default `shared`) |
//! | `x-scm-signature` | `v1=<hex HMAC-SHA256(secret, canonical)>` |
//!
//! The canonical message is the lines `scm-rpc-v1`, method, path,
//! timestamp, nonce, organization, repository, referrer and the hex
//! SHA-256 of the body, joined by `\n`. Every header that picks what the
//! request acts on is inside the signature, so none can be swapped.

use hmac::{Hmac, Mac};
use scm_core::Secret;
use sha2::{Digest, Sha256};

pub const KEY_ID: &str = "x-scm-key-id";
pub const TIMESTAMP: &str = "x-scm-timestamp";
pub const NONCE: &str = "x-scm-nonce";
pub const ORGANIZATION: &str = "x-scm-organization";
pub const REPOSITORY: &str = "x-scm-repository";
pub const REFERRER: &str = "x-scm-referrer";
pub const SIGNATURE: &str = "x-scm-signature";

/// The accepted clock skew, each way.
pub const WINDOW_SECS: i64 = 300;
/// The default referrer when the header is absent.
pub const DEFAULT_REFERRER: &str = "shared";

/// What a signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: i64,
    pub nonce: &'a str,
    pub organization: &'a str,
    pub repository: &'a str,
    pub referrer: &'a str,
    pub body: &'a [u8],
}

impl Signed<'_> {
    pub fn canonical(&self) -> String {
        format!(
            "scm-rpc-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            self.path,
            self.timestamp,
            self.nonce,
            self.organization,
            self.repository,
            self.referrer,
            hex::encode(Sha256::digest(self.body)),
        )
    }

    fn mac(&self, secret: &Secret) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
            .expect("HMAC accepts any key length");
        mac.update(self.canonical().as_bytes());
        mac
    }

    /// `hex(HMAC-SHA256(secret, canonical))`.
    pub fn signature(&self, secret: &Secret) -> String {
        hex::encode(self.mac(secret).finalize().into_bytes())
    }

    /// Whether `given` (raw bytes, not hex) is this request's signature
    /// under `secret`, compared in constant time.
    pub fn verify(&self, secret: &Secret, given: &[u8]) -> bool {
        self.mac(secret).verify_slice(given).is_ok()
    }

    /// The headers a client sends for this request.
    pub fn headers(&self, key_id: &str, secret: &Secret) -> Vec<(&'static str, String)> {
        vec![
            (KEY_ID, key_id.to_owned()),
            (TIMESTAMP, self.timestamp.to_string()),
            (NONCE, self.nonce.to_owned()),
            (ORGANIZATION, self.organization.to_owned()),
            (REPOSITORY, self.repository.to_owned()),
            (REFERRER, self.referrer.to_owned()),
            (SIGNATURE, format!("v1={}", self.signature(secret))),
        ]
    }
}

/// A fresh random nonce.
pub fn new_nonce() -> String {
    use rand::RngCore;
    let mut buf = [0u8; 16];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Signed<'static> {
        Signed {
            method: "post",
            path: "/v1/actions/get_issue",
            timestamp: 1,
            nonce: "n",
            organization: "10",
            repository: "[\"github\",\"o/r\"]",
            referrer: "shared",
            body: b"",
        }
    }

    #[test]
    fn canonical_form_is_stable() {
        assert_eq!(
            sample().canonical(),
            "scm-rpc-v1\nPOST\n/v1/actions/get_issue\n1\nn\n10\n[\"github\",\"o/r\"]\nshared\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn signatures_verify_only_with_their_secret() {
        let secret = Secret::new("s3cret");
        let signature = hex::decode(sample().signature(&secret)).unwrap();
        assert!(sample().verify(&secret, &signature));
        assert!(!sample().verify(&Secret::new("other"), &signature));
        let moved = Signed {
            referrer: "ci",
            ..sample()
        };
        assert!(!moved.verify(&secret, &signature));
        let headers = sample().headers("key_1", &secret);
        assert!(headers.iter().all(|(_, value)| !value.contains("s3cret")));
    }
}
