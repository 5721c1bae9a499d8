//! Checks & CI.

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

const SHA: &str = "ce587453ced02b1526dfb4cb910479d431683101";

pub fn cases() -> Vec<AnyAction> {
    vec![
        parse("get_check_run", json!({"check_run_id": "4"})),
        parse(
            "create_check_run",
            json!({"name": "mighty_readme", "head_sha": SHA, "status": "running", "external_id": "42",
                   "started_at": "2018-05-04T01:14:52Z",
                   "output": {"title": "Mighty Readme report", "summary": "There are 0 failures", "text": "All good",
                              "annotations": [{"path": "README.md", "start_line": 2, "end_line": 2, "annotation_level": "warning", "message": "Check your spelling"}]}}),
        ),
        parse(
            "create_check_run",
            json!({"name": "mighty_readme", "head_sha": SHA, "status": "completed", "conclusion": "success",
                   "completed_at": "2018-05-04T01:14:52Z"}),
        ),
        parse(
            "update_check_run",
            json!({"check_run_id": "4", "status": "completed", "conclusion": "action_required",
                   "output": {"title": "Mighty Readme report", "summary": "1 failure"}}),
        ),
        parse(
            "list_check_runs_in_check_suite",
            json!({"check_suite_id": "5", "check_name": "mighty_readme", "status": "completed", "timestamp_filter": "all"}),
        ),
        parse(
            "list_check_runs_for_ref",
            json!({"ref": "main", "status": "in_progress", "page": {"per_page": 10}}),
        ),
        parse("list_workflow_runs", json!({"head_sha": SHA})),
        parse("list_workflow_jobs", json!({"workflow_run_id": "29679449"})),
        parse("download_workflow_job_log", json!({"job_id": "399444496"})),
    ]
}
