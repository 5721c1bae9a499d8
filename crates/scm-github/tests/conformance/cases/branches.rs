//! Branches and refs. Names with `/` travel as one encoded segment.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

const SHA: &str = "aa218f56b14c9653891f9e74264a383fa43fefbd";

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_branch", json!({"branch": "feature/login"})),
        parse(
            "create_branch",
            json!({"branch": "feature/login", "sha": SHA}),
        ),
        parse(
            "update_branch",
            json!({"branch": "feature/login", "sha": SHA, "force": true}),
        ),
        parse("update_branch", json!({"branch": "main", "sha": SHA})),
        parse("delete_branch", json!({"branch": "feature/login"})),
        parse("get_git_ref", json!({"ref": "heads/feature/login"})),
        parse("get_git_ref", json!({"ref": "refs/tags/v1.0"})),
    ]
}
