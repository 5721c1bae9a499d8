//! Local answers for GraphQL requests made during the conformance run.
//!
//! Each answer is keyed by the operation name of the query our provider
//! sends (`query ReviewThreads(...)` → `ReviewThreads`). The shapes follow
//! GitHub's GraphQL schema; the queries themselves are checked against
//! that schema by the GraphQL schema test.

use serde_json::{json, Value};

use crate::recording::GraphqlResponder;

fn operation_name(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let rest = rest
        .strip_prefix("query")
        .or_else(|| rest.strip_prefix("mutation"))?;
    let name: &str = rest
        .trim_start()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// Canned answers by operation name. Add one per GraphQL operation the
/// provider sends.
type Answer = (&'static str, fn() -> Value);
const ANSWERS: &[Answer] = &[
    ("PullRequestReviewThreads", review_threads),
    ("ReviewThreadCommentIds", review_thread_comment_ids),
    ("MinimizeComment", minimize_comment),
    ("ResolveThreadAndMinimizeComment", resolve_and_minimize),
    ("MarkPullRequestReadyForReview", mark_ready_for_review),
    ("AddReviewReaction", add_review_reaction),
    ("RemoveReviewReaction", remove_review_reaction),
];

/// `addReaction` → `AddReactionPayload { reaction: Reaction }`.
fn add_review_reaction() -> Value {
    json!({"data": {"addReaction": {"reaction": {
        "id": "REA_lADOAE2fhM5Aa7a2zgABAgM",
        "databaseId": 1,
        "content": "HOORAY",
        "createdAt": "2016-05-20T20:09:31Z",
        "user": {"login": "octocat", "databaseId": 1, "avatarUrl": "https://github.com/images/error/octocat_happy.gif", "url": "https://github.com/octocat"}
    }}}})
}

/// `removeReaction` → `RemoveReactionPayload { reaction: Reaction }`.
fn remove_review_reaction() -> Value {
    json!({"data": {"removeReaction": {"reaction": {
        "id": "REA_lADOAE2fhM5Aa7a2zgABAgM",
        "content": "THUMBS_DOWN"
    }}}})
}

fn review_threads() -> Value {
    let reaction = json!({
        "id": "REA_lADOAE2fhM5Aa7a2zgABAgM",
        "databaseId": 1,
        "content": "THUMBS_UP",
        "createdAt": "2016-05-20T20:09:31Z",
        "user": {"login": "octocat", "databaseId": 1, "avatarUrl": null, "url": "https://github.com/octocat"}
    });
    let comment = json!({
        "id": "PRRC_kwDOAE2fhM5Aa7a2",
        "fullDatabaseId": "1087740854",
        "body": "Great stuff!",
        "path": "file1.txt",
        "line": 2,
        "startLine": null,
        "commit": {"oid": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
        "replyTo": null,
        "pullRequestReview": {"fullDatabaseId": "80"},
        "author": {"login": "octocat", "avatarUrl": "https://github.com/images/error/octocat_happy.gif", "url": "https://github.com/octocat", "databaseId": 1},
        "url": "https://github.com/octocat/Hello-World/pull/1347#discussion_r1087740854",
        "createdAt": "2011-04-14T16:00:49Z",
        "updatedAt": "2011-04-14T16:00:49Z",
        "reactions": {"nodes": [reaction]}
    });
    let thread = json!({
        "id": "PRRT_kwDOAE2fhM5Ck7bq",
        "isResolved": false,
        "isOutdated": false,
        "path": "file1.txt",
        "line": 2,
        "diffSide": "RIGHT",
        "comments": {"nodes": [comment]}
    });
    let threads = json!({
        "pageInfo": {"hasNextPage": true, "endCursor": "Y3Vyc29yOnYyOpHOAAABAA=="},
        "nodes": [thread]
    });
    json!({"data": {"repository": {"pullRequest": {"reviewThreads": threads}}}})
}

fn review_thread_comment_ids() -> Value {
    json!({"data": {"repository": {"pullRequest": {"reviewThreads": {
        "pageInfo": {"hasNextPage": false, "endCursor": "Y3Vyc29yOnYyOpHOAAABAA=="},
        "nodes": [
            {"id": "PRRT_kwDOAE2fhM5Ck7ba", "comments": {"nodes": [{"fullDatabaseId": "1"}]}},
            {"id": "PRRT_kwDOAE2fhM5Ck7bq", "comments": {"nodes": [{"fullDatabaseId": "1087740854"}]}}
        ]
    }}}}})
}

fn minimize_comment() -> Value {
    json!({"data": {"minimizeComment": {"minimizedComment": {"isMinimized": true, "minimizedReason": "off-topic"}}}})
}

fn resolve_and_minimize() -> Value {
    json!({"data": {
        "resolveReviewThread": {"thread": {"id": "PRRT_kwDOAE2fhM5Ck7bq", "isResolved": true}},
        "minimizeComment": {"minimizedComment": {"isMinimized": true, "minimizedReason": "outdated"}}
    }})
}

fn mark_ready_for_review() -> Value {
    json!({"data": {"markPullRequestReadyForReview": {"pullRequest": {"id": "PR_kwDOAE2fhM4BAgM", "isDraft": false}}}})
}

/// The answer for one operation; unknown operations get a GraphQL error,
/// which fails the case loudly.
fn answer(operation: &str) -> Value {
    match ANSWERS.iter().find(|(name, _)| *name == operation) {
        Some((_, make)) => make(),
        None => {
            json!({ "errors": [{ "message": format!("no conformance answer for operation `{operation}`") }] })
        }
    }
}

pub fn responder() -> GraphqlResponder {
    Box::new(|body: &Value| {
        let query = body
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match operation_name(query) {
            Some(operation) => answer(operation),
            None => json!({ "errors": [{ "message": "anonymous GraphQL operation" }] }),
        }
    })
}
