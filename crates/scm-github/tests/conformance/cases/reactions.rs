//! Reactions on issues, pull requests, comments and reviews.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse(
            "get_issue_comment_reactions",
            json!({"issue_id": "1347", "comment_id": "42", "page": {"per_page": 50}}),
        ),
        parse(
            "create_issue_comment_reaction",
            json!({"issue_id": "1347", "comment_id": "42", "reaction": "heart"}),
        ),
        parse(
            "delete_issue_comment_reaction",
            json!({"issue_id": "1347", "comment_id": "42", "reaction_id": "7"}),
        ),
        parse(
            "get_pull_request_comment_reactions",
            json!({"pull_request_id": "1347", "comment_id": "42"}),
        ),
        parse(
            "create_pull_request_comment_reaction",
            json!({"pull_request_id": "1347", "comment_id": "42", "reaction": "+1"}),
        ),
        parse(
            "delete_pull_request_comment_reaction",
            json!({"pull_request_id": "1347", "comment_id": "42", "reaction_id": "7"}),
        ),
        parse(
            "get_review_comment_reactions",
            json!({"pull_request_id": "1347", "comment_id": "42"}),
        ),
        parse(
            "create_review_comment_reaction",
            json!({"pull_request_id": "1347", "comment_id": "42", "reaction": "rocket"}),
        ),
        parse(
            "delete_review_comment_reaction",
            json!({"pull_request_id": "1347", "comment_id": "42", "reaction_id": "7"}),
        ),
        parse(
            "create_pull_request_review_reaction",
            json!({"pull_request_id": "1347", "review_id": "80", "reaction": "hooray"}),
        ),
        parse(
            "delete_pull_request_review_reaction",
            json!({"pull_request_id": "1347", "review_id": "80", "reaction": "-1"}),
        ),
        parse("get_issue_reactions", json!({"issue_id": "1347"})),
        parse(
            "create_issue_reaction",
            json!({"issue_id": "1347", "reaction": "eyes"}),
        ),
        parse(
            "delete_issue_reaction",
            json!({"issue_id": "1347", "reaction_id": "7"}),
        ),
        parse(
            "get_pull_request_reactions",
            json!({"pull_request_id": "1347"}),
        ),
        parse(
            "create_pull_request_reaction",
            json!({"pull_request_id": "1347", "reaction": "laugh"}),
        ),
        parse(
            "delete_pull_request_reaction",
            json!({"pull_request_id": "1347", "reaction_id": "7"}),
        ),
    ]
}
