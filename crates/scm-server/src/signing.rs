//! Request signing v1.
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
//!
//! The server refuses, in this order: a malformed header (400), a
//! timestamp outside ±5 minutes (401), an unknown or revoked key or a
//! wrong signature (401), a nonce already seen within the window (401,
//! replay), a key whose grants do not cover the organization, referrer or
//! action (403). The nonce is remembered only after the signature
//! verified, so forged requests cannot fill the cache.

use async_trait::async_trait;
use http::HeaderMap;
use scm_core::registry::RepositoryKey;
use scm_core::ActionName;

use crate::error::ApiError;
use crate::nonces::NonceCache;
use crate::registry::{ClientKey, Registry};

// The canonical message and HMAC live in scm-rpc: clients sign with the
// same code the server verifies with.
pub use scm_rpc::signing::{
    new_nonce, unix_now, Signed, DEFAULT_REFERRER, KEY_ID, NONCE, ORGANIZATION, REFERRER,
    REPOSITORY, SIGNATURE, TIMESTAMP, WINDOW_SECS,
};

/// Where verification finds client keys.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn client_key(&self, key_id: &str) -> Result<Option<ClientKey>, ApiError>;
}

#[async_trait]
impl KeyStore for Registry {
    async fn client_key(&self, key_id: &str) -> Result<Option<ClientKey>, ApiError> {
        Registry::client_key(self, key_id).await.map_err(|err| {
            tracing::error!(error = %err, "client key lookup failed");
            ApiError::unavailable("the registry is unavailable")
        })
    }
}

/// A verified request: who signed it and what it is scoped to.
#[derive(Debug, Clone)]
pub struct Verified {
    pub key_id: String,
    pub organization_id: i64,
    pub repository: RepositoryKey,
    pub referrer: String,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::malformed(format!("header `{name}` is not visible ASCII")))
        })
        .transpose()
}

fn required<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, ApiError> {
    header(headers, name)?.ok_or_else(|| ApiError::bad_signature(format!("missing `{name}`")))
}

/// Parses `x-scm-repository`: `5` or `["github","owner/repo"]`.
pub fn parse_repository(raw: &str) -> Result<RepositoryKey, ApiError> {
    serde_json::from_str(raw).map_err(|_| {
        ApiError::malformed(format!(
            "`{REPOSITORY}` must be an id or [\"provider\",\"external id\"]"
        ))
    })
}

/// The signing headers of a request, parsed (nothing verified yet).
struct SignedHeaders<'h> {
    key_id: &'h str,
    timestamp: i64,
    nonce: &'h str,
    organization: &'h str,
    organization_id: i64,
    repository: &'h str,
    repository_key: RepositoryKey,
    referrer: &'h str,
    given: Vec<u8>,
}

impl<'h> SignedHeaders<'h> {
    /// Refuses a missing or malformed header (see the module docs).
    fn parse(headers: &'h HeaderMap) -> Result<Self, ApiError> {
        let key_id = required(headers, KEY_ID)?;
        let timestamp_raw = required(headers, TIMESTAMP)?;
        let nonce = required(headers, NONCE)?;
        let organization = required(headers, ORGANIZATION)?;
        let repository = required(headers, REPOSITORY)?;
        let referrer = header(headers, REFERRER)?.unwrap_or(DEFAULT_REFERRER);
        let signature = required(headers, SIGNATURE)?;

        let timestamp: i64 = timestamp_raw
            .parse()
            .map_err(|_| ApiError::malformed(format!("`{TIMESTAMP}` must be Unix seconds")))?;
        if nonce.len() < 16
            || nonce.len() > 128
            || !nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::malformed(format!(
                "`{NONCE}` must be 16-128 characters of [A-Za-z0-9_-]"
            )));
        }
        let organization_id: i64 = organization
            .parse()
            .map_err(|_| ApiError::malformed(format!("`{ORGANIZATION}` must be an integer")))?;
        let repository_key = parse_repository(repository)?;
        if referrer.is_empty() || referrer.len() > 128 {
            return Err(ApiError::malformed(format!(
                "`{REFERRER}` must be 1-128 characters"
            )));
        }
        let given = signature
            .strip_prefix("v1=")
            .and_then(|hex_sig| hex::decode(hex_sig).ok())
            .ok_or_else(|| ApiError::bad_signature(format!("`{SIGNATURE}` must be v1=<hex>")))?;
        Ok(Self {
            key_id,
            timestamp,
            nonce,
            organization,
            organization_id,
            repository,
            repository_key,
            referrer,
            given,
        })
    }
}

/// Verifies signed requests against a [`KeyStore`].
pub struct Verifier<K> {
    keys: K,
    nonces: std::sync::Arc<dyn crate::nonces::NonceStore>,
    window: i64,
}

impl<K: KeyStore> Verifier<K> {
    pub fn new(keys: K) -> Self {
        Self {
            keys,
            nonces: std::sync::Arc::new(NonceCache::default()),
            window: WINDOW_SECS,
        }
    }

    /// Remembers nonces in `store` instead of this process's memory.
    pub fn with_nonce_store(
        mut self,
        store: std::sync::Arc<dyn crate::nonces::NonceStore>,
    ) -> Self {
        self.nonces = store;
        self
    }

    pub fn keys(&self) -> &K {
        &self.keys
    }

    /// The checks that need no body: well-formed headers, a fresh
    /// timestamp and a known, unrevoked key. The server runs them before
    /// it reads the body, so a request that cannot verify holds no body
    /// memory; [`Verifier::verify`] repeats them.
    pub async fn precheck(&self, headers: &HeaderMap, now: i64) -> Result<(), ApiError> {
        let parsed = SignedHeaders::parse(headers)?;
        self.check_fresh(parsed.timestamp, now)?;
        self.live_key(parsed.key_id).await?;
        Ok(())
    }

    fn check_fresh(&self, timestamp: i64, now: i64) -> Result<(), ApiError> {
        // `abs_diff` cannot overflow (`(now - timestamp).abs()` did on
        // `i64::MIN`, before anything was authenticated).
        if now.abs_diff(timestamp) > self.window.unsigned_abs() {
            return Err(ApiError::stale(format!(
                "the timestamp is more than {} seconds from the server's clock",
                self.window
            )));
        }
        Ok(())
    }

    async fn live_key(&self, key_id: &str) -> Result<ClientKey, ApiError> {
        self.keys
            .client_key(key_id)
            .await?
            .filter(|key| !key.record.revoked)
            .ok_or_else(|| ApiError::bad_signature("unknown or revoked key"))
    }

    /// Verifies the signature, freshness, nonce and grants of a request
    /// whose body has already been read under the size cap (and not
    /// parsed). `action` is checked against the key's action grants.
    pub async fn verify(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        action: Option<ActionName>,
        now: i64,
    ) -> Result<Verified, ApiError> {
        let h = SignedHeaders::parse(headers)?;
        self.check_fresh(h.timestamp, now)?;
        let key = self.live_key(h.key_id).await?;

        let signed = Signed {
            method,
            path,
            timestamp: h.timestamp,
            nonce: h.nonce,
            organization: h.organization,
            repository: h.repository,
            referrer: h.referrer,
            body,
        };
        // Compared in constant time.
        if !signed.verify(&key.secret, &h.given) {
            return Err(ApiError::bad_signature("the signature does not match"));
        }

        let expires = h.timestamp.saturating_add(self.window).saturating_add(1);
        if !self
            .nonces
            .insert(format!("{}:{}", h.key_id, h.nonce), now, expires)
            .await
        {
            return Err(ApiError::replayed());
        }

        let grants = &key.record.grants;
        if !grants.allows_organization(h.organization_id) {
            return Err(ApiError::grant("the key is not granted this organization"));
        }
        if !grants.allows_referrer(h.referrer) {
            return Err(ApiError::grant("the key is not granted this referrer"));
        }
        if let Some(action) = action {
            if !grants.allows_action(action) {
                return Err(ApiError::grant(format!(
                    "the key is not granted the action `{action}`"
                )));
            }
        }
        Ok(Verified {
            key_id: h.key_id.to_owned(),
            organization_id: h.organization_id,
            repository: h.repository_key,
            referrer: h.referrer.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{ClientRecord, Grants};
    use scm_core::Secret;

    struct Keys(Vec<ClientKey>);

    #[async_trait]
    impl KeyStore for Keys {
        async fn client_key(&self, key_id: &str) -> Result<Option<ClientKey>, ApiError> {
            Ok(self.0.iter().find(|k| k.record.key_id == key_id).cloned())
        }
    }

    fn key(id: &str, secret: &str, revoked: bool) -> ClientKey {
        ClientKey {
            record: ClientRecord {
                key_id: id.into(),
                name: id.into(),
                grants: Grants {
                    organizations: vec![10],
                    referrers: vec!["shared".into(), "ci".into()],
                    actions: Some(vec!["get_issue".into()]),
                },
                revoked,
            },
            secret: Secret::new(secret),
        }
    }

    fn verifier() -> Verifier<Keys> {
        Verifier::new(Keys(vec![
            key("old", "s-old", false),
            key("new", "s-new", false),
            key("gone", "s-gone", true),
        ]))
    }

    const NOW: i64 = 1_700_000_000;

    fn request(key_id: &str, secret: &str, nonce: &str) -> (HeaderMap, Vec<u8>) {
        let body = br#"{"issue_id":"1"}"#.to_vec();
        let signed = Signed {
            method: "POST",
            path: "/v1/actions/get_issue",
            timestamp: NOW,
            nonce,
            organization: "10",
            repository: "5",
            referrer: "ci",
            body: &body,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in signed.headers(key_id, &Secret::new(secret)) {
            headers.insert(name, value.parse().unwrap());
        }
        (headers, body)
    }

    async fn check(
        v: &Verifier<Keys>,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Verified, ApiError> {
        v.verify(
            "POST",
            "/v1/actions/get_issue",
            headers,
            body,
            Some(ActionName::GetIssue),
            now,
        )
        .await
    }

    #[tokio::test]
    async fn accepts_both_rotated_keys_once() {
        let v = verifier();
        let (h, b) = request("old", "s-old", "nonce-aaaaaaaaaaaaaaaa");
        let ok = check(&v, &h, &b, NOW + 10).await.unwrap();
        assert_eq!(ok.organization_id, 10);
        assert_eq!(ok.repository, RepositoryKey::Id(5));
        assert_eq!(ok.referrer, "ci");
        let (h2, b2) = request("new", "s-new", "nonce-bbbbbbbbbbbbbbbb");
        check(&v, &h2, &b2, NOW).await.unwrap();
        assert_eq!(
            check(&v, &h, &b, NOW).await.unwrap_err().code,
            "rpc_replayed_request"
        );
    }

    #[tokio::test]
    async fn refusals_have_codes() {
        let v = verifier();
        let code = |r: Result<Verified, ApiError>| r.unwrap_err();
        let (h, b) = request("old", "s-old", "nonce-cccccccccccccccc");
        let err = code(check(&v, &h, &b, NOW + WINDOW_SECS + 1).await);
        assert_eq!((err.code, err.status), ("rpc_stale_request", 401));
        let err = code(check(&v, &h, &b, NOW - WINDOW_SECS - 1).await);
        assert_eq!(err.code, "rpc_stale_request");

        // Extreme timestamps are stale, never an arithmetic overflow.
        for ts in ["-9223372036854775808", "9223372036854775807"] {
            let (mut h, b) = request("old", "s-old", "nonce-cccccccccccccccc");
            h.insert(TIMESTAMP, ts.parse().unwrap());
            assert_eq!(code(check(&v, &h, &b, NOW).await).code, "rpc_stale_request");
        }

        let (h, b) = request("old", "wrong", "nonce-dddddddddddddddd");
        assert_eq!(
            code(check(&v, &h, &b, NOW).await).code,
            "rpc_invalid_signature"
        );
        let (h, b) = request("gone", "s-gone", "nonce-eeeeeeeeeeeeeeee");
        assert_eq!(
            code(check(&v, &h, &b, NOW).await).code,
            "rpc_invalid_signature"
        );
        let (h, b) = request("nobody", "x", "nonce-ffffffffffffffff");
        assert_eq!(code(check(&v, &h, &b, NOW).await).status, 401);

        // Tampering with any signed header or the body breaks the signature.
        for (name, value) in [
            (ORGANIZATION, "11"),
            (REPOSITORY, "6"),
            (REFERRER, "shared"),
            (TIMESTAMP, "1700000001"),
            (NONCE, "nonce-zzzzzzzzzzzzzzzz"),
        ] {
            let (mut h, b) = request("old", "s-old", "nonce-gggggggggggggggg");
            h.insert(name, value.parse().unwrap());
            assert_eq!(
                code(check(&v, &h, &b, NOW).await).code,
                "rpc_invalid_signature",
                "tampered {name}"
            );
        }
        let (h, _) = request("old", "s-old", "nonce-hhhhhhhhhhhhhhhh");
        assert_eq!(
            code(check(&v, &h, br#"{"issue_id":"2"}"#, NOW).await).code,
            "rpc_invalid_signature"
        );

        let (mut h, b) = request("old", "s-old", "nonce-iiiiiiiiiiiiiiii");
        h.remove(SIGNATURE);
        assert_eq!(code(check(&v, &h, &b, NOW).await).status, 401);
        h.insert(ORGANIZATION, "ten".parse().unwrap());
        h.insert(SIGNATURE, "v1=00".parse().unwrap());
        assert_eq!(
            code(check(&v, &h, &b, NOW).await).code,
            "rpc_malformed_request"
        );
    }

    #[tokio::test]
    async fn grants_are_enforced_after_the_signature() {
        let v = verifier();
        let body = b"{}".to_vec();
        let sign =
            |org: &'static str, referrer: &'static str, path: &'static str, nonce: &'static str| {
                let signed = Signed {
                    method: "POST",
                    path,
                    timestamp: NOW,
                    nonce,
                    organization: org,
                    repository: "5",
                    referrer,
                    body: &body,
                };
                let mut headers = HeaderMap::new();
                for (name, value) in signed.headers("old", &Secret::new("s-old")) {
                    headers.insert(name, value.parse().unwrap());
                }
                headers
            };
        let h = sign(
            "11",
            "ci",
            "/v1/actions/get_issue",
            "nonce-jjjjjjjjjjjjjjjj",
        );
        let err = v
            .verify(
                "POST",
                "/v1/actions/get_issue",
                &h,
                &body,
                Some(ActionName::GetIssue),
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!((err.code, err.status), ("rpc_invalid_grant", 403));
        let h = sign(
            "10",
            "other",
            "/v1/actions/get_issue",
            "nonce-kkkkkkkkkkkkkkkk",
        );
        let err = v
            .verify(
                "POST",
                "/v1/actions/get_issue",
                &h,
                &body,
                Some(ActionName::GetIssue),
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, "rpc_invalid_grant");
        let h = sign(
            "10",
            "ci",
            "/v1/actions/create_issue",
            "nonce-llllllllllllllll",
        );
        let err = v
            .verify(
                "POST",
                "/v1/actions/create_issue",
                &h,
                &body,
                Some(ActionName::CreateIssue),
                NOW,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, "rpc_invalid_grant");
    }
}
