//! Real GitHub traffic recorded by `@octokit/fixtures`, replayed against
//! the repository, branch, file and archive actions.
//!
//! Each test points a `GitHub` at a [`ReplayServer`] serving one scenario
//! and checks both directions: the server only answers requests that match
//! a recording (method, path, query, JSON body), and the recorded answers
//! must map into the neutral types field by field. Recordings date from
//! 2017 and were normalized by Octokit (ids 1000…, shas `000…1`).
//!
//! Scenarios with no matching catalogue action are not replayed here:
//! `paginate-issues` (lists issues), `errors` (creates a label),
//! `create-file` (the contents API write; `create_commit` uses the git
//! data API), `branch-protection`, `get-root`, `get-organization`.

use std::sync::Arc;

use futures::TryStreamExt;
use scm_core::model::{ArchiveFormat, ContentKind, Permission, Sha};
use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::{ActionName, AnyAction, AnyOutput, CallContext, Provider};
use scm_github::{Credentials, GitHub, GitHubConfig};
use scm_testkit::octokit::{RecordedBody, ReplayServer, Scenario};
use serde_json::json;

fn github(server: &ReplayServer) -> GitHub {
    let config = GitHubConfig::custom(
        server.base_url(),
        "https://github.com",
        Credentials::Token("0000000000000000000000000000000000000001".into()),
    )
    .expect("replay URL is valid");
    let http = ReqwestTransport::new(std::time::Duration::from_secs(10)).expect("client");
    GitHub::with_auth(&config, Arc::new(http))
}

fn ctx(full_name: &str) -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("github", full_name)),
        "replay",
    )
}

async fn run(
    github: &GitHub,
    ctx: &CallContext,
    name: &str,
    args: serde_json::Value,
) -> scm_core::Result<AnyOutput> {
    let name: ActionName = name.parse().expect("known action");
    let action = AnyAction::from_json(name, args).expect("valid arguments");
    let response = github.execute(action, ctx).await?;
    Ok(response.into_data().expect("not a conditional request"))
}

/// Octokit sent list requests without `per_page`; we always say how many
/// items we want, and GitHub's default (30) is what it answered with. The
/// recorded request is given the explicit default so it matches ours; the
/// recorded answer is untouched.
fn with_default_page_size(mut scenario: Scenario, method: &str, path: &str) -> Scenario {
    for interaction in &mut scenario.interactions {
        if interaction.method.as_str() == method && interaction.path == path {
            interaction.path = format!("{path}?per_page=30");
        }
    }
    scenario
}

/// The recorded interactions of `scenario` at these indexes were all used.
#[track_caller]
fn assert_used(server: &ReplayServer, scenario: &Scenario, indexes: &[usize]) {
    let unconsumed = server.unconsumed();
    for &index in indexes {
        let recorded = &scenario.interactions[index];
        assert!(
            !unconsumed.iter().any(|i| i.method == recorded.method
                && i.path == recorded.path
                && i.body == recorded.body),
            "recorded {} {} was not requested",
            recorded.method,
            recorded.path
        );
    }
    assert!(
        server.unmatched_requests().is_empty(),
        "requests not in the recording: {:?}",
        server.unmatched_requests()
    );
}

#[tokio::test]
async fn get_repository() {
    let scenario = Scenario::load("get-repository");
    let server = ReplayServer::start_in_order(&scenario);
    let github = github(&server);
    let AnyOutput::GetRepository(repo) = run(
        &github,
        &ctx("octokit-fixture-org/hello-world"),
        "get_repository",
        json!({}),
    )
    .await
    .expect("get_repository") else {
        panic!("wrong output");
    };
    assert_eq!(repo.id, "1000");
    assert_eq!(repo.name, "hello-world");
    assert_eq!(repo.full_name, "octokit-fixture-org/hello-world");
    let owner = repo.owner.expect("owner");
    assert_eq!(owner.username, "octokit-fixture-org");
    assert_eq!(owner.id.as_deref(), Some("1000"));
    assert_eq!(owner.kind.as_deref(), Some("organization"));
    assert!(!repo.private);
    assert!(!repo.archived);
    assert_eq!(repo.default_branch.as_deref(), Some("master"));
    assert_eq!(repo.description, None);
    assert_eq!(
        repo.html_url.as_deref(),
        Some("https://github.com/octokit-fixture-org/hello-world")
    );
    assert_eq!(
        repo.clone_url.as_deref(),
        Some("https://github.com/octokit-fixture-org/hello-world.git")
    );
    assert_eq!(
        repo.ssh_url.as_deref(),
        Some("git@github.com:octokit-fixture-org/hello-world.git")
    );
    assert_eq!(
        repo.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2017-10-10T16:00:00+00:00")
    );
    server.assert_all_consumed();
}

/// A renamed repository answers its old name with `301` and the new
/// `/repositories/{id}` URL; the read follows it on the same API.
#[tokio::test]
async fn get_repository_follows_a_rename_redirect() {
    let scenario = Scenario::load("rename-repository");
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let AnyOutput::GetRepository(repo) = run(
        &github,
        &ctx("octokit-fixture-org/rename-repository"),
        "get_repository",
        json!({}),
    )
    .await
    .expect("get_repository") else {
        panic!("wrong output");
    };
    assert_eq!(repo.id, "1000");
    assert_eq!(
        repo.full_name,
        "octokit-fixture-org/rename-repository-newname"
    );
    // The 301 and the GET of its target, in that order.
    let requests = server.requests();
    let paths: Vec<_> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        vec![
            "GET /repos/octokit-fixture-org/rename-repository",
            "GET /repositories/1000",
        ]
    );
    assert_used(&server, &scenario, &[1, 2]);
}

#[tokio::test]
async fn get_repository_labels() {
    let scenario = with_default_page_size(
        Scenario::load("labels"),
        "GET",
        "/repos/octokit-fixture-org/labels/labels",
    );
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let AnyOutput::GetRepositoryLabels(page) = run(
        &github,
        &ctx("octokit-fixture-org/labels"),
        "get_repository_labels",
        json!({}),
    )
    .await
    .expect("labels") else {
        panic!("wrong output");
    };
    let names: Vec<_> = page.items.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "bug",
            "documentation",
            "duplicate",
            "enhancement",
            "good first issue",
            "help wanted",
            "invalid",
            "question",
            "wontfix"
        ]
    );
    let bug = &page.items[0];
    assert_eq!(bug.id.as_deref(), Some("1000"));
    assert_eq!(bug.color.as_deref(), Some("d73a4a"));
    assert_eq!(bug.description.as_deref(), Some("Something isn't working"));
    // One page, no `Link`: this is the last page.
    assert!(page.next_cursor.is_none());
    assert_used(&server, &scenario, &[0]);
}

#[tokio::test]
async fn collaborators_with_permissions() {
    let path = "/repos/octokit-fixture-org/add-and-remove-repository-collaborator/collaborators";
    let scenario = with_default_page_size(
        Scenario::load("add-and-remove-repository-collaborator"),
        "GET",
        path,
    );
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let ctx = ctx("octokit-fixture-org/add-and-remove-repository-collaborator");
    // Recorded twice: with user b invited and accepted, then after removal.
    let AnyOutput::ListRepositoryUserPermissions(before) =
        run(&github, &ctx, "list_repository_user_permissions", json!({}))
            .await
            .expect("collaborators")
    else {
        panic!("wrong output");
    };
    let summary: Vec<_> = before
        .items
        .iter()
        .map(|p| {
            (
                p.user.username.as_str(),
                p.permission,
                p.role_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("octokit-fixture-user-a", Permission::Admin, Some("admin")),
            ("octokit-fixture-user-b", Permission::Write, Some("write")),
        ]
    );
    assert_eq!(before.items[0].user.id.as_deref(), Some("31898046"));
    assert!(before.next_cursor.is_none());
    let AnyOutput::ListRepositoryUserPermissions(after) =
        run(&github, &ctx, "list_repository_user_permissions", json!({}))
            .await
            .expect("collaborators")
    else {
        panic!("wrong output");
    };
    assert_eq!(after.items.len(), 1);
    assert_eq!(after.items[0].user.username, "octokit-fixture-user-a");
    assert_used(&server, &scenario, &[3, 5]);
}

/// Create, move and delete a branch through the git refs API.
#[tokio::test]
async fn branch_lifecycle_through_git_refs() {
    let scenario = Scenario::load("git-refs");
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let ctx = ctx("octokit-fixture-org/git-refs");
    let two = Sha::new("0000000000000000000000000000000000000002").unwrap();
    let one = Sha::new("0000000000000000000000000000000000000001").unwrap();

    let AnyOutput::CreateBranch(created) = run(
        &github,
        &ctx,
        "create_branch",
        json!({"branch": "test", "sha": two}),
    )
    .await
    .expect("create") else {
        panic!("wrong output");
    };
    assert_eq!(created.ref_name, "refs/heads/test");
    assert_eq!(created.sha, two);

    // Without `force` the recorded body is `{"sha": …}` alone.
    let AnyOutput::UpdateBranch(updated) = run(
        &github,
        &ctx,
        "update_branch",
        json!({"branch": "test", "sha": one}),
    )
    .await
    .expect("update") else {
        panic!("wrong output");
    };
    assert_eq!(updated.ref_name, "refs/heads/test");
    assert_eq!(updated.sha, one);

    let AnyOutput::DeleteBranch(()) =
        run(&github, &ctx, "delete_branch", json!({"branch": "test"}))
            .await
            .expect("delete")
    else {
        panic!("wrong output");
    };
    assert_used(&server, &scenario, &[1, 2, 4]);
    // The bodies we sent are the recorded ones, byte for byte as JSON.
    let bodies: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .filter(|r| !r.body.is_empty())
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let recorded: Vec<serde_json::Value> = scenario
        .interactions
        .iter()
        .filter_map(|i| match &i.body {
            RecordedBody::Json(body) => Some(body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(bodies, recorded);
}

#[tokio::test]
async fn directory_listing_of_the_root() {
    let scenario = Scenario::load("get-content");
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let ctx = ctx("octokit-fixture-org/hello-world");
    let AnyOutput::GetDirectoryContents(page) =
        run(&github, &ctx, "get_directory_contents", json!({"path": ""}))
            .await
            .expect("listing")
    else {
        panic!("wrong output");
    };
    assert_eq!(page.items.len(), 1);
    let readme = &page.items[0];
    assert_eq!(readme.name, "README.md");
    assert_eq!(readme.path, "README.md");
    assert_eq!(readme.kind, ContentKind::File);
    assert_eq!(readme.size, Some(13));
    assert_eq!(
        readme.sha.as_ref().map(Sha::as_str),
        Some("93a078d1c3f76aa1ca11def8f882a06df1d4a01b")
    );
    assert_eq!(readme.content, None, "listings carry no content");
    assert_eq!(
        readme.html_url.as_deref(),
        Some("https://github.com/octokit-fixture-org/hello-world/blob/master/README.md")
    );
    assert!(page.next_cursor.is_none());
    assert_used(&server, &scenario, &[0]);
}

/// The recording asked for the raw media type and got the file's bytes
/// (`# hello-world`); we ask for JSON. Served that raw answer anyway, the
/// action reports a malformed answer instead of guessing.
#[tokio::test]
async fn raw_answer_where_json_was_asked_is_a_typed_error() {
    let scenario = Scenario::load("get-content");
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let ctx = ctx("octokit-fixture-org/hello-world");
    // An empty ref means the default branch (no `ref` query), as recorded.
    let err = run(
        &github,
        &ctx,
        "get_file_content",
        json!({"path": "README.md", "ref": ""}),
    )
    .await
    .expect_err("raw body is not JSON");
    assert_eq!(err.code(), "provider_malformed_response");
    assert_used(&server, &scenario, &[1]);
}

#[tokio::test]
async fn archive_link_and_streamed_download() {
    let scenario = Scenario::load("get-archive");
    let server = ReplayServer::start(&scenario);
    let github = github(&server);
    let ctx = ctx("octokit-fixture-org/get-archive");

    let AnyOutput::GetArchiveLink(link) =
        run(&github, &ctx, "get_archive_link", json!({"ref": "main"}))
            .await
            .expect("link")
    else {
        panic!("wrong output");
    };
    assert_eq!(link.format, ArchiveFormat::Tarball);
    assert_eq!(
        link.url,
        server.url("/octokit-fixture-org/get-archive/legacy.tar.gz/refs/heads/main")
    );
    assert_used(&server, &scenario, &[0]);

    let server = ReplayServer::start_in_order(&scenario);
    let github = self::github(&server);
    let AnyOutput::DownloadArchive(download) =
        run(&github, &ctx, "download_archive", json!({"ref": "main"}))
            .await
            .expect("download")
    else {
        panic!("wrong output");
    };
    assert_eq!(download.content_type.as_deref(), Some("application/x-gzip"));
    assert_eq!(
        download.filename.as_deref(),
        Some("octokit-fixture-org-get-archive-0000000.tar.gz")
    );
    let chunks: Vec<bytes::Bytes> = download.body.into_stream().try_collect().await.unwrap();
    let bytes: Vec<u8> = chunks.concat();
    assert_eq!(bytes, scenario.interactions[1].response_bytes());
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip");
    server.assert_all_consumed();
    // The API request carried our token; the pre-signed target did not.
    let requests = server.requests();
    assert!(requests[0].headers.contains_key("authorization"));
    assert!(!requests[1].headers.contains_key("authorization"));
}
