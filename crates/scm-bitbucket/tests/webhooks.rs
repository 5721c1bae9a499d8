//! Every Bitbucket Cloud webhook payload of the corpus, signed here and
//! posted through the provider's [`WebhookReceiver`], becomes a neutral
//! event or is counted unsupported, with no errors. Event keys without a
//! corpus sample (approvals, change requests, comment updates, inline
//! replies) use our own fixtures in `tests/fixtures/ours-*.json`, marked as
//! ours in their `_fixture` field.

mod common;

use std::path::PathBuf;

use common::{fixtures, CORPUS};

use bytes::Bytes;
use scm_bitbucket::webhooks::BitbucketReceiver;
use scm_core::events::*;
use scm_core::model::{BuildConclusion, BuildStatus, ReviewSide, ReviewState};
use scm_core::Secret;
use scm_testkit::webhooks::signature_sha256;

const SECRET: &str = "bitbucket-webhook-secret";

fn headers(key: &str, body: &[u8], index: usize) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("content-type", "application/json".parse().unwrap());
    h.insert("x-event-key", key.parse().unwrap());
    h.insert(
        "x-request-uuid",
        format!("00000000-0000-4000-8000-{index:012}")
            .parse()
            .unwrap(),
    );
    h.insert(
        "x-hook-uuid",
        "{a0b1c2d3-0000-4000-8000-000000000001}".parse().unwrap(),
    );
    h.insert("x-attempt-number", "1".parse().unwrap());
    h.insert(
        "x-hub-signature",
        signature_sha256(SECRET.as_bytes(), body).parse().unwrap(),
    );
    h
}

fn receive(key: &str, body: &[u8], index: usize) -> Result<ReceivedWebhook, WebhookRejection> {
    BitbucketReceiver.receive(
        &[Secret::new("an-old-secret"), Secret::new(SECRET)],
        &headers(key, body, index),
        Bytes::copy_from_slice(body),
    )
}

fn event(received: ReceivedWebhook) -> Box<EventEnvelope> {
    match received {
        ReceivedWebhook::Event(envelope) => envelope,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn every_payload_becomes_an_event_or_is_counted_unsupported() {
    let dir = common::corpus("webhooks");
    let mut deliveries: Vec<(String, String, Vec<u8>)> = CORPUS
        .iter()
        .map(|(file, key)| {
            (
                file.to_string(),
                key.to_string(),
                std::fs::read(dir.join(file)).unwrap(),
            )
        })
        .collect();
    // Every corpus file is in the table.
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        on_disk,
        CORPUS.len(),
        "a corpus webhook file is not mapped to its event key"
    );
    for (path, key) in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        deliveries.push((name, key, std::fs::read(path).unwrap()));
    }
    let (mut parsed, mut unsupported, mut errors) = (0, 0, 0);
    for (index, (name, key, body)) in deliveries.iter().enumerate() {
        match receive(key, body, index) {
            Ok(ReceivedWebhook::Event(envelope)) => {
                parsed += 1;
                assert_eq!(envelope.provider, "bitbucket");
                assert_eq!(envelope.event_type_hint, *key);
                assert!(envelope.repository.is_some(), "{name}: no repository");
                println!(
                    "  {name} ({key}) -> {} {}",
                    envelope.event_type(),
                    envelope.event.action()
                );
            }
            Ok(ReceivedWebhook::Unsupported { event, .. }) => {
                unsupported += 1;
                println!("  {name} ({key}) -> unsupported {event}");
            }
            Err(err) => {
                errors += 1;
                println!("  {name} ({key}) -> ERROR {err}");
            }
        }
    }
    println!("bitbucket webhooks: {parsed} parsed, {unsupported} unsupported, {errors} errors");
    assert_eq!(errors, 0);
    assert_eq!(parsed + unsupported, deliveries.len());
    assert!(parsed >= 19);
}

fn corpus_event(file: &str, key: &str) -> Box<EventEnvelope> {
    let dir = common::corpus("webhooks");
    let body = std::fs::read(dir.join(file)).unwrap();
    event(receive(key, &body, 1).unwrap())
}

fn fixture_event(name: &str, key: &str) -> Box<EventEnvelope> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    event(receive(key, &std::fs::read(path).unwrap(), 2).unwrap())
}

#[test]
fn pushes_say_what_happened_to_the_ref() {
    let push = corpus_event("push.json", "repo:push");
    assert_eq!(push.delivery_id, "00000000-0000-4000-8000-000000000001");
    let repo = push.repository.as_ref().unwrap();
    assert!(
        repo.external_id.starts_with('{'),
        "the repository uuid is the external id"
    );
    let Event::Push(p) = &push.event else {
        panic!()
    };
    assert_eq!(p.action, PushAction::Pushed);
    assert_eq!(p.ref_name, "refs/heads/master");
    assert!(p.before.is_some() && p.after.is_some());
    assert_eq!(p.commits.len(), 1);
    assert!(p.sender.is_some());

    let created = corpus_event("push_branch_create.json", "repo:push");
    let Event::Push(c) = &created.event else {
        panic!()
    };
    assert_eq!(
        (c.action.clone(), c.ref_name.as_str()),
        (PushAction::Created, "refs/heads/develop")
    );
    assert!(c.before.is_none() && c.after.is_some());
    assert_eq!(c.commits.len(), 2);

    let deleted = corpus_event("push_branch_delete.json", "repo:push");
    let Event::Push(d) = &deleted.event else {
        panic!()
    };
    assert_eq!(d.action, PushAction::Deleted);
    assert!(d.after.is_none() && d.before.is_some());

    let tag = corpus_event("push_tag_create.json", "repo:push");
    let Event::Push(t) = &tag.event else { panic!() };
    assert_eq!(
        (t.action.clone(), t.ref_name.as_str()),
        (PushAction::Created, "refs/tags/feature/x")
    );
    let tag_deleted = corpus_event("push_tag_delete.json", "repo:push");
    let Event::Push(t) = &tag_deleted.event else {
        panic!()
    };
    assert_eq!(t.action, PushAction::Deleted);
    assert!(t.ref_name.starts_with("refs/tags/"));
}

#[test]
fn merged_and_declined_are_told_apart() {
    let merged = corpus_event("pr_fulfilled.json", "pullrequest:fulfilled");
    let Event::PullRequest(m) = &merged.event else {
        panic!()
    };
    assert_eq!(m.action, PullRequestAction::Closed);
    assert!(m.pull_request.merged);
    let declined = corpus_event("pr_declined.json", "pullrequest:rejected");
    let Event::PullRequest(d) = &declined.event else {
        panic!()
    };
    assert_eq!(d.action, PullRequestAction::Closed);
    assert!(!d.pull_request.merged);
    let opened = corpus_event("pr_created.json", "pullrequest:created");
    let Event::PullRequest(o) = &opened.event else {
        panic!()
    };
    assert_eq!(o.action, PullRequestAction::Opened);
    assert_eq!(o.pull_request.head.ref_name, "develop");
    assert_eq!(o.pull_request.base.ref_name, "master");
    // 12-character abbreviated hashes are kept as sent.
    assert_eq!(o.pull_request.head.sha.as_ref().unwrap().as_str().len(), 12);
    assert!(!o.pull_request.draft, "2022 payloads have no draft field");
    assert!(o.pull_request.is_private_repo);
    let edited = corpus_event("pr_updated.json", "pullrequest:updated");
    let Event::PullRequest(e) = &edited.event else {
        panic!()
    };
    assert_eq!(e.action, PullRequestAction::Edited);
}

#[test]
fn comments_statuses_and_reviews() {
    let created = corpus_event("pr_comment_created.json", "pullrequest:comment_created");
    let Event::Comment(c) = &created.event else {
        panic!("{:?}", created.event)
    };
    assert_eq!(c.action, CommentAction::Created);
    assert_eq!(c.comment_type, CommentType::PullRequest);
    assert!(!c.comment.body.is_empty());
    let deleted = corpus_event("pr_comment_deleted.json", "pullrequest:comment_deleted");
    let Event::Comment(c) = &deleted.event else {
        panic!()
    };
    assert_eq!(c.action, CommentAction::Deleted);

    let started = corpus_event("pipeline_hook_created.json", "repo:commit_status_created");
    let Event::CheckRun(r) = &started.event else {
        panic!()
    };
    assert_eq!(r.action, CheckRunAction::Created);
    assert_eq!(r.check_run.status, BuildStatus::Running);
    assert_eq!(
        r.check_run.head_sha.as_str(),
        "bdf6fac0519ffd1562461eb82e018ff62efffbc9"
    );
    assert_eq!(
        r.check_run.id,
        "bdf6fac0519ffd1562461eb82e018ff62efffbc9:3343801"
    );
    let done = corpus_event("pipeline_hook_update.json", "repo:commit_status_updated");
    let Event::CheckRun(r) = &done.event else {
        panic!()
    };
    assert_eq!(r.action, CheckRunAction::Completed);
    assert_eq!(r.check_run.conclusion, Some(BuildConclusion::Success));

    // Ours: no corpus samples exist for these keys.
    let approved = fixture_event("ours-pullrequest_approved.json", "pullrequest:approved");
    let Event::PullRequestReview(r) = &approved.event else {
        panic!()
    };
    assert_eq!(r.action, PullRequestReviewAction::Submitted);
    assert_eq!(r.review.state, ReviewState::Approved);
    assert_eq!(r.review.id, "{1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f}");
    let changes = fixture_event(
        "ours-pullrequest_changes_request_created.json",
        "pullrequest:changes_request_created",
    );
    let Event::PullRequestReview(r) = &changes.event else {
        panic!()
    };
    assert_eq!(r.review.state, ReviewState::ChangesRequested);
    let removed = fixture_event("ours-pullrequest_unapproved.json", "pullrequest:unapproved");
    let Event::PullRequestReview(r) = &removed.event else {
        panic!()
    };
    assert_eq!(r.action, PullRequestReviewAction::Dismissed);
    let edited = fixture_event(
        "ours-pullrequest_comment_updated.json",
        "pullrequest:comment_updated",
    );
    let Event::ReviewComment(c) = &edited.event else {
        panic!()
    };
    assert_eq!(c.action, ReviewCommentAction::Edited);
    assert_eq!(c.comment.path.as_deref(), Some("src/cache.rs"));
    assert_eq!((c.comment.line, c.comment.start_line), (Some(18), Some(15)));
    assert_eq!(c.comment.side, Some(ReviewSide::Head));
    let reply = fixture_event(
        "ours-pullrequest_comment_created-inline-reply.json",
        "pullrequest:comment_created",
    );
    let Event::ReviewComment(c) = &reply.event else {
        panic!()
    };
    assert_eq!(c.comment.in_reply_to_id.as_deref(), Some("4242"));
}

#[test]
fn signatures_are_required_and_checked() {
    let body = br#"{"push":{"changes":[]}}"#;
    let secrets = [Secret::new(SECRET)];
    let mut unsigned = headers("repo:push", body, 0);
    unsigned.remove("x-hub-signature");
    let err = BitbucketReceiver
        .receive(&secrets, &unsigned, Bytes::from_static(body))
        .unwrap_err();
    assert_eq!(err.http_status(), 401);
    let mut forged = headers("repo:push", body, 0);
    forged.insert(
        "x-hub-signature",
        signature_sha256(b"not-the-secret", body).parse().unwrap(),
    );
    let err = BitbucketReceiver
        .receive(&secrets, &forged, Bytes::from_static(body))
        .unwrap_err();
    assert_eq!(err.code, "webhook_signature_mismatch");
    assert!(!err.message.contains(SECRET));
    // No secret configured: nothing can be verified; the provider retries later.
    let err = BitbucketReceiver
        .receive(
            &[],
            &headers("repo:push", body, 0),
            Bytes::from_static(body),
        )
        .unwrap_err();
    assert_eq!(err.http_status(), 503);
    // Verified but without a delivery id: malformed.
    let mut no_id = headers("repo:push", body, 0);
    no_id.remove("x-request-uuid");
    let err = BitbucketReceiver
        .receive(&secrets, &no_id, Bytes::from_static(body))
        .unwrap_err();
    assert_eq!(err.http_status(), 400);
    // A payload that does not match its key is a 400, never a panic.
    let err = BitbucketReceiver
        .receive(
            &secrets,
            &headers("repo:push", b"[1,2]", 0),
            Bytes::from_static(b"[1,2]"),
        )
        .unwrap_err();
    assert_eq!(err.http_status(), 400);
}
