//! Issues and conversation comments.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_issue", json!({"issue_id": "1347"})),
        parse(
            "create_issue",
            json!({"title": "Found a bug", "body": "It broke", "labels": ["bug"], "assignees": ["octocat"]}),
        ),
        parse(
            "update_issue",
            json!({"issue_id": "1347", "state": "closed", "labels": ["bug"]}),
        ),
        parse(
            "get_issue_comments",
            json!({"issue_id": "1347", "page": {"per_page": 5}}),
        ),
        parse(
            "create_issue_comment",
            json!({"issue_id": "1347", "body": "Me too"}),
        ),
        parse(
            "delete_issue_comment",
            json!({"issue_id": "1347", "comment_id": "42"}),
        ),
        parse(
            "get_pull_request_comments",
            json!({"pull_request_id": "1347"}),
        ),
        parse(
            "create_pull_request_comment",
            json!({"pull_request_id": "1347", "body": "LGTM"}),
        ),
        parse(
            "delete_pull_request_comment",
            json!({"pull_request_id": "1347", "comment_id": "42"}),
        ),
    ]
}
