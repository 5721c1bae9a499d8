//! Every supported action sends what GitLab's REST API v4 documents:
//! method, path (project path encoded as `%2F`, under a self-managed path
//! prefix), exact query and JSON body. Each expected request is a strict
//! mock that must be hit exactly once; anything else gets a 404 and fails
//! the action.

mod common;

use std::collections::BTreeSet;

use common::*;
use futures::StreamExt;
use scm_core::actions::{ActionName, AnyAction, AnyOutput};
use scm_core::{Provider, Response};
use scm_gitlab::GitLab;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SHA: &str = "6104942438c14ec7bd21c6cd5bd995272b3faff6";
const SHA2: &str = "ae1d9fb46aa2b07ee9836d49862ec4e2c46fbbba";
const BASE: &str = "dd692733bb84bc3e9e862e66c099daec2fa00c83";
const DISCUSSION: &str = "6a9c1750b37d513a43987b574953fceb50b03ce7";

/// The query must be exactly these pairs (order aside).
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

struct Call {
    method: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    status: u16,
    response: Reply,
    headers: Vec<(&'static str, String)>,
}

enum Reply {
    Json(Value),
    Text(&'static str),
    Empty,
}

fn call(method: &'static str, path: impl Into<String>) -> Call {
    Call {
        method,
        path: path.into(),
        query: Vec::new(),
        body: None,
        status: 200,
        response: Reply::Empty,
        headers: Vec::new(),
    }
}

impl Call {
    fn q(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn reply(mut self, body: Value) -> Self {
        self.response = Reply::Json(body);
        self
    }
    fn text(mut self, body: &'static str) -> Self {
        self.response = Reply::Text(body);
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

fn p(suffix: &str) -> String {
    format!("{PROJECT}{suffix}")
}

fn api(suffix: &str) -> String {
    format!("{API_PREFIX}{suffix}")
}

/// Runs one action against strict mocks and returns its output.
async fn run(args: Value, calls: Vec<Call>) -> Response<AnyOutput> {
    let server = MockServer::start().await;
    let name: ActionName = args["action"].as_str().unwrap().parse().unwrap();
    for c in calls {
        let mut template = ResponseTemplate::new(c.status);
        for (k, v) in &c.headers {
            template = template.insert_header(*k, v.as_str());
        }
        template = match c.response {
            Reply::Json(v) => template.set_body_json(v),
            Reply::Text(t) => template.set_body_string(t),
            Reply::Empty => template,
        };
        let mut mock = Mock::given(method(c.method))
            .and(path(c.path.as_str()))
            .and(header("private-token", TOKEN))
            .and(ExactQuery(
                c.query
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
            ));
        if let Some(body) = c.body {
            mock = mock.and(body_json(body));
        }
        mock.respond_with(template).expect(1).mount(&server).await;
    }
    let action = AnyAction::from_json(name, args["args"].clone()).unwrap();
    let result = gitlab(&server.uri()).execute(action, &ctx()).await;
    let response = result.unwrap_or_else(|err| panic!("{name}: {err}"));
    server.verify().await;
    response
}

fn data(response: Response<AnyOutput>) -> AnyOutput {
    match response {
        Response::Ok(result) => {
            assert_eq!(result.provider, "gitlab");
            result.data
        }
        Response::NotModified { .. } => panic!("unexpected not modified"),
    }
}

fn json_of(response: Response<AnyOutput>) -> Value {
    data(response).into_json().unwrap()
}

fn user(id: u64, username: &str) -> Value {
    json!({"id": id, "username": username, "name": username, "state": "active",
           "avatar_url": null, "web_url": format!("https://git.example.com/{username}")})
}

fn project() -> Value {
    json!({"id": 3, "name": "Proj", "path": "proj", "path_with_namespace": "group/sub/proj",
           "visibility": "private", "default_branch": "main", "topics": ["rust", "scm"],
           "web_url": "https://git.example.com/gitlab/group/sub/proj",
           "namespace": {"id": 9, "name": "sub", "path": "sub", "full_path": "group/sub", "kind": "group"}})
}

fn issue() -> Value {
    json!({"id": 41, "iid": 3, "title": "Bug", "description": "d", "state": "opened",
           "author": user(1, "root"), "assignees": [user(5, "jane")], "labels": ["bug"]})
}

fn note(id: u64, body: &str) -> Value {
    json!({"id": id, "body": body, "author": user(1, "root"), "system": false,
           "created_at": "2024-01-01T00:00:00Z"})
}

fn award(id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "user": user(1, "root"), "created_at": "2024-01-01T00:00:00Z"})
}

fn commit(sha: &str) -> Value {
    json!({"id": sha, "title": "t", "message": "t\n", "author_name": "A", "author_email": "a@x",
           "authored_date": "2024-01-01T00:00:00Z", "committer_name": "A", "committer_email": "a@x",
           "committed_date": "2024-01-01T00:00:00Z", "parent_ids": [SHA2]})
}

fn branch(name: &str, sha: &str) -> Value {
    json!({"name": name, "commit": commit(sha)})
}

fn mr(title: &str) -> Value {
    json!({"id": 99, "iid": 7, "title": title, "state": "opened", "source_branch": "feature",
           "target_branch": "main", "sha": SHA, "draft": title.starts_with("Draft:"),
           "reviewers": [user(2, "bob")],
           "diff_refs": {"base_sha": BASE, "start_sha": BASE, "head_sha": SHA}})
}

fn diff() -> Value {
    json!({"old_path": "doc/a.md", "new_path": "doc/a.md", "a_mode": "100644", "b_mode": "100644",
           "new_file": false, "renamed_file": false, "deleted_file": false,
           "diff": "@@ -71,6 +71,8 @@\n a\n b\n \n+c\n+\n ```\n \n d\n"})
}

fn tree_entry(name: &str, kind: &str, path: &str) -> Value {
    json!({"id": SHA2, "name": name, "type": kind, "path": path,
           "mode": if kind == "tree" { "040000" } else { "100644" }})
}

fn file(path: &str) -> Value {
    json!({"file_name": path.rsplit('/').next().unwrap(), "file_path": path, "size": 5,
           "encoding": "base64", "content": "aGVsbG8=", "ref": "main", "blob_id": SHA2,
           "commit_id": SHA, "last_commit_id": SHA})
}

fn status_json(id: u64, state: &str) -> Value {
    json!({"id": id, "sha": SHA, "ref": "main", "status": state, "name": "lint",
           "target_url": "https://ci.example/1", "description": "ok",
           "created_at": "2024-01-01T00:00:00Z", "started_at": null, "finished_at": null})
}

fn job(id: u64) -> Value {
    json!({"id": id, "name": "test", "status": "running", "stage": "test",
           "commit": commit(SHA), "pipeline": {"id": 12, "sha": SHA, "ref": "main", "status": "running"},
           "web_url": "https://git.example.com/gitlab/group/sub/proj/-/jobs/42",
           "started_at": "2024-01-01T00:00:00Z", "finished_at": null})
}

fn pipeline() -> Value {
    json!({"id": 12, "iid": 3, "sha": SHA, "ref": "main", "status": "success", "source": "push",
           "web_url": "https://git.example.com/gitlab/group/sub/proj/-/pipelines/12",
           "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:10:00Z"})
}

fn diff_note(id: u64, author: u64) -> Value {
    json!({"id": id, "type": "DiffNote", "body": "looks good", "author": user(author, "root"),
           "system": false, "resolvable": true, "resolved": false,
           "position": {"base_sha": BASE, "start_sha": BASE, "head_sha": SHA, "old_path": "doc/a.md",
                        "new_path": "doc/a.md", "position_type": "text", "old_line": null, "new_line": 74}})
}

fn discussion() -> Value {
    json!({"id": DISCUSSION, "individual_note": false, "notes": [diff_note(1758, 1), diff_note(1759, 2)]})
}

/// One entry of a hook's event log, shaped like the example answer in
/// GitLab's project webhooks API documentation (ours, not a recording):
/// `response_status` is text, and `internal error` when GitLab got no answer.
fn hook_event(id: u64, key: &str, uuid: &str, status: &str, at: &str) -> Value {
    json!({
        "id": id,
        "url": "https://receiver.example/hooks/gitlab",
        "trigger": "push_hooks",
        "request_headers": {
            "Content-Type": "application/json",
            "User-Agent": "GitLab/17.4.0",
            "Idempotency-Key": key,
            "X-Gitlab-Event": "Push Hook",
            "X-Gitlab-Webhook-UUID": "3c5c0404-c866-44bc-a5f6-452bb1bfc76e",
            "X-Gitlab-Instance": "https://git.example.com",
            "X-Gitlab-Event-UUID": uuid,
            "X-Gitlab-Token": "[REDACTED]",
        },
        "request_data": {"object_kind": "push", "event_name": "push", "ref": "refs/heads/main"},
        "response_headers": {},
        "response_body": "",
        "execution_duration": 0.12,
        "response_status": status,
        "created_at": at,
    })
}

fn act(name: &str, args: Value) -> Value {
    json!({"action": name, "args": args})
}

#[tokio::test]
async fn every_supported_action_sends_the_documented_request() {
    let mut tested: BTreeSet<ActionName> = BTreeSet::new();
    let mut check = |name: &str| {
        tested.insert(name.parse().unwrap());
    };

    // ----- Repository & identity -----
    check("get_authenticated_actor");
    let out = json_of(
        run(
            act("get_authenticated_actor", json!({})),
            vec![call("GET", api("/user")).reply(user(1, "root"))],
        )
        .await,
    );
    assert_eq!(out["username"], "root");

    check("get_repository");
    let out = json_of(
        run(
            act("get_repository", json!({})),
            vec![call("GET", p("")).reply(project())],
        )
        .await,
    );
    assert_eq!(out["full_name"], "group/sub/proj");
    assert_eq!(out["private"], true);

    check("get_repository_topics");
    let out = json_of(
        run(
            act("get_repository_topics", json!({})),
            vec![call("GET", p("")).reply(project())],
        )
        .await,
    );
    assert_eq!(out, json!(["rust", "scm"]));

    check("get_repository_assignees");
    run(
        act("get_repository_assignees", json!({})),
        vec![call("GET", p("/users"))
            .q("per_page", 30)
            .reply(json!([user(5, "jane")]))],
    )
    .await;

    check("list_repository_user_permissions");
    let out = json_of(
        run(
            act(
                "list_repository_user_permissions",
                json!({"page": {"per_page": 50}}),
            ),
            vec![call("GET", p("/members/all"))
                .q("per_page", 50)
                .reply(json!([{"id": 5, "username": "jane", "access_level": 40}]))],
        )
        .await,
    );
    assert_eq!(out["items"][0]["permission"], "maintain");

    check("get_repository_user_permission");
    let out = json_of(
        run(
            act(
                "get_repository_user_permission",
                json!({"username": "jane"}),
            ),
            vec![
                call("GET", api("/users"))
                    .q("username", "jane")
                    .reply(json!([user(5, "jane")])),
                call("GET", p("/members/all/5"))
                    .reply(json!({"id": 5, "username": "jane", "access_level": 30})),
            ],
        )
        .await,
    );
    assert_eq!(out["permission"], "write");
    assert_eq!(out["role_name"], "developer");

    check("get_repository_labels");
    let out = json_of(
        run(
            act("get_repository_labels", json!({})),
            vec![call("GET", p("/labels"))
                .q("per_page", 30)
                .reply(json!([{"id": 1, "name": "bug", "color": "#d9534f", "description": null}]))],
        )
        .await,
    );
    assert_eq!(out["items"][0]["color"], "d9534f");

    check("list_repositories");
    run(
        act("list_repositories", json!({})),
        vec![call("GET", api("/projects"))
            .q("membership", "true")
            .q("pagination", "keyset")
            .q("order_by", "id")
            .q("sort", "asc")
            .q("per_page", 30)
            .reply(json!([project()]))],
    )
    .await;

    // ----- Issues -----
    check("get_issue");
    let out = json_of(
        run(
            act("get_issue", json!({"issue_id": "3"})),
            vec![call("GET", p("/issues/3")).reply(issue())],
        )
        .await,
    );
    assert_eq!(out["id"], "3");
    assert_eq!(out["node_id"], "41");

    check("create_issue");
    run(act("create_issue", json!({"title": "Bug", "body": "d", "assignees": ["jane"], "labels": ["bug", "ui"]})), vec![
        call("GET", api("/users")).q("username", "jane").reply(json!([user(5, "jane")])),
        call("POST", p("/issues"))
            .body(json!({"title": "Bug", "description": "d", "assignee_ids": [5], "labels": "bug,ui"}))
            .status(201).reply(issue()),
    ]).await;

    check("update_issue");
    run(
        act(
            "update_issue",
            json!({"issue_id": "3", "state": "closed", "labels": []}),
        ),
        vec![call("PUT", p("/issues/3"))
            .body(json!({"state_event": "close", "labels": ""}))
            .reply(issue())],
    )
    .await;

    // ----- Comments -----
    check("get_issue_comments");
    run(
        act("get_issue_comments", json!({"issue_id": "3"})),
        vec![call("GET", p("/issues/3/notes"))
            .q("sort", "asc")
            .q("order_by", "created_at")
            .q("per_page", 30)
            .reply(json!([note(1, "hi")]))],
    )
    .await;

    check("create_issue_comment");
    let out = json_of(
        run(
            act(
                "create_issue_comment",
                json!({"issue_id": "3", "body": "hi"}),
            ),
            vec![call("POST", p("/issues/3/notes"))
                .body(json!({"body": "hi"}))
                .status(201)
                .reply(note(9, "hi"))],
        )
        .await,
    );
    assert_eq!(
        out["html_url"],
        format!("{WEB}/group/sub/proj/-/issues/3#note_9")
    );

    check("delete_issue_comment");
    run(
        act(
            "delete_issue_comment",
            json!({"issue_id": "3", "comment_id": "9"}),
        ),
        vec![call("DELETE", p("/issues/3/notes/9")).status(204)],
    )
    .await;

    check("get_pull_request_comments");
    run(
        act("get_pull_request_comments", json!({"pull_request_id": "7"})),
        vec![call("GET", p("/merge_requests/7/notes"))
            .q("sort", "asc")
            .q("order_by", "created_at")
            .q("per_page", 30)
            .reply(json!([note(1, "hi")]))],
    )
    .await;

    check("create_pull_request_comment");
    run(
        act(
            "create_pull_request_comment",
            json!({"pull_request_id": "7", "body": "hi"}),
        ),
        vec![call("POST", p("/merge_requests/7/notes"))
            .body(json!({"body": "hi"}))
            .status(201)
            .reply(note(9, "hi"))],
    )
    .await;

    check("delete_pull_request_comment");
    run(
        act(
            "delete_pull_request_comment",
            json!({"pull_request_id": "7", "comment_id": "9"}),
        ),
        vec![call("DELETE", p("/merge_requests/7/notes/9")).status(204)],
    )
    .await;

    // ----- Reactions (award emoji) -----
    let awardables = [
        ("issue_reactions", json!({"issue_id": "3"}), "/issues/3"),
        (
            "issue_comment_reactions",
            json!({"issue_id": "3", "comment_id": "9"}),
            "/issues/3/notes/9",
        ),
        (
            "pull_request_reactions",
            json!({"pull_request_id": "7"}),
            "/merge_requests/7",
        ),
        (
            "pull_request_comment_reactions",
            json!({"pull_request_id": "7", "comment_id": "9"}),
            "/merge_requests/7/notes/9",
        ),
        (
            "review_comment_reactions",
            json!({"pull_request_id": "7", "comment_id": "9"}),
            "/merge_requests/7/notes/9",
        ),
    ];
    for (suffix, ids, target) in awardables {
        let get = format!("get_{suffix}");
        check(&get);
        let out = json_of(
            run(
                act(&get, ids.clone()),
                vec![call("GET", p(&format!("{target}/award_emoji")))
                    .q("per_page", 30)
                    .reply(json!([
                        award(1, "thumbsup"),
                        award(2, "8ball"),
                        award(3, "tada")
                    ]))],
            )
            .await,
        );
        let reactions: Vec<&str> = out["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["reaction"].as_str().unwrap())
            .collect();
        assert_eq!(reactions, ["+1", "hooray"], "{get}");

        let singular = suffix.trim_end_matches('s');
        let create = format!("create_{singular}");
        check(&create);
        let mut args = ids.clone();
        args["reaction"] = json!("laugh");
        let out = json_of(
            run(
                act(&create, args),
                vec![call("POST", p(&format!("{target}/award_emoji")))
                    .body(json!({"name": "laughing"}))
                    .status(201)
                    .reply(award(4, "laughing"))],
            )
            .await,
        );
        assert_eq!(out["reaction"], "laugh");

        let delete = format!("delete_{singular}");
        check(&delete);
        let mut args = ids.clone();
        args["reaction_id"] = json!("4");
        run(
            act(&delete, args),
            vec![call("DELETE", p(&format!("{target}/award_emoji/4"))).status(204)],
        )
        .await;
    }

    // ----- Branches & refs -----
    check("get_branch");
    let out =
        json_of(
            run(
                act("get_branch", json!({"branch": "feature/x"})),
                vec![call("GET", p("/repository/branches/feature%2Fx"))
                    .reply(branch("feature/x", SHA))],
            )
            .await,
        );
    assert_eq!(out["ref"], "refs/heads/feature/x");

    check("create_branch");
    run(
        act("create_branch", json!({"branch": "feature/x", "sha": SHA})),
        vec![call("POST", p("/repository/branches"))
            .body(json!({"branch": "feature/x", "ref": SHA}))
            .status(201)
            .reply(branch("feature/x", SHA))],
    )
    .await;

    check("delete_branch");
    run(
        act("delete_branch", json!({"branch": "feature/x"})),
        vec![call("DELETE", p("/repository/branches/feature%2Fx")).status(204)],
    )
    .await;

    check("get_git_ref");
    let out = json_of(
        run(
            act("get_git_ref", json!({"ref": "tags/v1.0"})),
            vec![call("GET", p("/repository/tags/v1.0"))
                .reply(json!({"name": "v1.0", "target": SHA2, "commit": commit(SHA)}))],
        )
        .await,
    );
    assert_eq!(out, json!({"ref": "refs/tags/v1.0", "sha": SHA2}));
    let out = json_of(
        run(
            act("get_git_ref", json!({"ref": "refs/heads/main"})),
            vec![call("GET", p("/repository/branches/main")).reply(branch("main", SHA))],
        )
        .await,
    );
    assert_eq!(out["sha"], SHA);

    // ----- Web URLs (no request) -----
    let repo_web = format!("{WEB}/group/sub/proj");
    check("get_file_url");
    let out = json_of(
        run(
            act(
                "get_file_url",
                json!({"file_path": "src/main.rs", "sha": SHA, "start_line": 10, "end_line": 20}),
            ),
            vec![],
        )
        .await,
    );
    assert_eq!(
        out,
        json!(format!("{repo_web}/-/blob/{SHA}/src/main.rs#L10-20"))
    );
    check("get_commit_url");
    let out = json_of(run(act("get_commit_url", json!({"commit_sha": SHA})), vec![]).await);
    assert_eq!(out, json!(format!("{repo_web}/-/commit/{SHA}")));
    check("get_commits_url");
    let out = json_of(
        run(
            act(
                "get_commits_url",
                json!({"commit_sha": SHA, "file_path": "src/a b.rs"}),
            ),
            vec![],
        )
        .await,
    );
    assert_eq!(
        out,
        json!(format!("{repo_web}/-/commits/{SHA}/src/a%20b.rs"))
    );
    check("get_pull_request_url");
    let out = json_of(
        run(
            act("get_pull_request_url", json!({"pull_request_id": "7"})),
            vec![],
        )
        .await,
    );
    assert_eq!(out, json!(format!("{repo_web}/-/merge_requests/7")));
    check("get_git_remote");
    let out = json_of(run(act("get_git_remote", json!({})), vec![]).await);
    assert_eq!(
        out,
        json!({"https_url": format!("{repo_web}.git"), "ssh_url": "git@git.example.com:group/sub/proj.git"})
    );

    // ----- Commits -----
    check("get_commit");
    let out = json_of(
        run(
            act("get_commit", json!({"sha": SHA})),
            vec![
                call("GET", p(&format!("/repository/commits/{SHA}"))).reply(commit(SHA)),
                call("GET", p(&format!("/repository/commits/{SHA}/diff")))
                    .q("per_page", 100)
                    .reply(json!([diff()])),
            ],
        )
        .await,
    );
    assert_eq!(out["files"][0]["additions"], 2);

    check("get_commit_changes");
    run(
        act("get_commit_changes", json!({"sha": SHA})),
        vec![call("GET", p(&format!("/repository/commits/{SHA}/diff")))
            .q("per_page", 30)
            .reply(json!([diff()]))],
    )
    .await;

    check("get_commits");
    run(act("get_commits", json!({"ref": "main", "since": "2024-01-01T00:00:00Z", "until": "2024-02-01T00:00:00Z"})), vec![
        call("GET", p("/repository/commits")).q("ref_name", "main").q("since", "2024-01-01T00:00:00Z")
            .q("until", "2024-02-01T00:00:00Z").q("per_page", 30).reply(json!([commit(SHA)])),
    ]).await;

    check("get_commits_by_path");
    run(
        act("get_commits_by_path", json!({"path": "src/lib.rs"})),
        vec![call("GET", p("/repository/commits"))
            .q("path", "src/lib.rs")
            .q("per_page", 30)
            .reply(json!([commit(SHA)]))],
    )
    .await;

    check("compare_commits");
    let out = json_of(
        run(
            act(
                "compare_commits",
                json!({"start_sha": SHA2, "end_sha": SHA, "include_behind": true}),
            ),
            vec![
                call("GET", p("/repository/compare"))
                    .q("from", SHA2)
                    .q("to", SHA)
                    .reply(json!({"commits": [commit(SHA)]})),
                call("GET", p("/repository/compare"))
                    .q("from", SHA)
                    .q("to", SHA2)
                    .reply(json!({"commits": [commit(SHA2)]})),
            ],
        )
        .await,
    );
    assert_eq!(out["items"][0]["side"], "ahead");
    assert_eq!(out["items"][1]["side"], "behind");
    assert_eq!(out["next_cursor"], Value::Null);

    check("create_commit");
    run(act("create_commit", json!({
        "branch": "main", "parent_sha": SHA, "message": "m",
        "actions": [
            {"action": "write", "path": "new.txt", "content": "x"},
            {"action": "write", "path": "bin/run.sh", "content": "eA==", "encoding": "base64", "executable": true},
            {"action": "delete", "path": "old.txt"},
            {"action": "move", "previous_path": "a.txt", "path": "b.txt"},
            {"action": "chmod", "path": "c.sh", "executable": false},
        ],
        "author": {"name": "Jane", "email": "jane@example.com"},
    })), vec![
        call("GET", p("/repository/branches/main")).reply(branch("main", SHA)),
        call("HEAD", p("/repository/files/new.txt")).q("ref", SHA).status(404),
        call("HEAD", p("/repository/files/bin%2Frun.sh")).q("ref", SHA),
        call("POST", p("/repository/commits")).status(201).body(json!({
            "branch": "main", "commit_message": "m",
            "actions": [
                {"action": "create", "file_path": "new.txt", "content": "x", "encoding": "text"},
                {"action": "update", "file_path": "bin/run.sh", "content": "eA==", "encoding": "base64", "execute_filemode": true},
                {"action": "delete", "file_path": "old.txt"},
                {"action": "move", "file_path": "b.txt", "previous_path": "a.txt"},
                {"action": "chmod", "file_path": "c.sh", "execute_filemode": false},
            ],
            "author_name": "Jane", "author_email": "jane@example.com",
        })).reply(commit(SHA2)),
    ]).await;
    // Forced: GitLab resets the branch to a commit on top of `start_sha`.
    run(
        act(
            "create_commit",
            json!({
                "branch": "main", "parent_sha": SHA2, "message": "m", "force": true,
                "actions": [{"action": "delete", "path": "old.txt"}],
            }),
        ),
        vec![call("POST", p("/repository/commits"))
            .status(201)
            .body(json!({
                "branch": "main", "commit_message": "m", "start_sha": SHA2, "force": true,
                "actions": [{"action": "delete", "file_path": "old.txt"}],
            }))
            .reply(commit(SHA))],
    )
    .await;

    // ----- Pull requests -----
    check("get_pull_request");
    let out = json_of(
        run(
            act("get_pull_request", json!({"pull_request_id": "7"})),
            vec![call("GET", p("/merge_requests/7")).reply(mr("Fix"))],
        )
        .await,
    );
    assert_eq!(
        out["head"],
        json!({"ref": "feature", "sha": SHA, "repository_full_name": null})
    );

    check("get_pull_requests");
    run(
        act(
            "get_pull_requests",
            json!({"state": "closed", "head": "someone:feature"}),
        ),
        vec![call("GET", p("/merge_requests"))
            .q("state", "all")
            .q("source_branch", "feature")
            .q("per_page", 30)
            .reply(json!([mr("Fix")]))],
    )
    .await;
    run(
        act("get_pull_requests", json!({})),
        vec![call("GET", p("/merge_requests"))
            .q("state", "opened")
            .q("per_page", 30)
            .reply(json!([mr("Fix")]))],
    )
    .await;

    check("get_pull_request_files");
    run(
        act("get_pull_request_files", json!({"pull_request_id": "7"})),
        vec![call("GET", p("/merge_requests/7/diffs"))
            .q("per_page", 30)
            .reply(json!([diff()]))],
    )
    .await;

    check("get_pull_request_commits");
    run(
        act("get_pull_request_commits", json!({"pull_request_id": "7"})),
        vec![call("GET", p("/merge_requests/7/commits"))
            .q("per_page", 30)
            .reply(json!([commit(SHA)]))],
    )
    .await;

    check("get_pull_request_diff");
    let out = json_of(
        run(
            act("get_pull_request_diff", json!({"pull_request_id": "7"})),
            vec![call("GET", p("/merge_requests/7/raw_diffs")).text("diff --git a/x b/x\n")],
        )
        .await,
    );
    assert_eq!(out, json!("diff --git a/x b/x\n"));

    check("create_pull_request");
    run(act("create_pull_request", json!({"title": "Fix", "body": "b", "head": "feature", "base": "main"})), vec![
        call("POST", p("/merge_requests")).status(201)
            .body(json!({"source_branch": "feature", "target_branch": "main", "title": "Fix", "description": "b"}))
            .reply(mr("Fix")),
    ]).await;

    check("create_pull_request_draft");
    let out = json_of(run(act("create_pull_request_draft", json!({"title": "Fix", "body": "b", "head": "feature", "base": "main"})), vec![
        call("POST", p("/merge_requests")).status(201)
            .body(json!({"source_branch": "feature", "target_branch": "main", "title": "Draft: Fix", "description": "b"}))
            .reply(mr("Draft: Fix")),
    ]).await);
    assert_eq!(out["draft"], true);

    check("mark_pull_request_ready_for_review");
    run(
        act(
            "mark_pull_request_ready_for_review",
            json!({"pull_request_id": "7"}),
        ),
        vec![
            call("GET", p("/merge_requests/7")).reply(mr("Draft: Fix")),
            call("PUT", p("/merge_requests/7"))
                .body(json!({"title": "Fix"}))
                .reply(mr("Fix")),
        ],
    )
    .await;

    check("update_pull_request");
    run(
        act(
            "update_pull_request",
            json!({"pull_request_id": "7", "title": "New", "body": "b", "state": "open"}),
        ),
        vec![
            call("GET", p("/merge_requests/7")).reply(mr("Draft: Old")),
            call("PUT", p("/merge_requests/7"))
                .body(json!({"title": "Draft: New", "description": "b", "state_event": "reopen"}))
                .reply(mr("Draft: New")),
        ],
    )
    .await;

    check("request_review");
    run(
        act(
            "request_review",
            json!({"pull_request_id": "7", "reviewers": ["jane"]}),
        ),
        vec![
            call("GET", p("/merge_requests/7")).reply(mr("Fix")),
            call("GET", api("/users"))
                .q("username", "jane")
                .reply(json!([user(5, "jane")])),
            call("PUT", p("/merge_requests/7"))
                .body(json!({"reviewer_ids": [2, 5]}))
                .reply(mr("Fix")),
        ],
    )
    .await;

    // ----- Git objects -----
    check("get_tree");
    run(
        act("get_tree", json!({"tree_sha": SHA})),
        vec![call("GET", p("/repository/tree"))
            .q("ref", SHA)
            .q("recursive", "true")
            .q("pagination", "keyset")
            .q("per_page", 30)
            .reply(json!([tree_entry("src", "tree", "src")]))],
    )
    .await;

    check("get_full_tree");
    let next = format!("<http://127.0.0.1{PROJECT}/repository/tree?page_token=abc&pagination=keyset&per_page=100&recursive=true&ref={SHA}>; rel=\"next\"");
    let out = json_of(
        run(
            act("get_full_tree", json!({"tree_sha": SHA})),
            vec![
                call("GET", p("/repository/tree"))
                    .q("ref", SHA)
                    .q("recursive", "true")
                    .q("pagination", "keyset")
                    .q("per_page", 100)
                    .header("link", next)
                    .reply(json!([tree_entry("src", "tree", "src")])),
                call("GET", p("/repository/tree"))
                    .q("ref", SHA)
                    .q("recursive", "true")
                    .q("pagination", "keyset")
                    .q("per_page", 100)
                    .q("page_token", "abc")
                    .reply(json!([tree_entry("lib.rs", "blob", "src/lib.rs")])),
            ],
        )
        .await,
    );
    assert_eq!(out["entries"].as_array().unwrap().len(), 2);
    assert_eq!(out["truncated"], false);

    // ----- Files & archives -----
    check("get_file_content");
    let out = json_of(
        run(
            act(
                "get_file_content",
                json!({"path": "src/main.rs", "ref": "main"}),
            ),
            vec![call("GET", p("/repository/files/src%2Fmain.rs"))
                .q("ref", "main")
                .reply(file("src/main.rs"))],
        )
        .await,
    );
    assert_eq!(out["encoding"], "base64");
    assert_eq!(
        out["html_url"],
        format!("{repo_web}/-/blob/main/src/main.rs")
    );

    check("get_directory_contents");
    run(
        act(
            "get_directory_contents",
            json!({"path": "src", "ref": "main"}),
        ),
        vec![call("GET", p("/repository/tree"))
            .q("path", "src")
            .q("ref", "main")
            .q("pagination", "keyset")
            .q("per_page", 30)
            .reply(json!([tree_entry("lib.rs", "blob", "src/lib.rs")]))],
    )
    .await;

    check("get_readme");
    run(
        act("get_readme", json!({"ref": "main"})),
        vec![
            call("GET", p("/repository/tree"))
                .q("ref", "main")
                .q("pagination", "keyset")
                .q("per_page", 100)
                .reply(json!([
                    tree_entry("src", "tree", "src"),
                    tree_entry("README.md", "blob", "README.md")
                ])),
            call("GET", p("/repository/files/README.md"))
                .q("ref", "main")
                .reply(file("README.md")),
        ],
    )
    .await;

    check("get_pull_request_template");
    let out = json_of(
        run(
            act("get_pull_request_template", json!({"ref": "main"})),
            vec![
                call("GET", p("/repository/tree"))
                    .q("ref", "main")
                    .q("path", ".gitlab/merge_request_templates")
                    .q("pagination", "keyset")
                    .q("per_page", 100)
                    .reply(json!([tree_entry(
                        "Default.md",
                        "blob",
                        ".gitlab/merge_request_templates/Default.md"
                    )])),
                call(
                    "GET",
                    p("/repository/files/.gitlab%2Fmerge_request_templates%2FDefault.md"),
                )
                .q("ref", "main")
                .reply(file(".gitlab/merge_request_templates/Default.md")),
            ],
        )
        .await,
    );
    assert_eq!(out.as_array().unwrap().len(), 1);

    check("download_archive");
    let out = data(
        run(
            act(
                "download_archive",
                json!({"ref": "main", "archive_format": "zipball"}),
            ),
            vec![call("GET", p("/repository/archive.zip"))
                .q("sha", "main")
                .header(
                    "content-disposition",
                    "attachment; filename=\"proj-main.zip\"",
                )
                .text("PK...")],
        )
        .await,
    );
    let AnyOutput::DownloadArchive(download) = out else {
        panic!()
    };
    assert_eq!(download.filename.as_deref(), Some("proj-main.zip"));
    let bytes: Vec<u8> = download
        .body
        .into_stream()
        .map(|c| c.unwrap().to_vec())
        .concat()
        .await;
    assert_eq!(bytes, b"PK...");

    // ----- Checks & CI -----
    check("get_check_run");
    let out = json_of(
        run(
            act(
                "get_check_run",
                json!({"check_run_id": format!("93@{SHA}")}),
            ),
            vec![
                call("GET", p(&format!("/repository/commits/{SHA}/statuses")))
                    .q("all", "true")
                    .q("per_page", 100)
                    .reply(json!([
                        status_json(91, "pending"),
                        status_json(93, "success")
                    ])),
            ],
        )
        .await,
    );
    assert_eq!(out["conclusion"], "success");
    let out = json_of(
        run(
            act("get_check_run", json!({"check_run_id": "42"})),
            vec![call("GET", p("/jobs/42")).reply(job(42))],
        )
        .await,
    );
    assert_eq!(out["id"], format!("42@{SHA}"));
    assert_eq!(out["check_suite_id"], "12");

    check("create_check_run");
    let out = json_of(
        run(
            act(
                "create_check_run",
                json!({"name": "lint", "head_sha": SHA, "status": "completed",
        "conclusion": "success", "output": {"title": "Lint", "summary": "all good"}}),
            ),
            vec![call("POST", p(&format!("/statuses/{SHA}")))
                .status(201)
                .body(json!({"state": "success", "name": "lint", "description": "all good"}))
                .reply(status_json(93, "success"))],
        )
        .await,
    );
    assert_eq!(out["id"], format!("93@{SHA}"));

    check("update_check_run");
    run(act("update_check_run", json!({"check_run_id": format!("93@{SHA}"), "conclusion": "failure"})), vec![
        call("GET", p(&format!("/repository/commits/{SHA}/statuses"))).q("all", "true").q("per_page", 100)
            .reply(json!([status_json(93, "running")])),
        call("POST", p(&format!("/statuses/{SHA}"))).status(201)
            .body(json!({"state": "failed", "name": "lint", "ref": "main", "target_url": "https://ci.example/1", "description": "ok"}))
            .reply(status_json(93, "failed")),
    ]).await;

    check("list_check_runs_in_check_suite");
    run(
        act(
            "list_check_runs_in_check_suite",
            json!({"check_suite_id": "12", "status": "in_progress", "timestamp_filter": "all"}),
        ),
        vec![call("GET", p("/pipelines/12/jobs"))
            .q("include_retried", "true")
            .q("scope[]", "running")
            .q("per_page", 30)
            .reply(json!([job(42)]))],
    )
    .await;

    check("list_check_runs_for_ref");
    run(
        act(
            "list_check_runs_for_ref",
            json!({"ref": "main", "check_name": "lint"}),
        ),
        vec![call("GET", p("/repository/commits/main/statuses"))
            .q("name", "lint")
            .q("per_page", 30)
            .reply(json!([status_json(93, "success")]))],
    )
    .await;

    check("list_workflow_runs");
    let out = json_of(
        run(
            act("list_workflow_runs", json!({"head_sha": SHA})),
            vec![call("GET", p("/pipelines"))
                .q("sha", SHA)
                .q("per_page", 30)
                .reply(json!([pipeline()]))],
        )
        .await,
    );
    assert_eq!(out["items"][0]["event"], "push");

    check("list_workflow_jobs");
    run(
        act("list_workflow_jobs", json!({"workflow_run_id": "12"})),
        vec![call("GET", p("/pipelines/12/jobs"))
            .q("per_page", 30)
            .reply(json!([job(42)]))],
    )
    .await;

    check("download_workflow_job_log");
    let out = data(
        run(
            act("download_workflow_job_log", json!({"job_id": "42"})),
            vec![call("GET", p("/jobs/42/trace")).text("Running with gitlab-runner\n")],
        )
        .await,
    );
    let AnyOutput::DownloadWorkflowJobLog(log) = out else {
        panic!()
    };
    let bytes: Vec<u8> = log
        .body
        .into_stream()
        .map(|c| c.unwrap().to_vec())
        .concat()
        .await;
    assert_eq!(bytes, b"Running with gitlab-runner\n");

    // ----- Reviews -----
    let position_base = json!({"base_sha": BASE, "start_sha": BASE, "head_sha": SHA,
                               "old_path": "doc/a.md", "new_path": "doc/a.md"});
    check("create_review_comment_file");
    let mut file_position = position_base.clone();
    file_position["position_type"] = json!("file");
    run(act("create_review_comment_file", json!({"pull_request_id": "7", "commit_id": SHA, "body": "b", "path": "doc/a.md", "side": "head"})), vec![
        call("GET", p("/merge_requests/7")).reply(mr("Fix")),
        call("GET", p("/merge_requests/7/diffs")).q("per_page", 100).reply(json!([diff()])),
        call("POST", p("/merge_requests/7/discussions")).status(201)
            .body(json!({"body": "b", "position": file_position})).reply(discussion()),
    ]).await;

    check("create_review_comment");
    let mut range_position = position_base.clone();
    range_position["position_type"] = json!("text");
    range_position["new_line"] = json!(75);
    range_position["line_range"] = json!({
        "start": {"line_code": "8f8b5c8bd2c8b5ed6c1e2c7e9b2cfb0d1f9a6f5d_73_73", "type": "old", "old_line": 73, "new_line": 73},
        "end": {"line_code": "x_74_75", "type": "new", "old_line": null, "new_line": 75},
    });
    let code = |old: u32, new: u32| {
        use sha1::Digest;
        format!(
            "{}_{old}_{new}",
            hex::encode(sha1::Sha1::digest(b"doc/a.md"))
        )
    };
    range_position["line_range"]["start"]["line_code"] = json!(code(73, 73));
    range_position["line_range"]["end"]["line_code"] = json!(code(74, 75));
    let out = json_of(run(act("create_review_comment", json!({"pull_request_id": "7", "commit_id": SHA, "body": "b",
        "path": "doc/a.md", "line": {"line": 75, "side": "head"}, "start_line": {"line": 73, "side": "head"}})), vec![
        call("GET", p("/merge_requests/7")).reply(mr("Fix")),
        call("GET", p("/merge_requests/7/diffs")).q("per_page", 100).reply(json!([diff()])),
        call("POST", p("/merge_requests/7/discussions")).status(201)
            .body(json!({"body": "b", "position": range_position})).reply(discussion()),
    ]).await);
    assert_eq!(out["id"], "1758");
    assert_eq!(out["side"], "head");

    check("create_review_comment_reply");
    let out = json_of(
        run(
            act(
                "create_review_comment_reply",
                json!({"pull_request_id": "7", "body": "thanks", "comment_id": "1759"}),
            ),
            vec![
                call("GET", p("/merge_requests/7/discussions"))
                    .q("per_page", 100)
                    .reply(json!([discussion()])),
                call(
                    "POST",
                    p(&format!("/merge_requests/7/discussions/{DISCUSSION}/notes")),
                )
                .status(201)
                .body(json!({"body": "thanks"}))
                .reply(diff_note(1760, 1)),
            ],
        )
        .await,
    );
    assert_eq!(out["in_reply_to_id"], "1758");

    check("create_review");
    let mut line_position = position_base.clone();
    line_position["position_type"] = json!("text");
    line_position["old_line"] = json!(74);
    line_position["new_line"] = json!(76);
    let out = json_of(run(act("create_review", json!({"pull_request_id": "7", "commit_sha": SHA, "event": "approve", "body": "LGTM",
        "comments": [{"path": "doc/a.md", "body": "nit", "line": {"line": 76, "side": "head"}}]})), vec![
        call("GET", p("/merge_requests/7")).reply(mr("Fix")),
        call("GET", p("/merge_requests/7/diffs")).q("per_page", 100).reply(json!([diff()])),
        call("POST", p("/merge_requests/7/draft_notes")).status(201)
            .body(json!({"note": "nit", "position": line_position})).reply(json!({"id": 1})),
        call("POST", p("/merge_requests/7/draft_notes")).status(201)
            .body(json!({"note": "LGTM"})).reply(json!({"id": 2})),
        call("POST", p("/merge_requests/7/draft_notes/bulk_publish")).body(json!({})).status(204),
        call("POST", p("/merge_requests/7/approve")).status(201).body(json!({"sha": SHA})).reply(json!({"id": 99})),
        call("GET", api("/user")).reply(user(1, "root")),
    ]).await);
    assert_eq!(out["state"], "approved");
    assert_eq!(out["id"], "1");

    check("update_review_comment");
    run(
        act(
            "update_review_comment",
            json!({"pull_request_id": "7", "comment_id": "1758", "body": "edited"}),
        ),
        vec![call("PUT", p("/merge_requests/7/notes/1758"))
            .body(json!({"body": "edited"}))
            .reply(diff_note(1758, 1))],
    )
    .await;

    check("get_review_comments");
    let out = json_of(
        run(
            act(
                "get_review_comments",
                json!({"pull_request_id": "7", "review_id": "2"}),
            ),
            vec![call("GET", p("/merge_requests/7/discussions"))
                .q("per_page", 30)
                .reply(json!([discussion()]))],
        )
        .await,
    );
    assert_eq!(out["items"].as_array().unwrap().len(), 1);
    assert_eq!(out["items"][0]["id"], "1759");

    let approvals =
        json!({"approved_by": [{"user": user(1, "root"), "approved_at": "2024-01-01T00:00:00Z"}]});
    let reviewers = json!([{"user": user(2, "bob"), "state": "requested_changes"}, {"user": user(3, "eve"), "state": "unreviewed"}]);
    check("get_pull_request_review");
    let out = json_of(
        run(
            act(
                "get_pull_request_review",
                json!({"pull_request_id": "7", "review_id": "2"}),
            ),
            vec![
                call("GET", p("/merge_requests/7/approvals")).reply(approvals.clone()),
                call("GET", p("/merge_requests/7/reviewers")).reply(reviewers.clone()),
            ],
        )
        .await,
    );
    assert_eq!(out["state"], "changes_requested");

    check("list_pull_request_reviews");
    let out = json_of(
        run(
            act("list_pull_request_reviews", json!({"pull_request_id": "7"})),
            vec![
                call("GET", p("/merge_requests/7/approvals")).reply(approvals.clone()),
                call("GET", p("/merge_requests/7/reviewers")).reply(reviewers.clone()),
            ],
        )
        .await,
    );
    let states: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["approved", "changes_requested"]);

    check("get_pull_request_review_threads");
    let out = json_of(run(act("get_pull_request_review_threads", json!({"pull_request_id": "7", "include_reactions": true})), vec![
        call("GET", p("/merge_requests/7")).reply(mr("Fix")),
        call("GET", p("/merge_requests/7/discussions")).q("per_page", 30)
            .reply(json!([discussion(), {"id": "abc", "individual_note": true, "notes": [note(5, "general")]}])),
        call("GET", p("/merge_requests/7/notes/1758/award_emoji")).q("per_page", 100).reply(json!([award(1, "eyes")])),
        call("GET", p("/merge_requests/7/notes/1759/award_emoji")).q("per_page", 100).reply(json!([])),
    ]).await);
    assert_eq!(out["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        out["items"][0]["comments"][0]["reactions"][0]["reaction"],
        "eyes"
    );
    assert_eq!(out["items"][0]["is_outdated"], false);

    // ----- Moderation -----
    check("get_thread_id_from_review_comment_unique_id");
    let out = json_of(
        run(
            act(
                "get_thread_id_from_review_comment_unique_id",
                json!({"pull_request_id": "7", "review_comment_unique_id": "1759"}),
            ),
            vec![call("GET", p("/merge_requests/7/discussions"))
                .q("per_page", 100)
                .reply(json!([discussion()]))],
        )
        .await,
    );
    assert_eq!(out, json!(DISCUSSION));

    check("collapse_pull_request_comment");
    run(
        act(
            "collapse_pull_request_comment",
            json!({"pull_request_id": "7", "thread_id": DISCUSSION, "comment_node_id": "1758"}),
        ),
        vec![call(
            "PUT",
            p(&format!("/merge_requests/7/discussions/{DISCUSSION}")),
        )
        .body(json!({"resolved": true}))
        .reply(discussion())],
    )
    .await;

    check("update_and_collapse_pull_request_comment");
    run(
        act(
            "update_and_collapse_pull_request_comment",
            json!({"pull_request_id": "7", "thread_id": DISCUSSION,
        "comment_id": "1758", "comment_node_id": "1758", "body": "outdated"}),
        ),
        vec![
            call("PUT", p("/merge_requests/7/notes/1758"))
                .body(json!({"body": "outdated"}))
                .reply(diff_note(1758, 1)),
            call(
                "PUT",
                p(&format!("/merge_requests/7/discussions/{DISCUSSION}")),
            )
            .body(json!({"resolved": true}))
            .reply(discussion()),
        ],
    )
    .await;

    // ----- Webhook deliveries (project hook; group hook below) -----
    check("list_hook_deliveries");
    let out = json_of(
        run(
            act(
                "list_hook_deliveries",
                json!({"source": "repository", "hook_id": "4", "since": "2026-11-27T09:00:00Z"}),
            ),
            vec![call("GET", p("/hooks/4/events"))
                .q("per_page", 20)
                .header("x-next-page", "2")
                .reply(json!([
                    hook_event(
                        12,
                        "key-b",
                        "uuid-b2",
                        "internal error",
                        "2026-11-27T10:00:00Z"
                    ),
                    hook_event(11, "key-a", "uuid-a", "200", "2026-11-27T09:30:00Z"),
                    hook_event(10, "key-b", "uuid-b1", "500", "2026-11-27T08:00:00Z"),
                ]))],
        )
        .await,
    );
    let items = out["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the entry before `since` is left out");
    assert_eq!(items[0]["id"], "12");
    assert_eq!(items[0]["delivery_id"], "key-b");
    assert_eq!(items[0]["status"], "failed");
    assert_eq!(items[0]["status_text"], "internal error");
    assert_eq!(items[1]["status"], "success");
    assert_eq!(items[1]["status_code"], 200);
    assert!(
        out["next_cursor"].is_null(),
        "older entries end the listing"
    );

    check("get_hook_delivery");
    let out = json_of(
        run(
            act(
                "get_hook_delivery",
                json!({"source": "repository", "hook_id": "4", "delivery_id": "10"}),
            ),
            vec![
                call("GET", p("/hooks/4/events"))
                    .q("per_page", 20)
                    .header("x-next-page", "2")
                    .reply(json!([hook_event(
                        12,
                        "key-b",
                        "uuid-b2",
                        "internal error",
                        "2026-11-27T10:00:00Z"
                    )])),
                call("GET", p("/hooks/4/events"))
                    .q("per_page", 20)
                    .q("page", 2)
                    .reply(json!([hook_event(
                        10,
                        "key-b",
                        "uuid-b1",
                        "500",
                        "2026-11-27T08:00:00Z"
                    )])),
            ],
        )
        .await,
    );
    assert_eq!(out["id"], "10");
    assert_eq!(out["request"]["headers"]["X-Gitlab-Token"], "[redacted]");
    assert_eq!(out["request"]["payload"]["object_kind"], "push");

    check("redeliver_hook_delivery");
    run(
        act(
            "redeliver_hook_delivery",
            json!({"source": "repository", "hook_id": "4", "delivery_id": "12"}),
        ),
        vec![call("POST", p("/hooks/4/events/12/resend"))
            .status(201)
            .reply(json!({"response_status": 200}))],
    )
    .await;
    run(
        act(
            "redeliver_hook_delivery",
            json!({"source": "organization", "hook_id": "9", "delivery_id": "12"}),
        ),
        vec![
            call("POST", api("/groups/group%2Fsub/hooks/9/events/12/resend"))
                .status(201)
                .reply(json!({"response_status": 200})),
        ],
    )
    .await;
    let out = json_of(
        run(
            act(
                "list_hook_deliveries",
                json!({"source": "organization", "hook_id": "9", "page": {"per_page": 100}}),
            ),
            vec![call("GET", api("/groups/group%2Fsub/hooks/9/events"))
                .q("per_page", 20)
                .reply(json!([]))],
        )
        .await,
    );
    assert_eq!(out["items"], json!([]));

    let supported: BTreeSet<ActionName> = GitLab::SUPPORTED.iter().copied().collect();
    let missing: Vec<_> = supported.difference(&tested).collect();
    assert!(
        missing.is_empty(),
        "actions without a request-shape test: {missing:?}"
    );
    println!("request shapes checked for {} actions", tested.len());
}

#[tokio::test]
async fn numeric_project_ids_and_oauth_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{API_PREFIX}/projects/278964/merge_requests/14656"
        )))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(mr("Fix")))
        .expect(1)
        .mount(&server)
        .await;
    let provider = gitlab_with(
        &server.uri(),
        scm_gitlab::TokenKind::OAuthBearer,
        std::time::Duration::from_secs(5),
    );
    let action = AnyAction::from_json(
        ActionName::GetPullRequest,
        json!({"pull_request_id": "14656"}),
    )
    .unwrap();
    let out = provider
        .execute(action, &ctx_for("278964", "gitlab-org/gitlab"))
        .await
        .unwrap();
    assert!(matches!(out, Response::Ok(_)));
    server.verify().await;
}

/// Paths with `..` are refused before any request, like GitHub does: GitLab
/// decodes the `%2F` of its file API and would resolve them itself.
#[tokio::test]
async fn dot_dot_paths_and_bad_ids_send_nothing() {
    let server = MockServer::start().await;
    let provider = gitlab(&server.uri());
    for (name, args) in [
        (
            ActionName::GetFileContent,
            json!({"path": "../../etc/passwd", "ref": "main"}),
        ),
        (
            ActionName::GetFileContent,
            json!({"path": "docs/../../x", "ref": "main"}),
        ),
        // GitLab has no app webhook; hook and event ids are numbers.
        (ActionName::ListHookDeliveries, json!({"source": "app"})),
        (
            ActionName::ListHookDeliveries,
            json!({"source": "repository", "hook_id": "../1"}),
        ),
        (
            ActionName::RedeliverHookDelivery,
            json!({"source": "organization", "hook_id": "9", "delivery_id": "1/../2"}),
        ),
        // Multi-request: the thread id is checked before the edit is sent.
        (
            ActionName::UpdateAndCollapsePullRequestComment,
            json!({
                "pull_request_id": "7", "comment_id": "5", "body": "b",
                "thread_id": "..", "comment_node_id": "5",
            }),
        ),
        (
            ActionName::CreateCommit,
            json!({
                "branch": "main", "parent_sha": SHA, "message": "m",
                "actions": [
                    {"action": "write", "path": "ok.txt", "content": "x"},
                    {"action": "move", "previous_path": "../a", "path": "b"},
                ],
            }),
        ),
    ] {
        // Refused by the action table's rules or by the provider.
        let err = match AnyAction::from_json(name, args) {
            Ok(action) => provider.execute(action, &ctx()).await.unwrap_err(),
            Err(err) => err,
        };
        assert!(
            ["invalid_input", "resource_not_found"].contains(&err.code()),
            "{name}: {err}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unsupported_actions_send_nothing() {
    let server = MockServer::start().await;
    let provider = gitlab(&server.uri());
    for (name, _) in scm_gitlab::UNSUPPORTED {
        assert!(!provider.capabilities().contains(*name));
    }
    let action = AnyAction::from_json(
        ActionName::MinimizeComment,
        json!({"comment_node_id": "1", "reason": "SPAM"}),
    )
    .unwrap();
    let err = provider.execute(action, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "unsupported");
    assert!(server.received_requests().await.unwrap().is_empty());
}
