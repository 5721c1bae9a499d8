//! Multi-request flows and hostile answers for the commit and file
//! actions, against a local mock that records what we send.
//!
//! The recorded Octokit traffic has no git data writes or comparisons, so
//! these flows are checked here: the order of the requests, the bodies we
//! send, phase-by-phase comparison paging, and that malformed, empty or
//! oversized answers come back as typed errors, never a panic.

use std::sync::Arc;

use scm_core::model::ComparisonSide;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::{ActionName, AnyAction, AnyOutput, CallContext, Provider};
use scm_github::{Credentials, GitHub, GitHubConfig};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PARENT: &str = "1111111111111111111111111111111111111111";
const HEAD: &str = "2222222222222222222222222222222222222222";
const BASE_TREE: &str = "3333333333333333333333333333333333333333";
const NEW_TREE: &str = "4444444444444444444444444444444444444444";
const NEW_COMMIT: &str = "5555555555555555555555555555555555555555";
const EXEC_BLOB: &str = "6666666666666666666666666666666666666666";
const REPO: &str = "/repos/o/r";

fn github(server: &MockServer) -> GitHub {
    let config = GitHubConfig::custom(
        &server.uri(),
        "https://github.com",
        Credentials::Token("t".into()),
    )
    .unwrap();
    let http = ReqwestTransport::new(std::time::Duration::from_secs(10)).unwrap();
    GitHub::with_auth(&config, Arc::new(http))
}

fn ctx() -> CallContext {
    CallContext::new(Arc::new(RepositoryRecord::direct("github", "o/r")), "test")
}

async fn run(github: &GitHub, name: &str, args: Value) -> scm_core::Result<AnyOutput> {
    let name: ActionName = name.parse().unwrap();
    // Arguments the action table's rules refuse never reach the provider.
    let action = AnyAction::from_json(name, args)?;
    Ok(github.execute(action, &ctx()).await?.into_data().unwrap())
}

fn git_ref(sha: &str) -> Value {
    json!({"ref": "refs/heads/main", "object": {"sha": sha, "type": "commit"}})
}

async fn mount_commit_world(server: &MockServer, head: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/git/ref/heads%2Fmain")))
        .respond_with(ResponseTemplate::new(200).set_body_json(git_ref(head)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/git/commits/{PARENT}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sha": PARENT, "message": "parent", "tree": {"sha": BASE_TREE}, "parents": []
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/git/trees/{BASE_TREE}")))
        .and(query_param("recursive", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sha": BASE_TREE,
            "truncated": false,
            "tree": [
                {"path": "bin", "mode": "040000", "type": "tree", "sha": "7777777777777777777777777777777777777777"},
                {"path": "bin/run", "mode": "100755", "type": "blob", "sha": EXEC_BLOB},
                {"path": "old.txt", "mode": "100644", "type": "blob", "sha": "8888888888888888888888888888888888888888"}
            ]
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/git/trees")))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sha": NEW_TREE, "tree": []})),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/git/commits")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "sha": NEW_COMMIT,
            "message": "Move the runner",
            "tree": {"sha": NEW_TREE},
            "parents": [{"sha": PARENT}],
            "author": {"name": "Mona", "email": "mona@example.com", "date": "2024-01-01T00:00:00Z"},
            "committer": {"name": "Mona", "email": "mona@example.com", "date": "2024-01-01T00:00:00Z"},
            "html_url": "https://github.com/o/r/commit/5555555555555555555555555555555555555555"
        })))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{REPO}/git/refs/heads%2Fmain")))
        .respond_with(ResponseTemplate::new(200).set_body_json(git_ref(NEW_COMMIT)))
        .mount(server)
        .await;
}

fn commit_args() -> Value {
    json!({
        "branch": "main",
        "parent_sha": PARENT,
        "message": "Move the runner",
        "actions": [
            {"action": "move", "previous_path": "bin/run", "path": "scripts/run"},
            {"action": "delete", "path": "old.txt"},
            {"action": "write", "path": "new.txt", "content": "hello\n"}
        ]
    })
}

fn summary(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn create_commit_builds_the_tree_and_moves_the_branch() {
    let server = MockServer::start().await;
    mount_commit_world(&server, PARENT).await;
    let github = github(&server);
    let AnyOutput::CreateCommit(commit) = run(&github, "create_commit", commit_args())
        .await
        .expect("create_commit")
    else {
        panic!("wrong output");
    };
    assert_eq!(commit.sha.as_str(), NEW_COMMIT);
    assert_eq!(commit.parent_shas[0].as_str(), PARENT);
    assert_eq!(commit.message, "Move the runner");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        summary(&requests),
        vec![
            format!("GET {REPO}/git/ref/heads%2Fmain"),
            format!("GET {REPO}/git/commits/{PARENT}"),
            format!("GET {REPO}/git/trees/{BASE_TREE}"),
            format!("POST {REPO}/git/trees"),
            format!("POST {REPO}/git/commits"),
            format!("PATCH {REPO}/git/refs/heads%2Fmain"),
        ]
    );
    let tree: Value = serde_json::from_slice(&requests[3].body).unwrap();
    assert_eq!(tree["base_tree"], BASE_TREE);
    assert_eq!(
        tree["tree"],
        json!([
            // The executable keeps its mode at its new path…
            {"path": "scripts/run", "mode": "100755", "type": "blob", "sha": EXEC_BLOB},
            // …and leaves its old one.
            {"path": "bin/run", "mode": "100755", "type": "blob", "sha": null},
            {"path": "old.txt", "mode": "100644", "type": "blob", "sha": null},
            {"path": "new.txt", "mode": "100644", "type": "blob", "content": "hello\n"}
        ])
    );
    let body: Value = serde_json::from_slice(&requests[4].body).unwrap();
    assert_eq!(
        body,
        json!({"message": "Move the runner", "tree": NEW_TREE, "parents": [PARENT]})
    );
    let update: Value = serde_json::from_slice(&requests[5].body).unwrap();
    assert_eq!(update, json!({"sha": NEW_COMMIT}));
}

#[tokio::test]
async fn create_commit_refuses_a_moved_head_before_writing_anything() {
    let server = MockServer::start().await;
    mount_commit_world(&server, HEAD).await;
    let github = github(&server);
    let mut args = commit_args();
    args["expected_head_sha"] = json!(PARENT);
    let err = run(&github, "create_commit", args).await.unwrap_err();
    assert_eq!(err.code(), "resource_conflict");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        summary(&requests),
        vec![format!("GET {REPO}/git/ref/heads%2Fmain")]
    );
}

#[tokio::test]
async fn create_commit_creates_a_missing_branch_only_when_asked() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/git/ref/heads%2Fnew")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    mount_commit_world(&server, PARENT).await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/git/refs")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "ref": "refs/heads/new", "object": {"sha": NEW_COMMIT}
        })))
        .mount(&server)
        .await;
    let github = github(&server);
    let mut args = commit_args();
    args["branch"] = json!("new");
    let err = run(&github, "create_commit", args.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "resource_not_found");

    args["create_branch"] = json!(true);
    run(&github, "create_commit", args).await.expect("created");
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    assert_eq!(last.url.path(), format!("{REPO}/git/refs"));
    let body: Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(body, json!({"ref": "refs/heads/new", "sha": NEW_COMMIT}));
}

fn compare_commit(sha: &str) -> Value {
    json!({"sha": sha, "commit": {"message": format!("commit {sha}")}, "parents": []})
}

/// Ahead commits page by page (following `Link`), then the reverse
/// comparison for the behind side; `next_cursor` is `None` only on the
/// very last page.
#[tokio::test]
async fn compare_pages_through_ahead_then_behind() {
    let server = MockServer::start().await;
    let a = "aaaa000000000000000000000000000000000000";
    let b = "bbbb000000000000000000000000000000000000";
    let ahead = format!("{REPO}/compare/{a}...{b}");
    let behind = format!("{REPO}/compare/{b}...{a}");
    let next = format!("<{}{ahead}?per_page=1&page=2>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path(ahead.clone()))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ahead_by": 2, "behind_by": 1, "commits": [compare_commit("c200000000000000000000000000000000000000")]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ahead.clone()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_json(json!({
                    "ahead_by": 2, "behind_by": 1, "commits": [compare_commit("c100000000000000000000000000000000000000")]
                })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(behind))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ahead_by": 1, "behind_by": 2, "commits": [compare_commit("d100000000000000000000000000000000000000")]
        })))
        .mount(&server)
        .await;

    let github = github(&server);
    let mut cursor = Value::Null;
    let mut seen = Vec::new();
    loop {
        let AnyOutput::CompareCommits(page) = run(
            &github,
            "compare_commits",
            json!({"start_sha": a, "end_sha": b, "include_behind": true,
                   "page": {"per_page": 1, "cursor": cursor}}),
        )
        .await
        .expect("compare") else {
            panic!("wrong output");
        };
        for item in &page.items {
            seen.push((item.side, item.commit.sha.as_str()[..4].to_owned()));
        }
        match page.next_cursor {
            Some(next) => cursor = json!(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![
            (ComparisonSide::Ahead, "c100".to_owned()),
            (ComparisonSide::Ahead, "c200".to_owned()),
            (ComparisonSide::Behind, "d100".to_owned()),
        ]
    );

    // Without include_behind the ahead side is all there is.
    let AnyOutput::CompareCommits(page) = run(
        &github,
        "compare_commits",
        json!({"start_sha": a, "end_sha": b, "page": {"per_page": 1, "cursor": cursor_after_first(&github, a, b).await}}),
    )
    .await
    .unwrap() else {
        panic!("wrong output");
    };
    assert!(page.next_cursor.is_none());
}

async fn cursor_after_first(github: &GitHub, a: &str, b: &str) -> Value {
    let AnyOutput::CompareCommits(page) = run(
        github,
        "compare_commits",
        json!({"start_sha": a, "end_sha": b, "page": {"per_page": 1}}),
    )
    .await
    .unwrap() else {
        panic!("wrong output");
    };
    json!(page.next_cursor.expect("a second ahead page"))
}

/// Whatever comes back, the answer is a typed error, never a panic.
#[tokio::test]
async fn hostile_answers_are_typed_errors() {
    let cases: Vec<(&str, Value, &str, ResponseTemplate)> = vec![
        (
            "get_repository",
            json!({}),
            REPO,
            ResponseTemplate::new(200),
        ),
        (
            "get_repository",
            json!({}),
            REPO,
            ResponseTemplate::new(200).set_body_string("{\"id\": 1, \"name\":"),
        ),
        (
            "get_repository",
            json!({}),
            REPO,
            ResponseTemplate::new(200).set_body_json(json!([1, 2])),
        ),
        (
            "get_commit",
            json!({"sha": PARENT}),
            "/repos/o/r/commits/1111111111111111111111111111111111111111",
            ResponseTemplate::new(200).set_body_json(json!({"sha": "not a sha", "commit": {}})),
        ),
        (
            "get_repository_labels",
            json!({}),
            "/repos/o/r/labels",
            ResponseTemplate::new(200).set_body_json(json!({"labels": []})),
        ),
        (
            "get_issue_reactions",
            json!({"issue_id": "1"}),
            "/repos/o/r/issues/1/reactions",
            ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "content": "party"}])),
        ),
        (
            "get_branch",
            json!({"branch": "main"}),
            "/repos/o/r/branches/main",
            ResponseTemplate::new(200).set_body_json(json!({"name": "main"})),
        ),
        (
            "get_commit_changes",
            json!({"sha": PARENT}),
            "/repos/o/r/commits/1111111111111111111111111111111111111111",
            ResponseTemplate::new(200).set_body_json(json!({"sha": PARENT})),
        ),
        (
            "get_archive_link",
            json!({"ref": "main"}),
            "/repos/o/r/tarball/main",
            ResponseTemplate::new(302),
        ),
        (
            "get_repository_topics",
            json!({}),
            "/repos/o/r/topics",
            ResponseTemplate::new(200).set_body_string(format!(
                "{{\"names\": [\"{}\"]}}",
                "x".repeat(33 * 1024 * 1024)
            )),
        ),
    ];
    for (name, args, route, answer) in cases {
        let server = MockServer::start().await;
        Mock::given(path(route))
            .respond_with(answer)
            .mount(&server)
            .await;
        let err = run(&github(&server), name, args).await.expect_err(name);
        assert_eq!(err.code(), "provider_malformed_response", "{name}: {err}");
    }
}

#[tokio::test]
async fn path_traversal_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let github = github(&server);
    for (name, args) in [
        (
            "get_file_content",
            json!({"path": "../secrets", "ref": "main"}),
        ),
        ("get_directory_contents", json!({"path": "docs/../../x"})),
        ("get_commits_by_path", json!({"path": "a/../../b"})),
        ("get_branch", json!({"branch": "../main"})),
        ("get_git_ref", json!({"ref": "heads/../../x"})),
        ("get_archive_link", json!({"ref": ".."})),
        (
            "create_commit",
            json!({"branch": "main", "parent_sha": PARENT, "message": "m",
                   "actions": [{"action": "write", "path": "../x", "content": "x"}]}),
        ),
    ] {
        let err = run(&github, name, args.clone()).await.expect_err(name);
        assert_eq!(err.code(), "invalid_input", "{name} {args}");
    }
    // Nothing was sent for any of them.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.is_empty(), "{:?}", summary(&requests));
}

#[tokio::test]
async fn pull_request_templates_skip_missing_locations() {
    let server = MockServer::start().await;
    let file = |path: &str| {
        json!({"type": "file", "name": path.rsplit('/').next().unwrap(), "path": path,
               "sha": "9999999999999999999999999999999999999999", "size": 6,
               "content": "aGVsbG8K", "encoding": "base64"})
    };
    Mock::given(method("GET"))
        .and(path(
            "/repos/o/r/contents/.github%2Fpull_request_template.md",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(file(".github/pull_request_template.md")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/contents/.github%2FPULL_REQUEST_TEMPLATE"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"type": "file", "name": "bug.md", "path": ".github/PULL_REQUEST_TEMPLATE/bug.md"},
            {"type": "file", "name": "notes.txt", "path": ".github/PULL_REQUEST_TEMPLATE/notes.txt"},
            {"type": "dir", "name": "old", "path": ".github/PULL_REQUEST_TEMPLATE/old"}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/repos/o/r/contents/.github%2FPULL_REQUEST_TEMPLATE%2Fbug.md",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(file(".github/PULL_REQUEST_TEMPLATE/bug.md")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let AnyOutput::GetPullRequestTemplate(templates) = run(
        &github(&server),
        "get_pull_request_template",
        json!({"ref": "main"}),
    )
    .await
    .expect("templates") else {
        panic!("wrong output");
    };
    let paths: Vec<_> = templates.iter().map(|t| t.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".github/pull_request_template.md",
            ".github/PULL_REQUEST_TEMPLATE/bug.md"
        ]
    );
    assert_eq!(templates[0].decoded().unwrap().unwrap(), b"hello\n");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.query() == Some("ref=main")));
}
