//! Every Data Center webhook payload in the corpus (`bitbucket-dc/webhooks/`
//! and the two `repo:refs_changed` samples kept in `bitbucket-dc/rest/`),
//! signed and posted through the receiver the server's ingress calls:
//! each becomes a neutral event or is counted unsupported, never an error.
//! Our own fixtures (`tests/fixtures/ours-*`) cover reviewer and comment
//! events the corpus has no sample of.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use scm_bitbucket_server::webhooks::BitbucketServerReceiver;
use scm_core::events::signature::sign_sha256_hex;
use scm_core::events::{
    CommentAction, Event, PullRequestAction, PullRequestReviewAction, PushAction, ReceivedWebhook,
    ReviewCommentAction, WebhookReceiver,
};
use scm_core::model::ReviewState;
use scm_core::Secret;

const SECRET: &str = "bitbucket-dc-webhook-secret";

fn sign(secret: &str, body: &[u8]) -> String {
    sign_sha256_hex(&Secret::new(secret), body)
}

fn headers(event_key: Option<&str>, body: &[u8], delivery: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("x-request-id", delivery.parse().unwrap());
    if let Some(key) = event_key {
        headers.insert("x-event-key", key.parse().unwrap());
    }
    headers.insert("x-hub-signature", sign(SECRET, body).parse().unwrap());
    headers
}

fn event_key(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value["eventKey"].as_str().map(str::to_owned)
}

fn receive(path: &Path, key: Option<&str>) -> Result<ReceivedWebhook, String> {
    let body = std::fs::read(path).unwrap();
    let key = key.map(str::to_owned).or_else(|| event_key(&body));
    let headers = headers(key.as_deref(), &body, "00000000-test");
    let secrets = [Secret::new("an-old-secret"), Secret::new(SECRET)];
    BitbucketServerReceiver
        .receive(&secrets, &headers, Bytes::from(body))
        .map_err(|err| err.to_string())
}

fn corpus_payloads() -> Vec<PathBuf> {
    let dir = scm_testkit::paths::corpus("bitbucket-dc");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("webhooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    for name in ["fnb_push_branch_create.json", "fnb_push_update.json"] {
        files.push(dir.join("rest").join(name));
    }
    files.sort();
    files
}

fn ours() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_payload_is_an_event_or_unsupported() {
    let corpus = corpus_payloads();
    let (mut parsed, mut unsupported, mut errors) = (0, 0, Vec::new());
    for path in corpus.iter().chain(ours().iter()) {
        let key = (name(path) == "ours-diagnostics_ping.json").then_some("diagnostics:ping");
        match receive(path, key) {
            Ok(ReceivedWebhook::Event(envelope)) => {
                parsed += 1;
                assert_eq!(envelope.provider, "bitbucket_server");
                assert_eq!(envelope.delivery_id, "00000000-test");
                assert!(envelope.repository.is_some(), "{}", name(path));
            }
            Ok(ReceivedWebhook::Unsupported { .. }) => unsupported += 1,
            Err(err) => errors.push(format!("{}: {err}", name(path))),
        }
    }
    println!(
        "bitbucket_server webhooks: {parsed} parsed, {unsupported} unsupported, {} errors",
        errors.len()
    );
    for error in &errors {
        println!("  ERROR {error}");
    }
    assert!(errors.is_empty());
    // 18 corpus payloads (only pr:deleted unsupported) + our 11 (ping unsupported).
    assert_eq!(unsupported, 2);
    assert_eq!(parsed, corpus.len() + ours().len() - 2);
}

fn event(path: &Path) -> Event {
    match receive(path, None).unwrap() {
        ReceivedWebhook::Event(envelope) => envelope.event,
        other => panic!("{}: {other:?}", name(path)),
    }
}

#[test]
fn pushes_map_field_by_field() {
    let dir = scm_testkit::paths::corpus("bitbucket-dc");
    let Event::Push(push) = event(&dir.join("webhooks/push.json")) else {
        panic!("not a push");
    };
    assert_eq!(push.action, PushAction::Pushed);
    assert_eq!(push.ref_name, "refs/heads/master");
    assert_eq!(
        push.before.unwrap().as_str(),
        "5c64a07cd6c0f21b753bf261ef059c7e7633c50a"
    );
    assert_eq!(
        push.after.unwrap().as_str(),
        "823b2230a56056231c9425d63758fa87078a66b4"
    );
    assert_eq!(push.sender.unwrap().username, "jcitizen");

    let Event::Push(created) = event(&dir.join("webhooks/push_branch_create.json")) else {
        panic!("not a push");
    };
    assert_eq!(created.action, PushAction::Created);
    assert!(created.before.is_none());
    let Event::Push(deleted) = event(&dir.join("webhooks/push_tag_delete.json")) else {
        panic!("not a push");
    };
    assert_eq!(deleted.action, PushAction::Deleted);
    assert!(deleted.ref_name.starts_with("refs/tags/"));
    assert!(deleted.after.is_none());

    let ReceivedWebhook::Event(envelope) = receive(&dir.join("webhooks/push.json"), None).unwrap()
    else {
        panic!()
    };
    let repo = envelope.repository.unwrap();
    assert_eq!(repo.full_name, "PRJ/my-repo");
    assert_eq!(repo.external_id, "1");
}

#[test]
fn pull_request_events_map_field_by_field() {
    let dir = scm_testkit::paths::corpus("bitbucket-dc/webhooks");
    let Event::PullRequest(opened) = event(&dir.join("pr_open.json")) else {
        panic!("not a pull request event");
    };
    assert_eq!(opened.action, PullRequestAction::Opened);
    let pr = &opened.pull_request;
    assert_eq!(pr.id, "2");
    assert_eq!(pr.title, "added LICENSE");
    assert_eq!(pr.description.as_deref(), Some("added BSD license text"));
    assert_eq!(pr.head.ref_name, "develop");
    assert_eq!(
        pr.head.sha.as_ref().unwrap().as_str(),
        "208b0a5c05eddadad01f2aed8802fe0c3b3eaf5e"
    );
    assert_eq!(pr.base.ref_name, "master");
    assert_eq!(pr.head.repository_full_name.as_deref(), Some("PRJ/my-repo"));
    assert!(pr.is_private_repo);
    assert!(!pr.merged && !pr.draft);
    assert_eq!(pr.author.as_ref().unwrap().username, "jcitizen");

    for (file, action) in [
        ("pr_from_ref_updated.json", PullRequestAction::Synchronize),
        ("pr_modified_meta.json", PullRequestAction::Edited),
        ("pr_modified_toref.json", PullRequestAction::Edited),
    ] {
        let Event::PullRequest(e) = event(&dir.join(file)) else {
            panic!("{file}");
        };
        assert_eq!(e.action, action, "{file}");
    }
    for (file, merged) in [
        ("pr_merged.json", true),
        ("pr_merged_iso_dates.json", true),
        ("pr_declined.json", false),
        ("pr_declined_iso_dates.json", false),
    ] {
        let Event::PullRequest(e) = event(&dir.join(file)) else {
            panic!("{file}");
        };
        assert_eq!(e.action, PullRequestAction::Closed, "{file}");
        assert_eq!(e.pull_request.merged, merged, "{file}");
    }
    let Event::PullRequest(merged) = event(&dir.join("pr_merged_iso_dates.json")) else {
        panic!()
    };
    assert_eq!(
        merged.pull_request.merge_commit_sha.unwrap().as_str(),
        "83f836ca538dc4f43d29fda46a5b85ea49f1b8e7"
    );
}

#[test]
fn reviewer_and_comment_events_from_our_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (file, action, state) in [
        (
            "ours-pr_reviewer_approved.json",
            PullRequestReviewAction::Submitted,
            ReviewState::Approved,
        ),
        (
            "ours-pr_reviewer_needs_work.json",
            PullRequestReviewAction::Submitted,
            ReviewState::ChangesRequested,
        ),
        (
            "ours-pr_reviewer_changes_requested.json",
            PullRequestReviewAction::Submitted,
            ReviewState::ChangesRequested,
        ),
        (
            "ours-pr_reviewer_unapproved.json",
            PullRequestReviewAction::Dismissed,
            ReviewState::Dismissed,
        ),
    ] {
        let Event::PullRequestReview(e) = event(&dir.join(file)) else {
            panic!("{file}");
        };
        assert_eq!(e.action, action, "{file}");
        assert_eq!(e.review.state, state, "{file}");
        assert_eq!(e.review.id, "2", "{file}");
        assert_eq!(e.review.author.as_ref().unwrap().username, "bob");
        assert_eq!(e.pull_request.id, "12");
    }
    let Event::PullRequest(updated) = event(&dir.join("ours-pr_reviewer_updated.json")) else {
        panic!()
    };
    assert_eq!(updated.action, PullRequestAction::ReviewRequested);

    let Event::Comment(added) = event(&dir.join("ours-pr_comment_added.json")) else {
        panic!()
    };
    assert_eq!(added.action, CommentAction::Created);
    assert_eq!(added.issue_id, "12");
    assert_eq!(added.comment.id, "301");
    assert_eq!(added.comment.body, "Why a cache here?");
    assert_eq!(
        added.comment.html_url.as_deref(),
        Some("https://bitbucket.example.com/projects/ACME/repos/widgets/pull-requests/12/overview?commentId=301")
    );
    let Event::Comment(edited) = event(&dir.join("ours-pr_comment_edited.json")) else {
        panic!()
    };
    assert_eq!(edited.action, CommentAction::Edited);
    let Event::Comment(deleted) = event(&dir.join("ours-pr_comment_deleted.json")) else {
        panic!()
    };
    assert_eq!(deleted.action, CommentAction::Deleted);
    let Event::ReviewComment(anchored) = event(&dir.join("ours-pr_comment_added_anchored.json"))
    else {
        panic!()
    };
    assert_eq!(anchored.action, ReviewCommentAction::Created);
    assert_eq!(anchored.comment.path.as_deref(), Some("src/cache.rs"));
    assert_eq!(anchored.comment.line, Some(14));
}

#[test]
fn signatures_are_required_except_for_the_ping() {
    let body = br#"{"eventKey":"repo:refs_changed","changes":[]}"#.to_vec();
    let secrets = [Secret::new(SECRET)];
    let mut unsigned = headers(Some("repo:refs_changed"), &body, "d1");
    unsigned.remove("x-hub-signature");
    let refused = BitbucketServerReceiver
        .receive(&secrets, &unsigned, Bytes::from(body.clone()))
        .unwrap_err();
    assert_eq!(refused.http_status(), 401);
    let mut wrong = headers(Some("repo:refs_changed"), &body, "d1");
    wrong.insert("x-hub-signature", sign("other", &body).parse().unwrap());
    assert_eq!(
        BitbucketServerReceiver
            .receive(&secrets, &wrong, Bytes::from(body.clone()))
            .unwrap_err()
            .http_status(),
        401
    );
    let none = BitbucketServerReceiver
        .receive(
            &[],
            &headers(Some("repo:refs_changed"), &body, "d1"),
            Bytes::from(body.clone()),
        )
        .unwrap_err();
    assert_eq!(none.http_status(), 503);
    assert!(!none.to_string().contains(SECRET));

    let mut ping = http::HeaderMap::new();
    ping.insert("x-event-key", "diagnostics:ping".parse().unwrap());
    let answer = BitbucketServerReceiver
        .receive(&secrets, &ping, Bytes::from_static(b"{\"test\": true}"))
        .unwrap();
    assert!(
        matches!(answer, ReceivedWebhook::Unsupported { ref event, .. } if event == "diagnostics:ping")
    );

    // Without X-Event-Key, the body's eventKey names the event.
    let no_key = headers(None, &body, "d2");
    assert!(BitbucketServerReceiver
        .receive(&secrets, &no_key, Bytes::from(body))
        .is_ok());
}

/// Our own payload: one push that updated a branch and created a tag.
#[test]
fn a_push_of_several_refs_parses_into_one_event_each() {
    let body = serde_json::json!({
        "eventKey": "repo:refs_changed",
        "date": "2026-11-27T10:15:00+0000",
        "actor": {"name": "alice", "id": 1, "slug": "alice"},
        "repository": {"slug": "widgets", "id": 42, "project": {"key": "ACME"}},
        "changes": [
            {"ref": {"id": "refs/heads/main", "displayId": "main", "type": "BRANCH"}, "refId": "refs/heads/main",
             "fromHash": "1111111111111111111111111111111111111111", "toHash": "2222222222222222222222222222222222222222", "type": "UPDATE"},
            {"ref": {"id": "refs/tags/v2", "displayId": "v2", "type": "TAG"}, "refId": "refs/tags/v2",
             "fromHash": "0000000000000000000000000000000000000000", "toHash": "2222222222222222222222222222222222222222", "type": "ADD"}
        ]
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let scm_bitbucket_server::webhooks::Parsed::Events(events) =
        scm_bitbucket_server::webhooks::parse("repo:refs_changed", &bytes).unwrap()
    else {
        panic!("a push is supported");
    };
    let pushes: Vec<(String, PushAction)> = events
        .into_iter()
        .map(|e| match e.event {
            Event::Push(p) => (p.ref_name, p.action),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        pushes,
        [
            ("refs/heads/main".to_owned(), PushAction::Pushed),
            ("refs/tags/v2".to_owned(), PushAction::Created)
        ]
    );
}
