//! Pull requests: reading, listing, opening, updating, review requests.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CreatePullRequest, CreatePullRequestDraft, GetPullRequest, GetPullRequestCommits,
    GetPullRequestDiff, GetPullRequestFiles, GetPullRequests, MarkPullRequestReadyForReview,
    RequestReview, UpdatePullRequest,
};
use scm_core::model::{PullRequest, PullRequestCommit, PullRequestFile, PullRequestState};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};
use serde::de::IgnoredAny;
use serde_json::{json, Map, Value};

use super::id_segment;
use crate::client::{split_full_name, Call, Client};
use crate::graphql::MARK_READY_FOR_REVIEW;
use crate::schema::{GhCommitFile, GhPullCommit, GhPullRequest};
use crate::GitHub;

/// The unified diff media type. Plain JSON is listed last, at a low
/// weight, only so that servers which cannot produce a diff (GitHub's
/// OpenAPI mock) still answer rather than refuse with 406.
const DIFF_ACCEPT: &str = "application/vnd.github.diff, application/json;q=0.1";

fn pull_path(ctx: &CallContext, number: &str) -> Result<String> {
    Ok(format!(
        "{}/pulls/{}",
        Client::repo_path(ctx)?,
        id_segment(number)?
    ))
}

fn state_name(state: PullRequestState) -> &'static str {
    match state {
        PullRequestState::Open => "open",
        PullRequestState::Closed => "closed",
    }
}

/// GitHub filters `head` as `owner:branch`; a bare branch means one in
/// this repository's owner's namespace.
pub(crate) fn head_filter(head: &str, ctx: &CallContext) -> Result<String> {
    if head.contains(':') {
        return Ok(head.to_owned());
    }
    let (owner, _) = split_full_name(&ctx.repository.full_name)?;
    Ok(format!("{owner}:{head}"))
}

/// Splits reviewers into people and teams: `org/team` names a team, whose
/// slug GitHub wants without the organization.
pub(crate) fn split_reviewers(reviewers: Vec<String>) -> (Vec<String>, Vec<String>) {
    let mut users = Vec::new();
    let mut teams = Vec::new();
    for reviewer in reviewers {
        match reviewer.split_once('/') {
            Some((_, team)) => teams.push(team.to_owned()),
            None => users.push(reviewer),
        }
    }
    (users, teams)
}

impl GitHub {
    async fn get_pull(&self, number: &str, ctx: &CallContext) -> Result<Response<GhPullRequest>> {
        self.client()
            .json::<GhPullRequest>(Call::get(pull_path(ctx, number)?), ctx)
            .await
    }

    async fn open_pull(
        &self,
        title: String,
        body: String,
        head: String,
        base: String,
        draft: bool,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        let mut payload = json!({ "title": title, "body": body, "head": head, "base": base });
        if draft {
            payload["draft"] = json!(true);
        }
        let call =
            Call::new(Method::POST, format!("{}/pulls", Client::repo_path(ctx)?)).json(payload);
        self.client()
            .json_into::<GhPullRequest, PullRequest>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequest> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        Ok(self
            .get_pull(&action.pull_request_id, ctx)
            .await?
            .map(PullRequest::from))
    }
}

#[async_trait]
impl Handle<GetPullRequests> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequests,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequest>>> {
        let state = action.state.map_or("all", state_name);
        let head = action
            .head
            .as_deref()
            .map(|head| head_filter(head, ctx))
            .transpose()?;
        let call = Call::get(format!("{}/pulls", Client::repo_path(ctx)?))
            .query("state", state)
            .query_opt("head", head);
        self.client()
            .list_into::<GhPullRequest, PullRequest>(call, &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestFiles> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestFiles,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestFile>>> {
        let call = Call::get(format!(
            "{}/files",
            pull_path(ctx, &action.pull_request_id)?
        ));
        self.client()
            .list_into::<GhCommitFile, PullRequestFile>(call, &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommits> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestCommit>>> {
        let call = Call::get(format!(
            "{}/commits",
            pull_path(ctx, &action.pull_request_id)?
        ));
        self.client()
            .list_into::<GhPullCommit, PullRequestCommit>(call, &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestDiff> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestDiff,
        ctx: &CallContext,
    ) -> Result<Response<String>> {
        let call = Call::get(pull_path(ctx, &action.pull_request_id)?).accept(DIFF_ACCEPT);
        self.client().text(call, ctx).await
    }
}

#[async_trait]
impl Handle<CreatePullRequest> for GitHub {
    async fn handle(
        &self,
        action: CreatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        self.open_pull(
            action.title,
            action.body,
            action.head,
            action.base,
            false,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<CreatePullRequestDraft> for GitHub {
    async fn handle(
        &self,
        action: CreatePullRequestDraft,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        self.open_pull(
            action.title,
            action.body,
            action.head,
            action.base,
            true,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<MarkPullRequestReadyForReview> for GitHub {
    async fn handle(
        &self,
        action: MarkPullRequestReadyForReview,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        // REST cannot undraft; GraphQL can, but needs the node id.
        let pull = self
            .get_pull(&action.pull_request_id, ctx)
            .await?
            .into_data()
            .ok_or_else(|| Error::malformed("pull request lookup answered not modified"))?;
        let node_id = pull
            .node_id
            .ok_or_else(|| Error::malformed("pull request has no node_id"))?;
        let response = self
            .client()
            .graphql::<IgnoredAny>(
                MARK_READY_FOR_REVIEW,
                json!({ "pullRequestId": node_id }),
                ctx,
            )
            .await?;
        Ok(response.map(|_| ()))
    }
}

#[async_trait]
impl Handle<UpdatePullRequest> for GitHub {
    async fn handle(
        &self,
        action: UpdatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        let mut body = Map::new();
        if let Some(title) = action.title {
            body.insert("title".into(), json!(title));
        }
        if let Some(text) = action.body {
            body.insert("body".into(), json!(text));
        }
        if let Some(state) = action.state {
            body.insert("state".into(), json!(state_name(state)));
        }
        let call = Call::new(Method::PATCH, pull_path(ctx, &action.pull_request_id)?)
            .json(Value::Object(body));
        self.client()
            .json_into::<GhPullRequest, PullRequest>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<RequestReview> for GitHub {
    async fn handle(&self, action: RequestReview, ctx: &CallContext) -> Result<Response<()>> {
        if action.reviewers.is_empty() {
            return Err(Error::invalid_input("no reviewers given"));
        }
        let (users, teams) = split_reviewers(action.reviewers);
        let mut body = Map::new();
        if !users.is_empty() {
            body.insert("reviewers".into(), json!(users));
        }
        if !teams.is_empty() {
            body.insert("team_reviewers".into(), json!(teams));
        }
        let path = format!(
            "{}/requested_reviewers",
            pull_path(ctx, &action.pull_request_id)?
        );
        self.client()
            .empty(Call::new(Method::POST, path).json(Value::Object(body)), ctx)
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scm_core::registry::RepositoryRecord;

    use super::*;

    fn ctx() -> CallContext {
        CallContext::new(
            Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
            "test",
        )
    }

    #[test]
    fn bare_heads_get_the_owner() {
        assert_eq!(head_filter("feature", &ctx()).unwrap(), "octocat:feature");
        assert_eq!(head_filter("fork:feature", &ctx()).unwrap(), "fork:feature");
    }

    #[test]
    fn teams_are_told_from_people() {
        let (users, teams) = split_reviewers(vec!["alice".into(), "acme/core".into()]);
        assert_eq!(users, vec!["alice"]);
        assert_eq!(teams, vec!["core"]);
    }
}
