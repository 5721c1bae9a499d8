//! Real GitLab REST answers from the third-party corpus
//! (`gitlab/rest/`), served from a local mock and read by the action that
//! reads that endpoint. Every corpus file is either used here or listed
//! with the reason no action reads its endpoint.

mod common;

use std::collections::BTreeSet;

use common::*;
use scm_core::actions::{ActionName, AnyAction};
use scm_core::{Provider, Response};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Corpus files whose endpoints no neutral action reads.
const NOT_ACTIONS: &[(&str, &str)] = &[
    ("add_merge_request_in_merge_train.json", "merge trains"),
    ("add_project_managed_license.json", "license compliance"),
    ("create_dependency_list_export.json", "dependency exports"),
    ("create_group_access_token.json", "access token admin"),
    (
        "create_group_ssh_certificates.json",
        "group SSH certificates",
    ),
    ("create_member_role.json", "custom roles"),
    ("create_project_access_token.json", "access token admin"),
    ("create_project_feature_flag.json", "feature flags"),
    ("create_service_account_user.json", "service accounts"),
    ("download_dependency_list_export.json", "dependency exports"),
    ("edit_project_managed_license.json", "license compliance"),
    ("get_compound_metrics.json", "Sidekiq metrics"),
    ("get_dependency_list_export.json", "dependency exports"),
    ("get_draft_note.json", "single draft note read"),
    ("get_geo_node_status.json", "Geo admin"),
    ("get_group_access_token.json", "access token admin"),
    ("get_merge_request_in_merge_train.json", "merge trains"),
    ("get_pipeline_testreport.json", "test reports"),
    ("get_project_access_token.json", "access token admin"),
    ("get_project_feature_flag.json", "feature flags"),
    ("get_project_managed_license.json", "license compliance"),
    ("get_serviceaccounts.json", "service accounts"),
    ("get_signature.json", "GPG signatures"),
    ("get_user_associations_count.json", "user admin"),
    ("get_user_memberships.json", "user admin"),
    ("goscm_branches.json", "no list-branches action"),
    ("goscm_branches_filter.json", "no list-branches action"),
    (
        "goscm_content_create.json",
        "files API writes (create_commit uses the commits API)",
    ),
    (
        "goscm_content_update.json",
        "files API writes (create_commit uses the commits API)",
    ),
    ("goscm_emails.json", "user emails"),
    ("goscm_group.json", "groups"),
    ("goscm_groups.json", "groups"),
    ("goscm_hook.json", "webhook admin"),
    ("goscm_hook_skip_verification.json", "webhook admin"),
    ("goscm_hooks.json", "webhook admin"),
    ("goscm_issues.json", "no list-issues action"),
    ("goscm_milestone.json", "milestones"),
    ("goscm_milestone_create.json", "milestones"),
    ("goscm_milestone_update.json", "milestones"),
    ("goscm_milestones.json", "milestones"),
    ("goscm_release.json", "releases"),
    ("goscm_releases.json", "releases"),
    ("goscm_tags.json", "no list-tags action"),
    ("list_branches.json", "no list-branches action"),
    ("list_draft_notes.json", "draft note listing"),
    ("list_geo_nodes_status.json", "Geo admin"),
    ("list_group_access_tokens.json", "access token admin"),
    ("list_group_iterations.json", "iterations"),
    ("list_group_ssh_certificates.json", "group SSH certificates"),
    ("list_member_roles.json", "custom roles"),
    ("list_merge_requests_in_merge_train.json", "merge trains"),
    ("list_merge_trains_in_project.json", "merge trains"),
    (
        "list_personal_access_tokens_single.json",
        "access token admin",
    ),
    (
        "list_personal_access_tokens_with_user_filter.json",
        "access token admin",
    ),
    (
        "list_personal_access_tokens_without_user_filter.json",
        "access token admin",
    ),
    ("list_project_access_tokens.json", "access token admin"),
    ("list_project_feature_flags.json", "feature flags"),
    ("list_project_managed_licenses.json", "license compliance"),
    ("list_todos.json", "to-do lists"),
    (
        "post_user_personal_access_tokens.json",
        "access token admin",
    ),
    ("rotate_group_access_token.json", "access token admin"),
    ("rotate_personal_access_token.json", "access token admin"),
    ("rotate_project_access_token.json", "access token admin"),
    ("update_draft_note.json", "draft note edits"),
    ("update_project_feature_flag.json", "feature flags"),
];

const SHA: &str = "6104942438c14ec7bd21c6cd5bd995272b3faff6";

struct Corpus {
    dir: std::path::PathBuf,
    used: BTreeSet<String>,
}

impl Corpus {
    fn body(&mut self, file: &str) -> String {
        self.used.insert(file.to_owned());
        read(&self.dir.join("gitlab/rest").join(file))
    }

    fn json(&mut self, file: &str) -> Value {
        serde_json::from_str(&self.body(file)).unwrap()
    }
}

fn respond(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

async fn serve(server: &MockServer, verb: &str, at: String, body: String) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(respond(body))
        .mount(server)
        .await;
}

async fn run(server: &MockServer, name: ActionName, args: Value) -> Value {
    let action = AnyAction::from_json(name, args).unwrap();
    let response = gitlab(&server.uri())
        .execute(action, &ctx())
        .await
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    match response {
        Response::Ok(result) => {
            assert!(
                result.raw.is_some() || name == ActionName::GetFullTree,
                "{name} keeps raw"
            );
            result.data.into_json().unwrap()
        }
        Response::NotModified { .. } => panic!("{name}: not modified"),
    }
}

fn p(suffix: &str) -> String {
    format!("{PROJECT}{suffix}")
}

#[tokio::test]
async fn corpus_rest_answers_parse_through_their_actions() {
    let dir = corpus();
    let mut c = Corpus {
        dir,
        used: BTreeSet::new(),
    };

    // ----- merge requests -----
    for (file, iid) in [
        ("get_merge_request.json", "14656"),
        ("goscm_merge.json", "1"),
        ("goscm_merge_diff.json", "1"),
        ("goscm_merge_with_diffrefs.json", "1347"),
    ] {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p(&format!("/merge_requests/{iid}")),
            c.body(file),
        )
        .await;
        let pr = run(
            &server,
            ActionName::GetPullRequest,
            json!({"pull_request_id": iid}),
        )
        .await;
        assert_eq!(pr["id"], iid, "{file}");
        match file {
            "get_merge_request.json" => {
                assert_eq!(pr["node_id"], "33092005");
                assert_eq!(pr["title"], "Add deletion support for designs");
                assert_eq!(pr["state"], "open");
                assert_eq!(pr["merged"], false);
                assert_eq!(pr["draft"], true);
                assert_eq!(pr["head"]["ref"], "delete-designs-v2");
                assert_eq!(
                    pr["head"]["sha"],
                    "8e0b45049b6253b8984cde9241830d2851168142"
                );
                assert_eq!(pr["base"]["ref"], "master");
                assert_eq!(
                    pr["base"]["sha"],
                    "dd692733bb84bc3e9e862e66c099daec2fa00c83"
                );
                assert_eq!(pr["author"]["username"], "alexkalderimis");
                assert_eq!(pr["labels"].as_array().unwrap().len(), 9);
                assert_eq!(pr["labels"][0]["name"], "GitLab Enterprise Edition");
                assert_eq!(
                    pr["html_url"],
                    "https://gitlab.com/gitlab-org/gitlab-ee/merge_requests/14656"
                );
                assert_eq!(pr["created_at"], "2019-07-11T22:34:43.500Z");
            }
            "goscm_merge.json" => {
                assert_eq!(pr["state"], "closed");
                assert_eq!(pr["merged"], false);
                assert_eq!(pr["draft"], false);
                assert_eq!(
                    pr["body"],
                    "Signed-off-by: Dmitriy Zaporozhets <dmitriy.zaporozhets@gmail.com>"
                );
                assert_eq!(
                    pr["head"]["sha"],
                    "12d65c8dd2b2676fa3ac47d955accc085a37a9c1"
                );
            }
            "goscm_merge_diff.json" => assert_eq!(pr["state"], "open"), // `reopened`
            _ => assert_eq!(
                pr["head"]["sha"],
                "2f63565e7aac07bcdadb654e253078b727143ec4"
            ),
        }
    }
    for (file, count, drafts) in [
        ("get_merge_requests.json", 3, 2),
        ("get_merge_requests_author_username.json", 1, 1),
        ("get_merge_requests_not_author_username.json", 2, 1),
        ("goscm_merges.json", 1, 0),
    ] {
        let server = MockServer::start().await;
        serve(&server, "GET", p("/merge_requests"), c.body(file)).await;
        let page = run(&server, ActionName::GetPullRequests, json!({"state": null})).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), count, "{file}");
        assert_eq!(
            items.iter().filter(|pr| pr["draft"] == true).count(),
            drafts,
            "{file}"
        );
        assert_eq!(page["next_cursor"], Value::Null);
    }

    // Diffs with a second page: the cursor comes from X-Next-Page.
    {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(p("/merge_requests/1/diffs")))
            .and(query_param_is_missing("page"))
            .respond_with(
                respond(c.body("goscm_merge_diffs.json")).insert_header("x-next-page", "2"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(p("/merge_requests/1/diffs")))
            .and(query_param("page", "2"))
            .respond_with(
                respond(c.body("goscm_merge_diffs_page2.json")).insert_header("x-next-page", ""),
            )
            .mount(&server)
            .await;
        let first = run(
            &server,
            ActionName::GetPullRequestFiles,
            json!({"pull_request_id": "1"}),
        )
        .await;
        assert_eq!(first["items"][0]["path"], "VERSION");
        assert_eq!(first["items"][0]["status"], "modified");
        assert_eq!(first["items"][0]["additions"], 1);
        assert_eq!(first["items"][0]["deletions"], 1);
        assert_eq!(
            first["items"][0]["patch"],
            "--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.9.7\n+1.9.8"
        );
        let cursor = first["next_cursor"].clone();
        assert!(cursor.is_string());
        let second = run(
            &server,
            ActionName::GetPullRequestFiles,
            json!({"pull_request_id": "1", "page": {"cursor": cursor}}),
        )
        .await;
        assert_eq!(second["items"][0]["path"], "late_file.go");
        assert_eq!(second["next_cursor"], Value::Null);
    }
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p("/merge_requests/1/diffs"),
            c.body("list_merge_request_diff.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::GetPullRequestFiles,
            json!({"pull_request_id": "1"}),
        )
        .await;
        let paths: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["README", "VERSION"]);
    }

    // ----- notes -----
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p("/merge_requests/2/notes"),
            c.body("goscm_merge_notes.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::GetPullRequestComments,
            json!({"pull_request_id": "2"}),
        )
        .await;
        assert_eq!(page["items"][0]["id"], "301");
        assert_eq!(page["items"][0]["body"], "Comment for MR");
        assert_eq!(page["items"][0]["author"]["username"], "pipin");
        assert_eq!(page["items"][0]["created_at"], "2013-10-02T08:57:14Z");
        assert_eq!(
            page["items"][0]["html_url"],
            format!("{WEB}/group/sub/proj/-/merge_requests/2#note_301")
        );

        serve(
            &server,
            "POST",
            p("/merge_requests/2/notes"),
            c.body("goscm_merge_note.json"),
        )
        .await;
        let note = run(
            &server,
            ActionName::CreatePullRequestComment,
            json!({"pull_request_id": "2", "body": "Comment for MR"}),
        )
        .await;
        assert_eq!(note["id"], "301");
        assert_eq!(note["author"]["email"], "admin@example.com");

        // The issue's only note is a system note ("closed"): not a comment.
        serve(
            &server,
            "GET",
            p("/issues/377/notes"),
            c.body("goscm_issue_notes.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::GetIssueComments,
            json!({"issue_id": "377"}),
        )
        .await;
        assert_eq!(page["items"], json!([]));

        serve(
            &server,
            "POST",
            p("/issues/377/notes"),
            c.body("goscm_issue_note.json"),
        )
        .await;
        let note = run(
            &server,
            ActionName::CreateIssueComment,
            json!({"issue_id": "377", "body": "closed"}),
        )
        .await;
        assert_eq!(note["id"], "302");
        assert_eq!(note["body"], "closed");
    }

    // ----- issues -----
    for (file, iid) in [("goscm_issue.json", "1"), ("issue_move.json", "11")] {
        let server = MockServer::start().await;
        serve(&server, "GET", p(&format!("/issues/{iid}")), c.body(file)).await;
        let issue = run(&server, ActionName::GetIssue, json!({"issue_id": iid})).await;
        assert_eq!(issue["id"], iid);
        if file == "goscm_issue.json" {
            assert_eq!(issue["node_id"], "41");
            assert_eq!(issue["state"], "closed");
            assert_eq!(
                issue["title"],
                "Ut commodi ullam eos dolores perferendis nihil sunt."
            );
            assert_eq!(issue["assignees"][0]["username"], "lennie");
            assert_eq!(issue["author"]["username"], "root");
        }
    }

    // ----- award emoji -----
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "POST",
            p("/merge_requests/1/notes/80/award_emoji"),
            c.body("goscm_award_emoji.json"),
        )
        .await;
        let reaction = run(
            &server,
            ActionName::CreatePullRequestCommentReaction,
            json!({"pull_request_id": "1", "comment_id": "80", "reaction": "+1"}),
        )
        .await;
        assert_eq!(reaction["id"], "344");
        assert_eq!(reaction["reaction"], "+1");
        assert_eq!(reaction["author"]["username"], "root");
        assert_eq!(reaction["created_at"], "2016-06-15T10:09:34.206Z");
        let award = c.json("goscm_award_emoji.json");
        Mock::given(method("GET"))
            .and(path(p("/issues/1/award_emoji")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([award])))
            .mount(&server)
            .await;
        let page = run(
            &server,
            ActionName::GetIssueReactions,
            json!({"issue_id": "1"}),
        )
        .await;
        assert_eq!(page["items"][0]["reaction"], "+1");
    }

    // ----- commits -----
    for file in ["goscm_commit.json", "get_commit.json"] {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p(&format!("/repository/commits/{SHA}")),
            c.body(file),
        )
        .await;
        serve(
            &server,
            "GET",
            p(&format!("/repository/commits/{SHA}/diff")),
            c.body("goscm_commit_diff.json"),
        )
        .await;
        let commit = run(&server, ActionName::GetCommit, json!({"sha": SHA})).await;
        assert_eq!(commit["sha"], SHA);
        assert_eq!(commit["message"], "Sanitize for network graph");
        assert_eq!(
            commit["parent_shas"],
            json!(["ae1d9fb46aa2b07ee9836d49862ec4e2c46fbbba"])
        );
        assert_eq!(commit["files"][0]["path"], "doc/update/5.4-to-6.0.md");
        assert_eq!(commit["files"][0]["status"], "added");
        assert_eq!(commit["files"][0]["additions"], 2);
        assert_eq!(
            commit["html_url"],
            format!("{WEB}/group/sub/proj/-/commit/{SHA}")
        );
        if file == "goscm_commit.json" {
            assert_eq!(commit["author"]["name"], "randx");
            assert_eq!(commit["committer"]["name"], "Dmitriy");
            assert_eq!(commit["author"]["date"], "2012-06-28T10:44:20Z");
            assert_eq!(commit["additions"], 15);
            assert_eq!(commit["deletions"], 10);
        }
    }
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p(&format!("/repository/commits/{SHA}/diff")),
            c.body("goscm_commit_diff.json"),
        )
        .await;
        let page = run(&server, ActionName::GetCommitChanges, json!({"sha": SHA})).await;
        assert_eq!(page["items"][0]["deletions"], 0);

        serve(
            &server,
            "GET",
            p("/repository/commits"),
            c.body("goscm_commits.json"),
        )
        .await;
        let page = run(&server, ActionName::GetCommits, json!({"ref": "master"})).await;
        assert_eq!(page["items"][0]["sha"], SHA);
        assert_eq!(
            page["items"][0]["author"]["email"],
            "dmitriy.zaporozhets@gmail.com"
        );

        serve(
            &server,
            "GET",
            p("/repository/compare"),
            c.body("goscm_compare.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::CompareCommits,
            json!({"start_sha": "ae1d9fb46aa2b07ee9836d49862ec4e2c46fbbba", "end_sha": SHA}),
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["side"], "ahead");
        assert_eq!(page["items"][0]["sha"], SHA);
    }

    // ----- branches and tags -----
    for (file, name, sha) in [
        (
            "goscm_branch.json",
            "master",
            "7b5c3cc8be40ee161ae89a06bba6229da1032a0c",
        ),
        (
            "get_branch.json",
            "master",
            "7b5c3cc8be40ee161ae89a06bba6229da1032a0c",
        ),
    ] {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p(&format!("/repository/branches/{name}")),
            c.body(file),
        )
        .await;
        let r = run(&server, ActionName::GetBranch, json!({"branch": name})).await;
        assert_eq!(r, json!({"ref": "refs/heads/master", "sha": sha}), "{file}");
    }
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "POST",
            p("/repository/branches"),
            c.body("goscm_branch_create.json"),
        )
        .await;
        let r = run(
            &server,
            ActionName::CreateBranch,
            json!({"branch": "yooo", "sha": "0efb1bed7c6a4871cb4ddb862ecc2111e11f31ee"}),
        )
        .await;
        assert_eq!(
            r,
            json!({"ref": "refs/heads/yooo", "sha": "0efb1bed7c6a4871cb4ddb862ecc2111e11f31ee"})
        );

        serve(
            &server,
            "GET",
            p("/repository/tags/v1.0.0"),
            c.body("goscm_tag.json"),
        )
        .await;
        let r = run(
            &server,
            ActionName::GetGitRef,
            json!({"ref": "refs/tags/v1.0.0"}),
        )
        .await;
        assert_eq!(
            r,
            json!({"ref": "refs/tags/v1.0.0", "sha": "2695effb5807a22ff3d138d593fd856244e155e7"})
        );
    }

    // ----- files and trees -----
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p("/repository/files/app%2Fmodels%2Fkey.rb"),
            c.body("goscm_content.json"),
        )
        .await;
        let file = run(
            &server,
            ActionName::GetFileContent,
            json!({"path": "app/models/key.rb", "ref": "master"}),
        )
        .await;
        assert_eq!(file["name"], "key.rb");
        assert_eq!(file["type"], "file");
        assert_eq!(file["size"], 1476);
        assert_eq!(file["encoding"], "base64");
        assert_eq!(file["sha"], "79f7bbd25901e8334750839545a9bd021f0e4c83");
        assert!(file["content"]
            .as_str()
            .unwrap()
            .starts_with("cmVxdWlyZSAnZGlnZXN0L21kNScK"));

        serve(
            &server,
            "GET",
            p("/repository/tree"),
            c.body("goscm_content_list.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::GetDirectoryContents,
            json!({"path": "lib/gitlab/ci", "ref": "master"}),
        )
        .await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(
            items[0],
            json!({
                "path": "lib/gitlab/ci/ansi2json", "name": "ansi2json", "type": "dir",
                "sha": "ff85b01e96cca1db128a3ea0b3643667f50e464f", "size": null, "content": null,
                "encoding": null, "html_url": format!("{WEB}/group/sub/proj/-/blob/master/lib/gitlab/ci/ansi2json"),
            })
        );
        assert!(items.iter().any(|i| i["type"] == "file"));
        let tree = run(&server, ActionName::GetFullTree, json!({"tree_sha": SHA})).await;
        assert_eq!(tree["entries"].as_array().unwrap().len(), items.len());
        assert_eq!(tree["entries"][0]["mode"], "040000");
        assert_eq!(tree["entries"][0]["type"], "tree");
    }

    // ----- repositories and people -----
    for (file, id, full_name) in [
        ("goscm_repo.json", "178504", "diaspora/diaspora"),
        (
            "goscm_subgroup.json",
            "14264161",
            "gitlab-org/gitter/gitter-demo-app",
        ),
    ] {
        let server = MockServer::start().await;
        serve(&server, "GET", p(""), c.body(file)).await;
        let repo = run(&server, ActionName::GetRepository, json!({})).await;
        assert_eq!(repo["id"], id);
        assert_eq!(repo["full_name"], full_name);
        assert_eq!(repo["default_branch"], "master");
        if file == "goscm_repo.json" {
            assert_eq!(repo["private"], false);
            assert_eq!(
                repo["clone_url"],
                "https://gitlab.com/diaspora/diaspora.git"
            );
            assert_eq!(repo["ssh_url"], "git@gitlab.com:diaspora/diaspora.git");
            assert_eq!(repo["owner"]["username"], "diaspora");
            assert_eq!(repo["owner"]["kind"], "group");
        }
    }
    for file in ["goscm_repos.json", "goscm_repos_filter.json"] {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            format!("{API_PREFIX}/projects"),
            c.body(file),
        )
        .await;
        let page = run(&server, ActionName::ListRepositories, json!({})).await;
        assert_eq!(page["items"][0]["full_name"], "diaspora/diaspora");
        assert_eq!(page["next_cursor"], Value::Null);
    }
    for (file, username) in [
        ("goscm_user.json", "john_smith"),
        ("get_user.json", "john_smith"),
        ("get_user_admin.json", "john_smith"),
    ] {
        let server = MockServer::start().await;
        serve(&server, "GET", format!("{API_PREFIX}/user"), c.body(file)).await;
        let me = run(&server, ActionName::GetAuthenticatedActor, json!({})).await;
        assert_eq!(me["id"], "1");
        assert_eq!(me["username"], username);
        assert_eq!(me["display_name"], "John Smith");
    }
    for (file, username, id) in [
        ("goscm_user_search.json", "john_smith", 1),
        ("search_users.json", "user1", 1),
    ] {
        let server = MockServer::start().await;
        serve(&server, "GET", format!("{API_PREFIX}/users"), c.body(file)).await;
        Mock::given(method("GET"))
            .and(path(p(&format!("/members/all/{id}"))))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
            )
            .mount(&server)
            .await;
        let perm = run(
            &server,
            ActionName::GetRepositoryUserPermission,
            json!({"username": username}),
        )
        .await;
        assert_eq!(perm["user"]["username"], username);
        assert_eq!(perm["permission"], "none");
    }

    // ----- commit statuses as check runs -----
    {
        let sha = "18f3e63d05582537db6d183d9d557be09e1f90c8";
        let server = MockServer::start().await;
        serve(
            &server,
            "POST",
            p(&format!("/statuses/{sha}")),
            c.body("goscm_status.json"),
        )
        .await;
        let run_ = run(
            &server,
            ActionName::CreateCheckRun,
            json!({"name": "default", "head_sha": sha, "status": "pending"}),
        )
        .await;
        assert_eq!(run_["id"], format!("93@{sha}"));
        assert_eq!(run_["name"], "default");
        assert_eq!(run_["status"], "pending");
        assert_eq!(run_["conclusion"], Value::Null);
        assert_eq!(
            run_["details_url"],
            "https://gitlab.example.com/thedude/gitlab-ce/builds/91"
        );
        assert_eq!(run_["output"]["summary"], "the dude abides");

        serve(
            &server,
            "GET",
            p("/repository/commits/master/statuses"),
            c.body("goscm_statuses.json"),
        )
        .await;
        let page = run(
            &server,
            ActionName::ListCheckRunsForRef,
            json!({"ref": "master"}),
        )
        .await;
        assert_eq!(page["items"][0]["id"], format!("91@{sha}"));
        assert_eq!(page["items"][0]["head_sha"], sha);

        serve(
            &server,
            "GET",
            p(&format!("/repository/commits/{sha}/statuses")),
            c.body("goscm_statuses.json"),
        )
        .await;
        let one = run(
            &server,
            ActionName::GetCheckRun,
            json!({"check_run_id": format!("91@{sha}")}),
        )
        .await;
        assert_eq!(one["name"], "default");
    }

    // ----- pipelines as GitLab embeds them in a merge request -----
    {
        let mr = c.json("get_merge_request.json");
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(p("/pipelines")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([mr["head_pipeline"], mr["pipeline"]])),
            )
            .mount(&server)
            .await;
        let page = run(&server, ActionName::ListWorkflowRuns, json!({})).await;
        let runs = page["items"].as_array().unwrap();
        assert_eq!(runs[0]["id"], "77056819");
        assert_eq!(runs[0]["status"], "completed");
        assert_eq!(runs[0]["conclusion"], "success");
        assert_eq!(runs[0]["head_branch"], "delete-designs-v2");
        assert_eq!(
            runs[0]["head_sha"],
            "8e0b45049b6253b8984cde9241830d2851168142"
        );
        assert_eq!(
            runs[0]["html_url"],
            "https://gitlab.com/gitlab-org/gitlab-ee/pipelines/77056819"
        );
        assert_eq!(runs.len(), 2);
    }

    // ----- review comments on the diff, and draft notes -----
    {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p("/merge_requests/1347"),
            c.body("goscm_merge_with_diffrefs.json"),
        )
        .await;
        serve(
            &server,
            "GET",
            p("/merge_requests/1347/diffs"),
            c.body("goscm_merge_diffs.json"),
        )
        .await;
        serve(
            &server,
            "POST",
            p("/merge_requests/1347/discussions"),
            c.body("goscm_merge_discussion.json"),
        )
        .await;
        let comment = run(
            &server,
            ActionName::CreateReviewComment,
            json!({"pull_request_id": "1347", "commit_id": "2f63565e7aac07bcdadb654e253078b727143ec4",
                   "body": "looks good to me", "path": "VERSION", "line": {"line": 1, "side": "head"}}),
        )
        .await;
        assert_eq!(comment["id"], "1758");
        assert_eq!(comment["body"], "looks good to me");
        assert_eq!(comment["author"]["username"], "pipeline-bot");
        let requests = server.received_requests().await.unwrap();
        let posted: Value = serde_json::from_slice(&requests.last().unwrap().body).unwrap();
        // Line 1 of VERSION is an added line: only `new_line`.
        assert_eq!(posted["position"]["new_line"], 1);
        assert!(posted["position"].get("old_line").is_none());
        assert_eq!(
            posted["position"]["base_sha"],
            "c380d3acebd181f13629a25d2e2acca46ffe1e00"
        );

        serve(
            &server,
            "POST",
            p("/merge_requests/1347/draft_notes"),
            c.body("create_draft_note.json"),
        )
        .await;
        Mock::given(method("POST"))
            .and(path(p("/merge_requests/1347/draft_notes/bulk_publish")))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        serve(
            &server,
            "GET",
            format!("{API_PREFIX}/user"),
            c.body("get_user.json"),
        )
        .await;
        let review = run(
            &server,
            ActionName::CreateReview,
            json!({"pull_request_id": "1347", "commit_sha": "2f63565e7aac07bcdadb654e253078b727143ec4",
                   "event": "comment", "body": "Some new draft note", "comments": []}),
        )
        .await;
        assert_eq!(review["state"], "commented");
        assert_eq!(review["author"]["username"], "john_smith");
    }

    // ----- threads -----
    {
        let discussion = c.json("goscm_merge_discussion.json");
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            p("/merge_requests/1347"),
            c.body("goscm_merge_with_diffrefs.json"),
        )
        .await;
        Mock::given(method("GET"))
            .and(path(p("/merge_requests/1347/discussions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([discussion])))
            .mount(&server)
            .await;
        let page = run(
            &server,
            ActionName::GetPullRequestReviewThreads,
            json!({"pull_request_id": "1347"}),
        )
        .await;
        assert_eq!(
            page["items"][0]["id"],
            "6a9c1750b37d513a43987b574953fceb50b03ce7"
        );
        assert_eq!(page["items"][0]["comments"][0]["body"], "looks good to me");
        let id = run(
            &server,
            ActionName::GetThreadIdFromReviewCommentUniqueId,
            json!({"pull_request_id": "1347", "review_comment_unique_id": "1758"}),
        )
        .await;
        assert_eq!(id, "6a9c1750b37d513a43987b574953fceb50b03ce7");
    }

    // Every corpus file is accounted for.
    let all: BTreeSet<String> = std::fs::read_dir(c.dir.join("gitlab/rest"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let excluded: BTreeSet<String> = NOT_ACTIONS.iter().map(|(f, _)| (*f).to_owned()).collect();
    let unaccounted: Vec<_> = all
        .iter()
        .filter(|f| !c.used.contains(*f) && !excluded.contains(*f))
        .collect();
    assert!(
        unaccounted.is_empty(),
        "corpus files neither used nor excluded: {unaccounted:?}"
    );
    let overlap: Vec<_> = c.used.intersection(&excluded).collect();
    assert!(
        overlap.is_empty(),
        "used files listed as not actions: {overlap:?}"
    );
    println!(
        "gitlab rest: {} files parsed by actions, {} without a matching action",
        c.used.len(),
        excluded.len()
    );
}
