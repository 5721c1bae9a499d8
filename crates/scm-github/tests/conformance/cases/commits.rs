//! Commits: history, changes, comparisons and create_commit through the
//! git data API (parent tree lookup, blob, tree, commit, ref update).

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const OTHER: &str = "7638417db6d59f3c431d3e1f261cc637155684cd";
/// The head of the example ref prism answers with.
const EXAMPLE_HEAD: &str = "aa218f56b14c9653891f9e74264a383fa43fefbd";

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_commit", json!({"sha": SHA})),
        parse(
            "get_commit_changes",
            json!({"sha": SHA, "page": {"per_page": 100}}),
        ),
        parse(
            "get_commits",
            json!({"ref": "main", "since": "2024-01-01T00:00:00Z", "until": "2024-02-01T00:00:00Z"}),
        ),
        parse("get_commits", json!({})),
        parse(
            "get_commits_by_path",
            json!({"path": "src/lib.rs", "ref": "feature/x"}),
        ),
        parse(
            "compare_commits",
            json!({"start_sha": SHA, "end_sha": OTHER, "include_behind": true}),
        ),
        parse(
            "create_commit",
            json!({
                "branch": "main",
                "parent_sha": SHA,
                "message": "Update files",
                "expected_head_sha": EXAMPLE_HEAD,
                "author": {"name": "Mona", "email": "mona@example.com", "date": "2024-01-01T00:00:00Z"},
                "actions": [
                    {"action": "write", "path": "docs/new.md", "content": "hello\n"},
                    {"action": "write", "path": "bin/tool", "content": "IyEvYmluL3NoCg==", "encoding": "base64", "executable": true},
                    {"action": "move", "previous_path": "exec_file", "path": "bin/exec_file"},
                    {"action": "chmod", "path": "file.rb", "executable": true},
                    {"action": "delete", "path": "subdir/old.txt"}
                ]
            }),
        ),
    ]
}
