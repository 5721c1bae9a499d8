//! Repository & identity.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_authenticated_actor", json!({})),
        parse("get_repository", json!({})),
        parse(
            "get_repository_assignees",
            json!({"page": {"per_page": 10}}),
        ),
        parse("list_repository_user_permissions", json!({})),
        parse(
            "get_repository_user_permission",
            json!({"username": "octocat"}),
        ),
        parse("get_repository_labels", json!({"page": {"per_page": 100}})),
        parse("get_repository_topics", json!({})),
        parse("list_repositories", json!({})),
    ]
}

/// Actions that need GitHub App credentials (the app's JWT).
pub fn app_cases() -> Vec<AnyAction> {
    vec![
        parse("get_app_installation", json!({})),
        parse("get_authenticated_actor", json!({})),
        parse("list_repositories", json!({"page": {"per_page": 5}})),
    ]
}
