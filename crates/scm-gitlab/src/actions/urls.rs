//! Web links, built locally from the configured web base (self-managed
//! path prefixes included) and the project's path.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_path;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response};

use crate::{number, GitLab};

impl GitLab {
    fn link<T>(&self, data: T) -> Response<T> {
        self.ok(data, None, Default::default())
    }
}

/// `…/-/blob/<sha>/<path>#L10-20`.
#[async_trait]
impl Handle<GetFileUrl> for GitLab {
    async fn handle(&self, a: GetFileUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        let mut url = format!(
            "{}/-/blob/{}/{}",
            self.web_repo(ctx)?,
            a.sha,
            encode_path(&a.file_path)?
        );
        match (a.start_line, a.end_line) {
            (Some(start), Some(end)) if end > start => url.push_str(&format!("#L{start}-{end}")),
            (Some(start), _) => url.push_str(&format!("#L{start}")),
            (None, Some(end)) => url.push_str(&format!("#L{end}")),
            (None, None) => {}
        }
        Ok(self.link(url))
    }
}

#[async_trait]
impl Handle<GetCommitUrl> for GitLab {
    async fn handle(&self, a: GetCommitUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        Ok(self.link(format!("{}/-/commit/{}", self.web_repo(ctx)?, a.commit_sha)))
    }
}

/// `…/-/commits/<sha>[/<path>]`. GitLab's history page has no date
/// filter, so `since`/`until` are refused rather than ignored.
#[async_trait]
impl Handle<GetCommitsUrl> for GitLab {
    async fn handle(&self, a: GetCommitsUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        if a.since.is_some() || a.until.is_some() {
            return Err(Error::invalid_input(
                "GitLab's commit history page cannot filter by date (`since`/`until`)",
            ));
        }
        let mut url = format!("{}/-/commits/{}", self.web_repo(ctx)?, a.commit_sha);
        if let Some(path) = a.file_path.as_deref().filter(|p| !p.is_empty()) {
            url.push('/');
            url.push_str(&encode_path(path)?);
        }
        Ok(self.link(url))
    }
}

#[async_trait]
impl Handle<GetPullRequestUrl> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestUrl,
        ctx: &CallContext,
    ) -> Result<Response<String>, Error> {
        let iid = number(&a.pull_request_id, "pull_request_id")?;
        Ok(self.link(format!("{}/-/merge_requests/{iid}", self.web_repo(ctx)?)))
    }
}

#[async_trait]
impl Handle<GetGitRemote> for GitLab {
    async fn handle(
        &self,
        _: GetGitRemote,
        ctx: &CallContext,
    ) -> Result<Response<GitRemote>, Error> {
        let web = self.web_repo(ctx)?;
        let path = web
            .strip_prefix(&format!("{}/", self.config.web_url))
            .unwrap_or_default()
            .to_owned();
        let ssh_url = self.config.ssh_prefix().map(|prefix| {
            // The SSH path is relative to the host: a web path prefix
            // (`/gitlab`) is not part of it.
            format!("{prefix}:{path}.git")
        });
        Ok(self.link(GitRemote {
            https_url: format!("{web}.git"),
            ssh_url,
        }))
    }
}
