//! Real recorded GitHub traffic (`@octokit/fixtures`) for the pull request,
//! git object, checks, review and moderation actions.
//!
//! The recordings date from 2017 and have no pull requests, check runs,
//! workflow runs, reviews, git-data reads or writes, or GraphQL; the one
//! scenario near these groups, `create-status`, writes commit statuses,
//! which no catalogue action does. So there is nothing to replay end to
//! end yet. What the recordings do hold:
//! - `create-file` answers with the git commit object GitHub wrote, the
//!   same shape as `GET/POST …/git/commits`: it must map through our
//!   git-commit schema;
//! - a guard: should a newer fixtures release record any endpoint of these
//!   groups, this test fails and names it, so a replay gets written.

use scm_core::model::GitCommitObject;
use scm_github::schema::GhGitCommit;
use scm_testkit::octokit::{list_scenarios, Scenario};

/// Path fragments of the endpoints behind this file's action groups.
const ENDPOINTS: &[&str] = &[
    "/pulls",
    "/check-runs",
    "/check-suites",
    "/actions/runs",
    "/actions/jobs",
    "/git/trees",
    "/git/blobs",
    "/git/commits",
    "/graphql",
];

#[test]
fn no_recorded_scenario_touches_these_groups_unreplayed() {
    let names = list_scenarios();
    assert!(!names.is_empty(), "no octokit scenarios installed");
    let mut touching = Vec::new();
    for name in &names {
        for interaction in Scenario::load(name).interactions {
            let path = interaction.path_only();
            if ENDPOINTS.iter().any(|endpoint| path.contains(endpoint)) {
                touching.push(format!("{name}: {} {path}", interaction.method));
            }
        }
    }
    assert!(
        touching.is_empty(),
        "octokit fixtures now record pull/check/review/git-data traffic; replay it here:\n{}",
        touching.join("\n")
    );
}

#[test]
fn recorded_git_commit_object_maps() {
    let scenario = Scenario::load("create-file");
    let put = scenario
        .interactions
        .iter()
        .find(|i| i.method == http::Method::PUT)
        .expect("create-file records a PUT");
    let commit = put
        .response_json()
        .and_then(|body| body.get("commit"))
        .expect("the answer carries the new commit")
        .clone();
    let commit: GitCommitObject = serde_json::from_value::<GhGitCommit>(commit)
        .expect("GitHub's recorded commit object parses")
        .into();
    assert_eq!(
        commit.sha.as_str(),
        "0000000000000000000000000000000000000002"
    );
    assert_eq!(
        commit.tree_sha.as_str(),
        "0000000000000000000000000000000000000001"
    );
    assert_eq!(commit.message, "create test.txt");
    assert!(commit.parent_shas.is_empty());
    let author = commit.author.expect("author");
    assert_eq!(author.name.as_deref(), Some("octokit-fixture-user-a"));
    assert_eq!(
        author.date.map(|d| d.to_rfc3339()),
        Some("2017-10-10T16:00:00+00:00".to_owned())
    );
}
