//! Comments on a pull request's conversation (not anchored to the diff).

use async_trait::async_trait;
use scm_core::actions::{
    CreatePullRequestComment, DeletePullRequestComment, GetPullRequestComments,
};
use scm_core::model::Comment;
use scm_core::{CallContext, Error, Handle, Page, Response, Result};
use serde_json::json;

use super::{comment_path, pull_request_path};
use crate::client::Call;
use crate::schema::{BbActivity, BbComment};
use crate::BitbucketServer;

/// Conversation comments come from the activity stream (`GET …/comments`
/// only lists comments on one file): comment activities without an anchor,
/// each with its replies. A page of activities may hold fewer comments
/// than asked for; the cursor still ends exactly on the last page.
#[async_trait]
impl Handle<GetPullRequestComments> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>> {
        let call = Call::get(format!(
            "{}/activities",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        let response = self
            .client()
            .list(call, &a.page, ctx, |activity: BbActivity| {
                Ok(activity
                    .thread()
                    .filter(|(_, anchor)| anchor.is_none())
                    .map(|(root, _)| {
                        root.flatten()
                            .into_iter()
                            .map(|(comment, _)| comment.comment(web.as_deref()))
                            .collect::<Vec<_>>()
                    }))
            })
            .await?;
        Ok(response
            .map(|page| Page::new(page.items.into_iter().flatten().collect(), page.next_cursor)))
    }
}

#[async_trait]
impl Handle<CreatePullRequestComment> for BitbucketServer {
    async fn handle(
        &self,
        a: CreatePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>> {
        if a.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(Error::invalid_input(
                "Bitbucket Data Center comments cannot carry extensions",
            ));
        }
        let call = Call::post(
            format!("{}/comments", pull_request_path(ctx, &a.pull_request_id)?),
            json!({ "text": a.body }),
        );
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        self.client()
            .json_map(call, ctx, |c: BbComment| Ok(c.comment(web.as_deref())))
            .await
    }
}

/// Deletes with the comment's current version (read first). A comment
/// with replies cannot be deleted; Data Center answers 409 and says so.
#[async_trait]
impl Handle<DeletePullRequestComment> for BitbucketServer {
    async fn handle(&self, a: DeletePullRequestComment, ctx: &CallContext) -> Result<Response<()>> {
        self.delete_comment(&a.pull_request_id, &a.comment_id, ctx)
            .await
    }
}

impl BitbucketServer {
    pub(crate) async fn delete_comment(
        &self,
        pull: &str,
        comment: &str,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let current: BbComment = self.current_comment(pull, comment, ctx).await?;
        let call =
            Call::delete(comment_path(ctx, pull, comment)?).query("version", current.version);
        self.client().empty(call, ctx).await
    }
}
