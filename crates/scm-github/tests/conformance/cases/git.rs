//! Git data objects.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

const SHA: &str = "9fb037999f264ba9a7fc6274d15fa3ae2ab98312";
const PARENT: &str = "7d1b31e74ee336d15cbd21741bc88a537ed063a0";

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse(
            "get_tree",
            json!({"tree_sha": SHA, "page": {"per_page": 2}}),
        ),
        parse(
            "get_full_tree",
            json!({"tree_sha": SHA, "recursive": false}),
        ),
        parse("get_git_commit", json!({"sha": PARENT})),
        parse(
            "create_git_blob",
            json!({"content": "Q29udGVudCBvZiB0aGUgYmxvYg==", "encoding": "base64"}),
        ),
        parse(
            "create_git_tree",
            json!({"base_tree": SHA, "tree": [
                {"path": "file.rb", "mode": "100644", "type": "blob", "sha": "44b4fc6d56897b048c772eb4087f854f46256132"},
                {"path": "run.sh", "mode": "100755", "type": "blob", "content": "echo hi\n"},
                {"path": "old.txt", "mode": "100644", "type": "blob"}
            ]}),
        ),
        parse(
            "create_git_commit",
            json!({"message": "my commit message", "tree_sha": "827efc6d56897b048c772eb4087f854f46256132", "parent_shas": [PARENT],
                   "author": {"name": "Mona Octocat", "email": "octocat@github.com", "date": "2008-07-09T16:13:30+12:00"}}),
        ),
    ]
}
