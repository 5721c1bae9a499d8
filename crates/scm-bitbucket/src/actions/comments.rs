//! Comments on a pull request's conversation (general comments).

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde_json::json;

use crate::client::Req;
use crate::pagination::MAX_PAGELEN;
use crate::schema::comments::CommentJson;
use crate::Bitbucket;

/// `{content: {raw}}`, the body of every comment write (with the `type`
/// the official description requires of request bodies).
pub(crate) fn content(body: &str) -> serde_json::Value {
    json!({ "type": "pullrequest_comment", "content": { "raw": body } })
}

impl Bitbucket {
    pub(crate) fn comments_path(&self, ctx: &CallContext, pr: &str) -> Result<String, Error> {
        Ok(format!("{}/comments", self.pr_path(ctx, pr)?))
    }

    pub(crate) fn comment_path(
        &self,
        ctx: &CallContext,
        pr: &str,
        comment: &str,
    ) -> Result<String, Error> {
        Ok(format!(
            "{}/{}",
            self.comments_path(ctx, pr)?,
            crate::number(comment, "comment_id")?
        ))
    }
}

/// General comments only: inline (diff) comments are review comments, and
/// deleted comments (Bitbucket keeps them with `deleted: true`) are left out.
#[async_trait]
impl Handle<GetPullRequestComments> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>, Error> {
        let req = Req::get(self.comments_path(ctx, &a.pull_request_id)?);
        self.list(req, &a.page, MAX_PAGELEN, ctx, |c: CommentJson| {
            if c.is_inline() || c.is_deleted() {
                Ok(None)
            } else {
                c.comment().map(Some)
            }
        })
        .await
    }
}

/// Bitbucket comments cannot carry extensions: non-empty `extensions` are refused.
#[async_trait]
impl Handle<CreatePullRequestComment> for Bitbucket {
    async fn handle(
        &self,
        a: CreatePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>, Error> {
        if a.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(Error::invalid_input(
                "Bitbucket comments cannot carry extensions",
            ));
        }
        let req = Req::post(
            self.comments_path(ctx, &a.pull_request_id)?,
            content(&a.body),
        );
        self.write(req, ctx, |c: CommentJson| c.comment()).await
    }
}

/// A soft delete: Bitbucket keeps the comment, marked deleted.
#[async_trait]
impl Handle<DeletePullRequestComment> for Bitbucket {
    async fn handle(
        &self,
        a: DeletePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let req = Req::delete(self.comment_path(ctx, &a.pull_request_id, &a.comment_id)?);
        self.write_empty(req, ctx).await
    }
}
