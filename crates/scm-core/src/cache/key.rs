//! Cache keys: who may see an entry, and which request it answers.

use sha2::{Digest, Sha256};

use crate::transport::HttpRequest;

/// The tenant part of every key: entries stored under one scope are never
/// served to another. [`crate::registration::connect`] builds it from the
/// integration's quota bucket and the credential's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheScope(String);

impl CacheScope {
    /// A scope for one integration and one credential identity.
    pub fn new(bucket: &str, identity: &str) -> Self {
        Self(format!("{bucket}\u{1f}{identity}"))
    }

    /// The store key of `request`: a SHA-256 over the scope, the method,
    /// the full URL and the `Accept` header, so keys have a fixed length
    /// and reveal nothing about the tenant or the URL.
    pub fn key(&self, request: &HttpRequest) -> String {
        let accept = request
            .headers()
            .get(http::header::ACCEPT)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        let mut hash = Sha256::new();
        for part in [
            self.0.as_bytes(),
            request.method().as_str().as_bytes(),
            request.uri().to_string().as_bytes(),
            accept,
        ] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        hex::encode(hash.finalize())
    }
}

/// The request's values of the headers an answer's `Vary` names
/// (lower-case names, sorted; a missing header is an empty value).
/// `Vary: *` never matches, so such an answer is not stored.
pub fn vary_values(vary: &[String], headers: &http::HeaderMap) -> Option<Vec<(String, String)>> {
    let mut values = Vec::new();
    for name in vary {
        if name == "*" {
            return None;
        }
        let value = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        values.push((name.clone(), value.to_owned()));
    }
    values.sort();
    Some(values)
}

/// The header names of every `Vary` header, lower-cased.
pub fn vary_names(headers: &http::HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str, accept: &str) -> HttpRequest {
        http::Request::get(uri)
            .header("accept", accept)
            .body(Default::default())
            .unwrap()
    }

    #[test]
    fn keys_separate_scopes_urls_and_media_types() {
        let a = CacheScope::new("integration:1", "token");
        let b = CacheScope::new("integration:2", "token");
        let request = get("http://x/repos/o/r/issues/1", "application/json");
        assert_eq!(a.key(&request), a.key(&request));
        assert_ne!(a.key(&request), b.key(&request));
        assert_ne!(
            a.key(&request),
            a.key(&get(
                "http://x/repos/o/r/issues/1?page=2",
                "application/json"
            ))
        );
        assert_ne!(
            a.key(&request),
            a.key(&get("http://x/repos/o/r/issues/1", "text/plain"))
        );
    }

    #[test]
    fn vary_names_the_request_values_that_must_match() {
        let mut headers = http::HeaderMap::new();
        headers.append("vary", "Accept, Authorization".parse().unwrap());
        headers.append("vary", "Accept-Encoding".parse().unwrap());
        let names = vary_names(&headers);
        assert_eq!(names, ["accept", "authorization", "accept-encoding"]);
        let values = vary_values(&names, get("http://x/", "a/b").headers()).unwrap();
        assert!(values.contains(&("accept".into(), "a/b".into())));
        assert!(vary_values(&["*".into()], get("http://x/", "a/b").headers()).is_none());
    }
}
