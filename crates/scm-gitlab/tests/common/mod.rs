//! Shared test setup: a provider against a local mock, and the corpus.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scm_core::provider::CallContext;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::Secret;
use scm_gitlab::{GitLab, GitLabConfig, TokenKind};

pub const TOKEN: &str = "glpat-test-token-0123456789";
/// The API prefix of the self-managed instance the tests talk to.
pub const API_PREFIX: &str = "/gitlab/api/v4";
pub const WEB: &str = "https://git.example.com/gitlab";
pub const PROJECT: &str = "/gitlab/api/v4/projects/group%2Fsub%2Fproj";

/// A provider for `group/sub/proj` on a self-managed instance under a
/// path prefix, talking to `server_uri`.
pub fn gitlab(server_uri: &str) -> GitLab {
    gitlab_with(server_uri, TokenKind::PrivateToken, Duration::from_secs(10))
}

pub fn gitlab_with(server_uri: &str, kind: TokenKind, timeout: Duration) -> GitLab {
    let config = GitLabConfig {
        api_url: format!("{server_uri}{API_PREFIX}"),
        web_url: WEB.into(),
        token: Secret::new(TOKEN),
        token_kind: kind,
        ssh_remote: None,
    };
    GitLab::new(config, Arc::new(ReqwestTransport::new(timeout).unwrap())).unwrap()
}

pub fn ctx() -> CallContext {
    ctx_for("group/sub/proj", "group/sub/proj")
}

pub fn ctx_for(external_id: &str, full_name: &str) -> CallContext {
    let mut record = RepositoryRecord::direct("gitlab", full_name);
    record.external_id = external_id.into();
    CallContext::new(Arc::new(record), "tests")
}

/// The third-party corpus folder (its `gitlab/` part must be there).
pub fn corpus() -> PathBuf {
    let gitlab = scm_testkit::paths::corpus("gitlab");
    gitlab.parent().expect("the corpus folder").to_path_buf()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}
