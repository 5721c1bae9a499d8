//! Reactions on issues, pull requests, their comments and reviews.
//!
//! REST covers everything with a numeric id: issues and pull requests
//! (both under `/issues/{number}`), conversation comments (issue comments)
//! and review comments (`/pulls/comments/{id}`). Reviews have no REST
//! reactions endpoint: they go through GraphQL with the review's node id.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CreateIssueCommentReaction, CreateIssueReaction, CreatePullRequestCommentReaction,
    CreatePullRequestReaction, CreatePullRequestReviewReaction, CreateReviewCommentReaction,
    DeleteIssueCommentReaction, DeleteIssueReaction, DeletePullRequestCommentReaction,
    DeletePullRequestReaction, DeletePullRequestReviewReaction, DeleteReviewCommentReaction,
    GetIssueCommentReactions, GetIssueReactions, GetPullRequestCommentReactions,
    GetPullRequestReactions, GetReviewCommentReactions,
};
use scm_core::model::{Reaction, ReactionResult};
use scm_core::{CallContext, Error, Handle, Page, PageRequest, Response, Result};
use serde::Deserialize;
use serde_json::json;

use super::id_segment;
use crate::client::{Call, Client};
use crate::graphql::{ADD_REVIEW_REACTION, REMOVE_REVIEW_REACTION};
use crate::schema::{reaction_content, reaction_graphql, GhReaction, GqlReaction};
use crate::GitHub;

/// What a reaction is on, as a path below the repository.
enum Subject<'a> {
    /// An issue or a pull request, by number.
    Issue(&'a str),
    /// A conversation comment on an issue or a pull request.
    IssueComment(&'a str),
    /// A review (diff) comment.
    ReviewComment(&'a str),
}

impl Subject<'_> {
    fn path(&self, ctx: &CallContext) -> Result<String> {
        let repo = Client::repo_path(ctx)?;
        Ok(match self {
            Subject::Issue(n) => format!("{repo}/issues/{}/reactions", id_segment(n)?),
            Subject::IssueComment(id) => {
                format!("{repo}/issues/comments/{}/reactions", id_segment(id)?)
            }
            Subject::ReviewComment(id) => {
                format!("{repo}/pulls/comments/{}/reactions", id_segment(id)?)
            }
        })
    }
}

fn convert_page(page: Page<GhReaction>) -> Result<Page<ReactionResult>> {
    let items = page
        .items
        .into_iter()
        .map(ReactionResult::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::new(items, page.next_cursor))
}

fn convert<T, U>(response: Response<T>, f: impl FnOnce(T) -> Result<U>) -> Result<Response<U>> {
    Ok(match response {
        Response::Ok(result) => {
            let data = f(result.data)?;
            Response::ok(data, result.provider, result.raw, result.meta)
        }
        Response::NotModified { provider, meta } => Response::NotModified { provider, meta },
    })
}

impl GitHub {
    async fn list_reactions(
        &self,
        subject: Subject<'_>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>> {
        let call = Call::get(subject.path(ctx)?);
        let response = self.client().list::<GhReaction>(call, page, ctx).await?;
        convert(response, convert_page)
    }

    async fn create_reaction(
        &self,
        subject: Subject<'_>,
        reaction: Reaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>> {
        let call = Call::new(Method::POST, subject.path(ctx)?)
            .json(json!({ "content": reaction_content(reaction) }));
        let response = self.client().json::<GhReaction>(call, ctx).await?;
        convert(response, ReactionResult::try_from)
    }

    async fn delete_reaction(
        &self,
        subject: Subject<'_>,
        reaction_id: &str,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let path = format!("{}/{}", subject.path(ctx)?, id_segment(reaction_id)?);
        self.client()
            .empty(Call::new(Method::DELETE, path), ctx)
            .await
    }

    /// The GraphQL node id of a review, for the reaction mutations.
    async fn review_node_id(
        &self,
        pull_request_id: &str,
        review_id: &str,
        ctx: &CallContext,
    ) -> Result<String> {
        #[derive(Deserialize)]
        struct Review {
            node_id: Option<String>,
        }
        let path = format!(
            "{}/pulls/{}/reviews/{}",
            Client::repo_path(ctx)?,
            id_segment(pull_request_id)?,
            id_segment(review_id)?
        );
        // Not conditional: the caller's validators are for the reaction.
        let mut call = Call::get(path);
        call.conditional = false;
        self.client()
            .json::<Review>(call, ctx)
            .await?
            .into_data()
            .and_then(|review| review.node_id)
            .ok_or_else(|| Error::malformed("review without a node_id"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddReactionData {
    add_reaction: Option<ReactionPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveReactionData {
    #[allow(dead_code)]
    remove_reaction: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ReactionPayload {
    reaction: Option<GqlReaction>,
}

macro_rules! rest_reactions {
    ($list:ident, $create:ident, $delete:ident, $subject:ident, $id:ident) => {
        #[async_trait]
        impl Handle<$list> for GitHub {
            async fn handle(
                &self,
                action: $list,
                ctx: &CallContext,
            ) -> Result<Response<Page<ReactionResult>>> {
                self.list_reactions(Subject::$subject(&action.$id), &action.page, ctx)
                    .await
            }
        }

        #[async_trait]
        impl Handle<$create> for GitHub {
            async fn handle(
                &self,
                action: $create,
                ctx: &CallContext,
            ) -> Result<Response<ReactionResult>> {
                self.create_reaction(Subject::$subject(&action.$id), action.reaction, ctx)
                    .await
            }
        }

        #[async_trait]
        impl Handle<$delete> for GitHub {
            async fn handle(&self, action: $delete, ctx: &CallContext) -> Result<Response<()>> {
                self.delete_reaction(Subject::$subject(&action.$id), &action.reaction_id, ctx)
                    .await
            }
        }
    };
}

rest_reactions!(
    GetIssueReactions,
    CreateIssueReaction,
    DeleteIssueReaction,
    Issue,
    issue_id
);
rest_reactions!(
    GetPullRequestReactions,
    CreatePullRequestReaction,
    DeletePullRequestReaction,
    Issue,
    pull_request_id
);
rest_reactions!(
    GetIssueCommentReactions,
    CreateIssueCommentReaction,
    DeleteIssueCommentReaction,
    IssueComment,
    comment_id
);
rest_reactions!(
    GetPullRequestCommentReactions,
    CreatePullRequestCommentReaction,
    DeletePullRequestCommentReaction,
    IssueComment,
    comment_id
);
rest_reactions!(
    GetReviewCommentReactions,
    CreateReviewCommentReaction,
    DeleteReviewCommentReaction,
    ReviewComment,
    comment_id
);

#[async_trait]
impl Handle<CreatePullRequestReviewReaction> for GitHub {
    async fn handle(
        &self,
        action: CreatePullRequestReviewReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>> {
        let node_id = self
            .review_node_id(&action.pull_request_id, &action.review_id, ctx)
            .await?;
        let variables = json!({
            "subjectId": node_id,
            "content": reaction_graphql(action.reaction),
        });
        let response = self
            .client()
            .graphql::<AddReactionData>(ADD_REVIEW_REACTION, variables, ctx)
            .await?;
        convert(response, |data| {
            data.add_reaction
                .and_then(|payload| payload.reaction)
                .ok_or_else(|| Error::malformed("addReaction answered without a reaction"))
                .and_then(ReactionResult::try_from)
        })
    }
}

#[async_trait]
impl Handle<DeletePullRequestReviewReaction> for GitHub {
    async fn handle(
        &self,
        action: DeletePullRequestReviewReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let node_id = self
            .review_node_id(&action.pull_request_id, &action.review_id, ctx)
            .await?;
        let variables = json!({
            "subjectId": node_id,
            "content": reaction_graphql(action.reaction),
        });
        let response = self
            .client()
            .graphql::<RemoveReactionData>(REMOVE_REVIEW_REACTION, variables, ctx)
            .await?;
        Ok(response.map(|_| ()))
    }
}
