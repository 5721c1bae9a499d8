//! Files & archives. File paths travel as one encoded segment.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse(
            "get_file_content",
            json!({"path": "docs/README.md", "ref": "main"}),
        ),
        parse(
            "get_directory_contents",
            json!({"path": "src/lib", "ref": "main", "page": {"per_page": 10}}),
        ),
        parse("get_directory_contents", json!({"path": "docs"})),
        parse("get_readme", json!({"ref": "main"})),
        parse("get_pull_request_template", json!({"ref": "main"})),
        parse(
            "get_archive_link",
            json!({"ref": "release/1.0", "archive_format": "zipball"}),
        ),
        parse("get_archive_link", json!({"ref": "main"})),
        parse("download_archive", json!({"ref": "main"})),
    ]
}
