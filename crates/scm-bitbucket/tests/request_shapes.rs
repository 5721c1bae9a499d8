//! Every supported action sends what Bitbucket Cloud's REST API 2.0
//! documents: method, encoded path, exact query and JSON body. Each
//! expected request is a strict mock that must be hit exactly once;
//! anything else gets a 404 and fails the action. Web URL actions are
//! checked for the exact URL they build.

mod common;

use std::collections::BTreeSet;

use common::*;
use scm_bitbucket::Bitbucket;
use scm_core::actions::{ActionName, AnyAction, AnyOutput};
use scm_core::{Provider, Response};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "{d5bb8c49-f033-4498-910e-7e4b546b04ee}";
const OTHER: &str = "{1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f}";
const PIPELINE: &str = "{8a6c2f35-6a71-4b5e-9b5a-5a0c3d3f0e11}";
const STEP: &str = "{2f7d1a64-4f0c-4d2e-8c55-6f7e1b2a3c4d}";

struct ExactQuery(Vec<(String, String)>);

impl wiremock::Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut want = self.0.clone();
        got.sort();
        want.sort();
        got == want
    }
}

/// The raw path as sent (percent-encoding kept), for checks of encoding.
struct RawPath(String);

impl wiremock::Match for RawPath {
    fn matches(&self, request: &Request) -> bool {
        request.url.path() == self.0
    }
}

struct Call {
    method: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    status: u16,
    reply: Option<Value>,
    text: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
}

fn call(method: &'static str, path: impl Into<String>) -> Call {
    Call {
        method,
        path: path.into(),
        query: Vec::new(),
        body: None,
        status: 200,
        reply: None,
        text: None,
        headers: Vec::new(),
    }
}

impl Call {
    fn q(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }
    fn page(self) -> Self {
        self.q("pagelen", 30)
    }
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn reply(mut self, body: Value) -> Self {
        self.reply = Some(body);
        self
    }
    fn text(mut self, text: &'static str) -> Self {
        self.text = Some(text);
        self
    }
    fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn r(suffix: &str) -> String {
    format!("{REPO}{suffix}")
}

fn list(values: Vec<Value>) -> Value {
    json!({ "pagelen": 30, "values": values })
}

fn user(uuid: &str) -> Value {
    json!({ "type": "user", "uuid": uuid, "account_id": "5b10a2844c20165700ede21g", "display_name": "Someone" })
}

fn pr(state: &str) -> Value {
    json!({
        "type": "pullrequest", "id": 7, "title": "Old title", "description": "Old body", "state": state,
        "draft": true, "author": user(OTHER),
        "source": { "branch": { "name": "feature/x" }, "commit": { "hash": "1a2b3c4d5e6f" } },
        "destination": { "branch": { "name": "main" }, "commit": { "hash": "0f9e8d7c6b5a" } },
        "reviewers": [user(OTHER)],
        "participants": [{ "type": "participant", "user": user(USER), "role": "REVIEWER", "approved": true,
                            "state": "approved", "participated_on": "2026-11-20T10:15:00+00:00" }],
        "links": { "html": { "href": "https://bitbucket.org/acme/widgets/pull-requests/7" } }
    })
}

fn comment(id: u64, inline: Option<Value>, parent: Option<u64>) -> Value {
    let mut c = json!({ "type": "pullrequest_comment", "id": id, "content": { "raw": "text" }, "user": user(USER),
                        "created_on": "2026-11-20T10:00:00+00:00" });
    if let Some(inline) = inline {
        c["inline"] = inline;
    }
    if let Some(parent) = parent {
        c["parent"] = json!({ "id": parent });
    }
    c
}

fn commit(sha: &str) -> Value {
    json!({ "type": "commit", "hash": sha, "message": "Change", "date": "2026-11-01T10:00:00+00:00",
            "author": { "raw": "A U Thor <author@example.com>" }, "parents": [{ "hash": SHA2 }] })
}

fn branch(name: &str, sha: &str) -> Value {
    json!({ "type": "branch", "name": name, "target": { "hash": sha } })
}

fn status(key: &str, state: &str) -> Value {
    json!({ "type": "build", "key": key, "name": "CI", "state": state, "url": "https://ci.example.com/1",
            "commit": { "hash": SHA }, "created_on": "2026-11-01T10:00:00+00:00" })
}

fn issue() -> Value {
    json!({ "type": "issue", "id": 5, "title": "Bug", "content": { "raw": "It breaks" }, "state": "new",
            "reporter": user(OTHER) })
}

fn diffstat() -> Value {
    list(vec![
        json!({ "type": "diffstat", "status": "modified", "lines_added": 2, "lines_removed": 1,
                      "old": { "path": "src/lib.rs" }, "new": { "path": "src/lib.rs" } }),
    ])
}

/// Runs one action against strict mocks and returns its output.
async fn run(args: Value, calls: Vec<Call>) -> Response<AnyOutput> {
    let server = MockServer::start().await;
    let name: ActionName = args["action"].as_str().unwrap().parse().unwrap();
    for c in calls {
        let mut template = ResponseTemplate::new(c.status);
        for (k, v) in &c.headers {
            let v = v.replace("{server}", &server.uri());
            template = template.insert_header(*k, v.as_str());
        }
        if let Some(v) = c.reply {
            template = template.set_body_json(v);
        } else if let Some(t) = c.text {
            template = template.set_body_string(t);
        }
        let mut mock = Mock::given(method(c.method))
            .and(RawPath(c.path.clone()))
            .and(ExactQuery(
                c.query
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ));
        if let Some(body) = c.body {
            mock = mock.and(body_json(body));
        }
        mock.respond_with(template).expect(1).mount(&server).await;
    }
    let mut action_args = args.clone();
    action_args.as_object_mut().unwrap().remove("action");
    let action = AnyAction::from_json(name, action_args).unwrap();
    let bb = bitbucket(&server.uri());
    let out = bb.execute(action, &ctx()).await;
    server.verify().await;
    out.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The output as JSON; a download as its text.
async fn data(out: Response<AnyOutput>) -> Value {
    match out.into_data().unwrap() {
        AnyOutput::DownloadWorkflowJobLog(download) => {
            let bytes = download.body.collect(1 << 20).await.unwrap();
            Value::String(String::from_utf8(bytes.to_vec()).unwrap())
        }
        other => other.into_json().unwrap(),
    }
}

#[tokio::test]
async fn every_supported_action_has_a_request_shape() {
    // Listed here as each case below runs; checked against SUPPORTED at the end.
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    macro_rules! case {
        ($args:expr, $calls:expr) => {{
            let args: Value = $args;
            covered.insert(Box::leak(
                args["action"].as_str().unwrap().to_owned().into_boxed_str(),
            ));
            data(run(args, $calls).await).await
        }};
    }

    // ----- Repository & identity -----
    let me = case!(
        json!({"action": "get_authenticated_actor"}),
        vec![call("GET", "/user").reply(user(USER))]
    );
    assert_eq!(me["id"], USER);
    case!(
        json!({"action": "get_repository"}),
        vec![call("GET", REPO).reply(json!({"full_name": FULL_NAME, "uuid": "{r}"}))]
    );
    case!(
        json!({"action": "get_repository_assignees"}),
        vec![call("GET", "/workspaces/acme/members")
            .page()
            .reply(list(vec![json!({"user": user(USER)})]))]
    );
    case!(
        json!({"action": "list_repository_user_permissions", "page": {"per_page": 500}}),
        vec![
            call("GET", "/workspaces/acme/permissions/repositories/widgets")
                .q("pagelen", 100)
                .reply(list(vec![
                    json!({"permission": "write", "user": user(USER)})
                ]))
        ]
    );
    let p = case!(
        json!({"action": "get_repository_user_permission", "username": "5b10a2844c20165700ede21g"}),
        vec![
            call("GET", "/workspaces/acme/permissions/repositories/widgets")
                .q("q", "user.account_id=\"5b10a2844c20165700ede21g\"")
                .reply(list(vec![
                    json!({"permission": "admin", "user": user(USER)})
                ]))
        ]
    );
    assert_eq!(p["permission"], "admin");
    case!(
        json!({"action": "list_repositories"}),
        vec![
            call("GET", "/user/workspaces")
                .q("pagelen", 100)
                .reply(list(vec![json!({"workspace": {"slug": "acme"}})])),
            call("GET", "/repositories/acme")
                .q("role", "member")
                .page()
                .reply(list(vec![json!({"full_name": FULL_NAME})])),
        ]
    );

    // ----- Issues (deprecated tracker) -----
    case!(
        json!({"action": "get_issue", "issue_id": "5"}),
        vec![call("GET", r("/issues/5")).reply(issue())]
    );
    case!(
        json!({"action": "create_issue", "title": "Bug", "body": "It breaks", "assignees": [USER]}),
        vec![call("POST", r("/issues"))
            .body(
                json!({"type": "issue", "title": "Bug", "content": {"raw": "It breaks"},
                         "assignee": {"type": "user", "uuid": USER}})
            )
            .status(201)
            .reply(issue())]
    );
    let closed = case!(
        json!({"action": "update_issue", "issue_id": "5", "state": "closed", "assignees": []}),
        vec![call("PUT", r("/issues/5"))
            .body(json!({"type": "issue", "state": "closed", "assignee": null}))
            .reply(json!({"id": 5, "title": "Bug", "state": "closed"}))]
    );
    assert_eq!(closed["state"], "closed");
    case!(
        json!({"action": "get_issue_comments", "issue_id": "5"}),
        vec![call("GET", r("/issues/5/comments"))
            .page()
            .reply(list(vec![comment(1, None, None)]))]
    );
    case!(
        json!({"action": "create_issue_comment", "issue_id": "5", "body": "Seen"}),
        vec![
            call("POST", r("/issues/5/comments"))
                .body(json!({"type": "issue_comment", "content": {"raw": "Seen"}}))
                .status(201)
                .header("location", format!("{{server}}{REPO}/issues/5/comments/9")),
            call("GET", r("/issues/5/comments/9")).reply(comment(9, None, None)),
        ]
    );
    case!(
        json!({"action": "delete_issue_comment", "issue_id": "5", "comment_id": "9"}),
        vec![call("DELETE", r("/issues/5/comments/9")).status(204)]
    );

    // ----- Comments -----
    let comments = case!(
        json!({"action": "get_pull_request_comments", "pull_request_id": "7"}),
        vec![call("GET", r("/pullrequests/7/comments"))
            .page()
            .reply(list(vec![
                comment(1, None, None),
                comment(2, Some(json!({"path": "a.rs", "to": 3})), None),
                json!({"id": 3, "deleted": true, "content": {"raw": ""}}),
            ]))]
    );
    assert_eq!(
        comments["items"].as_array().unwrap().len(),
        1,
        "inline and deleted comments are left out"
    );
    case!(
        json!({"action": "create_pull_request_comment", "pull_request_id": "7", "body": "Nice"}),
        vec![call("POST", r("/pullrequests/7/comments"))
            .body(json!({"type": "pullrequest_comment", "content": {"raw": "Nice"}}))
            .status(201)
            .reply(comment(4, None, None))]
    );
    case!(
        json!({"action": "delete_pull_request_comment", "pull_request_id": "7", "comment_id": "4"}),
        vec![call("DELETE", r("/pullrequests/7/comments/4")).status(204)]
    );

    // ----- Branches & refs -----
    case!(
        json!({"action": "get_branch", "branch": "refs/heads/feature/x"}),
        vec![call("GET", r("/refs/branches/feature%2Fx")).reply(branch("feature/x", SHA))]
    );
    case!(
        json!({"action": "create_branch", "branch": "feature/x", "sha": SHA}),
        vec![call("POST", r("/refs/branches"))
            .body(json!({"name": "feature/x", "target": {"hash": SHA}}))
            .status(201)
            .reply(branch("feature/x", SHA))]
    );
    case!(
        json!({"action": "delete_branch", "branch": "feature/x"}),
        vec![call("DELETE", r("/refs/branches/feature%2Fx")).status(204)]
    );
    let tag = case!(
        json!({"action": "get_git_ref", "ref": "refs/tags/v1.0"}),
        vec![call("GET", r("/refs/tags/v1.0"))
            .reply(json!({"name": "v1.0", "target": {"hash": SHA}}))]
    );
    assert_eq!(tag["ref"], "refs/tags/v1.0");

    // ----- Web URLs -----
    let url = case!(
        json!({"action": "get_file_url", "file_path": "src/a b.rs", "sha": SHA, "start_line": 3, "end_line": 5}),
        vec![]
    );
    assert_eq!(
        url,
        format!("https://bitbucket.org/acme/widgets/src/{SHA}/src/a%20b.rs#lines-3:5")
    );
    let url = case!(
        json!({"action": "get_commit_url", "commit_sha": SHA}),
        vec![]
    );
    assert_eq!(
        url,
        format!("https://bitbucket.org/acme/widgets/commits/{SHA}")
    );
    let url = case!(
        json!({"action": "get_commits_url", "commit_sha": SHA}),
        vec![]
    );
    assert_eq!(
        url,
        format!("https://bitbucket.org/acme/widgets/commits/{SHA}")
    );
    let url = case!(
        json!({"action": "get_pull_request_url", "pull_request_id": "7"}),
        vec![]
    );
    assert_eq!(url, "https://bitbucket.org/acme/widgets/pull-requests/7");
    let remote = case!(json!({"action": "get_git_remote"}), vec![]);
    assert_eq!(
        remote,
        json!({"https_url": "https://bitbucket.org/acme/widgets.git", "ssh_url": "git@bitbucket.org:acme/widgets.git"})
    );

    // ----- Commits -----
    let c = case!(
        json!({"action": "get_commit", "sha": SHA}),
        vec![
            call("GET", r(&format!("/commit/{SHA}"))).reply(commit(SHA)),
            call("GET", r(&format!("/diffstat/{SHA}")))
                .q("pagelen", 100)
                .reply(diffstat()),
        ]
    );
    assert_eq!(
        (c["additions"].as_u64(), c["files"][0]["path"].as_str()),
        (Some(2), Some("src/lib.rs"))
    );
    case!(
        json!({"action": "get_commit_changes", "sha": SHA}),
        vec![call("GET", r(&format!("/diffstat/{SHA}")))
            .page()
            .reply(diffstat())]
    );
    let history = case!(
        json!({"action": "get_commits", "since": "2026-10-01T00:00:00Z"}),
        vec![
            call("GET", REPO).reply(json!({"full_name": FULL_NAME, "mainbranch": {"name": "main"}})),
            call("GET", r("/commits/main")).page().reply(json!({
                "values": [commit(SHA), {"hash": SHA2, "message": "old", "date": "2026-09-01T00:00:00+00:00", "parents": []}],
                "next": "/repositories/acme/widgets/commits/main?page=2"
            })),
        ]
    );
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert!(
        history["next_cursor"].is_null(),
        "the list ends before `since`"
    );
    case!(
        json!({"action": "get_commits_by_path", "path": "/src/lib.rs", "ref": "feature/x"}),
        vec![
            call("GET", r("/refs/branches/feature%2Fx")).reply(branch("feature/x", SHA)),
            call("GET", r(&format!("/commits/{SHA}")))
                .q("path", "src/lib.rs")
                .page()
                .reply(list(vec![commit(SHA)])),
        ]
    );
    let compare = case!(
        json!({"action": "compare_commits", "start_sha": SHA2, "end_sha": SHA, "include_behind": true}),
        vec![call("GET", r("/commits"))
            .q("include", SHA)
            .q("exclude", SHA2)
            .page()
            .reply(list(vec![commit(SHA)]))]
    );
    assert_eq!(compare["items"][0]["side"], "ahead");
    assert!(
        compare["next_cursor"].is_string(),
        "the behind part follows"
    );
    case!(
        json!({"action": "create_commit", "branch": "main", "parent_sha": SHA2, "message": "Update",
               "expected_head_sha": SHA2,
               "actions": [{"action": "write", "path": "docs/a.md", "content": "aGk=", "encoding": "base64"},
                           {"action": "delete", "path": "old.txt"}],
               "author": {"name": "A U Thor", "email": "author@example.com"}}),
        vec![
            call("POST", r("/src"))
                .status(201)
                .header("location", format!("{{server}}{REPO}/commit/{SHA}")),
            call("GET", r(&format!("/commit/{SHA}"))).reply(commit(SHA)),
        ]
    );

    // ----- Pull requests -----
    case!(
        json!({"action": "get_pull_request", "pull_request_id": "7"}),
        vec![call("GET", r("/pullrequests/7")).reply(pr("OPEN"))]
    );
    case!(
        json!({"action": "get_pull_requests", "state": "closed", "head": "octo:feature/x"}),
        vec![call("GET", r("/pullrequests"))
            .q("state", "MERGED")
            .q("state", "DECLINED")
            .q("state", "SUPERSEDED")
            .q("q", "source.branch.name=\"feature/x\"")
            .page()
            .reply(list(vec![pr("MERGED")]))]
    );
    case!(
        json!({"action": "get_pull_request_files", "pull_request_id": "7"}),
        vec![
            call("GET", r("/pullrequests/7/diffstat")).q("pagelen", 30).status(302)
                .header("location", format!("{{server}}{REPO}/diffstat/acme/widgets:1a2b3c4d5e6f%0D0f9e8d7c6b5a?from_pullrequest_id=7&pagelen=30")),
            call("GET", r("/diffstat/acme/widgets:1a2b3c4d5e6f%0D0f9e8d7c6b5a")).q("from_pullrequest_id", 7).page().reply(diffstat()),
        ]
    );
    case!(
        json!({"action": "get_pull_request_commits", "pull_request_id": "7"}),
        vec![call("GET", r("/pullrequests/7/commits"))
            .page()
            .reply(list(vec![commit(SHA)]))]
    );
    let diff = case!(
        json!({"action": "get_pull_request_diff", "pull_request_id": "7"}),
        vec![
            call("GET", r("/pullrequests/7/diff"))
                .status(302)
                .header("location", format!("{REPO}/diff/x")),
            call("GET", r("/diff/x")).text("diff --git a/a b/a\n"),
        ]
    );
    assert_eq!(diff, "diff --git a/a b/a\n");
    let created = |draft: bool| {
        json!({"type": "pullrequest", "title": "T", "description": "B",
        "source": {"branch": {"name": "feature/x"}}, "destination": {"branch": {"name": "main"}}, "draft": draft})
    };
    case!(
        json!({"action": "create_pull_request", "title": "T", "body": "B", "head": "refs/heads/feature/x", "base": "main"}),
        vec![call("POST", r("/pullrequests"))
            .body(created(false))
            .status(201)
            .reply(pr("OPEN"))]
    );
    let draft = case!(
        json!({"action": "create_pull_request_draft", "title": "T", "body": "B", "head": "feature/x", "base": "main"}),
        vec![call("POST", r("/pullrequests"))
            .body(created(true))
            .status(201)
            .reply(pr("OPEN"))]
    );
    assert_eq!(draft["draft"], true);
    let kept = |changes: Value| {
        let mut body = json!({"type": "pullrequest", "title": "Old title", "description": "Old body",
                              "reviewers": [{"type": "user", "uuid": OTHER}]});
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    case!(
        json!({"action": "mark_pull_request_ready_for_review", "pull_request_id": "7"}),
        vec![
            call("GET", r("/pullrequests/7")).reply(pr("OPEN")),
            call("PUT", r("/pullrequests/7"))
                .body(kept(json!({"draft": false})))
                .reply(pr("OPEN")),
        ]
    );
    case!(
        json!({"action": "update_pull_request", "pull_request_id": "7", "title": "New title", "state": "closed"}),
        vec![
            call("GET", r("/pullrequests/7")).reply(pr("OPEN")),
            call("PUT", r("/pullrequests/7"))
                .body(kept(json!({"title": "New title"})))
                .reply(pr("OPEN")),
            call("POST", r("/pullrequests/7/decline")).reply(pr("DECLINED")),
        ]
    );
    case!(
        json!({"action": "request_review", "pull_request_id": "7", "reviewers": [USER, OTHER]}),
        vec![
            call("GET", r("/pullrequests/7")).reply(pr("OPEN")),
            call("PUT", r("/pullrequests/7"))
                .body(kept(json!({"reviewers": [{"type": "user", "uuid": OTHER}, {"type": "user", "uuid": USER}]})))
                .reply(pr("OPEN")),
        ]
    );

    // ----- Files -----
    let file = case!(
        json!({"action": "get_file_content", "path": "docs/a b.md", "ref": "main"}),
        vec![call("GET", r("/src/main/docs/a%20b.md")).text("hello")]
    );
    assert_eq!(file["content"], "aGVsbG8=");
    case!(
        json!({"action": "get_directory_contents", "path": "src", "ref": "v1.0"}),
        vec![call("GET", r("/src/v1.0/src")).page().reply(list(vec![
            json!({"type": "commit_directory", "path": "src/bin"}),
            json!({"type": "commit_file", "path": "src/lib.rs", "size": 10, "attributes": []}),
        ]))]
    );
    case!(
        json!({"action": "get_readme", "ref": "main"}),
        vec![
            call("GET", r("/src/main/README.md"))
                .status(404)
                .reply(json!({"type": "error", "error": {"message": "No such file"}})),
            call("GET", r("/src/main/README")).text("read me"),
        ]
    );
    let templates = case!(
        json!({"action": "get_pull_request_template", "ref": "main"}),
        vec![
            call("GET", r("/src/main/PULL_REQUEST_TEMPLATE.md")).status(404),
            call("GET", r("/src/main/pull_request_template.md")).status(404),
            call("GET", r("/src/main/.bitbucket/PULL_REQUEST_TEMPLATE.md")).text("## What"),
            call("GET", r("/src/main/.bitbucket/pull_request_template.md")).status(404),
            call("GET", r("/src/main/.github/PULL_REQUEST_TEMPLATE.md")).status(404),
            call("GET", r("/src/main/.github/pull_request_template.md")).status(404),
            call("GET", r("/src/main/docs/PULL_REQUEST_TEMPLATE.md")).status(404),
        ]
    );
    assert_eq!(templates.as_array().unwrap().len(), 1);

    // ----- Checks & CI -----
    let run = case!(
        json!({"action": "get_check_run", "check_run_id": format!("{SHA}:ci/lint")}),
        vec![
            call("GET", r(&format!("/commit/{SHA}/statuses/build/ci%2Flint")))
                .reply(status("ci/lint", "INPROGRESS"))
        ]
    );
    assert_eq!(run["status"], "running");
    case!(
        json!({"action": "create_check_run", "name": "lint", "head_sha": SHA, "status": "completed", "conclusion": "timed_out",
               "output": {"title": "Lint", "summary": "3 warnings"}}),
        vec![call("POST", r(&format!("/commit/{SHA}/statuses/build")))
            .body(json!({"type": "commitstatus", "key": "lint", "name": "lint", "state": "FAILED",
                         "url": format!("https://bitbucket.org/acme/widgets/commits/{SHA}"), "description": "3 warnings"}))
            .status(201).reply(status("lint", "FAILED"))]
    );
    case!(
        json!({"action": "update_check_run", "check_run_id": format!("{SHA}:lint"), "conclusion": "cancelled"}),
        vec![
            call("GET", r(&format!("/commit/{SHA}/statuses/build/lint"))).reply(status("lint", "INPROGRESS")),
            call("PUT", r(&format!("/commit/{SHA}/statuses/build/lint")))
                .body(json!({"type": "commitstatus", "key": "lint", "state": "STOPPED", "name": "CI", "url": "https://ci.example.com/1"}))
                .reply(status("lint", "STOPPED")),
        ]
    );
    case!(
        json!({"action": "list_check_runs_in_check_suite", "check_suite_id": SHA, "check_name": "CI"}),
        vec![call("GET", r(&format!("/commit/{SHA}/statuses")))
            .page()
            .reply(list(vec![status("a", "SUCCESSFUL")]))]
    );
    let runs = case!(
        json!({"action": "list_check_runs_for_ref", "ref": "tags/v1.0", "status": "in_progress"}),
        vec![
            call("GET", r("/refs/tags/v1.0"))
                .reply(json!({"name": "v1.0", "target": {"hash": SHA}})),
            call("GET", r(&format!("/commit/{SHA}/statuses")))
                .page()
                .reply(list(vec![
                    status("a", "SUCCESSFUL"),
                    status("b", "INPROGRESS")
                ])),
        ]
    );
    assert_eq!(runs["items"].as_array().unwrap().len(), 1);
    case!(
        json!({"action": "list_workflow_runs", "head_sha": SHA}),
        vec![call("GET", r("/pipelines")).q("target.commit.hash", SHA).page().reply(list(vec![json!({
            "uuid": PIPELINE, "build_number": 12, "state": {"name": "COMPLETED", "result": {"name": "SUCCESSFUL"}},
            "target": {"ref_name": "main", "commit": {"hash": SHA}}, "trigger": {"name": "PUSH"}
        })]))]
    );
    let jobs = case!(
        json!({"action": "list_workflow_jobs", "workflow_run_id": PIPELINE}),
        vec![call(
            "GET",
            r(&format!(
                "/pipelines/{}/steps",
                PIPELINE.replace('{', "%7B").replace('}', "%7D")
            ))
        )
        .page()
        .reply(list(vec![
            json!({"uuid": STEP, "name": "test", "state": {"name": "IN_PROGRESS"}})
        ]))]
    );
    assert_eq!(jobs["items"][0]["id"], format!("{PIPELINE}:{STEP}"));
    let log = case!(
        json!({"action": "download_workflow_job_log", "job_id": format!("{PIPELINE}:{STEP}")}),
        vec![call(
            "GET",
            r(&format!(
                "/pipelines/{}/steps/{}/log",
                PIPELINE.replace('{', "%7B").replace('}', "%7D"),
                STEP.replace('{', "%7B").replace('}', "%7D")
            ))
        )
        .text("+ cargo test\n")]
    );
    assert_eq!(log, "+ cargo test\n");

    // ----- Reviews -----
    case!(
        json!({"action": "create_review_comment_file", "pull_request_id": "7", "commit_id": SHA, "body": "File", "path": "a.rs", "side": "head"}),
        vec![call("POST", r("/pullrequests/7/comments"))
            .body(json!({"type": "pullrequest_comment", "content": {"raw": "File"}, "inline": {"path": "a.rs"}}))
            .status(201).reply(comment(11, Some(json!({"path": "a.rs"})), None))]
    );
    let rc = case!(
        json!({"action": "create_review_comment", "pull_request_id": "7", "commit_id": SHA, "body": "Line", "path": "a.rs",
               "line": {"line": 9, "side": "base"}, "start_line": {"line": 7, "side": "base"}}),
        vec![call("POST", r("/pullrequests/7/comments"))
            .body(json!({"type": "pullrequest_comment", "content": {"raw": "Line"}, "inline": {"path": "a.rs", "from": 9, "start_from": 7}}))
            .status(201).reply(comment(12, Some(json!({"path": "a.rs", "from": 9, "start_from": 7})), None))]
    );
    assert_eq!(
        (
            rc["line"].as_u64(),
            rc["start_line"].as_u64(),
            rc["side"].as_str()
        ),
        (Some(9), Some(7), Some("base"))
    );
    case!(
        json!({"action": "create_review_comment_reply", "pull_request_id": "7", "body": "Agreed", "comment_id": "12"}),
        vec![call("POST", r("/pullrequests/7/comments"))
            .body(json!({"type": "pullrequest_comment", "content": {"raw": "Agreed"}, "parent": {"type": "pullrequest_comment", "id": 12}}))
            .status(201).reply(comment(13, Some(json!({"path": "a.rs", "from": 9})), Some(12)))]
    );
    let review = case!(
        json!({"action": "create_review", "pull_request_id": "7", "commit_sha": SHA, "event": "change_request", "body": "Please fix",
               "comments": [{"path": "a.rs", "body": "here", "line": {"line": 2, "side": "head"}}]}),
        vec![
            call("POST", r("/pullrequests/7/comments"))
                .body(json!({"type": "pullrequest_comment", "content": {"raw": "here"}, "inline": {"path": "a.rs", "to": 2}}))
                .status(201).reply(comment(14, Some(json!({"path": "a.rs", "to": 2})), None)),
            call("POST", r("/pullrequests/7/comments"))
                .body(json!({"type": "pullrequest_comment", "content": {"raw": "Please fix"}}))
                .status(201).reply(comment(15, None, None)),
            call("POST", r("/pullrequests/7/request-changes"))
                .reply(json!({"type": "participant", "user": user(USER), "state": "changes_requested"})),
        ]
    );
    assert_eq!(
        (review["id"].as_str(), review["state"].as_str()),
        (Some(USER), Some("changes_requested"))
    );
    case!(
        json!({"action": "update_review_comment", "pull_request_id": "7", "comment_id": "12", "body": "Edited"}),
        vec![call("PUT", r("/pullrequests/7/comments/12"))
            .body(json!({"type": "pullrequest_comment", "content": {"raw": "Edited"}}))
            .reply(comment(12, Some(json!({"path": "a.rs", "to": 2})), None))]
    );
    let mine = case!(
        json!({"action": "get_review_comments", "pull_request_id": "7", "review_id": USER}),
        vec![call("GET", r("/pullrequests/7/comments"))
            .page()
            .reply(list(vec![
                comment(1, None, None),
                comment(2, Some(json!({"path": "a.rs", "to": 3})), None),
            ]))]
    );
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let one = case!(
        json!({"action": "get_pull_request_review", "pull_request_id": "7", "review_id": USER}),
        vec![call("GET", r("/pullrequests/7")).reply(pr("OPEN"))]
    );
    assert_eq!(one["state"], "approved");
    let threads = case!(
        json!({"action": "get_pull_request_review_threads", "pull_request_id": "7"}),
        vec![call("GET", r("/pullrequests/7/comments"))
            .q("pagelen", 100)
            .reply(list(vec![
                comment(2, Some(json!({"path": "a.rs", "to": 3})), None),
                comment(5, Some(json!({"path": "a.rs", "to": 3})), Some(2)),
                comment(6, None, None),
            ]))]
    );
    assert_eq!(threads["items"][0]["comments"].as_array().unwrap().len(), 2);
    case!(
        json!({"action": "list_pull_request_reviews", "pull_request_id": "7"}),
        vec![call("GET", r("/pullrequests/7")).reply(pr("OPEN"))]
    );

    // ----- Moderation -----
    let thread = case!(
        json!({"action": "get_thread_id_from_review_comment_unique_id", "pull_request_id": "7", "review_comment_unique_id": "5"}),
        vec![
            call("GET", r("/pullrequests/7/comments/5")).reply(comment(
                5,
                Some(json!({"path": "a.rs", "to": 3})),
                Some(2)
            )),
            call("GET", r("/pullrequests/7/comments/2")).reply(comment(
                2,
                Some(json!({"path": "a.rs", "to": 3})),
                None
            )),
        ]
    );
    assert_eq!(thread, "2");
    case!(
        json!({"action": "collapse_pull_request_comment", "pull_request_id": "7", "thread_id": "2", "comment_node_id": "2"}),
        vec![call("POST", r("/pullrequests/7/comments/2/resolve"))
            .reply(json!({"type": "comment_resolution"}))]
    );
    case!(
        json!({"action": "update_and_collapse_pull_request_comment", "pull_request_id": "7", "thread_id": "2",
               "comment_id": "5", "comment_node_id": "5", "body": "Done"}),
        vec![
            call("PUT", r("/pullrequests/7/comments/5"))
                .body(json!({"type": "pullrequest_comment", "content": {"raw": "Done"}}))
                .reply(comment(5, Some(json!({"path": "a.rs", "to": 3})), Some(2))),
            // Already resolved: not an error.
            call("POST", r("/pullrequests/7/comments/2/resolve")).status(409),
        ]
    );

    let supported: BTreeSet<&str> = Bitbucket::SUPPORTED.iter().map(|n| n.as_str()).collect();
    let missing: Vec<_> = supported.difference(&covered).collect();
    assert!(missing.is_empty(), "no request shape for {missing:?}");
    println!("bitbucket request shapes: {} actions", covered.len());
}

#[tokio::test]
async fn the_multipart_commit_carries_every_change() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(r("/src")))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(r(
            "/src/a6e5e7d797edf751cbd839d6bd4aef86c941eec9/old/name.txt",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved bytes"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(r("/refs/branches/topic")))
        .respond_with(ResponseTemplate::new(200).set_body_json(branch("topic", SHA2)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(r(&format!("/commit/{SHA2}"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(commit(SHA2)))
        .mount(&server)
        .await;
    let args = json!({"branch": "topic", "parent_sha": SHA, "message": "Move", "create_branch": true,
                      "actions": [{"action": "move", "previous_path": "old/name.txt", "path": "new/name.txt"}]});
    let out = bitbucket(&server.uri())
        .execute(
            AnyAction::from_json(ActionName::CreateCommit, args).unwrap(),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(out.into_data().unwrap().into_json().unwrap()["sha"], SHA2);
    let post = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let content_type = post
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8(post.body.clone()).unwrap();
    for part in [
        "name=\"message\"\r\n\r\nMove\r\n",
        "name=\"branch\"\r\n\r\ntopic\r\n",
        &format!("name=\"parents\"\r\n\r\n{SHA}\r\n"),
        "name=\"new/name.txt\"\r\n\r\nmoved bytes\r\n",
        "name=\"files\"\r\n\r\nold/name.txt\r\n",
    ] {
        assert!(body.contains(part), "missing {part:?} in {body}");
    }

    // Inexpressible changes are refused before any request.
    for refused in [
        json!({"action": "chmod", "path": "x.sh", "executable": true}),
        json!({"action": "write", "path": "x.sh", "content": "#!/bin/sh", "executable": true}),
    ] {
        let args =
            json!({"branch": "topic", "parent_sha": SHA, "message": "m", "actions": [refused]});
        let err = bitbucket(&server.uri())
            .execute(
                AnyAction::from_json(ActionName::CreateCommit, args).unwrap(),
                &ctx(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }
    let forced = json!({"branch": "topic", "parent_sha": SHA, "message": "m", "force": true,
                        "actions": [{"action": "delete", "path": "x"}]});
    let err = bitbucket(&server.uri())
        .execute(
            AnyAction::from_json(ActionName::CreateCommit, forced).unwrap(),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[tokio::test]
async fn declined_pull_requests_cannot_be_reopened_or_edited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(r("/pullrequests/7")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pr("DECLINED")))
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    for args in [
        json!({"pull_request_id": "7", "state": "open"}),
        json!({"pull_request_id": "7", "title": "x"}),
    ] {
        let err = bb
            .execute(
                AnyAction::from_json(ActionName::UpdatePullRequest, args).unwrap(),
                &ctx(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "resource_unprocessable_content");
    }
    // Only the reads happened: no PUT, no decline.
    let methods: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert!(methods.iter().all(|m| m == "GET"), "{methods:?}");
}
