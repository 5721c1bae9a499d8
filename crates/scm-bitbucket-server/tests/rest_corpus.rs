//! Recorded Data Center REST answers (`bitbucket-dc/rest/` in the corpus)
//! served from a local mock and read through each action's mapping, with
//! field-level assertions. Files no action reads are listed in `UNUSED`
//! with the reason; a test checks that every file is either used or listed.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use scm_core::actions::*;
use scm_core::model::{FileStatus, PullRequestState, ReviewSide};
use scm_core::{Handle, PageRequest};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REPO: &str = "/rest/api/latest/projects/PRJ/repos/my-repo";

/// Corpus files no action reads, and why.
const UNUSED: &[(&str, &str)] = &[
    ("branch_create.json", "a GitHub answer (`ref`, `node_id`, `object`) kept in the Data Center folder; Data Center answers branch creation with a branch"),
    ("compare.json", "an answer of `/compare/changes` (changed files between refs); `compare_commits` reads `/compare/commits`"),
    ("content_list.json", "an answer of `/files` (paths only, no object ids); trees and directories are read from `/browse`"),
    ("tag.json", "a filtered tag list (`/tags?filterText=`); tags are read by name from `/tags/{name}`"),
    ("tags.json", "a tag list; no action lists tags"),
    ("webhook.json", "webhook configuration; no action manages webhooks"),
    ("webhooks.json", "webhook configuration; no action manages webhooks"),
    ("fnb_push_branch_create.json", "a `repo:refs_changed` webhook payload, posted by the webhook test"),
    ("fnb_push_update.json", "a `repo:refs_changed` webhook payload, posted by the webhook test"),
];

fn corpus() -> PathBuf {
    scm_testkit::paths::corpus("bitbucket-dc/rest")
}

/// Serves `file` for `GET|POST|PUT <path>` (any query).
async fn serve(server: &MockServer, verb: &str, at: String, file: &str, status: u16) {
    let dir = corpus();
    let body = std::fs::read(dir.join(file)).unwrap();
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .set_body_raw(body, "application/json"),
        )
        .mount(server)
        .await;
}

/// Serves `file` with 200 for `GET <path>`.
async fn get(server: &MockServer, at: String, file: &str) {
    serve(server, "GET", at, file, 200).await;
}

async fn setup() -> (MockServer, scm_bitbucket_server::BitbucketServer) {
    let server = MockServer::start().await;
    let provider = provider(&format!("{}/rest", server.uri()), http());
    (server, provider)
}

#[test]
fn every_file_is_used_or_listed() {
    let dir = corpus();
    let used: BTreeSet<&str> = [
        "branch.json",
        "branches.json",
        "branches_filter.json",
        "changes.json",
        "commit.json",
        "commits.json",
        "content_create.json",
        "content_update.json",
        "default_branch.json",
        "error.json",
        "pr.json",
        "pr_change.json",
        "pr_comment.json",
        "pr_comment_iso_dates.json",
        "pr_comments.json",
        "pr_file_diff.json",
        "pr_iso_dates.json",
        "prs.json",
        "repo.json",
        "repos.json",
        "repos_filter.json",
        "user.json",
        "user_search.json",
    ]
    .into_iter()
    .collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !used.contains(name.as_str()) && !UNUSED.iter().any(|(n, _)| *n == name) {
            unlisted.push(name);
        }
    }
    println!(
        "bitbucket_server REST corpus: {} files used, {} unused:",
        used.len(),
        UNUSED.len()
    );
    for (name, why) in UNUSED {
        println!("  unused {name}: {why}");
    }
    assert!(unlisted.is_empty(), "neither used nor listed: {unlisted:?}");
}

#[tokio::test]
async fn repositories_users_and_errors() {
    let (server, p) = setup().await;
    get(&server, REPO.into(), "repo.json").await;
    get(
        &server,
        format!("{REPO}/branches/default"),
        "default_branch.json",
    )
    .await;
    let repo = data(&p, GetRepository {}).await;
    assert_eq!(repo.id, "1");
    assert_eq!(repo.full_name, "PRJ/my-repo");
    assert_eq!(repo.name, "my-repo");
    assert!(repo.private);
    // repo.json has no `defaultBranch` (before 9.0): read from /branches/default.
    assert_eq!(repo.default_branch.as_deref(), Some("feature_branch"));
    assert_eq!(
        repo.clone_url.as_deref(),
        Some("http://jcitizen@example.com:7990/scm/prj/my-repo.git")
    );
    assert_eq!(
        repo.ssh_url.as_deref(),
        Some("ssh://git@example.com:7999/prj/my-repo.git")
    );
    assert_eq!(
        repo.html_url.as_deref(),
        Some("http://example.com:7990/projects/PRJ/repos/my-repo")
    );
    assert_eq!(repo.owner.unwrap().username, "PRJ");

    get(&server, "/rest/api/latest/repos".into(), "repos.json").await;
    let page = data(
        &p,
        ListRepositories {
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(
        page.items
            .iter()
            .map(|r| r.full_name.as_str())
            .collect::<Vec<_>>(),
        ["PRJ/my-repo", "PRJ/quux"]
    );
    // `isLastPage: false` without `nextPageStart`: the next page starts after these two.
    assert!(page.next_cursor.is_some());

    get(&server, "/rest/api/latest/users".into(), "user_search.json").await;
    let people = data(
        &p,
        GetRepositoryAssignees {
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(people.items[0].username, "jane@example");
    assert_eq!(
        people.items[0].display_name.as_deref(),
        Some("Jane Citizen")
    );
    assert_eq!(people.items[0].email.as_deref(), Some("jane@example.com"));
    assert!(people.next_cursor.is_none());

    let missing = MockServer::start().await;
    let q = provider(&format!("{}/rest", missing.uri()), http());
    serve(&missing, "GET", REPO.into(), "error.json", 404).await;
    let err = error(&q, GetRepository {}).await;
    assert_eq!(err.code(), "resource_not_found");
    assert!(
        err.to_string()
            .contains("Project dev does not exist. (NoSuchProjectException)"),
        "{err}"
    );
}

#[tokio::test]
async fn repos_filter_and_the_acting_user() {
    let (server, p) = setup().await;
    get(
        &server,
        "/rest/api/latest/repos".into(),
        "repos_filter.json",
    )
    .await;
    let page = data(
        &p,
        ListRepositories {
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, "2");

    let dir = corpus();
    Mock::given(method("GET"))
        .and(path("/rest/api/latest/application-properties"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ausername", "jcitizen")
                .set_body_json(serde_json::json!({})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/latest/users/jcitizen"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            std::fs::read(dir.join("user.json")).unwrap(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let me = data(&p, GetAuthenticatedActor {}).await;
    assert_eq!(me.username, "jcitizen");
    assert_eq!(me.id.as_deref(), Some("1"));
    assert_eq!(me.display_name.as_deref(), Some("Jane Citizen"));
    assert_eq!(
        me.html_url.as_deref(),
        Some("http://example.com:7990/users/jcitizen")
    );
}

#[tokio::test]
async fn branches_commits_and_changes() {
    let (server, p) = setup().await;
    get(&server, format!("{REPO}/branches"), "branches_filter.json").await;
    let branch = data(
        &p,
        GetBranch {
            branch: "master-patch".into(),
        },
    )
    .await;
    assert_eq!(branch.ref_name, "refs/heads/master-patch");
    assert_eq!(
        branch.sha.as_str(),
        "11ce869211917dd65610e70fcee454943b35ac6f"
    );
    let missing = error(
        &p,
        GetBranch {
            branch: "mast".into(),
        },
    )
    .await;
    assert_eq!(missing.code(), "resource_not_found");

    let sha = "131cb13f4aed12e725177bc4b7c28db67839bf9f";
    get(&server, format!("{REPO}/commits/{sha}"), "commit.json").await;
    get(
        &server,
        format!("{REPO}/commits/{sha}/changes"),
        "changes.json",
    )
    .await;
    let commit = data(
        &p,
        GetCommit {
            sha: scm_core::model::Sha::new(sha).unwrap(),
        },
    )
    .await;
    assert_eq!(commit.commit.message, "update files");
    assert_eq!(
        commit.commit.parent_shas[0].as_str(),
        "4f4b0ef1714a5b6cafdaf2f53c7f5f5b38fb9348"
    );
    let author = commit.commit.author.unwrap();
    assert_eq!(author.email.as_deref(), Some("jane@example.com"));
    assert_eq!(author.date.unwrap().timestamp_millis(), 1530720102000);
    assert_eq!(commit.commit.author_account.unwrap().username, "jcitizen");
    assert_eq!(
        commit.commit.html_url.as_deref(),
        Some(format!("{WEB}/projects/PRJ/repos/my-repo/commits/{sha}").as_str())
    );
    assert_eq!(commit.files[0].path, ".gitignore");
    assert_eq!(commit.files[0].status, FileStatus::Removed);
    assert!(commit.files[0].sha.is_none());
    assert!(commit.files.iter().any(|f| f.path == "COPYING"));

    get(&server, format!("{REPO}/commits"), "commits.json").await;
    let history = data(
        &p,
        GetCommits {
            r#ref: Some("master".into()),
            since: None,
            until: None,
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(history.items.len(), 1);
    assert_eq!(history.items[0].sha.as_str(), sha);
    assert!(history.next_cursor.is_none());
    // Dates filter client-side: a window after the commit leaves nothing.
    let later = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let none = data(
        &p,
        GetCommitsByPath {
            path: "README".into(),
            r#ref: None,
            since: Some(later),
            until: None,
            page: PageRequest::default(),
        },
    )
    .await;
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn pull_requests_files_and_comments() {
    let (server, p) = setup().await;
    get(&server, format!("{REPO}/pull-requests/1"), "pr.json").await;
    get(
        &server,
        format!("{REPO}/pull-requests/2"),
        "pr_iso_dates.json",
    )
    .await;
    let pr = data(
        &p,
        GetPullRequest {
            pull_request_id: "1".into(),
        },
    )
    .await;
    assert_eq!(pr.id, "1");
    assert_eq!(pr.title, "Updated Files");
    assert_eq!(pr.state, PullRequestState::Open);
    assert!(!pr.merged && !pr.draft);
    assert_eq!(pr.head.ref_name, "feature/x");
    assert_eq!(
        pr.head.sha.unwrap().as_str(),
        "131cb13f4aed12e725177bc4b7c28db67839bf9f"
    );
    assert_eq!(pr.base.ref_name, "master");
    assert_eq!(pr.base.repository_full_name.as_deref(), Some("PRJ/my-repo"));
    assert_eq!(pr.author.unwrap().username, "jcitizen");
    assert_eq!(
        pr.html_url.as_deref(),
        Some("http://example.com:7990/projects/PRJ/repos/my-repo/pull-requests/1")
    );
    assert_eq!(pr.created_at.unwrap().timestamp_millis(), 1530766870981);
    let iso = data(
        &p,
        GetPullRequest {
            pull_request_id: "2".into(),
        },
    )
    .await;
    assert!(iso.created_at.is_some(), "ISO dates are read too");
    assert_eq!(iso.title, pr.title);

    get(&server, format!("{REPO}/pull-requests"), "prs.json").await;
    let open = data(
        &p,
        GetPullRequests {
            state: Some(PullRequestState::Open),
            head: None,
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(open.items.len(), 1);
    let closed = data(
        &p,
        GetPullRequests {
            state: Some(PullRequestState::Closed),
            head: None,
            page: PageRequest::default(),
        },
    )
    .await;
    assert!(
        closed.items.is_empty(),
        "the open pull request is filtered out"
    );

    get(
        &server,
        format!("{REPO}/pull-requests/1/changes"),
        "pr_change.json",
    )
    .await;
    let files = data(
        &p,
        GetPullRequestFiles {
            pull_request_id: "1".into(),
            page: PageRequest::default(),
        },
    )
    .await;
    assert_eq!(files.items.len(), 4);
    assert_eq!(files.items[0].path, "COPYING");
    assert_eq!(files.items[0].status, FileStatus::Added);
    assert_eq!(
        files.items[0].sha.as_ref().unwrap().as_str(),
        "f1df0de7c4a94b7d83bd4864154e48e8b7f4d2cb"
    );
    assert_eq!(files.items[1].status, FileStatus::Removed);

    get(
        &server,
        format!("{REPO}/pull-requests/1/activities"),
        "pr_comments.json",
    )
    .await;
    let comments = data(
        &p,
        GetPullRequestComments {
            pull_request_id: "1".into(),
            page: PageRequest::default(),
        },
    )
    .await;
    let bodies: Vec<&str> = comments.items.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["this is a second comment", "this is a comment"]);
    assert_eq!(comments.items[0].id, "2");
    assert_eq!(
        comments.items[0].author.as_ref().unwrap().username,
        "jcitizen"
    );
    assert_eq!(
        comments.items[0].created_at.unwrap().timestamp_millis(),
        1530770330632
    );

    serve(
        &server,
        "POST",
        format!("{REPO}/pull-requests/1/comments"),
        "pr_comment.json",
        201,
    )
    .await;
    serve(
        &server,
        "POST",
        format!("{REPO}/pull-requests/2/comments"),
        "pr_comment_iso_dates.json",
        201,
    )
    .await;
    for pull in ["1", "2"] {
        let comment = data(
            &p,
            CreatePullRequestComment {
                pull_request_id: pull.into(),
                body: "this is a comment".into(),
                extensions: None,
            },
        )
        .await;
        assert_eq!(comment.id, "1");
        assert_eq!(comment.body, "this is a comment");
        assert!(comment.created_at.is_some());
        assert_eq!(
            comment.html_url.unwrap(),
            format!("{WEB}/projects/PRJ/repos/my-repo/pull-requests/{pull}/overview?commentId=1")
        );
    }
}

#[tokio::test]
async fn line_types_from_a_recorded_diff_and_file_edits() {
    let (server, p) = setup().await;
    get(&server, format!("{REPO}/pull-requests/1"), "pr.json").await;
    get(
        &server,
        format!("{REPO}/pull-requests/1/diff/main.go"),
        "pr_file_diff.json",
    )
    .await;
    serve(
        &server,
        "POST",
        format!("{REPO}/pull-requests/1/comments"),
        "pr_comment.json",
        201,
    )
    .await;
    let make = |line: u32| CreateReviewComment {
        pull_request_id: "1".into(),
        commit_id: scm_core::model::Sha::new("131cb13f4aed12e725177bc4b7c28db67839bf9f").unwrap(),
        body: "note".into(),
        path: "main.go".into(),
        line: scm_core::model::DiffLine {
            line,
            side: ReviewSide::Head,
        },
        start_line: None,
    };
    // Line 3 of the new `main.go` is an added line of the recorded diff.
    p.handle(make(3), &ctx()).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let posted = requests
        .iter()
        .rev()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&posted.body).unwrap();
    assert_eq!(body["anchor"]["lineType"], "ADDED");
    assert_eq!(body["anchor"]["line"], 3);
    assert_eq!(
        body["anchor"]["fromHash"],
        "5c64a07cd6c0f21b753bf261ef059c7e7633c50a"
    );
    // A line outside the diff is refused before anything is posted.
    let err = error(&p, make(40)).await;
    assert_eq!(err.code(), "invalid_input");

    for (file, message) in [
        ("content_create.json", "WIP on feature 1"),
        ("content_update.json", ""),
    ] {
        let server = MockServer::start().await;
        let q = provider(&format!("{}/rest", server.uri()), http());
        // The file exists at the parent commit (our stand-in answer).
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/browse/README.md")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"type": "FILE"})),
            )
            .mount(&server)
            .await;
        serve(
            &server,
            "PUT",
            format!("{REPO}/browse/README.md"),
            file,
            200,
        )
        .await;
        let commit = data(
            &q,
            write_one_file(
                "feature",
                "abcdef0123abcdef4567abcdef8987abcdef6543",
                "README.md",
                "x",
            ),
        )
        .await;
        assert_eq!(commit.sha.as_str().len(), 40, "{file}");
        if !message.is_empty() {
            assert_eq!(commit.message, message);
            assert_eq!(commit.author.unwrap().name.as_deref(), Some("charlie"));
        }
        // An existing file is edited against the parent commit.
        let requests = server.received_requests().await.unwrap();
        let put = requests
            .iter()
            .find(|r| r.method.as_str() == "PUT")
            .unwrap();
        assert!(String::from_utf8_lossy(&put.body).contains("name=\"sourceCommitId\""));
    }
}

#[tokio::test]
async fn the_single_branch_answer() {
    let (server, p) = setup().await;
    get(&server, format!("{REPO}/branches"), "branch.json").await;
    let r = data(
        &p,
        GetGitRef {
            r#ref: "refs/heads/master".into(),
        },
    )
    .await;
    assert_eq!(r.ref_name, "refs/heads/master");
    assert_eq!(r.sha.as_str(), "11ce869211917dd65610e70fcee454943b35ac6e");
    let server2 = MockServer::start().await;
    let q = provider(&format!("{}/rest", server2.uri()), http());
    get(&server2, format!("{REPO}/branches"), "branches.json").await;
    let b = data(
        &q,
        GetBranch {
            branch: "master".into(),
        },
    )
    .await;
    assert_eq!(b.sha.as_str(), "11ce869211917dd65610e70fcee454943b35ac6e");
}
