//! Web URLs, built without any request.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response, ResponseMeta};

use crate::Bitbucket;

impl Bitbucket {
    fn web<T>(&self, value: T) -> Response<T> {
        self.ok(value, None, ResponseMeta::default())
    }
}

#[async_trait]
impl Handle<GetFileUrl> for Bitbucket {
    async fn handle(&self, a: GetFileUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        let mut url = format!(
            "{}/src/{}/{}",
            self.web_repo(ctx)?,
            a.sha,
            encode_path(&a.file_path)?
        );
        match (a.start_line, a.end_line) {
            (Some(start), Some(end)) if end > start => {
                url.push_str(&format!("#lines-{start}:{end}"))
            }
            (Some(start), _) => url.push_str(&format!("#lines-{start}")),
            _ => {}
        }
        Ok(self.web(url))
    }
}

#[async_trait]
impl Handle<GetCommitUrl> for Bitbucket {
    async fn handle(&self, a: GetCommitUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        Ok(self.web(format!("{}/commits/{}", self.web_repo(ctx)?, a.commit_sha)))
    }
}

/// The history page up to a commit (of one path with `file_path`). The web
/// UI has no date filter, so `since`/`until` are refused.
#[async_trait]
impl Handle<GetCommitsUrl> for Bitbucket {
    async fn handle(&self, a: GetCommitsUrl, ctx: &CallContext) -> Result<Response<String>, Error> {
        if a.since.is_some() || a.until.is_some() {
            return Err(Error::invalid_input(
                "Bitbucket Cloud's history pages cannot be filtered by date",
            ));
        }
        let base = self.web_repo(ctx)?;
        let url = match a.file_path.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => format!(
                "{base}/history-node/{}/{}",
                a.commit_sha,
                encode_path(path)?
            ),
            None => format!("{base}/commits/{}", a.commit_sha),
        };
        Ok(self.web(url))
    }
}

#[async_trait]
impl Handle<GetPullRequestUrl> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestUrl,
        ctx: &CallContext,
    ) -> Result<Response<String>, Error> {
        Ok(self.web(format!(
            "{}/pull-requests/{}",
            self.web_repo(ctx)?,
            crate::number(&a.pull_request_id, "pull_request_id")?
        )))
    }
}

#[async_trait]
impl Handle<GetGitRemote> for Bitbucket {
    async fn handle(
        &self,
        _: GetGitRemote,
        ctx: &CallContext,
    ) -> Result<Response<GitRemote>, Error> {
        let name = Bitbucket::repo_name(ctx)?;
        let path = format!(
            "{}/{}.git",
            encode_segment(&name.workspace)?,
            encode_segment(&name.slug)?
        );
        Ok(self.web(GitRemote {
            https_url: format!("{}/{path}", self.config.web_url),
            ssh_url: self
                .config
                .web_host()
                .map(|host| format!("git@{host}:{path}")),
        }))
    }
}
