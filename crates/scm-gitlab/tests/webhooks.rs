//! Every GitLab webhook and system hook payload of the third-party corpus
//! is verified and becomes a neutral event or is counted unsupported —
//! never an error.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use http::HeaderMap;
use scm_core::events::*;
use scm_core::model::{BuildConclusion, BuildStatus, IssueState, PullRequestState, ReviewSide};
use scm_core::Secret;
use scm_gitlab::webhooks::{self, Parsed, ParsedEvent, Verified};

/// The `X-Gitlab-Event` header GitLab sends for a payload kind.
fn header_for(kind: &str, system: bool) -> &'static str {
    if system {
        return "System Hook";
    }
    match kind {
        "push" => "Push Hook",
        "tag_push" => "Tag Push Hook",
        "issue" => "Issue Hook",
        "note" => "Note Hook",
        "merge_request" => "Merge Request Hook",
        "wiki_page" => "Wiki Page Hook",
        "pipeline" => "Pipeline Hook",
        "build" => "Job Hook",
        "deployment" => "Deployment Hook",
        "feature_flag" => "Feature Flag Hook",
        "release" => "Release Hook",
        "access_token" => "Resource Access Token Hook",
        "user_add_to_group" => "Member Hook",
        "subgroup_create" => "Subgroup Hook",
        _ => "Unknown Hook",
    }
}

fn kind_of(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value["object_kind"]
        .as_str()
        .or(value["event_name"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn load(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn parse_file(corpus: &Path, folder: &str, file: &str) -> ParsedEvent {
    let body = std::fs::read(corpus.join("gitlab").join(folder).join(file)).unwrap();
    let header = header_for(&kind_of(&body), folder == "systemhooks");
    match webhooks::parse(header, &body).unwrap() {
        Parsed::Event(parsed) => *parsed,
        Parsed::Unsupported(why) => panic!("{file}: unsupported: {}", why.reason),
    }
}

#[test]
fn every_corpus_payload_is_an_event_or_unsupported() {
    let corpus = corpus();
    let secrets = [Secret::new("rotated-out"), Secret::new("current-secret")];
    let (mut parsed, mut unsupported, mut errors) = (0, 0, 0);
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for folder in ["webhooks", "systemhooks"] {
        for (file, body) in load(&corpus.join("gitlab").join(folder)) {
            // Verified on the raw bytes first, as the ingress does.
            let mut headers = HeaderMap::new();
            headers.insert("x-gitlab-token", "current-secret".parse().unwrap());
            assert_eq!(
                webhooks::verify(&headers, &body, &secrets),
                Ok(Verified::Token)
            );
            let now = 1_700_000_000;
            let signed_secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            let mut signed = HeaderMap::new();
            signed.insert("webhook-id", "msg_1".parse().unwrap());
            signed.insert("webhook-timestamp", now.to_string().parse().unwrap());
            let signature = webhooks::signature_header(&signed_secret, "msg_1", now, &body);
            signed.insert("webhook-signature", signature.parse().unwrap());
            assert_eq!(
                webhooks::verify_at(&signed, &body, std::slice::from_ref(&signed_secret), now),
                Ok(Verified::Signature)
            );

            let header = header_for(&kind_of(&body), folder == "systemhooks");
            match webhooks::parse(header, &body) {
                Ok(Parsed::Event(event)) => {
                    parsed += 1;
                    *by_type
                        .entry(event.event.event_type().to_string())
                        .or_default() += 1;
                    // Every event round-trips through the queue's envelope.
                    let envelope = EventEnvelope::new(
                        "gitlab",
                        "d",
                        header,
                        body.clone().into(),
                        event.event.clone(),
                    );
                    assert_eq!(
                        EventEnvelope::from_json(&envelope.to_json()).unwrap(),
                        envelope
                    );
                    assert!(
                        event.repository.is_some(),
                        "{folder}/{file} names its project"
                    );
                }
                Ok(Parsed::Unsupported(_)) => unsupported += 1,
                Err(err) => {
                    errors += 1;
                    eprintln!("{folder}/{file}: {err}");
                }
            }
        }
    }
    println!("gitlab webhooks: {parsed} parsed, {unsupported} unsupported, {errors} errors");
    println!("by event type: {by_type:?}");
    assert_eq!(errors, 0);
    assert!(parsed >= 40, "{parsed}");
}

#[test]
fn merge_request_open_merge_close_reopen_and_updates() {
    let corpus = corpus();
    let open = parse_file(&corpus, "webhooks", "merge_request.json");
    let Event::PullRequest(pr) = open.event else {
        panic!()
    };
    assert_eq!(pr.action, PullRequestAction::Opened);
    let snap = &pr.pull_request;
    assert_eq!(snap.id, "1");
    assert_eq!(snap.external_id.as_deref(), Some("99"));
    assert_eq!(snap.title, "MS-Viewport");
    assert_eq!(snap.description, None);
    assert_eq!(snap.head.ref_name, "ms-viewport");
    assert_eq!(
        snap.head.sha.as_ref().unwrap().as_str(),
        "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    );
    assert_eq!(
        snap.head.repository_full_name.as_deref(),
        Some("awesome_space/awesome_project")
    );
    assert_eq!(snap.base.ref_name, "master");
    assert!(!snap.is_private_repo);
    assert_eq!(snap.state, PullRequestState::Open);
    assert!(!snap.merged && !snap.draft);
    assert_eq!(snap.labels[0].name, "API");
    assert_eq!(snap.labels[0].color.as_deref(), Some("ffffff"));
    assert_eq!(
        snap.html_url.as_deref(),
        Some("http://example.com/diaspora/merge_requests/1")
    );
    assert_eq!(pr.sender.unwrap().username, "user1");
    let repo = open.repository.unwrap();
    assert_eq!(
        (repo.external_id.as_str(), repo.full_name.as_str()),
        ("1", "gitlabhq/gitlab-test")
    );

    for file in ["goscm_pull_request_merge.json", "group_merge_request.json"] {
        let Event::PullRequest(pr) = parse_file(&corpus, "webhooks", file).event else {
            panic!()
        };
        assert_eq!(pr.action, PullRequestAction::Closed, "{file}");
        assert!(
            pr.pull_request.merged,
            "{file}: a merge is never merely closed"
        );
        assert_eq!(pr.pull_request.state, PullRequestState::Closed);
    }
    // A group hook payload whose recorded keys carry trailing spaces.
    let Event::PullRequest(group) =
        parse_file(&corpus, "webhooks", "group_merge_request.json").event
    else {
        panic!()
    };
    assert_eq!(group.pull_request.id, "1402");
    assert_eq!(
        group
            .pull_request
            .merge_commit_sha
            .as_ref()
            .unwrap()
            .as_str(),
        "ac3ca1559bc39abf963586372eff7f8fdded646e"
    );
    let Event::PullRequest(closed) =
        parse_file(&corpus, "webhooks", "goscm_pull_request_close.json").event
    else {
        panic!()
    };
    assert_eq!(closed.action, PullRequestAction::Closed);
    assert!(!closed.pull_request.merged);
    let Event::PullRequest(reopened) =
        parse_file(&corpus, "webhooks", "goscm_pull_request_reopen.json").event
    else {
        panic!()
    };
    assert_eq!(reopened.action, PullRequestAction::Reopened);
    assert_eq!(reopened.pull_request.state, PullRequestState::Open);
    let Event::PullRequest(draft) =
        parse_file(&corpus, "webhooks", "goscm_pull_request_review_ready.json").event
    else {
        panic!()
    };
    assert_eq!(draft.action, PullRequestAction::ConvertedToDraft);
    assert!(draft.pull_request.draft);
}

#[test]
fn an_update_with_new_commits_is_synchronize() {
    let corpus = corpus();
    // An `update` carrying `oldrev` (the previous head) brought new commits.
    let Event::PullRequest(pushed) =
        parse_file(&corpus, "webhooks", "service_merge_request.json").event
    else {
        panic!()
    };
    assert_eq!(pushed.action, PullRequestAction::Synchronize);
    // The same update without `oldrev` is an edit, not new commits.
    let body = std::fs::read(corpus.join("gitlab/webhooks/service_merge_request.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    value["object_attributes"]
        .as_object_mut()
        .unwrap()
        .remove("oldrev");
    let Parsed::Event(edited) =
        webhooks::parse("Merge Request Hook", &serde_json::to_vec(&value).unwrap()).unwrap()
    else {
        panic!()
    };
    let Event::PullRequest(edited) = edited.event else {
        panic!()
    };
    assert_eq!(edited.action, PullRequestAction::Edited);
}

#[test]
fn notes_on_merge_requests_and_issues() {
    let corpus = corpus();
    let Event::Comment(c) = parse_file(&corpus, "webhooks", "note_merge_request.json").event else {
        panic!()
    };
    assert_eq!(c.action, CommentAction::Created);
    assert_eq!(c.comment_type, CommentType::PullRequest);
    assert_eq!(c.issue_id, "1");
    assert_eq!(c.comment.id, "1244");
    assert_eq!(c.comment.body, "This MR needs work.");
    assert_eq!(c.comment.author.as_ref().unwrap().username, "root");
    assert_eq!(
        c.issue_title.as_deref(),
        Some("Tempora et eos debitis quae laborum et.")
    );

    let Event::Comment(c) = parse_file(&corpus, "webhooks", "note_issue.json").event else {
        panic!()
    };
    assert_eq!(c.comment_type, CommentType::Issue);
    assert_eq!(c.issue_id, "17");
    assert_eq!(c.comment.id, "1241");

    let Event::ReviewComment(r) =
        parse_file(&corpus, "webhooks", "goscm_review_comment_create.json").event
    else {
        panic!()
    };
    assert_eq!(r.action, ReviewCommentAction::Created);
    assert_eq!(r.comment.id, "50772639");
    assert_eq!(r.comment.body, "check spelling");
    assert_eq!(r.comment.path.as_deref(), Some("README.md"));
    assert_eq!(r.comment.side, Some(ReviewSide::Head));
    assert_eq!(r.comment.line, Some(1));
    assert_eq!(r.pull_request.id, "1");
    assert!(r.pull_request.is_private_repo);

    // Notes on commits and snippets have no neutral event.
    for file in ["note_commit.json", "note_snippet.json"] {
        let body = std::fs::read(corpus.join("gitlab/webhooks").join(file)).unwrap();
        assert!(
            matches!(
                webhooks::parse("Note Hook", &body).unwrap(),
                Parsed::Unsupported(_)
            ),
            "{file}"
        );
    }
}

#[test]
fn pipelines_and_jobs() {
    let corpus = corpus();
    let parsed = parse_file(&corpus, "webhooks", "pipeline.json");
    let Event::CheckSuite(suite) = parsed.event else {
        panic!()
    };
    assert_eq!(suite.action, CheckSuiteAction::Completed);
    assert_eq!(suite.check_suite.id, "31");
    assert_eq!(
        suite.check_suite.head_sha.as_str(),
        "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
    );
    assert_eq!(suite.check_suite.head_branch.as_deref(), Some("master"));
    assert_eq!(suite.check_suite.status, Some(BuildStatus::Completed));
    assert_eq!(suite.check_suite.conclusion, Some(BuildConclusion::Success));
    assert_eq!(suite.check_suite.pull_request_ids, ["1"]);
    assert_eq!(
        parsed.repository.unwrap().full_name,
        "gitlab-org/gitlab-test"
    );

    let parsed = parse_file(&corpus, "webhooks", "job.json");
    let Event::CheckRun(run) = parsed.event else {
        panic!()
    };
    assert_eq!(run.action, CheckRunAction::Completed);
    let check = &run.check_run;
    assert_eq!(
        check.id,
        "3580121225@95d49d1efbd941908580e79d65e4b5ecaf4a8305"
    );
    assert_eq!(check.name, "auto_deploy:start");
    assert_eq!(check.status, BuildStatus::Completed);
    assert_eq!(check.conclusion, Some(BuildConclusion::Success));
    assert_eq!(check.check_suite_id.as_deref(), Some("743121198"));
    assert_eq!(
        check.html_url.as_deref(),
        Some("https://gitlab.com/jsmithy2/release-tools-fake/-/jobs/3580121225")
    );
    assert_eq!(
        check.completed_at.unwrap().to_rfc3339(),
        "2023-01-10T13:50:54+00:00"
    );
    let repo = parsed.repository.unwrap();
    assert_eq!(
        (repo.external_id.as_str(), repo.full_name.as_str()),
        ("31537070", "jsmithy2/release-tools-fake")
    );

    let Event::CheckRun(created) = parse_file(&corpus, "webhooks", "build.json").event else {
        panic!()
    };
    assert_eq!(created.action, CheckRunAction::Created);
    assert_eq!(created.check_run.status, BuildStatus::Pending);
    assert_eq!(created.check_run.conclusion, None);
}

#[test]
fn pushes_and_tags() {
    let corpus = corpus();
    let parsed = parse_file(&corpus, "webhooks", "push.json");
    let Event::Push(push) = parsed.event else {
        panic!()
    };
    assert_eq!(push.action, PushAction::Pushed);
    assert_eq!(push.ref_name, "refs/heads/master");
    assert_eq!(
        push.before.as_ref().unwrap().as_str(),
        "95790bf891e76fee5e1747ab589903a6a1f80f22"
    );
    assert_eq!(
        push.after.as_ref().unwrap().as_str(),
        "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    );
    assert_eq!(push.commits.len(), 2);
    assert_eq!(
        push.commits[0].sha.as_str(),
        "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327"
    );
    assert_eq!(
        push.commits[0].author.as_ref().unwrap().name.as_deref(),
        Some("Jordi Mallach")
    );
    assert_eq!(push.commits[0].added, ["CHANGELOG"]);
    assert_eq!(push.pusher.as_ref().unwrap().username, "jsmith");
    assert!(push.compare_url.as_deref().unwrap().ends_with(
        "/-/compare/95790bf891e76fee5e1747ab589903a6a1f80f22...da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    ));
    assert_eq!(parsed.repository.unwrap().external_id, "15");

    let Event::Push(created) = parse_file(&corpus, "webhooks", "goscm_branch_create.json").event
    else {
        panic!()
    };
    assert_eq!(created.action, PushAction::Created);
    assert!(created.before.is_none());
    let Event::Push(deleted) = parse_file(&corpus, "webhooks", "goscm_branch_delete.json").event
    else {
        panic!()
    };
    assert_eq!(deleted.action, PushAction::Deleted);
    assert!(deleted.after.is_none());
    let Event::Push(tag) = parse_file(&corpus, "webhooks", "tag_push.json").event else {
        panic!()
    };
    assert!(tag.ref_name.starts_with("refs/tags/"));
    let Event::Push(system) = parse_file(&corpus, "systemhooks", "push.json").event else {
        panic!()
    };
    assert_eq!(system.ref_name, "refs/heads/master");
}

#[test]
fn issues() {
    let corpus = corpus();
    let Event::Issue(open) = parse_file(&corpus, "webhooks", "issue.json").event else {
        panic!()
    };
    assert_eq!(open.action, IssueAction::Opened);
    assert_eq!(open.issue.id, "23");
    assert_eq!(open.issue.node_id.as_deref(), Some("301"));
    assert_eq!(open.issue.title, "New API: create/update/delete file");
    assert_eq!(open.issue.state, IssueState::Open);
    assert_eq!(open.issue.assignees[0].username, "user1");
    assert_eq!(open.issue.labels[0].name, "API");
    let Event::Issue(closed) = parse_file(&corpus, "webhooks", "goscm_issue_closed.json").event
    else {
        panic!()
    };
    assert_eq!(closed.action, IssueAction::Closed);
    assert_eq!(closed.issue.state, IssueState::Closed);
    let Event::Issue(reopened) = parse_file(&corpus, "webhooks", "goscm_issue_reopen.json").event
    else {
        panic!()
    };
    assert_eq!(reopened.action, IssueAction::Reopened);
    let Event::Issue(labeled) = parse_file(&corpus, "webhooks", "goscm_issue_labeled.json").event
    else {
        panic!()
    };
    assert_eq!(labeled.action, IssueAction::Labeled);
    let Event::Issue(edited) = parse_file(&corpus, "webhooks", "goscm_issue_edited.json").event
    else {
        panic!()
    };
    assert_eq!(edited.action, IssueAction::Edited);
}

/// Issues and merge requests carry their author: GitLab gives `author_id`
/// and the triggering `user`; the user's details are used only when the
/// user is the author.
#[test]
fn issue_and_merge_request_authors() {
    let corpus = corpus();
    let author = |file: &str| match parse_file(&corpus, "webhooks", file).event {
        Event::Issue(e) => e.issue.author,
        Event::PullRequest(e) => e.pull_request.author,
        other => panic!("{file}: {other:?}"),
    };
    // The triggering user is the author (same id).
    let same = author("goscm_pull_request_review_ready.json").unwrap();
    assert_eq!(same.id.as_deref(), Some("13900456"));
    assert_eq!(same.username, "rathod.meetsatish");
    // Older payloads: the user has no id; opening makes them the author.
    for file in ["goscm_issue_create.json", "goscm_pull_request_create.json"] {
        let opener = author(file).unwrap();
        assert_eq!(opener.id.as_deref(), Some("51764"), "{file}");
        assert_eq!(opener.username, "sytses", "{file}");
    }
    // Someone else acted (or might have): the author is known by id only.
    for (file, id) in [
        ("issue.json", "51"),
        ("merge_request.json", "51"),
        ("goscm_issue_closed.json", "51764"),
        ("goscm_pull_request_merge.json", "51764"),
    ] {
        let other = author(file).unwrap();
        assert_eq!(other.id.as_deref(), Some(id), "{file}");
        assert_eq!(
            other.username, "",
            "{file}: the acting user is not the author"
        );
    }
}
