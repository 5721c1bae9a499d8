//! Pull requests.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_pull_request", json!({"pull_request_id": "1347"})),
        parse(
            "get_pull_requests",
            json!({"state": "closed", "head": "new-topic", "page": {"per_page": 5}}),
        ),
        parse("get_pull_requests", json!({"state": null})),
        parse("get_pull_request_files", json!({"pull_request_id": "1347"})),
        parse(
            "get_pull_request_commits",
            json!({"pull_request_id": "1347"}),
        ),
        parse("get_pull_request_diff", json!({"pull_request_id": "1347"})),
        parse(
            "create_pull_request",
            json!({"title": "Amazing new feature", "body": "Please pull these awesome changes in!", "head": "octocat:new-feature", "base": "master"}),
        ),
        parse(
            "create_pull_request_draft",
            json!({"title": "Work in progress", "body": "Not yet", "head": "new-feature", "base": "master"}),
        ),
        parse(
            "mark_pull_request_ready_for_review",
            json!({"pull_request_id": "1347"}),
        ),
        parse(
            "update_pull_request",
            json!({"pull_request_id": "1347", "title": "new title", "state": "open"}),
        ),
        parse(
            "request_review",
            json!({"pull_request_id": "1347", "reviewers": ["octocat", "hubot", "octo-org/justice-league"]}),
        ),
    ]
}
