//! Conversation comments on issues and pull requests.
//!
//! GitHub stores a pull request's conversation comments as issue comments
//! on the pull request's number, so both families share one endpoint.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CreateIssueComment, CreatePullRequestComment, DeleteIssueComment, DeletePullRequestComment,
    GetIssueComments, GetPullRequestComments,
};
use scm_core::model::Comment;
use scm_core::{CallContext, Error, Handle, Page, PageRequest, Response, Result};
use serde_json::json;

use super::id_segment;
use crate::client::{Call, Client};
use crate::schema::GhComment;
use crate::GitHub;

impl GitHub {
    async fn list_comments(
        &self,
        number: &str,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>> {
        let path = format!(
            "{}/issues/{}/comments",
            Client::repo_path(ctx)?,
            id_segment(number)?
        );
        self.client()
            .list_into::<GhComment, Comment>(Call::get(path), page, ctx)
            .await
    }

    async fn create_comment(
        &self,
        number: &str,
        body: String,
        ctx: &CallContext,
    ) -> Result<Response<Comment>> {
        let path = format!(
            "{}/issues/{}/comments",
            Client::repo_path(ctx)?,
            id_segment(number)?
        );
        let call = Call::new(Method::POST, path).json(json!({ "body": body }));
        self.client()
            .json_into::<GhComment, Comment>(call, ctx)
            .await
    }

    async fn delete_comment(&self, comment_id: &str, ctx: &CallContext) -> Result<Response<()>> {
        let path = format!(
            "{}/issues/comments/{}",
            Client::repo_path(ctx)?,
            id_segment(comment_id)?
        );
        self.client()
            .empty(Call::new(Method::DELETE, path), ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetIssueComments> for GitHub {
    async fn handle(
        &self,
        action: GetIssueComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>> {
        self.list_comments(&action.issue_id, &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateIssueComment> for GitHub {
    async fn handle(
        &self,
        action: CreateIssueComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>> {
        self.create_comment(&action.issue_id, action.body, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeleteIssueComment> for GitHub {
    async fn handle(&self, action: DeleteIssueComment, ctx: &CallContext) -> Result<Response<()>> {
        self.delete_comment(&action.comment_id, ctx).await
    }
}

#[async_trait]
impl Handle<GetPullRequestComments> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>> {
        self.list_comments(&action.pull_request_id, &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreatePullRequestComment> for GitHub {
    async fn handle(
        &self,
        action: CreatePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>> {
        if action.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            // GitHub's REST API has no way to attach an extension to a
            // comment; refusing beats silently dropping it.
            // A valid request this provider cannot carry out: 501
            // `unsupported`, not an input error.
            return Err(Error::unsupported(
                scm_core::ActionName::CreatePullRequestComment,
                crate::client::PROVIDER,
            ));
        }
        self.create_comment(&action.pull_request_id, action.body, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeletePullRequestComment> for GitHub {
    async fn handle(
        &self,
        action: DeletePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        self.delete_comment(&action.comment_id, ctx).await
    }
}
