//! Web URLs: built from the configured web base (GitHub.com or an
//! Enterprise Server), no HTTP call.

use async_trait::async_trait;
use scm_core::actions::{GetCommitUrl, GetCommitsUrl, GetFileUrl, GetGitRemote, GetPullRequestUrl};
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::model::GitRemote;
use scm_core::{CallContext, Error, Handle, Response, ResponseMeta, Result};

use super::seg;
use crate::client::{split_full_name, PROVIDER};
use crate::GitHub;

fn web<T>(data: T) -> Result<Response<T>> {
    Ok(Response::ok(data, PROVIDER, None, ResponseMeta::default()))
}

impl GitHub {
    /// `{web}/{owner}/{repo}`, each part encoded.
    fn web_repo(&self, ctx: &CallContext) -> Result<String> {
        let (owner, name) = split_full_name(&ctx.repository.full_name)?;
        Ok(format!(
            "{}/{}/{}",
            self.client().web_url(),
            encode_segment(owner)?,
            encode_segment(name)?
        ))
    }
}

/// `#L3`, `#L3-L9` (an end without a start highlights that line alone).
fn line_anchor(start: Option<u32>, end: Option<u32>) -> String {
    match (start, end) {
        (Some(start), Some(end)) if end != start => format!("#L{start}-L{end}"),
        (Some(line), _) | (None, Some(line)) => format!("#L{line}"),
        (None, None) => String::new(),
    }
}

#[async_trait]
impl Handle<GetFileUrl> for GitHub {
    async fn handle(&self, action: GetFileUrl, ctx: &CallContext) -> Result<Response<String>> {
        web(format!(
            "{}/blob/{}/{}{}",
            self.web_repo(ctx)?,
            action.sha,
            encode_path(&action.file_path)?,
            line_anchor(action.start_line, action.end_line)
        ))
    }
}

#[async_trait]
impl Handle<GetCommitUrl> for GitHub {
    async fn handle(&self, action: GetCommitUrl, ctx: &CallContext) -> Result<Response<String>> {
        web(format!(
            "{}/commit/{}",
            self.web_repo(ctx)?,
            action.commit_sha
        ))
    }
}

#[async_trait]
impl Handle<GetCommitsUrl> for GitHub {
    async fn handle(&self, action: GetCommitsUrl, ctx: &CallContext) -> Result<Response<String>> {
        let mut url = format!("{}/commits/{}", self.web_repo(ctx)?, action.commit_sha);
        if let Some(path) = action.file_path.as_deref().filter(|p| !p.is_empty()) {
            url.push('/');
            url.push_str(&encode_path(path)?);
        }
        let mut query = Vec::new();
        if let Some(since) = action.since {
            query.push(format!("since={}", since.format("%Y-%m-%d")));
        }
        if let Some(until) = action.until {
            query.push(format!("until={}", until.format("%Y-%m-%d")));
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        web(url)
    }
}

#[async_trait]
impl Handle<GetPullRequestUrl> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestUrl,
        ctx: &CallContext,
    ) -> Result<Response<String>> {
        web(format!(
            "{}/pull/{}",
            self.web_repo(ctx)?,
            seg(&action.pull_request_id)?
        ))
    }
}

#[async_trait]
impl Handle<GetGitRemote> for GitHub {
    async fn handle(
        &self,
        _action: GetGitRemote,
        ctx: &CallContext,
    ) -> Result<Response<GitRemote>> {
        let (owner, name) = split_full_name(&ctx.repository.full_name)?;
        let parsed = url::Url::parse(self.client().web_url())
            .map_err(|_| Error::invalid_input("the GitHub web URL is not a URL"))?;
        let ssh_url = parsed
            .host_str()
            .map(|host| format!("git@{host}:{owner}/{name}.git"));
        web(GitRemote {
            https_url: format!("{}.git", self.web_repo(ctx)?),
            ssh_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use scm_core::actions::Action;
    use scm_core::registry::RepositoryRecord;
    use scm_core::{ActionName, AnyAction, AnyOutput, Provider};

    use crate::{Credentials, GitHubConfig};

    struct NoNetwork;

    #[async_trait]
    impl scm_core::transport::Transport for NoNetwork {
        async fn send(
            &self,
            _request: scm_core::transport::HttpRequest,
        ) -> Result<scm_core::transport::HttpResponse> {
            panic!("web URL actions must not make HTTP calls");
        }
    }

    async fn run(web_url: &str, name: &str, args: serde_json::Value) -> AnyOutput {
        let config = GitHubConfig::custom(
            "https://ghe.example.com/api/v3",
            web_url,
            Credentials::Token("t".into()),
        )
        .unwrap();
        let github = GitHub::with_transport(&config, Arc::new(NoNetwork));
        let ctx = CallContext::new(
            Arc::new(RepositoryRecord::direct("github", "octo-org/hello")),
            "test",
        );
        let name: ActionName = name.parse().unwrap();
        let action = AnyAction::from_json(name, args).unwrap();
        github
            .execute(action, &ctx)
            .await
            .unwrap()
            .into_data()
            .unwrap()
    }

    fn text(output: AnyOutput) -> String {
        match output {
            AnyOutput::GetFileUrl(s)
            | AnyOutput::GetCommitUrl(s)
            | AnyOutput::GetCommitsUrl(s)
            | AnyOutput::GetPullRequestUrl(s) => s,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn urls_use_the_configured_web_base() {
        let base = "https://ghe.example.com";
        let sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
        let url = text(
            run(
                base,
                "get_file_url",
                serde_json::json!({"file_path": "src/a b.rs", "sha": sha, "start_line": 3, "end_line": 9}),
            )
            .await,
        );
        assert_eq!(
            url,
            format!("{base}/octo-org/hello/blob/{sha}/src/a%20b.rs#L3-L9")
        );
        let url = text(
            run(
                base,
                "get_commits_url",
                serde_json::json!({"commit_sha": sha, "file_path": "docs/x.md", "since": "2024-01-02", "until": "2024-02-03"}),
            )
            .await,
        );
        assert_eq!(
            url,
            format!(
                "{base}/octo-org/hello/commits/{sha}/docs/x.md?since=2024-01-02&until=2024-02-03"
            )
        );
        let url = text(
            run(
                base,
                "get_commit_url",
                serde_json::json!({"commit_sha": sha}),
            )
            .await,
        );
        assert_eq!(url, format!("{base}/octo-org/hello/commit/{sha}"));
        let url = text(
            run(
                base,
                "get_pull_request_url",
                serde_json::json!({"pull_request_id": "42"}),
            )
            .await,
        );
        assert_eq!(url, format!("{base}/octo-org/hello/pull/42"));
        match run(base, "get_git_remote", serde_json::json!({})).await {
            AnyOutput::GetGitRemote(remote) => {
                assert_eq!(remote.https_url, format!("{base}/octo-org/hello.git"));
                assert_eq!(
                    remote.ssh_url.as_deref(),
                    Some("git@ghe.example.com:octo-org/hello.git")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn anchors() {
        assert_eq!(line_anchor(Some(3), None), "#L3");
        assert_eq!(line_anchor(None, Some(4)), "#L4");
        assert_eq!(line_anchor(Some(5), Some(5)), "#L5");
        assert_eq!(line_anchor(None, None), "");
    }

    #[tokio::test]
    async fn traversal_in_file_paths_is_refused() {
        let config = GitHubConfig::github_com(Credentials::Token("t".into()));
        let github = GitHub::with_transport(&config, Arc::new(NoNetwork));
        let ctx = CallContext::new(Arc::new(RepositoryRecord::direct("github", "o/r")), "test");
        // The action table's rules refuse it first; the provider would too.
        let action = GetFileUrl {
            file_path: "../x".into(),
            sha: "abcd".parse().unwrap(),
            start_line: None,
            end_line: None,
        }
        .into_any();
        assert!(AnyAction::from_json(action.name(), action.args_json()).is_err());
        let err = github.execute(action, &ctx).await.unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }
}
