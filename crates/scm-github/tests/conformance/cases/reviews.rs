//! Reviews.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse(
            "create_review_comment_file",
            json!({"pull_request_id": "1347", "commit_id": SHA, "body": "Whole file", "path": "file1.txt", "side": "head"}),
        ),
        parse(
            "create_review_comment",
            json!({"pull_request_id": "1347", "commit_id": SHA, "body": "Great stuff!", "path": "file1.txt",
                   "line": {"line": 2, "side": "head"}}),
        ),
        parse(
            "create_review_comment",
            json!({"pull_request_id": "1347", "commit_id": SHA, "body": "These lines", "path": "file1.txt",
                   "line": {"line": 5, "side": "head"}, "start_line": {"line": 1, "side": "base"}}),
        ),
        parse(
            "create_review_comment_reply",
            json!({"pull_request_id": "1347", "body": "Great stuff!", "comment_id": "42"}),
        ),
        parse(
            "create_review",
            json!({"pull_request_id": "1347", "commit_sha": SHA, "event": "change_request", "body": "Needs work",
                   "comments": [{"path": "file.md", "body": "typo", "line": {"line": 6, "side": "head"}},
                                {"path": "file.md", "body": "range", "line": {"line": 9, "side": "head"}, "start_line": {"line": 7, "side": "head"}}]}),
        ),
        parse(
            "create_review",
            json!({"pull_request_id": "1347", "commit_sha": SHA, "event": "approve", "comments": []}),
        ),
        parse(
            "update_review_comment",
            json!({"pull_request_id": "1347", "comment_id": "1", "body": "I like this"}),
        ),
        parse(
            "get_review_comments",
            json!({"pull_request_id": "1347", "review_id": "80"}),
        ),
        parse(
            "get_pull_request_review",
            json!({"pull_request_id": "1347", "review_id": "80"}),
        ),
        parse(
            "get_pull_request_review_threads",
            json!({"pull_request_id": "1347", "include_reactions": true, "page": {"per_page": 10}}),
        ),
        parse(
            "list_pull_request_reviews",
            json!({"pull_request_id": "1347"}),
        ),
    ]
}
