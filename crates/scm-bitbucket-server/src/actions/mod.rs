//! One `Handle` impl per supported action, grouped like the catalogue,
//! plus the lookups several groups share (the pull request and comment
//! versions, the acting user, web addresses).

mod branches;
mod checks;
mod comments;
mod commits;
mod files;
mod git;
mod moderation;
mod pull_requests;
mod reactions;
mod repository;
mod reviews;
mod web;

use scm_core::http_util::encode_segment;
use scm_core::{CallContext, Error, Result};

use crate::client::{number, repo_path, repo_segment, Call};
use crate::schema::{BbComment, BbPullRequest, BbRef, BbUser};
use crate::BitbucketServer;

/// `…/pull-requests/{id}` below the REST base.
pub(crate) fn pull_request_path(ctx: &CallContext, id: &str) -> Result<String> {
    Ok(format!(
        "{}/pull-requests/{}",
        repo_path(ctx)?,
        number(id, "pull_request_id")?
    ))
}

/// `…/pull-requests/{id}/comments/{comment}` below the REST base.
pub(crate) fn comment_path(ctx: &CallContext, pull: &str, comment: &str) -> Result<String> {
    Ok(format!(
        "{}/comments/{}",
        pull_request_path(ctx, pull)?,
        number(comment, "comment_id")?
    ))
}

impl BitbucketServer {
    /// `{base}/projects/{key}/repos/{slug}`: the repository's pages.
    pub(crate) fn repo_web(&self, ctx: &CallContext) -> Result<String> {
        Ok(format!("{}{}", self.client().web_url(), repo_segment(ctx)?))
    }

    /// The pull request's page (without `/overview`).
    pub(crate) fn pull_request_web(&self, ctx: &CallContext, id: &str) -> Option<String> {
        let id = number(id, "pull_request_id").ok()?;
        Some(format!("{}/pull-requests/{id}", self.repo_web(ctx).ok()?))
    }

    /// `{repo web}/commits`: commit pages are `{this}/{sha}`.
    pub(crate) fn commit_web(&self, ctx: &CallContext) -> Option<String> {
        self.repo_web(ctx).ok().map(|web| format!("{web}/commits"))
    }

    /// The pull request as it is now: its `version` must accompany every
    /// change, and a full-replace update must resend what it keeps.
    pub(crate) async fn current_pull_request(
        &self,
        id: &str,
        ctx: &CallContext,
    ) -> Result<BbPullRequest> {
        let call = Call::get(pull_request_path(ctx, id)?);
        Ok(self.client().value::<BbPullRequest>(call, ctx).await?.0)
    }

    /// The comment as it is now (for its `version`).
    pub(crate) async fn current_comment(
        &self,
        pull: &str,
        comment: &str,
        ctx: &CallContext,
    ) -> Result<BbComment> {
        let call = Call::get(comment_path(ctx, pull, comment)?);
        Ok(self.client().value::<BbComment>(call, ctx).await?.0)
    }

    /// The acting account: Data Center has no "who am I" resource, but
    /// every authenticated answer names the user in `X-AUSERNAME`; the user
    /// is then read by slug (tried as the name first, then searched).
    pub(crate) async fn current_user(
        &self,
        ctx: &CallContext,
    ) -> Result<(BbUser, scm_core::RawResponse)> {
        let call = Call::get("/api/latest/application-properties".into());
        let (_, _, headers) = self.client().value::<serde_json::Value>(call, ctx).await?;
        let name = headers
            .get("x-ausername")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::Unauthorized {
                detail: "Bitbucket Data Center did not name the authenticated user (no X-AUSERNAME header): the request was anonymous".into(),
            })?
            .to_owned();
        self.user_by_name(&name, ctx).await
    }

    /// A user by login name: `/users/{slug}` with the name as slug (true
    /// for most accounts), else a search with an exact match on `name`.
    pub(crate) async fn user_by_name(
        &self,
        name: &str,
        ctx: &CallContext,
    ) -> Result<(BbUser, scm_core::RawResponse)> {
        let direct = Call::get(format!("/api/latest/users/{}", encode_segment(name)?));
        match self.client().value::<BbUser>(direct, ctx).await {
            Ok((user, raw, _)) => return Ok((user, raw)),
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
        let search = Call::get("/api/latest/users".into()).query("filter", name);
        let (users, _) = self.client().collect::<BbUser>(search, 100, ctx).await?;
        users
            .into_iter()
            .find(|u| {
                u.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|user| (user, scm_core::RawResponse::default()))
            .ok_or_else(|| Error::NotFound {
                detail: format!(
                    "Bitbucket Data Center has no user `{}`",
                    name.chars().take(80).collect::<String>()
                ),
            })
    }

    /// A branch by exact name. There is no single-branch resource: the
    /// list is filtered by name and the exact match picked.
    pub(crate) async fn find_branch(&self, name: &str, ctx: &CallContext) -> Result<BbRef> {
        let name = name.strip_prefix("refs/heads/").unwrap_or(name);
        let call = Call::get(format!("{}/branches", repo_path(ctx)?))
            .query("filterText", name)
            .query("boostMatches", "true");
        let (branches, _) = self.client().collect::<BbRef>(call, 100, ctx).await?;
        branches
            .into_iter()
            .find(|b| {
                b.display_id.as_deref() == Some(name)
                    || b.id.as_deref() == Some(&format!("refs/heads/{name}"))
            })
            .ok_or_else(|| Error::NotFound {
                detail: format!("no branch `{name}` in {}", ctx.repository.full_name),
            })
    }
}
