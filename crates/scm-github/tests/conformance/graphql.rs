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
