//! Every recorded Bitbucket Cloud answer in the corpus (`bitbucket-cloud/
//! rest/`) that corresponds to an action goes through that action's
//! mapping, served by a local mock at the path the action requests, with
//! field-level checks against the recorded JSON. Files no action reads are
//! listed in [`UNUSED`] with the reason.
//!
//! The provider is configured for the real base
//! (`https://api.bitbucket.org/2.0`) and a test transport sends each request
//! to the mock instead, so Bitbucket's own absolute links in the recordings
//! (`next`) are judged exactly as in production.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use scm_bitbucket::auth::AuthTransport;
use scm_bitbucket::{Bitbucket, BitbucketAuth, BitbucketConfig};
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{HttpRequest, HttpResponse, Transport};
use scm_core::{Error, Handle, PageRequest, Secret};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Corpus files no action reads, and why.
const UNUSED: &[(&str, &str)] = &[
    ("branches.json", "no neutral action lists branches"),
    ("branches_filter.json", "no neutral action lists branches"),
    ("tags.json", "no neutral action lists tags"),
    ("hook.json", "no neutral action manages webhooks"),
    ("hooks.json", "no neutral action manages webhooks"),
    ("team.json", "Bitbucket's teams API was removed; no action reads teams"),
    ("teams.json", "Bitbucket's teams API was removed; no action reads teams"),
    ("userEmail.json", "no action reads the account's e-mail addresses"),
    ("content.json", "`?format=meta` of a file; get_file_content reads the raw bytes"),
    ("perms.json", "the caller's permissions across repositories (/user/permissions/repositories); no action reads them"),
    ("user_repo_perm_admin.json", "the caller's own permission (/user/permissions/repositories?q=); get_repository_user_permission names a user and reads the workspace's effective permissions"),
    ("user_repo_perm_read.json", "as user_repo_perm_admin.json"),
    ("user_repo_perm_write.json", "as user_repo_perm_admin.json"),
    ("user_repo_perm_empty.json", "as user_repo_perm_admin.json"),
    ("repo_as_list.json", "a `/repositories?q=` lookup; no action searches repositories"),
    ("repos.json", "the deprecated global `/repositories` listing; list_repositories lists per workspace"),
    ("repos_filter.json", "the deprecated global `/repositories` listing; list_repositories lists per workspace"),
];

/// Sends every request to the mock, keeping its path and query.
struct ToMock(String, Arc<dyn Transport>);

#[async_trait]
impl Transport for ToMock {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let pq = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        *request.uri_mut() = format!("{}{pq}", self.0).parse().unwrap();
        self.1.send(request).await
    }
}

fn dir() -> PathBuf {
    corpus("rest")
}

fn load(name: &str) -> Value {
    read_json(&dir().join(name))
}

fn without_next(mut value: Value) -> Value {
    value.as_object_mut().unwrap().remove("next");
    value
}

async fn serve(server: &MockServer, verb: &str, api_path: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(format!("/2.0{api_path}")))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

async fn provider(server: &MockServer) -> Bitbucket {
    let config = BitbucketConfig::default();
    let inner: Arc<dyn Transport> = Arc::new(ToMock(server.uri(), http()));
    let auth =
        AuthTransport::new(&config, BitbucketAuth::Bearer(Secret::new(TOKEN)), inner).unwrap();
    Bitbucket::new(config, Arc::new(auth)).unwrap()
}

fn ctx_for(full_name: &str) -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("bitbucket", full_name)),
        "corpus",
    )
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_corpus_file_is_used_or_listed() {
    let dir = dir();
    let source = include_str!("rest_corpus.rs");
    let mut unused = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some((_, why)) = UNUSED.iter().find(|(n, _)| *n == name) {
            unused += 1;
            println!("  unused {name}: {why}");
            continue;
        }
        assert!(
            source.contains(&format!("\"{name}\"")),
            "{name} is neither replayed nor listed as unused"
        );
    }
    println!("bitbucket rest corpus: {unused} files unused (reasons above), the rest replayed");
}

#[tokio::test]
async fn repository_identity_and_permissions() {
    let server = MockServer::start().await;
    let repo = load("repo.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/stash-example-plugin",
        200,
        repo.clone(),
    )
    .await;
    let user = load("user.json");
    serve(&server, "GET", "/user", 200, user.clone()).await;
    let perms = load("workspace_repo_perms.json");
    serve(
        &server,
        "GET",
        "/workspaces/atlassian/permissions/repositories/stash-example-plugin",
        200,
        perms.clone(),
    )
    .await;
    let bb = provider(&server).await;
    let ctx = ctx_for("atlassian/stash-example-plugin");

    let r = bb
        .handle(GetRepository {}, &ctx)
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(r.id, s(&repo["uuid"]));
    assert_eq!(r.full_name, "atlassian/stash-example-plugin");
    assert_eq!(r.default_branch.as_deref(), Some("master"));
    assert!(r.private);
    assert!(r.clone_url.unwrap().starts_with("https://"));
    assert!(r.ssh_url.unwrap().contains("bitbucket.org"));
    assert_eq!(
        r.owner.unwrap().id.as_deref(),
        repo["owner"]["uuid"].as_str()
    );

    let me = bb
        .handle(GetAuthenticatedActor {}, &ctx)
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(me.id.as_deref(), user["uuid"].as_str());
    assert_eq!(me.username, s(&user["account_id"]));
    assert_eq!(me.display_name.as_deref(), user["display_name"].as_str());

    let list = bb
        .handle(
            ListRepositoryUserPermissions {
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].permission, Permission::Admin);
    assert_eq!(
        list.items[0].user.id.as_deref(),
        perms["values"][0]["user"]["uuid"].as_str()
    );
    assert!(list.next_cursor.is_none());
}

#[tokio::test]
async fn one_user_s_permission() {
    for (file, expected) in [
        ("workspace_repo_perms_read.json", Permission::Read),
        ("workspace_repo_perms_write.json", Permission::Write),
    ] {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            "/workspaces/acme/permissions/repositories/widgets",
            200,
            load(file),
        )
        .await;
        let bb = provider(&server).await;
        let p = bb
            .handle(
                GetRepositoryUserPermission {
                    username: "{d5bb8c49-f033-4498-910e-7e4b546b04ee}".into(),
                },
                &ctx(),
            )
            .await
            .unwrap()
            .into_data()
            .unwrap();
        assert_eq!(p.permission, expected, "{file}");
        let sent = &server.received_requests().await.unwrap()[0];
        let q: Vec<(String, String)> = sent
            .url
            .query_pairs()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(
            q,
            [(
                "q".to_owned(),
                "user.uuid=\"{d5bb8c49-f033-4498-910e-7e4b546b04ee}\"".to_owned()
            )]
        );
    }
}

#[tokio::test]
async fn workspaces_then_their_repositories() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/user/workspaces",
        200,
        load("user_workspaces.json"),
    )
    .await;
    let repos = load("repos-2.json");
    serve(
        &server,
        "GET",
        "/repositories/my-workspace",
        200,
        repos.clone(),
    )
    .await;
    let bb = provider(&server).await;
    let page = bb
        .handle(
            ListRepositories {
                page: PageRequest::default(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].full_name, s(&repos["values"][0]["full_name"]));

    let empty = MockServer::start().await;
    serve(
        &empty,
        "GET",
        "/user/workspaces",
        200,
        load("user_workspaces.json"),
    )
    .await;
    serve(
        &empty,
        "GET",
        "/repositories/my-workspace",
        200,
        load("repos_empty.json"),
    )
    .await;
    let none = provider(&empty)
        .await
        .handle(
            ListRepositories {
                page: PageRequest::default(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn pull_requests_and_their_comments() {
    let server = MockServer::start().await;
    let pr = load("pr.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/pullrequests/4982",
        200,
        pr.clone(),
    )
    .await;
    let prs = load("prs.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/pullrequests",
        200,
        prs.clone(),
    )
    .await;
    let comments = load("prcomments.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/pullrequests/3/comments",
        200,
        comments.clone(),
    )
    .await;
    let created = load("prcomment.json");
    serve(
        &server,
        "POST",
        "/repositories/atlassian/atlaskit/pullrequests/3/comments",
        201,
        created.clone(),
    )
    .await;
    let files = load("pr_diffstat.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/pullrequests/4982/diffstat",
        200,
        files.clone(),
    )
    .await;
    let bb = provider(&server).await;
    let ctx = ctx_for("atlassian/atlaskit");

    let p = bb
        .handle(
            GetPullRequest {
                pull_request_id: "4982".into(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(p.id, "4982");
    assert_eq!(p.title, s(&pr["title"]));
    assert_eq!(p.body.as_deref(), pr["description"].as_str());
    assert_eq!(
        (p.state, p.merged, p.draft),
        (PullRequestState::Open, false, false)
    );
    assert_eq!(p.head.ref_name, s(&pr["source"]["branch"]["name"]));
    assert_eq!(p.base.ref_name, "master");
    assert_eq!(
        p.head.sha.as_ref().map(|s| s.as_str().to_owned()),
        pr["source"]["commit"]["hash"].as_str().map(str::to_owned)
    );
    assert_eq!(
        p.html_url.as_deref(),
        Some("https://bitbucket.org/atlassian/atlaskit/pull-requests/4982")
    );
    assert_eq!(
        p.author.unwrap().id.as_deref(),
        pr["author"]["uuid"].as_str()
    );

    let list = bb
        .handle(
            GetPullRequests {
                state: Some(PullRequestState::Open),
                head: None,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(list.items.len(), prs["values"].as_array().unwrap().len());
    assert_eq!(list.items[0].title, s(&prs["values"][0]["title"]));

    let c = bb
        .handle(
            GetPullRequestComments {
                pull_request_id: "3".into(),
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(c.items.len(), 1);
    assert_eq!(c.items[0].id, comments["values"][0]["id"].to_string());
    assert_eq!(c.items[0].body, s(&comments["values"][0]["content"]["raw"]));

    let made = bb
        .handle(
            CreatePullRequestComment {
                pull_request_id: "3".into(),
                body: "Lovely comment".into(),
                extensions: None,
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(made.id, created["id"].to_string());
    assert_eq!(
        made.author.unwrap().username,
        s(&created["user"]["account_id"])
    );
    assert!(made.created_at.is_some());

    let f = bb
        .handle(
            GetPullRequestFiles {
                pull_request_id: "4982".into(),
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(f.items.len(), files["values"].as_array().unwrap().len());
    assert_eq!(
        Some(f.items[0].path.as_str()),
        files["values"][0]["new"]["path"].as_str()
    );
}

#[tokio::test]
async fn an_inline_comment_is_a_review_comment() {
    let server = MockServer::start().await;
    let review = load("review.json");
    serve(
        &server,
        "POST",
        "/repositories/acme/widgets/pullrequests/3/comments",
        201,
        review.clone(),
    )
    .await;
    let bb = provider(&server).await;
    let c = bb
        .handle(
            CreateReviewComment {
                pull_request_id: "3".into(),
                commit_id: Sha::new(SHA).unwrap(),
                body: "Lovely comment".into(),
                path: "README.md".into(),
                line: DiffLine {
                    line: 5,
                    side: ReviewSide::Head,
                },
                start_line: None,
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(c.path.as_deref(), Some("README.md"));
    assert_eq!((c.line, c.side), (Some(5), Some(ReviewSide::Head)));
    assert_eq!(c.review_id.as_deref(), review["user"]["uuid"].as_str());
}

#[tokio::test]
async fn commits_and_their_changes() {
    let server = MockServer::start().await;
    let commit = load("commit.json");
    serve(
        &server,
        "GET",
        &format!("/repositories/atlassian/stash-example-plugin/commit/{SHA}"),
        200,
        commit.clone(),
    )
    .await;
    let diffstat = load("diffstat.json");
    serve(
        &server,
        "GET",
        &format!("/repositories/atlassian/stash-example-plugin/diffstat/{SHA}"),
        200,
        diffstat.clone(),
    )
    .await;
    let commits = load("commits.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/stash-example-plugin/commits/master",
        200,
        without_next(commits.clone()),
    )
    .await;
    let bb = provider(&server).await;
    let ctx = ctx_for("atlassian/stash-example-plugin");
    let sha = Sha::new(SHA).unwrap();

    let c = bb
        .handle(GetCommit { sha: sha.clone() }, &ctx)
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(c.commit.sha.as_str(), s(&commit["hash"]));
    assert_eq!(c.commit.message, s(&commit["message"]));
    let author = c.commit.author.clone().unwrap();
    assert_eq!(
        (author.name.as_deref(), author.email.as_deref()),
        (Some("Adam Ahmed"), Some("aahmed@atlassian.com"))
    );
    assert_eq!(
        c.commit.parent_shas[0].as_str(),
        s(&commit["parents"][0]["hash"])
    );
    assert_eq!(c.files.len(), 3);
    assert_eq!((c.additions, c.deletions), (Some(15), Some(30)));

    let changes = bb
        .handle(
            GetCommitChanges {
                sha,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    let statuses: Vec<_> = changes
        .items
        .iter()
        .map(|f| (f.status, f.path.as_str(), f.previous_path.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (FileStatus::Modified, "CONTRIBUTING.md", None),
            (
                FileStatus::Renamed,
                "new-folder/CONTRIBUTING.md",
                Some("old-folder/CONTRIBUTING.md")
            ),
            (FileStatus::Removed, "CONTRIBUTING.md", None),
        ]
    );

    let history = bb
        .handle(
            GetCommits {
                r#ref: Some("master".into()),
                since: None,
                until: None,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(
        history.items[0].sha.as_str(),
        s(&commits["values"][0]["hash"])
    );
    assert!(history.next_cursor.is_none());
}

/// The recorded `next` links of these files point at the website host
/// (`bitbucket.org`), not the API: followed with our credentials they
/// would leak them, so the answer is refused.
#[tokio::test]
async fn recorded_next_links_off_the_api_are_refused() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/repositories/atlassian/stash-example-plugin/commits/master",
        200,
        load("commits.json"),
    )
    .await;
    serve(
        &server,
        "GET",
        &format!("/repositories/atlassian/stash-example-plugin/commit/{SHA}/statuses"),
        200,
        load("statuses.json"),
    )
    .await;
    let bb = provider(&server).await;
    let ctx = ctx_for("atlassian/stash-example-plugin");
    let err = bb
        .handle(
            GetCommits {
                r#ref: Some("master".into()),
                since: None,
                until: None,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another host"), "{err}");
    let err = bb
        .handle(
            ListCheckRunsInCheckSuite {
                check_suite_id: SHA.into(),
                check_name: None,
                status: None,
                timestamp_filter: TimestampFilter::Latest,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another host"), "{err}");
}

#[tokio::test]
async fn refs_statuses_and_files() {
    let server = MockServer::start().await;
    let branch = load("branch.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/refs/branches/master",
        200,
        branch.clone(),
    )
    .await;
    let created = load("branch_create.json");
    serve(
        &server,
        "POST",
        "/repositories/atlassian/atlaskit/refs/branches",
        201,
        created.clone(),
    )
    .await;
    let tag = load("tag.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/refs/tags/%40atlaskit%2Factivity%401.0.3",
        200,
        tag.clone(),
    )
    .await;
    let status = load("status.json");
    serve(
        &server,
        "GET",
        &format!("/repositories/atlassian/atlaskit/commit/{SHA}/statuses/build/drone"),
        200,
        status.clone(),
    )
    .await;
    serve(
        &server,
        "POST",
        &format!("/repositories/atlassian/atlaskit/commit/{SHA}/statuses/build"),
        201,
        status.clone(),
    )
    .await;
    let statuses = load("statuses.json");
    serve(
        &server,
        "GET",
        &format!("/repositories/atlassian/atlaskit/commit/{SHA}/statuses"),
        200,
        without_next(statuses.clone()),
    )
    .await;
    let listing = load("content_list.json");
    serve(
        &server,
        "GET",
        "/repositories/atlassian/atlaskit/src/master/packages/activity",
        200,
        listing.clone(),
    )
    .await;
    Mock::given(method("GET"))
        .and(path(
            "/2.0/repositories/atlassian/atlaskit/src/master/README.md.asdas",
        ))
        .respond_with(ResponseTemplate::new(404).set_body_json(load("content_fail.json")))
        .mount(&server)
        .await;
    serve(
        &server,
        "GET",
        "/repositories/dev/null",
        404,
        load("error.json"),
    )
    .await;
    let bb = provider(&server).await;
    let ctx = ctx_for("atlassian/atlaskit");

    let b = bb
        .handle(
            GetBranch {
                branch: "master".into(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(b.ref_name, "refs/heads/master");
    assert_eq!(b.sha.as_str(), s(&branch["target"]["hash"]));
    let made = bb
        .handle(
            CreateBranch {
                branch: "yooo".into(),
                sha: Sha::new(SHA).unwrap(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(
        (made.ref_name.as_str(), made.sha.as_str()),
        (
            "refs/heads/yooo",
            "2e684d13a43afd86cb48ea36d9f40f43e791fae9"
        )
    );
    let t = bb
        .handle(
            GetGitRef {
                r#ref: "tags/@atlaskit/activity@1.0.3".into(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(t.ref_name, "refs/tags/@atlaskit/activity@1.0.3");
    assert_eq!(t.sha.as_str(), s(&tag["target"]["hash"]));

    let run = bb
        .handle(
            GetCheckRun {
                check_run_id: format!("{SHA}:drone"),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(run.id, format!("{SHA}:drone"));
    assert_eq!(run.name, s(&status["name"]));
    assert_eq!(
        (run.status, run.conclusion),
        (BuildStatus::Completed, Some(BuildConclusion::Success))
    );
    assert_eq!(run.details_url.as_deref(), status["url"].as_str());
    assert_eq!(
        run.output.unwrap().summary.as_deref(),
        status["description"].as_str()
    );
    let posted = bb
        .handle(
            CreateCheckRun {
                name: "build-22".into(),
                head_sha: Sha::new(SHA).unwrap(),
                status: Some(BuildStatus::Completed),
                conclusion: Some(BuildConclusion::Success),
                external_id: Some("drone".into()),
                started_at: None,
                completed_at: None,
                output: None,
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(posted.external_id.as_deref(), Some("drone"));
    let runs = bb
        .handle(
            ListCheckRunsForRef {
                r#ref: SHA.into(),
                check_name: None,
                status: Some(CheckRunStatusFilter::Completed),
                timestamp_filter: TimestampFilter::Latest,
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(runs.items.len(), 1);
    assert_eq!(
        runs.items[0].external_id.as_deref(),
        statuses["values"][0]["key"].as_str()
    );

    let dir = bb
        .handle(
            GetDirectoryContents {
                path: "packages/activity".into(),
                r#ref: Some("master".into()),
                page: PageRequest::default(),
            },
            &ctx,
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(dir.items.len(), 10);
    assert_eq!(dir.items[0].path, s(&listing["values"][0]["path"]));
    assert_eq!(dir.items[0].kind, ContentKind::Dir);
    assert!(dir.items.iter().any(|e| e.kind == ContentKind::File));
    // The recorded next link stays on this list: a cursor.
    assert!(dir.next_cursor.is_some());

    let err = bb
        .handle(
            GetFileContent {
                path: "README.md.asdas".into(),
                r#ref: "master".into(),
            },
            &ctx,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "resource_not_found");
    assert!(
        err.to_string()
            .contains("No such file or directory: README.md.asdas"),
        "{err}"
    );
    let err = bb
        .handle(GetRepository {}, &ctx_for("dev/null"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "resource_not_found");
    assert!(
        err.to_string().contains("Repository dev/null not found"),
        "{err}"
    );
}
