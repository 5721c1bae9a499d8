//! Shared test setup: a provider over a local server (mock or prism),
//! authenticated by the crate's own auth layer, and the corpus.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scm_bitbucket::auth::AuthTransport;
use scm_bitbucket::{Bitbucket, BitbucketAuth, BitbucketConfig};
use scm_core::provider::CallContext;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{ReqwestTransport, Transport};
use scm_core::Secret;

pub const TOKEN: &str = "bb-access-token-0123456789";
pub const WEB: &str = "https://bitbucket.org";
/// The repository every test acts on.
pub const FULL_NAME: &str = "acme/widgets";
pub const REPO: &str = "/repositories/acme/widgets";
pub const SHA: &str = "a6e5e7d797edf751cbd839d6bd4aef86c941eec9";
pub const SHA2: &str = "5be6855032e171280a1acb860d7265c29f40487c";

pub fn http() -> Arc<dyn Transport> {
    Arc::new(ReqwestTransport::new(Duration::from_secs(30)).unwrap())
}

pub fn config(server_uri: &str) -> BitbucketConfig {
    BitbucketConfig::custom(server_uri, WEB).unwrap()
}

/// A provider talking to `server_uri` with a Bearer access token, over `inner`.
pub fn bitbucket_over(server_uri: &str, inner: Arc<dyn Transport>) -> Bitbucket {
    let config = config(server_uri);
    let auth =
        AuthTransport::new(&config, BitbucketAuth::Bearer(Secret::new(TOKEN)), inner).unwrap();
    Bitbucket::new(config, Arc::new(auth)).unwrap()
}

pub fn bitbucket(server_uri: &str) -> Bitbucket {
    bitbucket_over(server_uri, http())
}

pub fn ctx() -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("bitbucket", FULL_NAME)),
        "tests",
    )
}

/// A file or folder of the Bitbucket Cloud corpus, or `None` (said once).
pub fn corpus(relative: &str) -> Option<PathBuf> {
    scm_testkit::paths::corpus_or_skip(format!("bitbucket-cloud/{relative}"))
}

pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
