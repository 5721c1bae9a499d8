//! RPC v1 signing headers: any header values (one `name: value` per
//! line) through the checks the server runs before reading the body, and
//! through full verification against a key store with one key.
#![no_main]

use async_trait::async_trait;
use libfuzzer_sys::fuzz_target;
use scm_server::error::ApiError;
use scm_server::registry::ClientKey;
use scm_server::signing::{KeyStore, Verifier};

struct NoKeys;

#[async_trait]
impl KeyStore for NoKeys {
    async fn client_key(&self, _key_id: &str) -> Result<Option<ClientKey>, ApiError> {
        Ok(None)
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut headers = http::HeaderMap::new();
    for line in text.lines() {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(name, value);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let verifier = Verifier::new(NoKeys);
    runtime.block_on(async {
        let _ = verifier.precheck(&headers, 1_700_000_000).await;
        let _ = verifier
            .verify(
                "POST",
                "/v1/actions/get_issue",
                &headers,
                b"{}",
                None,
                1_700_000_000,
            )
            .await;
    });
});
