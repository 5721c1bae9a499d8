//! Every supported action, one by one, against a local stand-in of Data
//! Center: the exact requests each sends (method, path below a context
//! path, query) and that each answer maps. The stand-in's answers are
//! ours, shaped like Data Center's (the corpus replay and the prism suite
//! check real and documented answers); what matters here is the request
//! sequence, compared exactly, so a changed path, query or extra call
//! fails the test.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use scm_bitbucket_server::BitbucketServer;
use scm_core::{AnyAction, AnyOutput, Provider};
use serde_json::{json, Value};
use support::*;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SHA: &str = "1111111111111111111111111111111111111111";
const BASE_SHA: &str = "2222222222222222222222222222222222222222";
const R: &str = "/bb/rest/api/latest/projects/PRJ/repos/my-repo";

fn user(name: &str, id: i64) -> Value {
    json!({"name": name, "slug": name, "id": id, "displayName": name, "type": "NORMAL"})
}

fn page(values: Vec<Value>) -> Value {
    json!({"size": values.len(), "limit": 25, "start": 0, "isLastPage": true, "values": values})
}

fn pull_request() -> Value {
    json!({
        "id": 7, "version": 3, "title": "T", "description": "D", "state": "OPEN", "draft": true,
        "fromRef": {"id": "refs/heads/feature", "displayId": "feature", "latestCommit": SHA},
        "toRef": {"id": "refs/heads/main", "displayId": "main", "latestCommit": BASE_SHA},
        "author": {"user": user("alice", 1), "role": "AUTHOR", "status": "UNAPPROVED"},
        "reviewers": [{"user": user("bob", 2), "role": "REVIEWER", "status": "APPROVED", "approved": true}]
    })
}

fn comment(id: i64, anchored: bool) -> Value {
    let mut c = json!({
        "id": id, "version": 1, "text": "hi", "author": user("bob", 2),
        "comments": [{"id": id + 1, "version": 0, "text": "reply", "author": user("alice", 1), "comments": []}],
        "properties": {"reactions": [{"emoticon": {"shortcut": "thumbsup"}, "users": [user("alice", 1)]}]}
    });
    if anchored {
        c["anchor"] = json!({"path": "src/a.rs", "line": 3, "lineType": "ADDED", "fileType": "TO", "toHash": SHA});
    }
    c
}

fn commit() -> Value {
    json!({"id": SHA, "message": "m", "author": user("alice", 1), "authorTimestamp": 1700000000000_i64,
           "committerTimestamp": 1700000000000_i64, "parents": [{"id": BASE_SHA}]})
}

fn build_status() -> Value {
    json!({"key": "ci", "name": "CI", "state": "SUCCESSFUL", "url": "https://ci.example/1", "description": "ok"})
}

/// The stand-in: an answer for every resource the provider reads or writes.
fn answer(request: &Request) -> ResponseTemplate {
    let path = request.url.path();
    let m = request.method.as_str();
    let json_reply = |v: Value| ResponseTemplate::new(200).set_body_json(v);
    let rest = path.strip_prefix("/bb/rest").unwrap_or(path);
    if rest.ends_with("/application-properties") {
        return json_reply(json!({"version": "9.2.0"})).insert_header("x-ausername", "alice");
    }
    if rest.starts_with("/api/latest/users/") {
        return json_reply(user("alice", 1));
    }
    if rest == "/api/latest/users" {
        return json_reply(page(vec![user("alice", 1)]));
    }
    if rest == "/api/latest/repos" {
        return json_reply(page(vec![
            json!({"id": 1, "slug": "my-repo", "project": {"key": "PRJ"}}),
        ]));
    }
    if rest.starts_with("/comment-likes/") {
        return if m == "PUT" {
            json_reply(json!({"emoticon": {"shortcut": "tada"}, "user": user("alice", 1)}))
        } else {
            ResponseTemplate::new(204)
        };
    }
    if rest.starts_with("/branch-utils/") {
        return ResponseTemplate::new(204);
    }
    if rest.starts_with("/build-status/") {
        return json_reply(page(vec![build_status()]));
    }
    let Some(tail) = path.strip_prefix(R) else {
        return ResponseTemplate::new(404);
    };
    let segments: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    match (m, segments.as_slice()) {
        ("GET", []) => json_reply(
            json!({"id": 1, "slug": "my-repo", "name": "my-repo", "defaultBranch": "refs/heads/main", "project": {"key": "PRJ"}}),
        ),
        ("GET", ["permissions", "users"]) => json_reply(page(vec![
            json!({"user": user("alice", 1), "permission": "REPO_WRITE"}),
        ])),
        ("GET", ["labels"]) => json_reply(page(vec![json!({"name": "rust"})])),
        ("GET", ["branches"]) => json_reply(page(vec![
            json!({"id": "refs/heads/main", "displayId": "main", "latestCommit": SHA}),
            json!({"id": "refs/heads/feature/x", "displayId": "feature/x", "latestCommit": BASE_SHA}),
        ])),
        ("POST", ["branches"]) => json_reply(
            json!({"id": "refs/heads/feature/x", "displayId": "feature/x", "latestCommit": SHA}),
        ),
        ("GET", ["tags", _]) => {
            json_reply(json!({"id": "refs/tags/v1", "displayId": "v1", "latestCommit": SHA}))
        }
        ("GET", ["commits"]) | ("GET", ["compare", "commits"]) => json_reply(page(vec![commit()])),
        ("GET", ["commits", _]) => json_reply(commit()),
        ("GET", ["commits", _, "changes"]) | ("GET", ["pull-requests", _, "changes"]) => {
            json_reply(page(vec![
                json!({"contentId": SHA, "path": {"toString": "src/a.rs"}, "type": "MODIFY"}),
            ]))
        }
        ("GET", ["commits", _, "builds"]) => json_reply(build_status()),
        ("POST", ["commits", _, "builds"]) => ResponseTemplate::new(204),
        ("GET", ["browse", ..]) if request.url.query().is_some_and(|q| q.contains("type=true")) => {
            json_reply(json!({"type": "FILE"}))
        }
        ("GET", ["browse", rest @ ..]) => {
            let children = if rest.is_empty() {
                vec![
                    json!({"path": {"toString": "README.md"}, "type": "FILE", "size": 5, "contentId": SHA}),
                    json!({"path": {"toString": "src"}, "type": "DIRECTORY", "contentId": BASE_SHA}),
                ]
            } else {
                vec![
                    json!({"path": {"toString": "a.rs"}, "type": "FILE", "size": 9, "contentId": SHA}),
                ]
            };
            json_reply(json!({"path": {"toString": rest.join("/")}, "children": page(children)}))
        }
        ("PUT", ["browse", ..]) => json_reply(commit()),
        ("GET", ["raw", "PULL_REQUEST_TEMPLATE.md"])
        | ("GET", ["raw", "README.md"])
        | ("GET", ["raw", "src", "a.rs"]) => {
            ResponseTemplate::new(200).set_body_raw("hello", "text/plain")
        }
        ("GET", ["raw", ..]) => ResponseTemplate::new(404)
            .set_body_json(json!({"errors": [{"message": "no such path"}]})),
        ("GET", ["archive"]) => ResponseTemplate::new(200)
            .insert_header(
                "content-disposition",
                "attachment; filename=\"my-repo.zip\"",
            )
            .set_body_raw(b"PK\x03\x04".to_vec(), "application/zip"),
        ("GET", ["pull-requests"]) => json_reply(page(vec![pull_request()])),
        ("POST", ["pull-requests"]) => json_reply(pull_request()),
        ("GET", ["pull-requests", id]) if id.ends_with(".diff") => {
            ResponseTemplate::new(200).set_body_raw("diff --git a/x b/x\n", "text/plain")
        }
        ("GET" | "PUT", ["pull-requests", _])
        | ("POST", ["pull-requests", _, "decline" | "reopen"]) => json_reply(pull_request()),
        ("GET", ["pull-requests", _, "commits"]) => json_reply(page(vec![commit()])),
        ("GET", ["pull-requests", _, "activities"]) => json_reply(page(vec![
            json!({"id": 1, "action": "COMMENTED", "commentAction": "ADDED", "comment": comment(10, false)}),
            json!({"id": 2, "action": "COMMENTED", "commentAction": "ADDED", "comment": comment(20, true),
                   "commentAnchor": {"path": "src/a.rs", "line": 3, "lineType": "ADDED", "fileType": "TO", "toHash": SHA}}),
            json!({"id": 3, "action": "APPROVED", "user": user("bob", 2)}),
        ])),
        ("GET", ["pull-requests", _, "participants"]) => json_reply(page(vec![
            json!({"user": user("bob", 2), "role": "REVIEWER", "status": "APPROVED", "approved": true, "lastReviewedCommit": SHA}),
            json!({"user": user("carol", 3), "role": "REVIEWER", "status": "UNAPPROVED"}),
        ])),
        ("POST", ["pull-requests", _, "participants"]) => {
            json_reply(json!({"user": user("carol", 3), "role": "REVIEWER"}))
        }
        ("PUT", ["pull-requests", _, "review"]) => json_reply(json!({})),
        ("GET", ["pull-requests", _, "diff", ..]) => json_reply(json!({"diffs": [{"hunks": [{
        "sourceLine": 1, "destinationLine": 1, "segments": [
            {"type": "CONTEXT", "lines": [{"source": 1, "destination": 1}, {"source": 2, "destination": 2}]},
            {"type": "ADDED", "lines": [{"source": 3, "destination": 3}]}
        ]}]}]})),
        ("POST", ["pull-requests", _, "comments"]) => {
            ResponseTemplate::new(201).set_body_json(comment(30, true))
        }
        ("GET" | "PUT", ["pull-requests", _, "comments", id]) => {
            json_reply(comment(id.parse().unwrap_or(0), true))
        }
        ("DELETE", ["pull-requests", _, "comments", _]) => ResponseTemplate::new(204),
        _ => ResponseTemplate::new(404),
    }
}

fn act(name: &str, args: Value) -> AnyAction {
    AnyAction::from_json(name.parse().expect("known action"), args).expect("valid arguments")
}

/// Each action, and the requests it must send, in order (`METHOD path?query`,
/// paths below the REST base `/bb/rest`, `R` the repository).
fn expectations() -> Vec<(AnyAction, Vec<String>)> {
    let pr = || json!("7");
    vec![
        (act("get_authenticated_actor", json!({})), vec!["GET /bb/rest/api/latest/application-properties".into(), "GET /bb/rest/api/latest/users/alice".into()]),
        (act("get_repository", json!({})), vec![format!("GET {R}")]),
        (act("get_repository_assignees", json!({})), vec!["GET /bb/rest/api/latest/users?permission.1=REPO_READ&permission.1.projectKey=PRJ&permission.1.repositorySlug=my-repo&start=0&limit=25".into()]),
        (act("list_repository_user_permissions", json!({})), vec![format!("GET {R}/permissions/users?start=0&limit=25")]),
        (act("get_repository_user_permission", json!({"username": "alice"})), vec![format!("GET {R}/permissions/users?filter=alice&limit=100")]),
        (act("get_repository_topics", json!({})), vec![format!("GET {R}/labels?limit=100")]),
        (act("list_repositories", json!({})), vec!["GET /bb/rest/api/latest/repos?permission=REPO_READ&start=0&limit=25".into()]),
        (act("get_pull_request_comments", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7/activities?start=0&limit=25")]),
        (act("create_pull_request_comment", json!({"pull_request_id": pr(), "body": "b"})), vec![format!("POST {R}/pull-requests/7/comments")]),
        (act("delete_pull_request_comment", json!({"pull_request_id": pr(), "comment_id": "10"})), vec![format!("GET {R}/pull-requests/7/comments/10"), format!("DELETE {R}/pull-requests/7/comments/10?version=1")]),
        (act("get_pull_request_comment_reactions", json!({"pull_request_id": pr(), "comment_id": "10"})), vec![format!("GET {R}/pull-requests/7/comments/10")]),
        (act("create_pull_request_comment_reaction", json!({"pull_request_id": pr(), "comment_id": "10", "reaction": "hooray"})), vec!["PUT /bb/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/10/reactions/tada".into()]),
        (act("delete_pull_request_comment_reaction", json!({"pull_request_id": pr(), "comment_id": "10", "reaction_id": "tada"})), vec!["DELETE /bb/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/10/reactions/tada".into()]),
        (act("get_review_comment_reactions", json!({"pull_request_id": pr(), "comment_id": "20"})), vec![format!("GET {R}/pull-requests/7/comments/20")]),
        (act("create_review_comment_reaction", json!({"pull_request_id": pr(), "comment_id": "20", "reaction": "laugh"})), vec!["PUT /bb/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/20/reactions/laughing".into()]),
        (act("delete_review_comment_reaction", json!({"pull_request_id": pr(), "comment_id": "20", "reaction_id": "-1"})), vec!["DELETE /bb/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/20/reactions/thumbsdown".into()]),
        (act("get_branch", json!({"branch": "feature/x"})), vec![format!("GET {R}/branches?filterText=feature%2Fx&boostMatches=true&start=0&limit=100")]),
        (act("create_branch", json!({"branch": "feature/x", "sha": SHA})), vec![format!("POST {R}/branches")]),
        (act("delete_branch", json!({"branch": "feature/x"})), vec!["DELETE /bb/rest/branch-utils/latest/projects/PRJ/repos/my-repo/branches".into()]),
        (act("get_git_ref", json!({"ref": "tags/v1"})), vec![format!("GET {R}/tags/v1")]),
        (act("get_commit", json!({"sha": SHA})), vec![format!("GET {R}/commits/{SHA}"), format!("GET {R}/commits/{SHA}/changes?limit=100")]),
        (act("get_commit_changes", json!({"sha": SHA})), vec![format!("GET {R}/commits/{SHA}/changes?start=0&limit=25")]),
        (act("get_commits", json!({"ref": "main"})), vec![format!("GET {R}/commits?until=main&start=0&limit=25")]),
        (act("get_commits_by_path", json!({"path": "src/a.rs"})), vec![format!("GET {R}/commits?path=src%2Fa.rs&followRenames=true&start=0&limit=25")]),
        (act("compare_commits", json!({"start_sha": BASE_SHA, "end_sha": SHA})), vec![format!("GET {R}/compare/commits?from={SHA}&to={BASE_SHA}&start=0&limit=25")]),
        (act("create_commit", json!({"branch": "main", "parent_sha": SHA, "message": "m", "actions": [{"action": "write", "path": "src/a.rs", "content": "x"}]})),
            vec![format!("GET {R}/browse/src/a.rs?at={SHA}&type=true"), format!("PUT {R}/browse/src/a.rs")]),
        (act("get_pull_request", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7")]),
        (act("get_pull_requests", json!({"head": "owner:feature"})), vec![format!("GET {R}/pull-requests?state=OPEN&at=refs%2Fheads%2Ffeature&direction=OUTGOING&start=0&limit=25")]),
        (act("get_pull_request_files", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7/changes?start=0&limit=25")]),
        (act("get_pull_request_commits", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7/commits?start=0&limit=25")]),
        (act("get_pull_request_diff", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7.diff")]),
        (act("create_pull_request", json!({"title": "T", "body": "B", "head": "feature", "base": "main"})), vec![format!("POST {R}/pull-requests")]),
        (act("create_pull_request_draft", json!({"title": "T", "body": "B", "head": "feature", "base": "main"})), vec![format!("POST {R}/pull-requests")]),
        (act("mark_pull_request_ready_for_review", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7"), format!("PUT {R}/pull-requests/7")]),
        (act("update_pull_request", json!({"pull_request_id": pr(), "state": "closed"})), vec![format!("GET {R}/pull-requests/7"), format!("POST {R}/pull-requests/7/decline?version=3")]),
        (act("request_review", json!({"pull_request_id": pr(), "reviewers": ["carol", "dave"]})), vec![format!("POST {R}/pull-requests/7/participants"), format!("POST {R}/pull-requests/7/participants")]),
        (act("get_tree", json!({"tree_sha": SHA, "recursive": false})), vec![format!("GET {R}/browse?at={SHA}&start=0&limit=25")]),
        (act("get_full_tree", json!({"tree_sha": SHA})), vec![format!("GET {R}/browse?at={SHA}&start=0&limit=500"), format!("GET {R}/browse/src?at={SHA}&start=0&limit=500")]),
        (act("get_file_content", json!({"path": "src/a.rs", "ref": "main"})), vec![format!("GET {R}/raw/src/a.rs?at=main")]),
        (act("get_directory_contents", json!({"path": "src", "ref": "main"})), vec![format!("GET {R}/browse/src?at=main&start=0&limit=25")]),
        (act("get_readme", json!({"ref": "main"})), vec![format!("GET {R}/browse?at=main&limit=1000"), format!("GET {R}/raw/README.md?at=main")]),
        (act("get_pull_request_template", json!({"ref": "main"})), [
            "PULL_REQUEST_TEMPLATE.md", "pull_request_template.md", ".bitbucket/PULL_REQUEST_TEMPLATE.md",
            ".bitbucket/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE.md",
            ".github/pull_request_template.md", "docs/PULL_REQUEST_TEMPLATE.md",
        ].iter().map(|p| format!("GET {R}/raw/{p}?at=main")).collect()),
        (act("download_archive", json!({"ref": "main"})), vec![format!("GET {R}/archive?at=main&format=tar.gz")]),
        (act("get_check_run", json!({"check_run_id": format!("{SHA}:ci")})), vec![format!("GET {R}/commits/{SHA}/builds?key=ci")]),
        (act("create_check_run", json!({"name": "CI", "head_sha": SHA, "status": "running"})), vec![format!("POST {R}/commits/{SHA}/builds")]),
        (act("update_check_run", json!({"check_run_id": format!("{SHA}:ci"), "conclusion": "failure"})), vec![format!("GET {R}/commits/{SHA}/builds?key=ci"), format!("POST {R}/commits/{SHA}/builds")]),
        (act("list_check_runs_in_check_suite", json!({"check_suite_id": SHA})), vec![format!("GET /bb/rest/build-status/latest/commits/{SHA}?start=0&limit=25")]),
        (act("list_check_runs_for_ref", json!({"ref": "main"})), vec![format!("GET {R}/branches?filterText=main&boostMatches=true&start=0&limit=100"), format!("GET /bb/rest/build-status/latest/commits/{SHA}?start=0&limit=25")]),
        (act("create_review_comment_file", json!({"pull_request_id": pr(), "commit_id": SHA, "body": "b", "path": "src/a.rs", "side": "head"})), vec![format!("GET {R}/pull-requests/7"), format!("POST {R}/pull-requests/7/comments")]),
        (act("create_review_comment", json!({"pull_request_id": pr(), "commit_id": SHA, "body": "b", "path": "src/a.rs", "line": {"line": 3, "side": "head"}})),
            vec![format!("GET {R}/pull-requests/7"), format!("GET {R}/pull-requests/7/diff/src/a.rs?contextLines=10"), format!("POST {R}/pull-requests/7/comments")]),
        (act("create_review_comment_reply", json!({"pull_request_id": pr(), "comment_id": "20", "body": "b"})), vec![format!("POST {R}/pull-requests/7/comments")]),
        (act("create_review", json!({"pull_request_id": pr(), "commit_sha": SHA, "event": "change_request", "comments": [{"path": "src/a.rs", "body": "x", "line": {"line": 3, "side": "head"}}]})),
            vec![format!("GET {R}/pull-requests/7"), format!("GET {R}/pull-requests/7/diff/src/a.rs?contextLines=10"), format!("POST {R}/pull-requests/7/comments"),
                 format!("PUT {R}/pull-requests/7/review"), "GET /bb/rest/api/latest/application-properties".into(), "GET /bb/rest/api/latest/users/alice".into()]),
        (act("update_review_comment", json!({"pull_request_id": pr(), "comment_id": "20", "body": "b"})), vec![format!("GET {R}/pull-requests/7/comments/20"), format!("PUT {R}/pull-requests/7/comments/20")]),
        (act("get_review_comments", json!({"pull_request_id": pr(), "review_id": "2"})), vec![format!("GET {R}/pull-requests/7/activities?start=0&limit=25")]),
        (act("get_pull_request_review", json!({"pull_request_id": pr(), "review_id": "2"})), vec![format!("GET {R}/pull-requests/7/participants?start=0&limit=100")]),
        (act("get_pull_request_review_threads", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7/activities?start=0&limit=25")]),
        (act("list_pull_request_reviews", json!({"pull_request_id": pr()})), vec![format!("GET {R}/pull-requests/7/participants?start=0&limit=25")]),
        (act("get_thread_id_from_review_comment_unique_id", json!({"pull_request_id": pr(), "review_comment_unique_id": "21"})), vec![format!("GET {R}/pull-requests/7/activities?start=0&limit=100")]),
        (act("collapse_pull_request_comment", json!({"pull_request_id": pr(), "thread_id": "20", "comment_node_id": "20"})), vec![format!("GET {R}/pull-requests/7/comments/20"), format!("PUT {R}/pull-requests/7/comments/20")]),
        (act("update_and_collapse_pull_request_comment", json!({"pull_request_id": pr(), "thread_id": "20", "comment_id": "21", "comment_node_id": "21", "body": "b"})),
            vec![format!("GET {R}/pull-requests/7/comments/21"), format!("PUT {R}/pull-requests/7/comments/21"), format!("GET {R}/pull-requests/7/comments/20"), format!("PUT {R}/pull-requests/7/comments/20")]),
        (act("get_file_url", json!({"file_path": "src/a b.rs", "sha": SHA, "start_line": 3, "end_line": 5})), vec![]),
        (act("get_commit_url", json!({"commit_sha": SHA})), vec![]),
        (act("get_commits_url", json!({"commit_sha": SHA, "file_path": "src/a.rs"})), vec![]),
        (act("get_pull_request_url", json!({"pull_request_id": pr()})), vec![]),
        (act("get_git_remote", json!({})), vec![]),
    ]
}

/// The stand-in and a log of the requests it received.
async fn stand_in() -> (MockServer, Arc<Mutex<Vec<String>>>, BitbucketServer) {
    let server = MockServer::start().await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    Mock::given(wiremock::matchers::any())
        .respond_with(move |request: &Request| {
            let line = match request.url.query() {
                Some(q) => format!("{} {}?{q}", request.method, request.url.path()),
                None => format!("{} {}", request.method, request.url.path()),
            };
            log.lock().unwrap().push(line);
            answer(request)
        })
        .mount(&server)
        .await;
    let provider = provider(&format!("{}/bb/rest", server.uri()), http());
    (server, seen, provider)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_action_sends_exactly_its_requests() {
    let (_server, seen, provider) = stand_in().await;
    let ctx = ctx();

    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for (action, expected) in expectations() {
        let name = action.name();
        seen.lock().unwrap().clear();
        let outcome = provider.execute(action, &ctx).await;
        let sent = seen.lock().unwrap().clone();
        match outcome {
            Ok(response) => {
                if let Some(AnyOutput::DownloadArchive(download)) = response.into_data() {
                    assert_eq!(download.filename.as_deref(), Some("my-repo.zip"));
                    download.body.collect(1024).await.unwrap();
                }
            }
            Err(err) => failures.push(format!("{name}: {err}")),
        }
        if sent != expected {
            failures.push(format!("{name}: sent {sent:#?}\n  expected {expected:#?}"));
        }
        covered.insert(name);
    }
    for name in BitbucketServer::SUPPORTED {
        if !covered.contains(name) {
            failures.push(format!("{name}: no case"));
        }
    }
    println!(
        "bitbucket_server request shapes: {} actions, {} failures",
        covered.len(),
        failures.len()
    );
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    assert!(failures.is_empty());
}

#[tokio::test]
async fn web_urls_are_built_locally() {
    let provider = provider("http://127.0.0.1:9/bb/rest", http());
    let ctx = ctx();
    async fn url(
        provider: &BitbucketServer,
        ctx: &scm_core::CallContext,
        name: &str,
        args: Value,
    ) -> AnyOutput {
        provider
            .execute(act(name, args), ctx)
            .await
            .unwrap()
            .into_data()
            .unwrap()
    }
    let repo = format!("{WEB}/projects/PRJ/repos/my-repo");
    let AnyOutput::GetFileUrl(file) = url(
        &provider,
        &ctx,
        "get_file_url",
        json!({"file_path": "src/a b.rs", "sha": SHA, "start_line": 3, "end_line": 5}),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(file, format!("{repo}/browse/src/a%20b.rs?at={SHA}#3-5"));
    let AnyOutput::GetCommitUrl(commit) = url(
        &provider,
        &ctx,
        "get_commit_url",
        json!({"commit_sha": SHA}),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(commit, format!("{repo}/commits/{SHA}"));
    let AnyOutput::GetCommitsUrl(history) = url(
        &provider,
        &ctx,
        "get_commits_url",
        json!({"commit_sha": SHA}),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(history, format!("{repo}/commits?until={SHA}"));
    let AnyOutput::GetPullRequestUrl(pull) = url(
        &provider,
        &ctx,
        "get_pull_request_url",
        json!({"pull_request_id": "7"}),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(pull, format!("{repo}/pull-requests/7/overview"));
    let AnyOutput::GetGitRemote(remote) = url(&provider, &ctx, "get_git_remote", json!({})).await
    else {
        panic!()
    };
    assert_eq!(remote.https_url, format!("{WEB}/scm/prj/my-repo.git"));
    assert!(remote.ssh_url.is_none());
    let dated = provider
        .execute(
            act(
                "get_commits_url",
                json!({"commit_sha": SHA, "since": "2024-01-01"}),
            ),
            &ctx,
        )
        .await
        .unwrap_err();
    assert_eq!(dated.code(), "invalid_input");
}

/// What the composed reads make of the stand-in's activity stream,
/// participants and directory listings.
#[tokio::test]
async fn composed_reads_map_threads_reviews_and_trees() {
    use scm_core::actions::*;
    use scm_core::model::ReviewState;
    let (_server, _seen, p) = stand_in().await;
    let pull = || "7".to_string();
    let root = data(
        &p,
        GetThreadIdFromReviewCommentUniqueId {
            pull_request_id: pull(),
            review_comment_unique_id: "21".into(),
        },
    )
    .await;
    assert_eq!(root.as_deref(), Some("20"));
    let unknown = data(
        &p,
        GetThreadIdFromReviewCommentUniqueId {
            pull_request_id: pull(),
            review_comment_unique_id: "99".into(),
        },
    )
    .await;
    assert!(unknown.is_none());

    let comments = data(
        &p,
        GetPullRequestComments {
            pull_request_id: pull(),
            page: Default::default(),
        },
    )
    .await;
    let ids: Vec<&str> = comments.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["10", "11"],
        "the conversation thread with its reply, not the diff thread"
    );

    let threads = data(
        &p,
        GetPullRequestReviewThreads {
            pull_request_id: pull(),
            include_reactions: true,
            page: Default::default(),
        },
    )
    .await;
    assert_eq!(threads.items.len(), 1);
    let thread = &threads.items[0];
    assert_eq!(
        (thread.id.as_str(), thread.path.as_deref(), thread.line),
        ("20", Some("src/a.rs"), Some(3))
    );
    assert_eq!(thread.comments.len(), 2);
    assert_eq!(thread.comments[1].in_reply_to_id.as_deref(), Some("20"));
    assert_eq!(thread.comments[0].reactions.len(), 1);

    let by_bob = data(
        &p,
        GetReviewComments {
            pull_request_id: pull(),
            review_id: "2".into(),
            page: Default::default(),
        },
    )
    .await;
    assert_eq!(
        by_bob
            .items
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["20"]
    );

    let reviews = data(
        &p,
        ListPullRequestReviews {
            pull_request_id: pull(),
            page: Default::default(),
        },
    )
    .await;
    assert_eq!(reviews.items.len(), 1, "carol has not reviewed");
    assert_eq!(
        (reviews.items[0].id.as_str(), reviews.items[0].state),
        ("2", ReviewState::Approved)
    );
    let review = data(
        &p,
        GetPullRequestReview {
            pull_request_id: pull(),
            review_id: "bob".into(),
        },
    )
    .await;
    assert_eq!(review.commit_sha.unwrap().as_str(), SHA);

    let sha = scm_core::model::Sha::new(SHA).unwrap();
    let tree = data(
        &p,
        GetFullTree {
            tree_sha: sha.clone(),
            recursive: true,
        },
    )
    .await;
    let paths: Vec<&str> = tree.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["README.md", "src", "src/a.rs"]);
    assert!(!tree.truncated);
    let first = data(
        &p,
        GetTree {
            tree_sha: sha.clone(),
            recursive: true,
            page: Default::default(),
        },
    )
    .await;
    assert_eq!(first.items.len(), 2);
    let rest = data(
        &p,
        GetTree {
            tree_sha: sha,
            recursive: true,
            page: scm_core::PageRequest {
                cursor: first.next_cursor,
                per_page: None,
            },
        },
    )
    .await;
    assert_eq!(
        rest.items
            .iter()
            .map(|e| e.path.as_str())
            .collect::<Vec<_>>(),
        ["src/a.rs"]
    );
    assert!(rest.next_cursor.is_none());
}
