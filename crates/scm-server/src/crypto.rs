//! Encryption at rest for credentials and client secrets.
//!
//! AES-256-GCM with a random 96-bit nonce per value; stored as
//! `v1:<base64(nonce ‖ ciphertext)>`. The key comes from the environment
//! (`SCM_SECRET_KEY`: 32 bytes as 64 hex digits or base64), never from the
//! config file, so a copy of the database alone reveals nothing.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use scm_core::Secret;

/// The environment variable holding the key.
pub const KEY_ENV: &str = "SCM_SECRET_KEY";

const PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("{KEY_ENV} is not set")]
    MissingKey,
    #[error("{KEY_ENV} must be 32 bytes, as 64 hex digits or base64")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong {KEY_ENV} or corrupt row)")]
    Decrypt,
}

/// Seals and opens values with one key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    /// A box from the 32-byte key encoded as hex or base64.
    pub fn from_encoded(key: &Secret) -> Result<Self, CryptoError> {
        let raw = key.expose().trim();
        let bytes = if raw.len() == 64 {
            hex::decode(raw).map_err(|_| CryptoError::BadKey)?
        } else {
            STANDARD.decode(raw).map_err(|_| CryptoError::BadKey)?
        };
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A box from `SCM_SECRET_KEY`.
    pub fn from_env() -> Result<Self, CryptoError> {
        let key = std::env::var(KEY_ENV).map_err(|_| CryptoError::MissingKey)?;
        Self::from_encoded(&Secret::new(key))
    }

    /// A fresh random key, hex encoded (for `scm` admin setup and tests).
    pub fn generate_key() -> Secret {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Secret::new(hex::encode(key))
    }

    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, CryptoError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(CryptoError::Decrypt)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| CryptoError::Decrypt)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let a = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
        let b = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
        let sealed = a.seal(b"ghp_token");
        assert!(!sealed.contains("ghp_token"));
        assert_ne!(sealed, a.seal(b"ghp_token"), "nonces are random");
        assert_eq!(a.open(&sealed).unwrap(), b"ghp_token");
        assert_eq!(b.open(&sealed), Err(CryptoError::Decrypt));
        assert_eq!(a.open("v1:AAAA"), Err(CryptoError::Decrypt));
    }

    #[test]
    fn key_encodings() {
        let b64 = STANDARD.encode([7u8; 32]);
        assert!(SecretBox::from_encoded(&Secret::new(b64)).is_ok());
        assert!(SecretBox::from_encoded(&Secret::new(hex::encode([7u8; 32]))).is_ok());
        assert_eq!(
            SecretBox::from_encoded(&Secret::new("short")).unwrap_err(),
            CryptoError::BadKey
        );
    }
}
