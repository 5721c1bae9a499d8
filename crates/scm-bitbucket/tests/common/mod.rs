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

/// A file or folder of the Bitbucket Cloud corpus.
pub fn corpus(relative: &str) -> PathBuf {
    scm_testkit::paths::corpus(format!("bitbucket-cloud/{relative}"))
}

pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The corpus files and their `X-Event-Key` (from the corpus README: Cloud
/// payloads carry no key of their own).
pub const CORPUS: &[(&str, &str)] = &[
    ("push.json", "repo:push"),
    ("push_branch_create.json", "repo:push"),
    ("push_branch_delete.json", "repo:push"),
    ("push_tag_create.json", "repo:push"),
    ("push_tag_delete.json", "repo:push"),
    ("pr_created.json", "pullrequest:created"),
    ("pr_updated.json", "pullrequest:updated"),
    ("pr_fulfilled.json", "pullrequest:fulfilled"),
    ("pr_declined.json", "pullrequest:rejected"),
    ("pr_comment_created.json", "pullrequest:comment_created"),
    ("pr_comment_deleted.json", "pullrequest:comment_deleted"),
    ("pipeline_hook_created.json", "repo:commit_status_created"),
    ("pipeline_hook_update.json", "repo:commit_status_updated"),
];

pub fn fixtures() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(name) = stem.strip_prefix("ours-") else {
            continue;
        };
        let base = name.split('-').next().unwrap();
        let key = base.replacen('_', ":", 1);
        out.push((path, key));
    }
    out.sort();
    out
}
