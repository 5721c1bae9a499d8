//! Merge requests as pull requests.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::MAX_JSON_BODY;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, RawResponse, Response, ResponseMeta};
use serde_json::{json, Map, Value};

use crate::client::{not_modified, Req};
use crate::pagination::Mode;
use crate::schema::{strip_draft_prefix, GlCommit, GlDiff, GlMergeRequest};
use crate::GitLab;

impl GitLab {
    pub(crate) async fn merge_request(
        &self,
        iid: &str,
        ctx: &CallContext,
    ) -> Result<GlMergeRequest, Error> {
        Ok(self
            .call::<GlMergeRequest>(Req::get(self.mr_path(ctx, iid)?), ctx)
            .await?
            .value)
    }
}

fn draft_title(title: &str) -> String {
    if strip_draft_prefix(title).is_some() {
        title.to_owned()
    } else {
        format!("Draft: {title}")
    }
}

#[async_trait]
impl Handle<GetPullRequest> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        self.read(
            Req::get(self.mr_path(ctx, &a.pull_request_id)?),
            ctx,
            GlMergeRequest::pull_request,
        )
        .await
    }
}

/// `open` lists GitLab's `opened`; `closed` lists both `closed` and
/// `merged` (GitLab filters them separately, so the list is read with
/// `state=all` and filtered); `None` lists all.
#[async_trait]
impl Handle<GetPullRequests> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequests,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequest>>, Error> {
        let state = match a.state {
            Some(PullRequestState::Open) => "opened",
            Some(PullRequestState::Closed) | None => "all",
        };
        // GitHub-style `owner:branch` heads: git branch names cannot hold
        // `:`, so only the part after it is the branch.
        let head = a
            .head
            .as_deref()
            .map(|h| h.rsplit(':').next().unwrap_or(h).to_owned());
        let req = Req::get(format!("{}/merge_requests", self.project(ctx)?))
            .q("state", state)
            .q_opt("source_branch", head);
        let only_closed = a.state == Some(PullRequestState::Closed);
        self.list(req, &a.page, Mode::Offset, ctx, |mr: GlMergeRequest| {
            let pr = mr.pull_request()?;
            Ok((!only_closed || pr.state == PullRequestState::Closed).then_some(pr))
        })
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestFiles> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestFiles,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestFile>>, Error> {
        let req = Req::get(format!("{}/diffs", self.mr_path(ctx, &a.pull_request_id)?));
        self.list(req, &a.page, Mode::Offset, ctx, |d: GlDiff| {
            Ok(Some(d.file()))
        })
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommits> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestCommit>>, Error> {
        let req = Req::get(format!(
            "{}/commits",
            self.mr_path(ctx, &a.pull_request_id)?
        ));
        let web = self.commit_web(ctx);
        self.list(req, &a.page, Mode::Offset, ctx, |c: GlCommit| {
            c.pull_request_commit(web.as_deref()).map(Some)
        })
        .await
    }
}

/// The unified diff from `raw_diffs` (GitLab 17.9 and later).
#[async_trait]
impl Handle<GetPullRequestDiff> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestDiff,
        ctx: &CallContext,
    ) -> Result<Response<String>, Error> {
        let req = Req::get(format!(
            "{}/raw_diffs",
            self.mr_path(ctx, &a.pull_request_id)?
        ))
        .conditional();
        let reply = self.send(req, ctx).await?;
        let meta = ResponseMeta::from_headers(&reply.headers);
        if reply.status == http::StatusCode::NOT_MODIFIED {
            return Ok(not_modified(meta));
        }
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::malformed("GitLab sent a diff that is not UTF-8"))?;
        let raw = RawResponse::new(reply.status.as_u16(), &reply.headers, None);
        Ok(self.ok(text, Some(raw), meta))
    }
}

impl GitLab {
    async fn open_merge_request(
        &self,
        title: String,
        body: String,
        head: &str,
        base: &str,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        let req = Req::post(
            format!("{}/merge_requests", self.project(ctx)?),
            json!({
                "source_branch": head.rsplit(':').next().unwrap_or(head),
                "target_branch": base,
                "title": title,
                "description": body,
            }),
        );
        self.write(req, ctx, GlMergeRequest::pull_request).await
    }
}

#[async_trait]
impl Handle<CreatePullRequest> for GitLab {
    async fn handle(
        &self,
        a: CreatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        self.open_merge_request(a.title, a.body, &a.head, &a.base, ctx)
            .await
    }
}

/// GitLab makes a merge request a draft by its title prefix.
#[async_trait]
impl Handle<CreatePullRequestDraft> for GitLab {
    async fn handle(
        &self,
        a: CreatePullRequestDraft,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        self.open_merge_request(draft_title(&a.title), a.body, &a.head, &a.base, ctx)
            .await
    }
}

/// Removes the draft prefix from the title (a no-op when not a draft).
#[async_trait]
impl Handle<MarkPullRequestReadyForReview> for GitLab {
    async fn handle(
        &self,
        a: MarkPullRequestReadyForReview,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let mr = self.merge_request(&a.pull_request_id, ctx).await?;
        let Some(title) = strip_draft_prefix(&mr.title) else {
            return Ok(self.ok((), None, ResponseMeta::default()));
        };
        let req = Req::put(
            self.mr_path(ctx, &a.pull_request_id)?,
            json!({ "title": title }),
        );
        let json = self.call::<Value>(req, ctx).await?;
        Ok(self.ok((), Some(json.raw), json.meta))
    }
}

/// A new title keeps the draft state: on a draft, the prefix is kept.
#[async_trait]
impl Handle<UpdatePullRequest> for GitLab {
    async fn handle(
        &self,
        a: UpdatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        let path = self.mr_path(ctx, &a.pull_request_id)?;
        let mut body = Map::new();
        if let Some(title) = &a.title {
            let current = self.merge_request(&a.pull_request_id, ctx).await?;
            let title = if current.is_draft() {
                draft_title(title)
            } else {
                title.clone()
            };
            body.insert("title".into(), json!(title));
        }
        if let Some(description) = &a.body {
            body.insert("description".into(), json!(description));
        }
        if let Some(state) = a.state {
            let event = match state {
                PullRequestState::Open => "reopen",
                PullRequestState::Closed => "close",
            };
            body.insert("state_event".into(), json!(event));
        }
        if body.is_empty() {
            return self
                .write(Req::get(path), ctx, GlMergeRequest::pull_request)
                .await;
        }
        self.write(
            Req::put(path, Value::Object(body)),
            ctx,
            GlMergeRequest::pull_request,
        )
        .await
    }
}

/// Adds reviewers (GitLab's `reviewer_ids` replaces the list, so the
/// current reviewers are kept).
#[async_trait]
impl Handle<RequestReview> for GitLab {
    async fn handle(&self, a: RequestReview, ctx: &CallContext) -> Result<Response<()>, Error> {
        let mut ids = Vec::new();
        let current = self.merge_request(&a.pull_request_id, ctx).await?;
        for reviewer in &current.reviewers {
            if let Some(id) = reviewer.id.as_deref().and_then(|id| id.parse::<u64>().ok()) {
                ids.push(id);
            }
        }
        for id in self.user_ids(&a.reviewers, ctx).await? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let req = Req::put(
            self.mr_path(ctx, &a.pull_request_id)?,
            json!({ "reviewer_ids": ids }),
        );
        let json = self.call::<Value>(req, ctx).await?;
        Ok(self.ok((), Some(json.raw), json.meta))
    }
}
