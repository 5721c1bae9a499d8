//! Reviews, review comments and threads.
//!
//! Data Center has no review object: a participant's status (approved,
//! needs work) is that person's review, with their numeric user id as the
//! review id. Diff comments are comments with an `anchor`; a thread is a
//! root comment with nested replies, resolvable as a whole.

use async_trait::async_trait;
use scm_core::actions::{
    CreateReview, CreateReviewComment, CreateReviewCommentFile, CreateReviewCommentReply,
    GetPullRequestReview, GetPullRequestReviewThreads, GetReviewComments, ListPullRequestReviews,
    UpdateReviewComment,
};
use scm_core::http_util::encode_path;
use scm_core::model::{
    DiffLine, Review, ReviewComment, ReviewEvent, ReviewSide, ReviewState, ReviewThread, Sha,
};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};
use serde_json::{json, Value};

use super::{comment_path, pull_request_path};
use crate::client::{number, ok, Call};
use crate::schema::{BbActivity, BbComment, BbDiffs, BbParticipant, BbPullRequest};
use crate::BitbucketServer;

fn file_type(side: ReviewSide) -> &'static str {
    match side {
        ReviewSide::Base => "FROM",
        ReviewSide::Head => "TO",
    }
}

impl BitbucketServer {
    /// The anchor of a diff comment on `path` (a whole file without
    /// `line`). `fromHash` is always sent: comments without it break the
    /// web view. The line type must match the diff, so it is read from it.
    async fn anchor(
        &self,
        pull: &BbPullRequest,
        commit: &Sha,
        path: &str,
        line: Option<DiffLine>,
        side: ReviewSide,
        ctx: &CallContext,
    ) -> Result<Value> {
        encode_path(path)?;
        let mut anchor = json!({
            "path": path,
            "diffType": "EFFECTIVE",
            "fileType": file_type(side),
            "toHash": commit.as_str(),
        });
        if let Some(from) = &pull.to_ref.latest_commit {
            anchor["fromHash"] = json!(from);
        }
        if let Some(line) = line {
            let call = Call::get(format!(
                "{}/diff/{}",
                pull_request_path(ctx, &pull.id.to_string())?,
                encode_path(path)?
            ))
            .query("contextLines", 10);
            let (diff, _, _) = self.client().value::<BbDiffs>(call, ctx).await?;
            let old = line.side == ReviewSide::Base;
            let line_type = diff.line_type(line.line, old).ok_or_else(|| {
                Error::invalid_input(format!(
                    "line {} ({}) of `{path}` is not part of the pull request's diff",
                    line.line,
                    if old { "base" } else { "head" }
                ))
            })?;
            anchor["line"] = json!(line.line);
            anchor["lineType"] = json!(line_type);
            anchor["fileType"] = json!(file_type(line.side));
        }
        Ok(anchor)
    }

    /// Posts an anchored comment and maps the answer.
    async fn post_anchored(
        &self,
        pull_id: &str,
        body: &str,
        anchor: Value,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let call = Call::post(
            format!("{}/comments", pull_request_path(ctx, pull_id)?),
            json!({ "text": body, "anchor": anchor }),
        );
        let web = self.pull_request_web(ctx, pull_id);
        self.client()
            .json_map(call, ctx, |c: BbComment| {
                Ok(c.review_comment(None, None, web.as_deref()))
            })
            .await
    }

    /// Every thread (root comment and anchor) of the activity stream, in
    /// the stream's order, up to the internal page cap.
    pub(crate) async fn threads(
        &self,
        pull_id: &str,
        ctx: &CallContext,
    ) -> Result<Vec<(BbComment, Option<crate::schema::BbAnchor>)>> {
        let call = Call::get(format!("{}/activities", pull_request_path(ctx, pull_id)?));
        let (activities, _) = self.client().collect::<BbActivity>(call, 100, ctx).await?;
        Ok(activities
            .into_iter()
            .filter_map(BbActivity::thread)
            .collect())
    }

    async fn participants(&self, pull_id: &str, ctx: &CallContext) -> Result<Vec<BbParticipant>> {
        let call = Call::get(format!("{}/participants", pull_request_path(ctx, pull_id)?));
        Ok(self
            .client()
            .collect::<BbParticipant>(call, 100, ctx)
            .await?
            .0)
    }
}

#[async_trait]
impl Handle<CreateReviewCommentFile> for BitbucketServer {
    async fn handle(
        &self,
        a: CreateReviewCommentFile,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let pull = self.current_pull_request(&a.pull_request_id, ctx).await?;
        let anchor = self
            .anchor(&pull, &a.commit_id, &a.path, None, a.side, ctx)
            .await?;
        self.post_anchored(&a.pull_request_id, &a.body, anchor, ctx)
            .await
    }
}

/// A comment on one line. Data Center 9.2 cannot create multi-line
/// comments (its `multilineMarker` is read-only), so `start_line` is
/// refused.
#[async_trait]
impl Handle<CreateReviewComment> for BitbucketServer {
    async fn handle(
        &self,
        a: CreateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        if a.start_line.is_some() {
            return Err(Error::invalid_input(
                "Bitbucket Data Center cannot create comments on a range of lines",
            ));
        }
        let pull = self.current_pull_request(&a.pull_request_id, ctx).await?;
        let anchor = self
            .anchor(&pull, &a.commit_id, &a.path, Some(a.line), a.line.side, ctx)
            .await?;
        self.post_anchored(&a.pull_request_id, &a.body, anchor, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReply> for BitbucketServer {
    async fn handle(
        &self,
        a: CreateReviewCommentReply,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let parent = number(&a.comment_id, "comment_id")? as i64;
        let call = Call::post(
            format!("{}/comments", pull_request_path(ctx, &a.pull_request_id)?),
            json!({ "text": a.body, "parent": { "id": parent } }),
        );
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        self.client()
            .json_map(call, ctx, |c: BbComment| {
                Ok(c.review_comment(None, Some(parent), web.as_deref()))
            })
            .await
    }
}

/// Posts each comment on its line, then the verdict: approve and request
/// changes complete the review (`PUT …/review` with `APPROVED` or
/// `NEEDS_WORK`, the body as its comment); a plain comment review posts
/// the body as a conversation comment. The review id is the acting user's.
#[async_trait]
impl Handle<CreateReview> for BitbucketServer {
    async fn handle(&self, a: CreateReview, ctx: &CallContext) -> Result<Response<Review>> {
        if a.comments.iter().any(|c| c.start_line.is_some()) {
            return Err(Error::invalid_input(
                "Bitbucket Data Center cannot create comments on a range of lines",
            ));
        }
        let pull = self.current_pull_request(&a.pull_request_id, ctx).await?;
        for comment in &a.comments {
            let anchor = self
                .anchor(
                    &pull,
                    &a.commit_sha,
                    &comment.path,
                    Some(comment.line),
                    comment.line.side,
                    ctx,
                )
                .await?;
            self.post_anchored(&a.pull_request_id, &comment.body, anchor, ctx)
                .await?;
        }
        let path = pull_request_path(ctx, &a.pull_request_id)?;
        let status = match a.event {
            ReviewEvent::Approve => Some(("APPROVED", ReviewState::Approved)),
            ReviewEvent::ChangeRequest => Some(("NEEDS_WORK", ReviewState::ChangesRequested)),
            ReviewEvent::Comment => None,
        };
        let raw = match status {
            Some((participant_status, _)) => {
                let mut body = json!({
                    "participantStatus": participant_status,
                    "lastReviewedCommit": a.commit_sha.as_str(),
                });
                if let Some(text) = a.body.as_ref().filter(|t| !t.is_empty()) {
                    body["commentText"] = json!(text);
                }
                let call = Call::new(http::Method::PUT, format!("{path}/review")).json(body);
                match self.client().empty(call, ctx).await? {
                    Response::Ok(result) => result.raw,
                    Response::NotModified { .. } => None,
                }
            }
            None => match a.body.as_ref().filter(|t| !t.is_empty()) {
                Some(text) => {
                    let call = Call::post(format!("{path}/comments"), json!({ "text": text }));
                    Some(self.client().value::<Value>(call, ctx).await?.1)
                }
                None => None,
            },
        };
        let (me, _) = self.current_user(ctx).await?;
        let participant = BbParticipant {
            user: me,
            role: Some("REVIEWER".into()),
            approved: matches!(a.event, ReviewEvent::Approve),
            status: status.map(|(s, _)| s.to_owned()),
            last_reviewed_commit: Some(a.commit_sha.to_string()),
        };
        let mut review =
            participant.review(self.pull_request_web(ctx, &a.pull_request_id).as_deref());
        review.state = status.map_or(ReviewState::Commented, |(_, state)| state);
        review.body = a.body;
        Ok(ok(review, raw))
    }
}

/// Edits the text with the comment's current version (only its author may).
#[async_trait]
impl Handle<UpdateReviewComment> for BitbucketServer {
    async fn handle(
        &self,
        a: UpdateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        self.edit_comment(&a.pull_request_id, &a.comment_id, &a.body, ctx)
            .await
    }
}

impl BitbucketServer {
    pub(crate) async fn edit_comment(
        &self,
        pull: &str,
        comment: &str,
        text: &str,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let current = self.current_comment(pull, comment, ctx).await?;
        let call = Call::put(
            comment_path(ctx, pull, comment)?,
            json!({ "text": text, "version": current.version }),
        );
        let web = self.pull_request_web(ctx, pull);
        let anchor = current.anchor.clone();
        self.client()
            .json_map(call, ctx, |c: BbComment| {
                Ok(c.review_comment(anchor.as_ref(), None, web.as_deref()))
            })
            .await
    }
}

/// Diff comments written by the review's author (`review_id`: their user
/// id, slug or name), one page of the activity stream at a time.
#[async_trait]
impl Handle<GetReviewComments> for BitbucketServer {
    async fn handle(
        &self,
        a: GetReviewComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewComment>>> {
        let call = Call::get(format!(
            "{}/activities",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        let reviewer = a.review_id.clone();
        let response = self
            .client()
            .list(call, &a.page, ctx, |activity: BbActivity| {
                let Some((root, Some(anchor))) = activity.thread() else {
                    return Ok(None);
                };
                let by_reviewer = |c: &BbComment| {
                    c.author.as_ref().is_some_and(|user| {
                        BbParticipant {
                            user: user.clone(),
                            ..BbParticipant::default()
                        }
                        .is(&reviewer)
                    })
                };
                Ok(Some(
                    root.flatten()
                        .into_iter()
                        .filter(|(c, _)| by_reviewer(c))
                        .map(|(c, parent)| c.review_comment(Some(&anchor), parent, web.as_deref()))
                        .collect::<Vec<_>>(),
                ))
            })
            .await?;
        Ok(response
            .map(|page| Page::new(page.items.into_iter().flatten().collect(), page.next_cursor)))
    }
}

#[async_trait]
impl Handle<GetPullRequestReview> for BitbucketServer {
    async fn handle(&self, a: GetPullRequestReview, ctx: &CallContext) -> Result<Response<Review>> {
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        let participants = self.participants(&a.pull_request_id, ctx).await?;
        let found = participants
            .iter()
            .find(|p| p.is(&a.review_id))
            .ok_or_else(|| Error::NotFound {
                detail: format!(
                    "`{}` has not reviewed pull request {}",
                    a.review_id.chars().take(80).collect::<String>(),
                    a.pull_request_id
                ),
            })?;
        Ok(ok(found.review(web.as_deref()), None))
    }
}

/// Threads anchored to the diff, each with its replies; resolution is the
/// root comment's `threadResolved`.
#[async_trait]
impl Handle<GetPullRequestReviewThreads> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestReviewThreads,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewThread>>> {
        let call = Call::get(format!(
            "{}/activities",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        self.client()
            .list(call, &a.page, ctx, |activity: BbActivity| {
                let Some((root, Some(anchor))) = activity.thread() else {
                    return Ok(None);
                };
                let comments = root
                    .flatten()
                    .into_iter()
                    .map(|(c, parent)| {
                        let mut comment = c.review_comment(Some(&anchor), parent, web.as_deref());
                        if a.include_reactions {
                            comment.reactions = c.reactions();
                        }
                        comment
                    })
                    .collect();
                Ok(Some(ReviewThread {
                    id: root.id.to_string(),
                    is_resolved: root.thread_resolved,
                    is_outdated: false,
                    path: anchor.path.as_ref().and_then(|p| p.text()),
                    line: anchor.line.and_then(|l| u32::try_from(l).ok()),
                    comments,
                }))
            })
            .await
    }
}

/// Participants who approved or asked for changes.
#[async_trait]
impl Handle<ListPullRequestReviews> for BitbucketServer {
    async fn handle(
        &self,
        a: ListPullRequestReviews,
        ctx: &CallContext,
    ) -> Result<Response<Page<Review>>> {
        let call = Call::get(format!(
            "{}/participants",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        self.client()
            .list(call, &a.page, ctx, |p: BbParticipant| {
                let review = p.review(web.as_deref());
                Ok(matches!(
                    review.state,
                    ReviewState::Approved | ReviewState::ChangesRequested
                )
                .then_some(review))
            })
            .await
    }
}
