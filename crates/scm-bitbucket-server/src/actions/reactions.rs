//! Reactions on pull request comments (conversation and diff comments are
//! the same resource), through the comment-likes REST module.
//!
//! Reactions are emoticon shortcuts (`thumbsup`, `laughing`, `tada`, …);
//! the id of a reaction is its shortcut, and deleting removes only the
//! acting user's own reaction. There is no list endpoint: reactions are
//! read from the comment's `properties.reactions`.

use async_trait::async_trait;
use scm_core::actions::{
    CreatePullRequestCommentReaction, CreateReviewCommentReaction,
    DeletePullRequestCommentReaction, DeleteReviewCommentReaction, GetPullRequestCommentReactions,
    GetReviewCommentReactions,
};
use scm_core::http_util::encode_segment;
use scm_core::model::{Author, Reaction, ReactionResult};
use scm_core::{CallContext, Handle, Page, Response, Result};

use crate::client::{module_repo_path, number, Call};
use crate::schema::{emoticon_for, reaction_for, BbComment, BbUserReaction};
use crate::BitbucketServer;

fn reaction_path(ctx: &CallContext, pull: &str, comment: &str, emoticon: &str) -> Result<String> {
    Ok(format!(
        "{}/pull-requests/{}/comments/{}/reactions/{}",
        module_repo_path("comment-likes", ctx)?,
        number(pull, "pull_request_id")?,
        number(comment, "comment_id")?,
        encode_segment(emoticon)?
    ))
}

impl BitbucketServer {
    async fn comment_reactions(
        &self,
        pull: &str,
        comment: &str,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>> {
        let call = Call::get(super::comment_path(ctx, pull, comment)?);
        self.client()
            .json_map(call, ctx, |c: BbComment| Ok(Page::new(c.reactions(), None)))
            .await
    }

    async fn react(
        &self,
        pull: &str,
        comment: &str,
        reaction: Reaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>> {
        let emoticon = emoticon_for(reaction);
        let call = Call::new(
            http::Method::PUT,
            reaction_path(ctx, pull, comment, emoticon)?,
        );
        self.client()
            .json_map(call, ctx, |r: BbUserReaction| {
                let shortcut = r
                    .emoticon
                    .and_then(|e| e.shortcut)
                    .unwrap_or_else(|| emoticon.to_owned());
                Ok(ReactionResult {
                    reaction: reaction_for(&shortcut).unwrap_or(reaction),
                    id: shortcut,
                    author: r.user.map(Author::from),
                    created_at: None,
                })
            })
            .await
    }

    /// `reaction_id` is the emoticon shortcut (or a neutral name such as
    /// `+1`, translated).
    async fn unreact(
        &self,
        pull: &str,
        comment: &str,
        reaction_id: &str,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let emoticon = Reaction::from_name(reaction_id)
            .map(emoticon_for)
            .unwrap_or(reaction_id);
        let call = Call::delete(reaction_path(ctx, pull, comment, emoticon)?);
        self.client().empty(call, ctx).await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommentReactions> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestCommentReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>> {
        self.comment_reactions(&a.pull_request_id, &a.comment_id, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetReviewCommentReactions> for BitbucketServer {
    async fn handle(
        &self,
        a: GetReviewCommentReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>> {
        self.comment_reactions(&a.pull_request_id, &a.comment_id, ctx)
            .await
    }
}

/// Reacting twice with the same emoticon is a conflict (409).
#[async_trait]
impl Handle<CreatePullRequestCommentReaction> for BitbucketServer {
    async fn handle(
        &self,
        a: CreatePullRequestCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>> {
        self.react(&a.pull_request_id, &a.comment_id, a.reaction, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReaction> for BitbucketServer {
    async fn handle(
        &self,
        a: CreateReviewCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>> {
        self.react(&a.pull_request_id, &a.comment_id, a.reaction, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeletePullRequestCommentReaction> for BitbucketServer {
    async fn handle(
        &self,
        a: DeletePullRequestCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        self.unreact(&a.pull_request_id, &a.comment_id, &a.reaction_id, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeleteReviewCommentReaction> for BitbucketServer {
    async fn handle(
        &self,
        a: DeleteReviewCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        self.unreact(&a.pull_request_id, &a.comment_id, &a.reaction_id, ctx)
            .await
    }
}
