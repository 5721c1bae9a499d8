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
    #[error(
        "{KEY_ENV} is not set; a PostgreSQL registry needs it (32 random bytes as 64 hex \
         digits, e.g. `export {KEY_ENV}=$(openssl rand -hex 32)`), the same on every server"
    )]
    KeyRequired,
    #[error("the key file {path}: {detail}")]
    KeyFile { path: String, detail: String },
    #[error("{KEY_ENV} must be 32 bytes, as 64 hex digits or base64")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong {KEY_ENV} or corrupt row)")]
    Decrypt,
}

/// Where the registry's key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `SCM_SECRET_KEY`.
    Environment,
    /// A key file beside a SQLite registry; `created` when this start made it.
    KeyFile {
        path: std::path::PathBuf,
        created: bool,
    },
    /// A fresh key for an in-memory registry (nothing outlives the process).
    Ephemeral,
}

/// The file of a `sqlite:` URL, or `None` for an in-memory database or
/// another engine.
pub fn sqlite_path(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || rest.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
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

    /// The registry's key: `SCM_SECRET_KEY` when set; otherwise, for a
    /// SQLite registry, the key file beside the database (`<db>.key`,
    /// created with mode 0600 on first use), so `scm serve` needs no setup.
    /// A PostgreSQL registry (shared by several servers) needs the variable.
    pub fn for_registry(database_url: &str) -> Result<(Self, KeySource), CryptoError> {
        match std::env::var(KEY_ENV) {
            Ok(key) => {
                return Ok((
                    Self::from_encoded(&Secret::new(key))?,
                    KeySource::Environment,
                ))
            }
            Err(std::env::VarError::NotUnicode(_)) => return Err(CryptoError::BadKey),
            Err(std::env::VarError::NotPresent) => {}
        }
        if !database_url.starts_with("sqlite:") {
            return Err(CryptoError::KeyRequired);
        }
        let Some(db) = sqlite_path(database_url) else {
            return Ok((
                Self::from_encoded(&Self::generate_key())?,
                KeySource::Ephemeral,
            ));
        };
        let mut path = db.into_os_string();
        path.push(".key");
        let path = std::path::PathBuf::from(path);
        let (key, created) = read_or_create_key_file(&path)?;
        Ok((
            Self::from_encoded(&key)?,
            KeySource::KeyFile { path, created },
        ))
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

/// Reads the key file, or creates it (mode 0600, never overwriting one
/// that appears meanwhile).
fn read_or_create_key_file(path: &std::path::Path) -> Result<(Secret, bool), CryptoError> {
    use std::io::Write;
    let fail = |detail: String| CryptoError::KeyFile {
        path: path.display().to_string(),
        detail,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok((Secret::new(text.trim().to_owned()), false)),
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(fail(format!("cannot be read: {err}")))
        }
        Err(_) => {}
    }
    let key = SecretBox::generate_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(key.expose().as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all())
                .map_err(|err| fail(format!("cannot be written: {err}")))?;
            Ok((key, true))
        }
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            read_or_create_key_file(path)
        }
        Err(err) => Err(fail(format!("cannot be created: {err}"))),
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

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("sqlite://scm.db"), Some("scm.db".into()));
        assert_eq!(
            sqlite_path("sqlite:///var/x.db?mode=rwc"),
            Some("/var/x.db".into())
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[test]
    fn a_key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db.key");
        let (first, created) = read_or_create_key_file(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, created) = read_or_create_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(first, again);
        assert!(SecretBox::from_encoded(&again).is_ok());
    }
}
