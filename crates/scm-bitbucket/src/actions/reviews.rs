//! Reviews and review (inline) comments.
//!
//! Bitbucket has no review objects: a review is a participant's state
//! (approved or changes requested), its id the reviewer's `{uuid}`; its
//! comments are that user's inline comments. Inline anchors cannot be
//! pinned to a commit (they follow the pull request's current diff), so
//! `commit_id` arguments are not sent.

use std::collections::BTreeMap;

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde_json::json;

use super::comments::content;
use super::repository::user_id;
use crate::client::Req;
use crate::pagination::MAX_PAGELEN;
use crate::schema::comments::CommentJson;
use crate::schema::pull_requests::{Participant, PullRequestJson};
use crate::Bitbucket;

/// Pages of comments read to assemble threads.
const THREAD_PAGES: usize = 20;

/// `inline` for a line (and optionally a range start) on one side.
fn inline(path: &str, line: DiffLine, start: Option<DiffLine>) -> Result<serde_json::Value, Error> {
    let (end_key, start_key) = match line.side {
        ReviewSide::Head => ("to", "start_to"),
        ReviewSide::Base => ("from", "start_from"),
    };
    let mut anchor = json!({ "path": path, end_key: line.line });
    if let Some(start) = start {
        if start.side != line.side {
            return Err(Error::invalid_input(
                "a Bitbucket comment range must stay on one side of the diff",
            ));
        }
        if start.line > line.line {
            return Err(Error::invalid_input(
                "a comment range must start before it ends",
            ));
        }
        if start.line < line.line {
            anchor[start_key] = json!(start.line);
        }
    }
    Ok(anchor)
}

impl Bitbucket {
    async fn post_comment(
        &self,
        ctx: &CallContext,
        pr: &str,
        body: serde_json::Value,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::post(self.comments_path(ctx, pr)?, body);
        self.write(req, ctx, |c: CommentJson| c.review_comment())
            .await
    }

    /// Every comment of a pull request (up to [`THREAD_PAGES`] pages).
    pub(crate) async fn all_comments(
        &self,
        ctx: &CallContext,
        pr: &str,
    ) -> Result<(Vec<CommentJson>, Option<scm_core::RawResponse>), Error> {
        let (comments, _, raw) = self
            .list_all::<CommentJson>(Req::get(self.comments_path(ctx, pr)?), THREAD_PAGES, ctx)
            .await?;
        Ok((comments, raw))
    }
}

/// A comment on a whole file (`inline` with a path and no line); `side`
/// cannot be expressed for file comments and is not sent.
#[async_trait]
impl Handle<CreateReviewCommentFile> for Bitbucket {
    async fn handle(
        &self,
        a: CreateReviewCommentFile,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let mut body = content(&a.body);
        body["inline"] = json!({ "path": a.path });
        self.post_comment(ctx, &a.pull_request_id, body).await
    }
}

/// `inline.to` for a head-side line, `inline.from` for a base-side line;
/// ranges with `start_to` / `start_from`.
#[async_trait]
impl Handle<CreateReviewComment> for Bitbucket {
    async fn handle(
        &self,
        a: CreateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let mut body = content(&a.body);
        body["inline"] = inline(&a.path, a.line, a.start_line)?;
        self.post_comment(ctx, &a.pull_request_id, body).await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReply> for Bitbucket {
    async fn handle(
        &self,
        a: CreateReviewCommentReply,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let parent: i64 = crate::number(&a.comment_id, "comment_id")?
            .parse()
            .map_err(|_| Error::invalid_input("`comment_id` is too large"))?;
        let mut body = content(&a.body);
        body["parent"] = json!({ "type": "pullrequest_comment", "id": parent });
        self.post_comment(ctx, &a.pull_request_id, body).await
    }
}

/// Not atomic (Bitbucket has no review batch): the inline comments are
/// posted, then the body as a general comment, then the approval or the
/// change request. The review's id is the acting user's `{uuid}`.
#[async_trait]
impl Handle<CreateReview> for Bitbucket {
    async fn handle(&self, a: CreateReview, ctx: &CallContext) -> Result<Response<Review>, Error> {
        let pr = a.pull_request_id.clone();
        let body = a.body.clone().filter(|b| !b.trim().is_empty());
        if a.event == ReviewEvent::Comment && a.comments.is_empty() && body.is_none() {
            return Err(Error::invalid_input(
                "a comment review needs a body or comments",
            ));
        }
        let mut anchors = Vec::with_capacity(a.comments.len());
        for comment in &a.comments {
            anchors.push(inline(&comment.path, comment.line, comment.start_line)?);
        }
        let mut author = None;
        for (comment, anchor) in a.comments.iter().zip(anchors) {
            let mut payload = content(&comment.body);
            payload["inline"] = anchor;
            let posted = self.post_comment(ctx, &pr, payload).await?;
            if let Some(data) = posted.data() {
                author = data.author.clone();
            }
        }
        if let Some(text) = &body {
            let req = Req::post(self.comments_path(ctx, &pr)?, content(text));
            let posted = self.write(req, ctx, |c: CommentJson| c.comment()).await?;
            if let Some(data) = posted.data() {
                author = data.author.clone().or(author);
            }
        }
        let (state, participant) = match a.event {
            ReviewEvent::Approve => (ReviewState::Approved, Some("approve")),
            ReviewEvent::ChangeRequest => (ReviewState::ChangesRequested, Some("request-changes")),
            ReviewEvent::Comment => (ReviewState::Commented, None),
        };
        let mut submitted_at = None;
        if let Some(endpoint) = participant {
            let req = Req::new(
                http::Method::POST,
                format!("{}/{endpoint}", self.pr_path(ctx, &pr)?),
            );
            let json = self.call::<Participant>(req, ctx).await?;
            if let Some(user) = &json.value.user {
                author = Some(user.author());
            }
            submitted_at = crate::schema::common::timestamp(&json.value.participated_on);
        }
        let review = Review {
            id: author
                .as_ref()
                .and_then(|a| a.id.clone().or_else(|| Some(a.username.clone())))
                .unwrap_or_default(),
            node_id: None,
            state,
            body,
            author,
            commit_sha: Some(a.commit_sha),
            html_url: self
                .web_repo(ctx)
                .ok()
                .map(|w| format!("{w}/pull-requests/{pr}")),
            submitted_at,
        };
        Ok(self.ok(review, None, Default::default()))
    }
}

#[async_trait]
impl Handle<UpdateReviewComment> for Bitbucket {
    async fn handle(
        &self,
        a: UpdateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::put(
            self.comment_path(ctx, &a.pull_request_id, &a.comment_id)?,
            content(&a.body),
        );
        self.write(req, ctx, |c: CommentJson| c.review_comment())
            .await
    }
}

/// The inline comments of the reviewer `review_id` (`{uuid}` or account id).
#[async_trait]
impl Handle<GetReviewComments> for Bitbucket {
    async fn handle(
        &self,
        a: GetReviewComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewComment>>, Error> {
        let reviewer = user_id(&a.review_id)?;
        let req = Req::get(self.comments_path(ctx, &a.pull_request_id)?);
        self.list(req, &a.page, MAX_PAGELEN, ctx, move |c: CommentJson| {
            let mine = c.user.as_ref().is_some_and(|u| u.is(&reviewer));
            if mine && c.is_inline() && !c.is_deleted() {
                c.review_comment().map(Some)
            } else {
                Ok(None)
            }
        })
        .await
    }
}

impl Bitbucket {
    async fn reviews(
        &self,
        ctx: &CallContext,
        pr: &str,
    ) -> Result<(Vec<Review>, crate::client::Json<PullRequestJson>), Error> {
        let json = self.pull_request_json(ctx, pr).await?;
        let html = json.value.links.html();
        let reviews = json
            .value
            .participants
            .iter()
            .filter_map(|p| p.review(html.clone()))
            .collect();
        Ok((reviews, json))
    }
}

#[async_trait]
impl Handle<GetPullRequestReview> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestReview,
        ctx: &CallContext,
    ) -> Result<Response<Review>, Error> {
        let reviewer = user_id(&a.review_id)?;
        let (reviews, json) = self.reviews(ctx, &a.pull_request_id).await?;
        let review = reviews
            .into_iter()
            .find(|r| {
                r.author.as_ref().is_some_and(|author| {
                    author
                        .id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&reviewer))
                        || author.username == reviewer
                })
            })
            .ok_or_else(|| Error::NotFound {
                detail: format!("no review by `{reviewer}` on this pull request"),
            })?;
        Ok(self.ok(review, Some(json.raw), json.meta))
    }
}

/// Participants who approved or requested changes (one page: a pull
/// request's participants come in one answer).
#[async_trait]
impl Handle<ListPullRequestReviews> for Bitbucket {
    async fn handle(
        &self,
        a: ListPullRequestReviews,
        ctx: &CallContext,
    ) -> Result<Response<Page<Review>>, Error> {
        let (reviews, json) = self.reviews(ctx, &a.pull_request_id).await?;
        Ok(self.ok(Page::new(reviews, None), Some(json.raw), json.meta))
    }
}

/// Threads of inline comments: each root comment with the replies that
/// lead back to it, ordered by id; resolved when the root carries a
/// resolution. All comments are read (up to 20 pages), so this is one page.
#[async_trait]
impl Handle<GetPullRequestReviewThreads> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestReviewThreads,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewThread>>, Error> {
        let (comments, raw) = self.all_comments(ctx, &a.pull_request_id).await?;
        let parents: BTreeMap<i64, Option<i64>> = comments
            .iter()
            .filter_map(|c| Some((c.id?, c.parent.as_ref().and_then(|p| p.id))))
            .collect();
        let root_of = |mut id: i64| {
            for _ in 0..100 {
                match parents.get(&id).copied().flatten() {
                    Some(parent) if parents.contains_key(&parent) => id = parent,
                    _ => break,
                }
            }
            id
        };
        let mut threads: BTreeMap<i64, ReviewThread> = BTreeMap::new();
        let mut members: BTreeMap<i64, Vec<&CommentJson>> = BTreeMap::new();
        for comment in &comments {
            if let Some(id) = comment.id {
                members.entry(root_of(id)).or_default().push(comment);
            }
        }
        for (root, mut list) in members {
            list.sort_by_key(|c| c.id);
            let Some(first) = list.iter().find(|c| c.id == Some(root)) else {
                continue;
            };
            if !first.is_inline() {
                continue;
            }
            let anchor = first.review_comment()?;
            let mut thread = ReviewThread {
                id: root.to_string(),
                is_resolved: first.is_resolved(),
                is_outdated: first
                    .inline
                    .as_ref()
                    .and_then(|i| i.outdated)
                    .unwrap_or(false),
                path: anchor.path.clone(),
                line: anchor.line,
                comments: Vec::new(),
            };
            for comment in list.iter().filter(|c| !c.is_deleted()) {
                thread.comments.push(comment.review_comment()?);
            }
            threads.insert(root, thread);
        }
        let items = threads.into_values().collect();
        Ok(self.ok(Page::new(items, None), raw, Default::default()))
    }
}
