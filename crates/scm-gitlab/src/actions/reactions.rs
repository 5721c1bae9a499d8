//! Reactions are GitLab award emoji, on issues, merge requests and notes.
//! Emoji outside the neutral set are skipped in lists.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, PageRequest, Response};
use serde_json::json;

use crate::client::Req;
use crate::emoji;
use crate::pagination::Mode;
use crate::schema::GlAward;
use crate::{number, GitLab};

/// What an award emoji is attached to.
enum Awardable<'a> {
    Issue(&'a str),
    IssueNote(&'a str, &'a str),
    MergeRequest(&'a str),
    MergeRequestNote(&'a str, &'a str),
}

impl GitLab {
    fn awardable(&self, ctx: &CallContext, on: Awardable<'_>) -> Result<String, Error> {
        let project = self.project(ctx)?;
        Ok(match on {
            Awardable::Issue(iid) => format!("{project}/issues/{}", number(iid, "issue_id")?),
            Awardable::IssueNote(iid, note) => format!(
                "{project}/issues/{}/notes/{}",
                number(iid, "issue_id")?,
                number(note, "comment_id")?
            ),
            Awardable::MergeRequest(iid) => {
                format!(
                    "{project}/merge_requests/{}",
                    number(iid, "pull_request_id")?
                )
            }
            Awardable::MergeRequestNote(iid, note) => format!(
                "{project}/merge_requests/{}/notes/{}",
                number(iid, "pull_request_id")?,
                number(note, "comment_id")?
            ),
        })
    }

    async fn list_awards(
        &self,
        on: Awardable<'_>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        let req = Req::get(format!("{}/award_emoji", self.awardable(ctx, on)?));
        self.list(req, page, Mode::Offset, ctx, GlAward::reaction)
            .await
    }

    async fn award(
        &self,
        on: Awardable<'_>,
        reaction: Reaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        let req = Req::post(
            format!("{}/award_emoji", self.awardable(ctx, on)?),
            json!({ "name": emoji::to_gitlab(reaction) }),
        );
        self.write(req, ctx, |award: GlAward| {
            award.reaction()?.ok_or_else(|| {
                Error::malformed("GitLab answered with another emoji than requested")
            })
        })
        .await
    }

    async fn unaward(
        &self,
        on: Awardable<'_>,
        award_id: &str,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let req = Req::delete(format!(
            "{}/award_emoji/{}",
            self.awardable(ctx, on)?,
            number(award_id, "reaction_id")?
        ));
        self.write_empty(req, ctx).await
    }
}

#[async_trait]
impl Handle<GetIssueReactions> for GitLab {
    async fn handle(
        &self,
        a: GetIssueReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        self.list_awards(Awardable::Issue(&a.issue_id), &a.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateIssueReaction> for GitLab {
    async fn handle(
        &self,
        a: CreateIssueReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        self.award(Awardable::Issue(&a.issue_id), a.reaction, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeleteIssueReaction> for GitLab {
    async fn handle(
        &self,
        a: DeleteIssueReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.unaward(Awardable::Issue(&a.issue_id), &a.reaction_id, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetIssueCommentReactions> for GitLab {
    async fn handle(
        &self,
        a: GetIssueCommentReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        self.list_awards(
            Awardable::IssueNote(&a.issue_id, &a.comment_id),
            &a.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<CreateIssueCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: CreateIssueCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        self.award(
            Awardable::IssueNote(&a.issue_id, &a.comment_id),
            a.reaction,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<DeleteIssueCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: DeleteIssueCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.unaward(
            Awardable::IssueNote(&a.issue_id, &a.comment_id),
            &a.reaction_id,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestReactions> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        self.list_awards(Awardable::MergeRequest(&a.pull_request_id), &a.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreatePullRequestReaction> for GitLab {
    async fn handle(
        &self,
        a: CreatePullRequestReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        self.award(Awardable::MergeRequest(&a.pull_request_id), a.reaction, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeletePullRequestReaction> for GitLab {
    async fn handle(
        &self,
        a: DeletePullRequestReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.unaward(
            Awardable::MergeRequest(&a.pull_request_id),
            &a.reaction_id,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommentReactions> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestCommentReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        self.list_awards(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            &a.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<CreatePullRequestCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: CreatePullRequestCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        self.award(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            a.reaction,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<DeletePullRequestCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: DeletePullRequestCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.unaward(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            &a.reaction_id,
            ctx,
        )
        .await
    }
}

/// Diff notes are merge request notes too: same endpoints.
#[async_trait]
impl Handle<GetReviewCommentReactions> for GitLab {
    async fn handle(
        &self,
        a: GetReviewCommentReactions,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReactionResult>>, Error> {
        self.list_awards(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            &a.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: CreateReviewCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<ReactionResult>, Error> {
        self.award(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            a.reaction,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<DeleteReviewCommentReaction> for GitLab {
    async fn handle(
        &self,
        a: DeleteReviewCommentReaction,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.unaward(
            Awardable::MergeRequestNote(&a.pull_request_id, &a.comment_id),
            &a.reaction_id,
            ctx,
        )
        .await
    }
}

impl GitLab {
    /// Reactions of one note (for review threads with reactions).
    pub(crate) async fn note_reactions(
        &self,
        iid: &str,
        note_id: &str,
        ctx: &CallContext,
    ) -> Result<Vec<ReactionResult>, Error> {
        let path = format!(
            "{}/award_emoji",
            self.awardable(ctx, Awardable::MergeRequestNote(iid, note_id))?
        );
        let (awards, _) = self
            .list_all::<GlAward>(Req::get(path), Mode::Offset, 5, ctx)
            .await?;
        let mut out = Vec::new();
        for award in awards {
            out.extend(award.reaction()?);
        }
        Ok(out)
    }
}
