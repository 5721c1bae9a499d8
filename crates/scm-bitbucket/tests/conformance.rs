//! Every HTTP-backed Bitbucket Cloud action, validated against Bitbucket's
//! official OpenAPI description (`bitbucket-cloud/openapi.json` of the
//! corpus) served by `prism mock`.
//!
//! Prism answers 422 (with the reasons in `sl-violations`) to a request
//! the description does not allow, 404/405 to an operation it does not
//! have, and otherwise the description's own example, which our mapping
//! must parse. The suite fails unless every supported action that makes a
//! request has a case here.
//!
//! Where the description is thinner than Bitbucket itself, the recording
//! transport fills the gap the way Bitbucket does, and only there (each
//! place is listed below with its reason):
//! - the pull request `/diff` and `/diffstat` redirects are a bare 302:
//!   the target Bitbucket sends (the range's `/diff/…`, `/diffstat/…`) is
//!   supplied, so the follow-up request is validated too;
//! - a `Location` the description declares without a format (prism
//!   invents a word) is replaced by the created resource's path;
//! - `next` links are generated from a `uri` format (random hosts), which
//!   the provider rightly refuses: prism's invented `next` is dropped
//!   (pagination is tested against recorded pages elsewhere);
//! - [`BODY_UNDESCRIBED`]: operations Bitbucket documents with a body that
//!   the description lists without one (prism answers 415 to any body):
//!   the body is not forwarded, everything else is validated;
//! - [`NO_RESPONSE_BODY`]: answers the description declares without
//!   content: an empty page stands in for Bitbucket's JSON page.
//!
//! `get_pull_requests` with several states repeats `state`, which the
//! description's text allows ("can be repeated") but its schema types as a
//! single string; the case uses one state.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::*;
use scm_bitbucket::Bitbucket;
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{ActionKind, ActionName, AnyAction, Error, Provider};
use scm_testkit::prism::{Prism, VIOLATIONS_HEADER};
use serde_json::json;

#[derive(Clone)]
struct Exchange {
    method: String,
    uri: String,
    status: u16,
    violations: Option<String>,
    /// Prism flagged a `hash` of its own example answer (pattern).
    example_hash_invalid: bool,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} -> {}", self.method, self.uri, self.status)?;
        if let Some(v) = &self.violations {
            write!(f, " {v}")?;
        }
        Ok(())
    }
}

/// Operations the description lists without a request body although
/// Bitbucket requires one (method, path suffix, what Bitbucket documents).
const BODY_UNDESCRIBED: &[(&str, &str, &str)] = &[
    ("POST", "/refs/branches", "name and target.hash (JSON)"),
    ("PUT", "/issues/1", "the issue fields to change (JSON)"),
    (
        "POST",
        "/src",
        "message, branch, parents, files (multipart form)",
    ),
];

/// GET answers the description declares without content.
const NO_RESPONSE_BODY: &[&str] = &["/pullrequests/1/commits"];

struct Recording {
    inner: Arc<dyn Transport>,
    exchanges: Mutex<Vec<Exchange>>,
}

impl Recording {
    fn example_hash_invalid(&self) -> bool {
        self.exchanges
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.example_hash_invalid)
    }

    fn rejected(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e.status, 404 | 405 | 422) || e.violations.is_some())
            .cloned()
            .collect()
    }
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let path = request.uri().path().to_owned();
        assert!(
            request.headers().contains_key("authorization"),
            "the auth layer must sign requests to the API: {uri}"
        );
        let mut request = request;
        // The description's `{path}` is one parameter; Bitbucket takes a
        // path of several segments there, prism matches one segment.
        if let Some((head, nested)) = path.split_once("/src/main/") {
            if nested.contains('/') {
                let flat = format!("{head}/src/main/{}", nested.replace('/', "%2F"));
                let uri = format!("{}{flat}", uri.split(&path).next().unwrap_or_default());
                *request.uri_mut() = uri.parse().unwrap();
            }
        }
        if BODY_UNDESCRIBED
            .iter()
            .any(|(m, suffix, _)| *m == method && path.ends_with(suffix))
        {
            *request.body_mut() = bytes::Bytes::new();
            request.headers_mut().remove("content-type");
        }
        let response = self.inner.send(request).await?;
        // Only the request's violations are ours; the response's are the
        // description's examples disagreeing with its own schemas.
        let example_hash_invalid = response
            .headers()
            .get(VIOLATIONS_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let parsed: Vec<serde_json::Value> = serde_json::from_str(v).unwrap_or_default();
                parsed.iter().any(|v| {
                    v["location"][0] == "response"
                        && v["code"] == "pattern"
                        && v["location"].as_array().and_then(|l| l.last()) == Some(&json!("hash"))
                })
            });
        let violations = response
            .headers()
            .get(VIOLATIONS_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let parsed: Vec<serde_json::Value> = serde_json::from_str(v).unwrap_or_default();
                let ours: Vec<_> = parsed
                    .into_iter()
                    .filter(|v| v["location"][0] == "request")
                    .collect();
                serde_json::to_string(&ours).unwrap_or_default()
            })
            .filter(|v| v != "[]");
        let status = response.status().as_u16();
        self.exchanges.lock().unwrap().push(Exchange {
            method,
            uri,
            status,
            violations,
            example_hash_invalid,
        });
        let (mut parts, body) = response.into_parts();
        let mut bytes = body.collect(64 * 1024 * 1024).await?;
        if let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(&bytes) {
            if object.remove("next").is_some() {
                bytes = serde_json::to_vec(&object).unwrap().into();
            }
        }
        if status == 200 && bytes.is_empty() && NO_RESPONSE_BODY.iter().any(|p| path.ends_with(p)) {
            bytes = bytes::Bytes::from_static(br#"{"values":[]}"#);
        }
        if status == 201 {
            let invented = parts
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| !l.starts_with('/') && !l.starts_with("http"));
            if invented {
                let location = format!("{path}/1");
                parts.headers.insert("location", location.parse().unwrap());
            }
        }
        let mut response =
            http::Response::from_parts(parts, scm_core::transport::Body::from(bytes));
        if status == 302 && !response.headers().contains_key("location") {
            let target = if path.ends_with("/diffstat") {
                "diffstat"
            } else {
                "diff"
            };
            let location = format!("{REPO}/{target}/{SHA}..{SHA2}");
            response
                .headers_mut()
                .insert("location", location.parse().unwrap());
        }
        Ok(response)
    }
}

fn case(name: &str, args: serde_json::Value) -> AnyAction {
    let name: ActionName = name.parse().expect("known action");
    AnyAction::from_json(name, args).expect("valid case arguments")
}

/// Cases whose correct outcome, given prism's example answer, is a typed
/// error (the request itself must still pass): (action, error code, why).
const EXPECTED_ERRORS: &[(&str, &str, &str)] = &[
    (
        "create_branch",
        "provider_malformed_response",
        "the branch example's target.hash breaks the description's own hash pattern",
    ),
    (
        "get_commits",
        "provider_malformed_response",
        "the commit example's hash breaks the description's own hash pattern",
    ),
    (
        "get_commits_by_path",
        "provider_malformed_response",
        "the commit example's hash breaks the description's own hash pattern",
    ),
    (
        "compare_commits",
        "provider_malformed_response",
        "the commit example's hash breaks the description's own hash pattern",
    ),
    (
        "get_thread_id_from_review_comment_unique_id",
        "provider_malformed_response",
        "the comment example's parent is comment 0, whose parent is comment 0: a cycle",
    ),
    (
        "get_file_content",
        "invalid_input",
        "the only example of GET /src/{commit}/{path} is a directory listing",
    ),
    (
        "get_readme",
        "resource_not_found",
        "every README candidate answers with the directory-listing example",
    ),
];

const USER: &str = "{d5bb8c49-f033-4498-910e-7e4b546b04ee}";
const PIPELINE: &str = "{8a6c2f35-6a71-4b5e-9b5a-5a0c3d3f0e11}";
const STEP: &str = "{2f7d1a64-4f0c-4d2e-8c55-6f7e1b2a3c4d}";

fn cases() -> Vec<AnyAction> {
    let pr = json!("1");
    vec![
        case("get_authenticated_actor", json!({})),
        case("get_repository", json!({})),
        case("get_repository_assignees", json!({})),
        case("list_repository_user_permissions", json!({})),
        case(
            "get_repository_user_permission",
            json!({ "username": USER }),
        ),
        case("list_repositories", json!({})),
        case("get_issue", json!({ "issue_id": "1" })),
        case(
            "create_issue",
            json!({ "title": "Bug", "body": "It breaks", "assignees": [USER] }),
        ),
        case(
            "update_issue",
            json!({ "issue_id": "1", "state": "closed" }),
        ),
        case("get_issue_comments", json!({ "issue_id": "1" })),
        case(
            "create_issue_comment",
            json!({ "issue_id": "1", "body": "Seen" }),
        ),
        case(
            "delete_issue_comment",
            json!({ "issue_id": "1", "comment_id": "2" }),
        ),
        case(
            "get_pull_request_comments",
            json!({ "pull_request_id": pr }),
        ),
        case(
            "create_pull_request_comment",
            json!({ "pull_request_id": pr, "body": "Nice" }),
        ),
        case(
            "delete_pull_request_comment",
            json!({ "pull_request_id": pr, "comment_id": "2" }),
        ),
        case("get_branch", json!({ "branch": "main" })),
        case(
            "create_branch",
            json!({ "branch": "feature/x", "sha": SHA }),
        ),
        case("delete_branch", json!({ "branch": "feature/x" })),
        case("get_git_ref", json!({ "ref": "refs/heads/main" })),
        case("get_commit", json!({ "sha": SHA })),
        case("get_commit_changes", json!({ "sha": SHA })),
        case("get_commits", json!({ "ref": "main" })),
        case(
            "get_commits_by_path",
            json!({ "path": "src/lib.rs", "ref": "main" }),
        ),
        case(
            "compare_commits",
            json!({ "start_sha": SHA2, "end_sha": SHA, "include_behind": true }),
        ),
        case(
            "create_commit",
            json!({
                "branch": "main", "parent_sha": SHA, "message": "Update",
                "actions": [
                    { "action": "write", "path": "docs/a.md", "content": "hello" },
                    { "action": "delete", "path": "old.txt" }
                ],
                "author": { "name": "A U Thor", "email": "author@example.com" }
            }),
        ),
        case("get_pull_request", json!({ "pull_request_id": pr })),
        case(
            "get_pull_requests",
            json!({ "state": "open", "head": "feature/x" }),
        ),
        case("get_pull_request_files", json!({ "pull_request_id": pr })),
        case("get_pull_request_commits", json!({ "pull_request_id": pr })),
        case("get_pull_request_diff", json!({ "pull_request_id": pr })),
        case(
            "create_pull_request",
            json!({ "title": "T", "body": "B", "head": "feature/x", "base": "main" }),
        ),
        case(
            "create_pull_request_draft",
            json!({ "title": "T", "body": "B", "head": "feature/x", "base": "main" }),
        ),
        case(
            "mark_pull_request_ready_for_review",
            json!({ "pull_request_id": pr }),
        ),
        case(
            "update_pull_request",
            json!({ "pull_request_id": pr, "title": "New title" }),
        ),
        case(
            "request_review",
            json!({ "pull_request_id": pr, "reviewers": [USER] }),
        ),
        case(
            "get_file_content",
            json!({ "path": "README.md", "ref": "main" }),
        ),
        case(
            "get_directory_contents",
            json!({ "path": "src", "ref": "main" }),
        ),
        case("get_readme", json!({ "ref": "main" })),
        case("get_pull_request_template", json!({ "ref": "main" })),
        case(
            "get_check_run",
            json!({ "check_run_id": format!("{SHA}:build-1") }),
        ),
        case(
            "create_check_run",
            json!({ "name": "ci", "head_sha": SHA, "status": "completed", "conclusion": "success",
                    "output": { "title": "All good", "summary": "12 tests passed" } }),
        ),
        case(
            "update_check_run",
            json!({ "check_run_id": format!("{SHA}:build-1"), "conclusion": "failure" }),
        ),
        case(
            "list_check_runs_in_check_suite",
            json!({ "check_suite_id": SHA }),
        ),
        case(
            "list_check_runs_for_ref",
            json!({ "ref": "main", "status": "completed" }),
        ),
        case("list_workflow_runs", json!({ "head_sha": SHA })),
        case("list_workflow_jobs", json!({ "workflow_run_id": PIPELINE })),
        case(
            "download_workflow_job_log",
            json!({ "job_id": format!("{PIPELINE}:{STEP}") }),
        ),
        case(
            "create_review_comment_file",
            json!({ "pull_request_id": pr, "commit_id": SHA, "body": "File note", "path": "src/lib.rs", "side": "head" }),
        ),
        case(
            "create_review_comment",
            json!({ "pull_request_id": pr, "commit_id": SHA, "body": "Line note", "path": "src/lib.rs",
                    "line": { "line": 12, "side": "head" }, "start_line": { "line": 10, "side": "head" } }),
        ),
        case(
            "create_review_comment_reply",
            json!({ "pull_request_id": pr, "body": "Agreed", "comment_id": "2" }),
        ),
        case(
            "create_review",
            json!({ "pull_request_id": pr, "commit_sha": SHA, "event": "approve", "body": "LGTM",
                    "comments": [{ "path": "src/lib.rs", "body": "nit", "line": { "line": 3, "side": "base" } }] }),
        ),
        case(
            "update_review_comment",
            json!({ "pull_request_id": pr, "comment_id": "2", "body": "Edited" }),
        ),
        case(
            "get_review_comments",
            json!({ "pull_request_id": pr, "review_id": USER }),
        ),
        case(
            "get_pull_request_review_threads",
            json!({ "pull_request_id": pr }),
        ),
        case(
            "list_pull_request_reviews",
            json!({ "pull_request_id": pr }),
        ),
        case(
            "get_thread_id_from_review_comment_unique_id",
            json!({ "pull_request_id": pr, "review_comment_unique_id": "2" }),
        ),
        case(
            "collapse_pull_request_comment",
            json!({ "pull_request_id": pr, "thread_id": "2", "comment_node_id": "2" }),
        ),
        case(
            "update_and_collapse_pull_request_comment",
            json!({ "pull_request_id": pr, "thread_id": "2", "comment_id": "3", "comment_node_id": "3", "body": "Done" }),
        ),
    ]
}

/// `get_pull_request_review` needs a reviewer who is in prism's example
/// pull request: the case is built from the example itself.
async fn review_case(bitbucket: &Bitbucket, ctx: &scm_core::CallContext) -> Option<AnyAction> {
    let reviews = bitbucket
        .execute(
            case(
                "list_pull_request_reviews",
                json!({ "pull_request_id": "1" }),
            ),
            ctx,
        )
        .await
        .ok()?;
    let value = reviews.into_data()?.into_json().ok()?;
    let id = value["items"][0]["id"].as_str()?.to_owned();
    Some(case(
        "get_pull_request_review",
        json!({ "pull_request_id": "1", "review_id": id }),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_http_action_is_valid_against_the_openapi_description() {
    let spec = corpus("openapi.json");
    let prism = Prism::shared(&spec);
    let recording = Arc::new(Recording {
        inner: http(),
        exchanges: Mutex::new(Vec::new()),
    });
    let bitbucket = bitbucket_over(prism.base_url(), recording.clone());
    let ctx = ctx();

    let mut validated: BTreeSet<ActionName> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut all = cases();
    match review_case(&bitbucket, &ctx).await {
        Some(case) => all.push(case),
        None => failures
            .push("get_pull_request_review: prism's example has no reviewer with a state".into()),
    }
    for action in all {
        let name = action.name();
        recording.exchanges.lock().unwrap().clear();
        match bitbucket.execute(action.clone(), &ctx).await {
            Ok(_) => {
                let bad = recording.rejected();
                if bad.is_empty() {
                    validated.insert(name);
                } else {
                    failures.push(format!("{name}: prism rejected {bad:?}"));
                }
            }
            Err(err)
                if EXPECTED_ERRORS
                    .iter()
                    .any(|(n, code, _)| *n == name.as_str() && *code == err.code())
                    && recording.rejected().is_empty()
                    && (!err.to_string().contains("without a commit hash")
                        || recording.example_hash_invalid()) =>
            {
                validated.insert(name);
            }
            Err(err) => failures.push(format!(
                "{name}: {err}\n    args: {}\n    exchanges: {:?}",
                action.args_json(),
                recording.exchanges.lock().unwrap()
            )),
        }
    }
    let required: BTreeSet<ActionName> = Bitbucket::SUPPORTED
        .iter()
        .copied()
        .filter(|name| name.kind() != ActionKind::WebUrl)
        .collect();
    for missing in required.difference(&validated) {
        if !failures
            .iter()
            .any(|f| f.starts_with(&format!("{missing}:")))
        {
            failures.push(format!("{missing}: no conformance case"));
        }
    }
    println!(
        "bitbucket conformance: {} actions validated, {} failures",
        validated.len(),
        failures.len()
    );
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures (see above)",
        failures.len()
    );
}
