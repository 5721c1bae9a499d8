//! Web addresses, built locally (no HTTP call):
//! `{base}/projects/{KEY}/repos/{slug}/…`.

use async_trait::async_trait;
use scm_core::actions::{GetCommitUrl, GetCommitsUrl, GetFileUrl, GetGitRemote, GetPullRequestUrl};
use scm_core::http_util::encode_path;
use scm_core::model::GitRemote;
use scm_core::{CallContext, Error, Handle, Response, Result};

use crate::client::{number, ok, project_and_slug};
use crate::BitbucketServer;

#[async_trait]
impl Handle<GetFileUrl> for BitbucketServer {
    async fn handle(&self, a: GetFileUrl, ctx: &CallContext) -> Result<Response<String>> {
        let mut url = format!(
            "{}/browse/{}?at={}",
            self.repo_web(ctx)?,
            encode_path(&a.file_path)?,
            a.sha
        );
        match (a.start_line, a.end_line) {
            (Some(start), Some(end)) if end > start => url.push_str(&format!("#{start}-{end}")),
            (Some(start), _) => url.push_str(&format!("#{start}")),
            _ => {}
        }
        Ok(ok(url, None))
    }
}

#[async_trait]
impl Handle<GetCommitUrl> for BitbucketServer {
    async fn handle(&self, a: GetCommitUrl, ctx: &CallContext) -> Result<Response<String>> {
        Ok(ok(
            format!("{}/commits/{}", self.repo_web(ctx)?, a.commit_sha),
            None,
        ))
    }
}

/// The history page has no date filter: `since`/`until` are refused
/// rather than silently ignored.
#[async_trait]
impl Handle<GetCommitsUrl> for BitbucketServer {
    async fn handle(&self, a: GetCommitsUrl, ctx: &CallContext) -> Result<Response<String>> {
        if a.since.is_some() || a.until.is_some() {
            return Err(Error::invalid_input(
                "Bitbucket Data Center's history page cannot filter by date",
            ));
        }
        let mut url = format!("{}/commits?until={}", self.repo_web(ctx)?, a.commit_sha);
        if let Some(path) = &a.file_path {
            url = format!(
                "{}/history/{}?until={}",
                self.repo_web(ctx)?,
                encode_path(path)?,
                a.commit_sha
            );
        }
        Ok(ok(url, None))
    }
}

#[async_trait]
impl Handle<GetPullRequestUrl> for BitbucketServer {
    async fn handle(&self, a: GetPullRequestUrl, ctx: &CallContext) -> Result<Response<String>> {
        let id = number(&a.pull_request_id, "pull_request_id")?;
        Ok(ok(
            format!("{}/pull-requests/{id}/overview", self.repo_web(ctx)?),
            None,
        ))
    }
}

/// HTTP remotes are `{base}/scm/{key}/{slug}.git`; the SSH host and port
/// are the administrator's choice, so an SSH remote is only given when
/// the integration configures its base.
#[async_trait]
impl Handle<GetGitRemote> for BitbucketServer {
    async fn handle(&self, _: GetGitRemote, ctx: &CallContext) -> Result<Response<GitRemote>> {
        let (key, slug) = project_and_slug(ctx)?;
        let tail = format!(
            "{}/{}.git",
            encode_path(&key.to_ascii_lowercase())?,
            encode_path(slug)?
        );
        Ok(ok(
            GitRemote {
                https_url: format!("{}/scm/{tail}", self.client().web_url()),
                ssh_url: self
                    .ssh_base
                    .as_ref()
                    .map(|base| format!("{}/{tail}", base.trim_end_matches('/'))),
            },
            None,
        ))
    }
}
