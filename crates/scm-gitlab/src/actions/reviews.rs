//! Reviews: diff discussions, draft notes, approvals and reviewer states.
//!
//! GitLab has no review object. A reviewer's state on a merge request
//! (approved, requested changes, reviewed) is that reviewer's review, with
//! the reviewer's user id as its id; their diff notes are its comments.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response, ResponseMeta};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{not_modified, Fetched, Req};
use crate::diff::locate;
use crate::pagination::Mode;
use crate::schema::{de_id, de_ts, GlDiff, GlDiscussion, GlNote, GlUser};
use crate::GitLab;

/// Pages of discussions searched to find one note's thread.
const MAX_DISCUSSION_PAGES: usize = 50;
/// Pages of a merge request's diff searched for one file.
const MAX_DIFF_PAGES: usize = 30;

/// One diff version of a merge request.
#[derive(Debug, Clone, Deserialize)]
struct GlVersion {
    #[serde(default, deserialize_with = "de_id")]
    id: Option<String>,
    head_commit_sha: Option<String>,
    base_commit_sha: Option<String>,
    start_commit_sha: Option<String>,
}

/// The three shas a diff position is anchored to.
#[derive(Debug, Clone)]
pub(crate) struct DiffRefs {
    base: String,
    start: String,
    head: String,
    /// The version, when it is not the latest (its diffs are read from it).
    version_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GlVersionDetail {
    #[serde(default)]
    diffs: Vec<GlDiff>,
}

#[derive(Debug, Deserialize)]
struct GlApprovals {
    #[serde(default)]
    approved_by: Vec<GlApprover>,
}

#[derive(Debug, Deserialize)]
struct GlApprover {
    user: Option<GlUser>,
    #[serde(default, deserialize_with = "de_ts")]
    approved_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
struct GlReviewer {
    user: Option<GlUser>,
    state: Option<String>,
}

impl GitLab {
    /// The diff version whose head is `commit`.
    async fn diff_refs(
        &self,
        iid: &str,
        commit: &Sha,
        ctx: &CallContext,
    ) -> Result<DiffRefs, Error> {
        let mr = self.merge_request(iid, ctx).await?;
        if let Some(refs) = mr.diff_refs {
            if let (Some(base), Some(start), Some(head)) =
                (refs.base_sha, refs.start_sha, refs.head_sha)
            {
                if head.starts_with(commit.as_str()) {
                    return Ok(DiffRefs {
                        base,
                        start,
                        head,
                        version_id: None,
                    });
                }
            }
        }
        let path = format!("{}/versions", self.mr_path(ctx, iid)?);
        let (versions, _) = self
            .list_all::<GlVersion>(Req::get(path), Mode::Offset, 10, ctx)
            .await?;
        versions
            .into_iter()
            .find(|v| {
                v.head_commit_sha
                    .as_deref()
                    .is_some_and(|h| h.starts_with(commit.as_str()))
            })
            .and_then(|v| {
                Some(DiffRefs {
                    base: v.base_commit_sha?,
                    start: v.start_commit_sha?,
                    head: v.head_commit_sha?,
                    version_id: v.id,
                })
            })
            .ok_or_else(|| Error::UnprocessableContent {
                detail: format!("commit {commit} is not a version of merge request !{iid}"),
            })
    }

    /// The diff of one file in that version, when the file is in it.
    async fn file_diff(
        &self,
        iid: &str,
        refs: &DiffRefs,
        path: &str,
        ctx: &CallContext,
    ) -> Result<Option<GlDiff>, Error> {
        let diffs = match &refs.version_id {
            Some(version) => {
                let req = Req::get(format!("{}/versions/{version}", self.mr_path(ctx, iid)?));
                self.call::<GlVersionDetail>(req, ctx).await?.value.diffs
            }
            None => {
                let req = Req::get(format!("{}/diffs", self.mr_path(ctx, iid)?));
                self.list_all::<GlDiff>(req, Mode::Offset, MAX_DIFF_PAGES, ctx)
                    .await?
                    .0
            }
        };
        Ok(diffs
            .into_iter()
            .find(|d| d.new_path == path || d.old_path == path))
    }

    /// A `position` for a line (or a range of lines) of a file.
    async fn line_position(
        &self,
        iid: &str,
        refs: &DiffRefs,
        path: &str,
        line: DiffLine,
        start: Option<DiffLine>,
        ctx: &CallContext,
    ) -> Result<Value, Error> {
        let diff = self.file_diff(iid, refs, path, ctx).await?;
        Ok(text_position(refs, path, diff.as_ref(), line, start))
    }

    /// Finds the discussion holding a note.
    async fn discussion_of(
        &self,
        iid: &str,
        note_id: &str,
        ctx: &CallContext,
    ) -> Result<Option<(GlDiscussion, scm_core::RawResponse)>, Error> {
        let note_id = crate::number(note_id, "comment_id")?;
        let req = Req::get(format!("{}/discussions", self.mr_path(ctx, iid)?));
        let found = self
            .find_in_pages::<GlDiscussion>(req, Mode::Offset, MAX_DISCUSSION_PAGES, ctx, |d| {
                d.notes
                    .iter()
                    .any(|n| n.id.as_deref() == Some(note_id.as_str()))
            })
            .await?;
        Ok(found)
    }

    /// The id of the discussion holding a note, with the answer it was
    /// found in; `None` when no discussion holds it.
    pub(crate) async fn discussion_id_of(
        &self,
        iid: &str,
        note_id: &str,
        ctx: &CallContext,
    ) -> Result<Option<(String, scm_core::RawResponse)>, Error> {
        Ok(self
            .discussion_of(iid, note_id, ctx)
            .await?
            .map(|(d, raw)| (d.id, raw)))
    }

    /// Every reviewer's review: approvals, then reviewer states.
    async fn reviews(
        &self,
        iid: &str,
        ctx: &CallContext,
    ) -> Result<(Vec<Review>, scm_core::RawResponse), Error> {
        let mr = self.mr_path(ctx, iid)?;
        let approvals = self
            .call::<GlApprovals>(Req::get(format!("{mr}/approvals")), ctx)
            .await?;
        let mut reviews: Vec<Review> = Vec::new();
        for approver in approvals.value.approved_by {
            let Some(user) = approver.user else { continue };
            let Some(id) = user.id.clone() else { continue };
            reviews.push(Review {
                id,
                node_id: None,
                state: ReviewState::Approved,
                body: None,
                author: Some(user.author()),
                commit_sha: None,
                html_url: self.mr_web(ctx, iid),
                submitted_at: approver.approved_at,
            });
        }
        let reviewers = match self
            .call::<Vec<GlReviewer>>(Req::get(format!("{mr}/reviewers")), ctx)
            .await
        {
            Ok(json) => json.value,
            // Instances before the reviewers endpoint (GitLab 15.3).
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(err) => return Err(err),
        };
        for reviewer in reviewers {
            let state = match reviewer.state.as_deref() {
                Some("approved") => ReviewState::Approved,
                Some("requested_changes") => ReviewState::ChangesRequested,
                Some("reviewed") => ReviewState::Commented,
                // `unreviewed`, `unapproved`, `review_started`: no review yet.
                _ => continue,
            };
            let Some(user) = reviewer.user else { continue };
            let Some(id) = user.id.clone() else { continue };
            match reviews.iter_mut().find(|r| r.id == id) {
                Some(existing) => {
                    if state == ReviewState::ChangesRequested {
                        existing.state = state;
                    }
                }
                None => reviews.push(Review {
                    id,
                    node_id: None,
                    state,
                    body: None,
                    author: Some(user.author()),
                    commit_sha: None,
                    html_url: self.mr_web(ctx, iid),
                    submitted_at: None,
                }),
            }
        }
        Ok((reviews, approvals.raw))
    }

    async fn new_discussion(
        &self,
        iid: &str,
        body: &str,
        position: Value,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::post(
            format!("{}/discussions", self.mr_path(ctx, iid)?),
            json!({ "body": body, "position": position }),
        );
        let html = self.mr_web(ctx, iid);
        self.write(req, ctx, |d: GlDiscussion| {
            d.review_comments(html.as_deref())?
                .into_iter()
                .next()
                .ok_or_else(|| Error::malformed("GitLab sent a discussion without notes"))
        })
        .await
    }
}

fn base_position(refs: &DiffRefs, old_path: &str, new_path: &str, kind: &str) -> Value {
    json!({
        "position_type": kind,
        "base_sha": refs.base,
        "start_sha": refs.start,
        "head_sha": refs.head,
        "old_path": old_path,
        "new_path": new_path,
    })
}

/// A text position: `new_line`/`old_line` as the line's kind requires,
/// and a `line_range` for multi-line comments.
pub(crate) fn text_position(
    refs: &DiffRefs,
    path: &str,
    diff: Option<&GlDiff>,
    line: DiffLine,
    start: Option<DiffLine>,
) -> Value {
    let (old_path, new_path) = match diff {
        Some(d) => (d.old_path.clone(), d.new_path.clone()),
        None => (path.to_owned(), path.to_owned()),
    };
    let code_path = match diff {
        Some(d) if d.deleted_file => old_path.clone(),
        _ => new_path.clone(),
    };
    let mut position = base_position(refs, &old_path, &new_path, "text");
    let end = diff.and_then(|d| locate(&d.diff, line.side, line.line));
    match end {
        Some(pos) => {
            if let Some(old) = pos.old_line() {
                position["old_line"] = json!(old);
            }
            if let Some(new) = pos.new_line() {
                position["new_line"] = json!(new);
            }
        }
        None => match line.side {
            ReviewSide::Head => position["new_line"] = json!(line.line),
            ReviewSide::Base => position["old_line"] = json!(line.line),
        },
    }
    if let (Some(start), Some(end)) = (start, end) {
        let start_pos = diff.and_then(|d| locate(&d.diff, start.side, start.line));
        if let Some(start_pos) = start_pos.filter(|s| *s != end) {
            position["line_range"] = json!({
                "start": start_pos.range_end(&code_path),
                "end": end.range_end(&code_path),
            });
        }
    }
    position
}

impl DiffRefs {
    #[cfg(test)]
    pub(crate) fn for_tests(base: &str, start: &str, head: &str) -> Self {
        Self {
            base: base.into(),
            start: start.into(),
            head: head.into(),
            version_id: None,
        }
    }
}

/// A comment on a whole file (`position_type: file`, GitLab 16.4+).
#[async_trait]
impl Handle<CreateReviewCommentFile> for GitLab {
    async fn handle(
        &self,
        a: CreateReviewCommentFile,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let refs = self
            .diff_refs(&a.pull_request_id, &a.commit_id, ctx)
            .await?;
        let diff = self
            .file_diff(&a.pull_request_id, &refs, &a.path, ctx)
            .await?;
        let (old_path, new_path) = match &diff {
            Some(d) => (d.old_path.clone(), d.new_path.clone()),
            None => (a.path.clone(), a.path.clone()),
        };
        let _ = a.side;
        let position = base_position(&refs, &old_path, &new_path, "file");
        self.new_discussion(&a.pull_request_id, &a.body, position, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewComment> for GitLab {
    async fn handle(
        &self,
        a: CreateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let refs = self
            .diff_refs(&a.pull_request_id, &a.commit_id, ctx)
            .await?;
        let position = self
            .line_position(
                &a.pull_request_id,
                &refs,
                &a.path,
                a.line,
                a.start_line,
                ctx,
            )
            .await?;
        self.new_discussion(&a.pull_request_id, &a.body, position, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReply> for GitLab {
    async fn handle(
        &self,
        a: CreateReviewCommentReply,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let discussion = self
            .discussion_of(&a.pull_request_id, &a.comment_id, ctx)
            .await?
            .map(|(discussion, _)| discussion)
            .ok_or_else(|| Error::NotFound {
                detail: format!("no discussion holds comment {}", a.comment_id),
            })?;
        let first = discussion.notes.first().and_then(|n| n.id.clone());
        let req = Req::post(
            format!(
                "{}/discussions/{}/notes",
                self.mr_path(ctx, &a.pull_request_id)?,
                encode_segment(&discussion.id)?
            ),
            json!({ "body": a.body }),
        );
        let html = self.mr_web(ctx, &a.pull_request_id);
        self.write(req, ctx, |n: GlNote| {
            n.review_comment(first, html.as_deref())
        })
        .await
    }
}

/// Draft notes for each comment (and the body), published together as one
/// review; `approve` then approves at `commit_sha`. GitLab's API cannot
/// request changes, so `change_request` is refused before anything is sent.
#[async_trait]
impl Handle<CreateReview> for GitLab {
    async fn handle(&self, a: CreateReview, ctx: &CallContext) -> Result<Response<Review>, Error> {
        if a.event == ReviewEvent::ChangeRequest {
            return Err(Error::UnprocessableContent {
                detail: "GitLab's API cannot request changes on a merge request".into(),
            });
        }
        let mr = self.mr_path(ctx, &a.pull_request_id)?;
        let mut drafts = 0;
        if !a.comments.is_empty() {
            let refs = self
                .diff_refs(&a.pull_request_id, &a.commit_sha, ctx)
                .await?;
            for comment in &a.comments {
                let position = self
                    .line_position(
                        &a.pull_request_id,
                        &refs,
                        &comment.path,
                        comment.line,
                        comment.start_line,
                        ctx,
                    )
                    .await?;
                self.call::<Value>(
                    Req::post(
                        format!("{mr}/draft_notes"),
                        json!({ "note": comment.body, "position": position }),
                    ),
                    ctx,
                )
                .await?;
                drafts += 1;
            }
        }
        if let Some(body) = a.body.as_deref().filter(|b| !b.is_empty()) {
            self.call::<Value>(
                Req::post(format!("{mr}/draft_notes"), json!({ "note": body })),
                ctx,
            )
            .await?;
            drafts += 1;
        }
        let mut raw = None;
        if drafts > 0 {
            raw = Some(
                self.call_empty(
                    Req::post(format!("{mr}/draft_notes/bulk_publish"), json!({})),
                    ctx,
                )
                .await?,
            );
        }
        let state = if a.event == ReviewEvent::Approve {
            let json = self
                .call::<Value>(
                    Req::post(
                        format!("{mr}/approve"),
                        json!({ "sha": a.commit_sha.as_str() }),
                    ),
                    ctx,
                )
                .await?;
            raw = Some(json.raw);
            ReviewState::Approved
        } else {
            ReviewState::Commented
        };
        let me = self.current_user(ctx).await?;
        let review = Review {
            id: me
                .id
                .clone()
                .ok_or_else(|| Error::malformed("GitLab sent the current user without an id"))?,
            node_id: None,
            state,
            body: a.body,
            author: Some(me.author()),
            commit_sha: Some(a.commit_sha),
            html_url: self.mr_web(ctx, &a.pull_request_id),
            submitted_at: None,
        };
        Ok(self.ok(review, raw, ResponseMeta::default()))
    }
}

#[async_trait]
impl Handle<UpdateReviewComment> for GitLab {
    async fn handle(
        &self,
        a: UpdateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::put(
            format!(
                "{}/notes/{}",
                self.mr_path(ctx, &a.pull_request_id)?,
                crate::number(&a.comment_id, "comment_id")?
            ),
            json!({ "body": a.body }),
        );
        let html = self.mr_web(ctx, &a.pull_request_id);
        self.write(req, ctx, |n: GlNote| {
            n.review_comment(None, html.as_deref())
        })
        .await
    }
}

/// One reviewer's diff notes (a page of discussions at a time).
#[async_trait]
impl Handle<GetReviewComments> for GitLab {
    async fn handle(
        &self,
        a: GetReviewComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewComment>>, Error> {
        let reviewer = crate::number(&a.review_id, "review_id")?;
        let req = Req::get(format!(
            "{}/discussions",
            self.mr_path(ctx, &a.pull_request_id)?
        ));
        let html = self.mr_web(ctx, &a.pull_request_id);
        self.list_flat(req, &a.page, Mode::Offset, ctx, |d: GlDiscussion| {
            if !d.is_diff_thread() {
                return Ok(Vec::new());
            }
            Ok(d.review_comments(html.as_deref())?
                .into_iter()
                .filter(|c| {
                    c.author.as_ref().and_then(|u| u.id.as_deref()) == Some(reviewer.as_str())
                })
                .collect())
        })
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestReview> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestReview,
        ctx: &CallContext,
    ) -> Result<Response<Review>, Error> {
        let (reviews, raw) = self.reviews(&a.pull_request_id, ctx).await?;
        let review = reviews
            .into_iter()
            .find(|r| r.id == a.review_id)
            .ok_or_else(|| Error::NotFound {
                detail: format!(
                    "user {} has not reviewed !{}",
                    a.review_id, a.pull_request_id
                ),
            })?;
        Ok(self.ok(review, Some(raw), ResponseMeta::default()))
    }
}

/// Approvals and reviewer states are not paginated: one page.
#[async_trait]
impl Handle<ListPullRequestReviews> for GitLab {
    async fn handle(
        &self,
        a: ListPullRequestReviews,
        ctx: &CallContext,
    ) -> Result<Response<Page<Review>>, Error> {
        let (reviews, raw) = self.reviews(&a.pull_request_id, ctx).await?;
        Ok(self.ok(Page::new(reviews, None), Some(raw), ResponseMeta::default()))
    }
}

/// Diff discussions as threads; a thread is outdated when it was made on
/// an older diff version than the current one.
#[async_trait]
impl Handle<GetPullRequestReviewThreads> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestReviewThreads,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewThread>>, Error> {
        let mr = self.merge_request(&a.pull_request_id, ctx).await?;
        let head = mr.diff_refs.and_then(|r| r.head_sha).or(mr.sha);
        let html = self.mr_web(ctx, &a.pull_request_id);
        let req = crate::pagination::apply(
            Req::get(format!(
                "{}/discussions",
                self.mr_path(ctx, &a.pull_request_id)?
            )),
            &a.page,
            Mode::Offset,
        )?
        .conditional();
        let json = match self.fetch::<Vec<GlDiscussion>>(req, ctx).await? {
            Fetched::NotModified(meta) => return Ok(not_modified(meta)),
            Fetched::Data(json) => json,
        };
        let next = crate::pagination::next_cursor(&json.headers, Mode::Offset);
        let mut threads = Vec::new();
        for discussion in json.value.into_iter().filter(GlDiscussion::is_diff_thread) {
            let mut thread = discussion.thread(head.as_deref(), html.as_deref())?;
            if a.include_reactions {
                for comment in &mut thread.comments {
                    comment.reactions = self
                        .note_reactions(&a.pull_request_id, &comment.id, ctx)
                        .await?;
                }
            }
            threads.push(thread);
        }
        Ok(self.ok(Page::new(threads, next), Some(json.raw), json.meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff() -> GlDiff {
        serde_json::from_value(json!({
            "old_path": "doc/a.md", "new_path": "doc/a.md",
            "diff": "@@ -71,6 +71,8 @@\n a\n b\n \n+c\n+\n ```\n \n d\n",
        }))
        .unwrap()
    }

    #[test]
    fn positions_for_single_and_multi_line_comments() {
        let refs = DiffRefs::for_tests("b1", "s1", "h1");
        let d = diff();
        let head = |line| DiffLine {
            line,
            side: ReviewSide::Head,
        };
        let added = text_position(&refs, "doc/a.md", Some(&d), head(74), None);
        assert_eq!(added["position_type"], "text");
        assert_eq!(added["base_sha"], "b1");
        assert_eq!(added["start_sha"], "s1");
        assert_eq!(added["head_sha"], "h1");
        assert_eq!(added["new_line"], 74);
        assert!(added.get("old_line").is_none());
        let context = text_position(&refs, "doc/a.md", Some(&d), head(76), None);
        assert_eq!(
            (context["old_line"].clone(), context["new_line"].clone()),
            (json!(74), json!(76))
        );
        let range = text_position(&refs, "doc/a.md", Some(&d), head(75), Some(head(73)));
        assert_eq!(range["new_line"], 75);
        assert_eq!(range["line_range"]["start"]["type"], "old");
        assert_eq!(range["line_range"]["start"]["old_line"], 73);
        assert_eq!(range["line_range"]["start"]["new_line"], 73);
        assert_eq!(range["line_range"]["end"]["type"], "new");
        assert!(range["line_range"]["end"]["line_code"]
            .as_str()
            .unwrap()
            .ends_with("_74_75"));
        let base = text_position(
            &refs,
            "x.rs",
            None,
            DiffLine {
                line: 3,
                side: ReviewSide::Base,
            },
            None,
        );
        assert_eq!(base["old_line"], 3);
        assert!(base.get("new_line").is_none());
    }
}
