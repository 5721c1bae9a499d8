//! Pull request, git object, checks, review and moderation actions against
//! a local server that answers badly: every bad answer is a typed error,
//! never a panic; multi-request actions (thread lookup, log download)
//! behave across their requests.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::{AnyAction, AnyOutput, CallContext, Provider};
use scm_github::{Credentials, GitHub, GitHubConfig};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ctx() -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
        "tests",
    )
}

fn github(server: &MockServer) -> GitHub {
    let config = GitHubConfig::custom(
        &server.uri(),
        "https://github.com",
        Credentials::Token("ghp_do_not_print".into()),
    )
    .unwrap();
    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    GitHub::with_auth(&config, http)
}

fn action(name: &str, args: Value) -> AnyAction {
    AnyAction::from_json(name.parse().unwrap(), args).unwrap()
}

async fn run(server: &MockServer, action: AnyAction) -> scm_core::Result<AnyOutput> {
    let result = github(server)
        .execute(action, &ctx())
        .await
        .map(|r| r.into_data().expect("data"));
    if let Err(err) = &result {
        let text = format!("{err} {err:?}");
        assert!(!text.contains("ghp_do_not_print"), "token leaked: {text}");
    }
    result
}

/// Every action answered with `template` (any method, any path) fails
/// with `code`.
async fn fails_with(template: ResponseTemplate, actions: &[AnyAction], code: &str) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(&server)
        .await;
    for action in actions {
        let err = run(&server, action.clone()).await.unwrap_err();
        assert_eq!(err.code(), code, "{}: {err}", action.name());
    }
}

fn reading_actions() -> Vec<AnyAction> {
    vec![
        action("get_pull_request", json!({"pull_request_id": "1"})),
        action("get_pull_requests", json!({})),
        action("get_pull_request_files", json!({"pull_request_id": "1"})),
        action("get_pull_request_commits", json!({"pull_request_id": "1"})),
        action("get_tree", json!({"tree_sha": "abcd1234"})),
        action("get_full_tree", json!({"tree_sha": "abcd1234"})),
        action("get_git_commit", json!({"sha": "abcd1234"})),
        action("get_check_run", json!({"check_run_id": "1"})),
        action("list_check_runs_for_ref", json!({"ref": "main"})),
        action(
            "list_check_runs_in_check_suite",
            json!({"check_suite_id": "1"}),
        ),
        action("list_workflow_runs", json!({})),
        action("list_workflow_jobs", json!({"workflow_run_id": "1"})),
        action(
            "get_pull_request_review",
            json!({"pull_request_id": "1", "review_id": "2"}),
        ),
        action("list_pull_request_reviews", json!({"pull_request_id": "1"})),
        action(
            "get_review_comments",
            json!({"pull_request_id": "1", "review_id": "2"}),
        ),
        action(
            "get_pull_request_review_threads",
            json!({"pull_request_id": "1"}),
        ),
        action(
            "get_thread_id_from_review_comment_unique_id",
            json!({"pull_request_id": "1", "review_comment_unique_id": "5"}),
        ),
        action(
            "mark_pull_request_ready_for_review",
            json!({"pull_request_id": "1"}),
        ),
        action(
            "update_and_collapse_pull_request_comment",
            json!({"pull_request_id": "1", "thread_id": "T", "comment_id": "5", "comment_node_id": "C", "body": "x"}),
        ),
    ]
}

#[tokio::test]
async fn malformed_empty_and_wrongly_shaped_answers_are_typed_errors() {
    let malformed = "provider_malformed_response";
    fails_with(ResponseTemplate::new(200), &reading_actions(), malformed).await;
    fails_with(
        ResponseTemplate::new(200).set_body_string("{\"number\": 1, \"tit"),
        &reading_actions(),
        malformed,
    )
    .await;
    fails_with(
        ResponseTemplate::new(200).set_body_string("<html>hi</html>"),
        &reading_actions(),
        malformed,
    )
    .await;
    // A JSON value of the wrong shape for every one of them.
    fails_with(
        ResponseTemplate::new(200).set_body_json(json!("just a string")),
        &reading_actions(),
        malformed,
    )
    .await;
    fails_with(
        ResponseTemplate::new(503),
        &reading_actions(),
        "provider_unavailable",
    )
    .await;
}

#[tokio::test]
async fn lists_without_their_items_and_trees_with_odd_entries_are_malformed() {
    fails_with(
        ResponseTemplate::new(200).set_body_json(json!({"total_count": 1})),
        &[
            action("list_check_runs_for_ref", json!({"ref": "main"})),
            action("list_workflow_runs", json!({})),
            action("list_workflow_jobs", json!({"workflow_run_id": "1"})),
        ],
        "provider_malformed_response",
    )
    .await;
    fails_with(
        ResponseTemplate::new(200).set_body_json(json!({
            "sha": "abcd1234",
            "tree": [{"path": "x", "mode": "999999", "type": "blob", "sha": "abcd1234"}]
        })),
        &[
            action("get_tree", json!({"tree_sha": "abcd1234"})),
            action("get_full_tree", json!({"tree_sha": "abcd1234"})),
        ],
        "provider_malformed_response",
    )
    .await;
}

#[tokio::test]
async fn oversized_trees_are_refused() {
    let huge = "x".repeat(scm_core::http_util::MAX_JSON_BODY + 1);
    let body = format!("{{\"sha\": \"abcd1234\", \"tree\": [], \"junk\": \"{huge}\"}}");
    fails_with(
        ResponseTemplate::new(200).set_body_string(body),
        &[action("get_full_tree", json!({"tree_sha": "abcd1234"}))],
        "provider_malformed_response",
    )
    .await;
}

#[tokio::test]
async fn graphql_errors_and_missing_pull_requests_are_typed() {
    let threads = [action(
        "get_pull_request_review_threads",
        json!({"pull_request_id": "1"}),
    )];
    fails_with(
        ResponseTemplate::new(200).set_body_json(json!({
            "data": null,
            "errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}]
        })),
        &threads,
        "resource_not_found",
    )
    .await;
    fails_with(
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"repository": {"pullRequest": null}}})),
        &threads,
        "resource_not_found",
    )
    .await;
    fails_with(
        ResponseTemplate::new(200).set_body_json(json!({"data": null})),
        &threads,
        "provider_malformed_response",
    )
    .await;
    fails_with(
        ResponseTemplate::new(200).set_body_json(
            json!({"data": {"repository": {"pullRequest": {"reviewThreads": {"nodes": []}}}}}),
        ),
        &threads,
        "provider_malformed_response",
    )
    .await;
}

#[tokio::test]
async fn bad_arguments_never_reach_the_network() {
    // Refused by the action table's rules before any provider sees them.
    for (name, args) in [
        ("get_pull_request", json!({"pull_request_id": ".."})),
        (
            "update_check_run",
            json!({"check_run_id": "1", "status": "completed"}),
        ),
        (
            "request_review",
            json!({"pull_request_id": "1", "reviewers": []}),
        ),
        // Multi-request: the thread id is checked before the edit is sent.
        (
            "update_and_collapse_pull_request_comment",
            json!({"pull_request_id": "7", "thread_id": "", "comment_id": "1758",
                   "comment_node_id": "PRRC_1", "body": "outdated"}),
        ),
    ] {
        let err = AnyAction::from_json(name.parse().unwrap(), args).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{name}: {err}");
    }
    // Valid in general, refused by GitHub's provider without a request:
    // GitHub ids are numbers.
    let server = MockServer::start().await;
    for (bad, code) in [
        (
            action(
                "get_pull_request_review_threads",
                json!({"pull_request_id": "1 OR 2"}),
            ),
            "resource_not_found",
        ),
        (
            action("get_pull_request", json!({"pull_request_id": "AAA"})),
            "resource_not_found",
        ),
        (
            action(
                "create_git_tree",
                json!({"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": "abcd1234", "content": "x"}]}),
            ),
            "invalid_input",
        ),
    ] {
        let name = bad.name();
        let err = run(&server, bad).await.unwrap_err();
        assert_eq!(err.code(), code, "{name}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

fn thread_page(has_next: bool, cursor: &str, ids: &[(&str, &str)]) -> Value {
    let nodes: Vec<Value> = ids
        .iter()
        .map(|(thread, comment)| {
            json!({"id": thread, "comments": {"nodes": [{"fullDatabaseId": comment}]}})
        })
        .collect();
    json!({"data": {"repository": {"pullRequest": {"reviewThreads": {
        "pageInfo": {"hasNextPage": has_next, "endCursor": cursor},
        "nodes": nodes
    }}}}})
}

#[tokio::test]
async fn thread_lookup_pages_until_it_finds_the_comment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"variables": {"after": null}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(thread_page(
            true,
            "c1",
            &[("T1", "1")],
        )))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"variables": {"after": "c1"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(thread_page(
            false,
            "c2",
            &[("T2", "77")],
        )))
        .expect(2)
        .mount(&server)
        .await;
    let lookup = |id: &str| {
        action(
            "get_thread_id_from_review_comment_unique_id",
            json!({"pull_request_id": "3", "review_comment_unique_id": id}),
        )
    };
    match run(&server, lookup("77")).await.unwrap() {
        AnyOutput::GetThreadIdFromReviewCommentUniqueId(found) => {
            assert_eq!(found.as_deref(), Some("T2"))
        }
        other => panic!("unexpected {other:?}"),
    }
    match run(&server, lookup("404")).await.unwrap() {
        AnyOutput::GetThreadIdFromReviewCommentUniqueId(found) => assert_eq!(found, None),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn review_threads_page_with_opaque_cursors_to_the_end() {
    let server = MockServer::start().await;
    let page = |has_next: bool, cursor: &str, thread: &str| {
        json!({"data": {"repository": {"pullRequest": {"reviewThreads": {
            "pageInfo": {"hasNextPage": has_next, "endCursor": cursor},
            "nodes": [{"id": thread, "isResolved": false, "isOutdated": true, "path": "a.rs",
                       "line": null, "diffSide": "RIGHT", "comments": {"nodes": []}}]
        }}}}})
    };
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"variables": {"after": null, "first": 1, "withReactions": false}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(true, "abc", "T1")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"variables": {"after": "abc"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(false, "def", "T2")))
        .mount(&server)
        .await;
    let first = run(
        &server,
        action(
            "get_pull_request_review_threads",
            json!({"pull_request_id": "3", "page": {"per_page": 1}}),
        ),
    )
    .await
    .unwrap();
    let AnyOutput::GetPullRequestReviewThreads(first) = first else {
        panic!("unexpected output")
    };
    assert_eq!(first.items[0].id, "T1");
    assert!(first.items[0].is_outdated);
    let cursor = first.next_cursor.expect("a second page");
    assert_ne!(cursor.as_str(), "abc", "cursors are opaque");
    let second = run(
        &server,
        action(
            "get_pull_request_review_threads",
            json!({"pull_request_id": "3", "page": {"per_page": 1, "cursor": cursor}}),
        ),
    )
    .await
    .unwrap();
    let AnyOutput::GetPullRequestReviewThreads(second) = second else {
        panic!("unexpected output")
    };
    assert_eq!(second.items[0].id, "T2");
    assert!(second.next_cursor.is_none());
}

#[tokio::test]
async fn job_logs_stream_from_the_redirect_without_credentials() {
    let server = MockServer::start().await;
    let target = format!("{}/signed/log?sig=abc", server.uri());
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/actions/jobs/9/logs"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
        .mount(&server)
        .await;
    let log = "line 1\nline 2\n".repeat(1000);
    Mock::given(method("GET"))
        .and(path("/signed/log"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/plain")
                .insert_header("content-disposition", "attachment; filename=\"job-9.txt\"")
                .set_body_string(log.clone()),
        )
        .mount(&server)
        .await;
    let output = run(
        &server,
        action("download_workflow_job_log", json!({"job_id": "9"})),
    )
    .await
    .unwrap();
    let AnyOutput::DownloadWorkflowJobLog(download) = output else {
        panic!("unexpected output")
    };
    assert_eq!(download.filename.as_deref(), Some("job-9.txt"));
    assert_eq!(download.content_type.as_deref(), Some("text/plain"));
    let mut bytes = Vec::new();
    let mut stream = download.body.into_stream();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(bytes, log.as_bytes());
    let requests = server.received_requests().await.unwrap();
    let signed = requests
        .iter()
        .find(|r| r.url.path() == "/signed/log")
        .expect("redirect followed");
    assert!(
        signed.headers.get("authorization").is_none(),
        "credentials followed the redirect"
    );

    // A redirect without a target is malformed, not a panic.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&server)
        .await;
    let err = run(
        &server,
        action("download_workflow_job_log", json!({"job_id": "9"})),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "provider_malformed_response");
}
