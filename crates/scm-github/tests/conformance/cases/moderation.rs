//! Moderation (GraphQL, plus REST for the edit).

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse(
            "minimize_comment",
            json!({"comment_node_id": "PRRC_kwDOAE2fhM5Aa7a2", "reason": "OFF_TOPIC"}),
        ),
        parse(
            "get_thread_id_from_review_comment_unique_id",
            json!({"pull_request_id": "1347", "review_comment_unique_id": "1087740854"}),
        ),
        parse(
            "collapse_pull_request_comment",
            json!({"pull_request_id": "1347", "thread_id": "PRRT_kwDOAE2fhM5Ck7bq", "comment_node_id": "PRRC_kwDOAE2fhM5Aa7a2"}),
        ),
        parse(
            "update_and_collapse_pull_request_comment",
            json!({"pull_request_id": "1347", "thread_id": "PRRT_kwDOAE2fhM5Ck7bq", "comment_id": "1",
                   "comment_node_id": "PRRC_kwDOAE2fhM5Aa7a2", "body": "Outdated", "reason": "RESOLVED"}),
        ),
    ]
}
