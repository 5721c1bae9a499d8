//! Reviews, review (diff) comments and review threads.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CreateReview, CreateReviewComment, CreateReviewCommentFile, CreateReviewCommentReply,
    GetPullRequestReview, GetPullRequestReviewThreads, GetReviewComments, ListPullRequestReviews,
    UpdateReviewComment,
};
use scm_core::model::{DiffLine, Review, ReviewComment, ReviewCommentInput, ReviewThread};
use scm_core::{CallContext, Cursor, Error, Handle, Page, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::id_segment;
use crate::client::{split_full_name, Call, Client, DEFAULT_PER_PAGE};
use crate::graphql::REVIEW_THREADS;
use crate::schema::{
    github_side, review_event, GhReview, GhReviewComment, GqlConnection, GqlReviewThread,
};
use crate::GitHub;

pub(crate) fn pull_path(ctx: &CallContext, number: &str) -> Result<String> {
    Ok(format!(
        "{}/pulls/{}",
        Client::repo_path(ctx)?,
        id_segment(number)?
    ))
}

/// Owner, name and pull request number as GraphQL variables.
pub(crate) fn pull_variables(ctx: &CallContext, number: &str) -> Result<Map<String, Value>> {
    let (owner, name) = split_full_name(&ctx.repository.full_name)?;
    let number: i64 = number
        .parse()
        .ok()
        .filter(|n| *n > 0 && *n <= i64::from(i32::MAX))
        .ok_or_else(|| Error::NotFound {
            detail: format!("no GitHub pull request has the number `{number}`"),
        })?;
    let mut vars = Map::new();
    vars.insert("owner".into(), json!(owner));
    vars.insert("name".into(), json!(name));
    vars.insert("number".into(), json!(number));
    Ok(vars)
}

/// An opaque position in a GraphQL connection (`pageInfo.endCursor`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct GraphqlCursor {
    pub after: String,
}

/// The next cursor of a GraphQL page: `None` exactly when GitHub says
/// there is no next page.
pub(crate) fn next_graphql_cursor(has_next: bool, end_cursor: Option<String>) -> Option<Cursor> {
    match (has_next, end_cursor) {
        (true, Some(after)) => Some(Cursor::encode(&GraphqlCursor { after })),
        _ => None,
    }
}

/// The `line`/`side` (and `start_line`/`start_side`) fields of a line comment.
pub(crate) fn line_fields(body: &mut Map<String, Value>, line: DiffLine, start: Option<DiffLine>) {
    body.insert("line".into(), json!(line.line));
    body.insert("side".into(), json!(github_side(line.side)));
    if let Some(start) = start {
        body.insert("start_line".into(), json!(start.line));
        body.insert("start_side".into(), json!(github_side(start.side)));
    }
}

fn review_comment_input(comment: ReviewCommentInput) -> Value {
    let mut body = Map::new();
    body.insert("path".into(), json!(comment.path));
    body.insert("body".into(), json!(comment.body));
    line_fields(&mut body, comment.line, comment.start_line);
    Value::Object(body)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadsData {
    pub repository: Option<ThreadsRepository>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadsRepository {
    pub pull_request: Option<ThreadsPull>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadsPull<T = GqlReviewThread> {
    pub review_threads: GqlConnection<T>,
}

impl GitHub {
    async fn create_review_comment_with(
        &self,
        number: &str,
        body: Map<String, Value>,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let call = Call::new(
            Method::POST,
            format!("{}/comments", pull_path(ctx, number)?),
        )
        .json(Value::Object(body));
        self.client()
            .json_into::<GhReviewComment, ReviewComment>(call, ctx)
            .await
    }

    /// Edits a review comment's body (`PATCH /pulls/comments/{id}`).
    pub(crate) async fn edit_review_comment(
        &self,
        comment_id: &str,
        body: String,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let path = format!(
            "{}/pulls/comments/{}",
            Client::repo_path(ctx)?,
            id_segment(comment_id)?
        );
        let call = Call::new(Method::PATCH, path).json(json!({ "body": body }));
        self.client()
            .json_into::<GhReviewComment, ReviewComment>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentFile> for GitHub {
    async fn handle(
        &self,
        action: CreateReviewCommentFile,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let mut body = Map::new();
        body.insert("body".into(), json!(action.body));
        body.insert("commit_id".into(), json!(action.commit_id));
        body.insert("path".into(), json!(action.path));
        body.insert("side".into(), json!(github_side(action.side)));
        body.insert("subject_type".into(), json!("file"));
        self.create_review_comment_with(&action.pull_request_id, body, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewComment> for GitHub {
    async fn handle(
        &self,
        action: CreateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let mut body = Map::new();
        body.insert("body".into(), json!(action.body));
        body.insert("commit_id".into(), json!(action.commit_id));
        body.insert("path".into(), json!(action.path));
        body.insert("subject_type".into(), json!("line"));
        line_fields(&mut body, action.line, action.start_line);
        self.create_review_comment_with(&action.pull_request_id, body, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReviewCommentReply> for GitHub {
    async fn handle(
        &self,
        action: CreateReviewCommentReply,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let path = format!(
            "{}/comments/{}/replies",
            pull_path(ctx, &action.pull_request_id)?,
            id_segment(&action.comment_id)?
        );
        let call = Call::new(Method::POST, path).json(json!({ "body": action.body }));
        self.client()
            .json_into::<GhReviewComment, ReviewComment>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateReview> for GitHub {
    async fn handle(&self, action: CreateReview, ctx: &CallContext) -> Result<Response<Review>> {
        let mut body = json!({
            "commit_id": action.commit_sha,
            "event": review_event(action.event),
            "comments": action.comments.into_iter().map(review_comment_input).collect::<Vec<_>>(),
        });
        if let Some(text) = action.body {
            body["body"] = json!(text);
        }
        let path = format!("{}/reviews", pull_path(ctx, &action.pull_request_id)?);
        let call = Call::new(Method::POST, path).json(body);
        self.client().json_into::<GhReview, Review>(call, ctx).await
    }
}

#[async_trait]
impl Handle<UpdateReviewComment> for GitHub {
    async fn handle(
        &self,
        action: UpdateReviewComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        self.edit_review_comment(&action.comment_id, action.body, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetReviewComments> for GitHub {
    async fn handle(
        &self,
        action: GetReviewComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewComment>>> {
        let path = format!(
            "{}/reviews/{}/comments",
            pull_path(ctx, &action.pull_request_id)?,
            id_segment(&action.review_id)?
        );
        self.client()
            .list_into::<GhReviewComment, ReviewComment>(Call::get(path), &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestReview> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestReview,
        ctx: &CallContext,
    ) -> Result<Response<Review>> {
        let path = format!(
            "{}/reviews/{}",
            pull_path(ctx, &action.pull_request_id)?,
            id_segment(&action.review_id)?
        );
        self.client()
            .json_into::<GhReview, Review>(Call::get(path), ctx)
            .await
    }
}

#[async_trait]
impl Handle<ListPullRequestReviews> for GitHub {
    async fn handle(
        &self,
        action: ListPullRequestReviews,
        ctx: &CallContext,
    ) -> Result<Response<Page<Review>>> {
        let path = format!("{}/reviews", pull_path(ctx, &action.pull_request_id)?);
        self.client()
            .list_into::<GhReview, Review>(Call::get(path), &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestReviewThreads> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestReviewThreads,
        ctx: &CallContext,
    ) -> Result<Response<Page<ReviewThread>>> {
        let mut vars = pull_variables(ctx, &action.pull_request_id)?;
        vars.insert(
            "first".into(),
            json!(action.page.per_page_or(DEFAULT_PER_PAGE)),
        );
        let after = match &action.page.cursor {
            Some(cursor) => Some(cursor.decode::<GraphqlCursor>()?.after),
            None => None,
        };
        vars.insert("after".into(), json!(after));
        vars.insert("withReactions".into(), json!(action.include_reactions));
        let response = self
            .client()
            .graphql::<ThreadsData>(REVIEW_THREADS, Value::Object(vars), ctx)
            .await?;
        let number = action.pull_request_id;
        match response {
            Response::Ok(result) => {
                let threads = result
                    .data
                    .repository
                    .and_then(|r| r.pull_request)
                    .ok_or_else(|| Error::NotFound {
                        detail: format!("pull request {number} not found"),
                    })?
                    .review_threads;
                let next = next_graphql_cursor(
                    threads.page_info.has_next_page,
                    threads.page_info.end_cursor,
                );
                let items = threads
                    .nodes
                    .into_iter()
                    .flatten()
                    .map(ReviewThread::from)
                    .collect();
                Ok(Response::ok(
                    Page::new(items, next),
                    result.provider,
                    result.raw,
                    result.meta,
                ))
            }
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scm_core::model::ReviewSide;
    use scm_core::registry::RepositoryRecord;

    use super::*;

    #[test]
    fn thread_cursor_is_none_exactly_on_the_last_page() {
        let cursor = next_graphql_cursor(true, Some("Y3Vyc29yOjE=".into())).unwrap();
        let GraphqlCursor { after } = cursor.decode().unwrap();
        assert_eq!(after, "Y3Vyc29yOjE=");
        assert!(next_graphql_cursor(false, Some("x".into())).is_none());
        assert!(next_graphql_cursor(true, None).is_none());
        assert_eq!(
            Cursor::from_raw("garbage!")
                .decode::<GraphqlCursor>()
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn multi_line_comments_carry_both_sides() {
        let mut body = Map::new();
        line_fields(
            &mut body,
            DiffLine {
                line: 12,
                side: ReviewSide::Head,
            },
            Some(DiffLine {
                line: 10,
                side: ReviewSide::Base,
            }),
        );
        assert_eq!(
            Value::Object(body),
            json!({"line": 12, "side": "RIGHT", "start_line": 10, "start_side": "LEFT"})
        );
    }

    #[test]
    fn graphql_numbers_are_validated() {
        let ctx = CallContext::new(
            Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
            "test",
        );
        assert_eq!(pull_variables(&ctx, "42").unwrap()["number"], 42);
        for bad in ["", "-1", "0", "1e3", "99999999999", "abc"] {
            assert!(pull_variables(&ctx, bad).is_err(), "{bad}");
        }
    }
}
