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
const ANSWERS: &[Answer] = &[];

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
