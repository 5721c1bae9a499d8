//! Verification and parsing against every payload of
//! `@octokit/webhooks-examples` (real GitHub deliveries), plus the two
//! payloads of ours in `fixtures/` for cases the package lacks.

use std::collections::BTreeMap;

use bytes::Bytes;
use scm_core::events::*;
use scm_core::model::{BuildConclusion, BuildStatus, IssueState, PullRequestState, ReviewState};
use scm_core::Secret;
use scm_testkit::webhooks::{examples, examples_for, signature_sha256, WebhookExample};
use serde_json::Value;

use super::sha1::hmac_sha1;
use super::*;

const SECRET: &str = "test-webhook-secret";

fn webhooks() -> GitHubWebhooks {
    GitHubWebhooks::new(WebhookVerifier::new([
        Secret::new("an-older-secret"),
        Secret::new(SECRET),
    ]))
}

fn receive(example: &WebhookExample) -> Result<Received, WebhookError> {
    webhooks().receive(
        &example.delivery_headers(SECRET.as_bytes()),
        example.payload_bytes.clone(),
    )
}

fn envelope_of(example: &WebhookExample) -> EventEnvelope {
    match receive(example) {
        Ok(Received::Event(envelope)) => *envelope,
        other => panic!("{}: {other:?}", example.name()),
    }
}

/// One of our own payloads, signed and received as GitHub would send it.
fn ours(file: &str, event: &str) -> (EventEnvelope, Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/webhooks/fixtures")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let payload: Value = serde_json::from_str(&text).unwrap();
    let body = Bytes::from(serde_json::to_vec(&payload).unwrap());
    let example = WebhookExample {
        event: event.into(),
        action: payload["action"].as_str().map(str::to_owned),
        index: 0,
        payload: payload.clone(),
        payload_bytes: body,
    };
    (envelope_of(&example), payload)
}

fn first(event: &str, action: Option<&str>) -> &'static WebhookExample {
    examples_for(event)
        .into_iter()
        .find(|e| action.is_none() || e.action.as_deref() == action)
        .unwrap_or_else(|| panic!("no {event} {action:?} example"))
}

#[test]
fn every_example_payload_verifies_and_parses_or_is_unsupported() {
    let (mut parsed, mut unsupported, mut errors) = (0, 0, Vec::new());
    let mut parsed_by_event: BTreeMap<String, usize> = BTreeMap::new();
    for example in examples() {
        match receive(example) {
            Ok(Received::Event(envelope)) => {
                parsed += 1;
                *parsed_by_event.entry(example.event.clone()).or_default() += 1;
                assert_eq!(envelope.provider, "github");
                assert_eq!(envelope.event_type_hint, example.event);
                assert_eq!(
                    envelope.raw_body, example.payload_bytes,
                    "raw body kept exactly"
                );
                // The queued form decodes back to the same envelope.
                let again = EventEnvelope::from_json(&envelope.to_json()).unwrap();
                assert_eq!(again, *envelope, "{}", example.name());
            }
            Ok(Received::Unsupported { event, .. }) => {
                assert!(
                    !SUPPORTED_EVENTS.contains(&event.as_str()),
                    "{}",
                    example.name()
                );
                unsupported += 1;
            }
            Err(err) => errors.push(format!("{}: {err}", example.name())),
        }
    }
    println!(
        "github webhooks: {parsed} parsed, {unsupported} unsupported, {} errors",
        errors.len()
    );
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(parsed + unsupported, examples().len());
    for event in SUPPORTED_EVENTS {
        assert_eq!(
            parsed_by_event.get(*event).copied().unwrap_or(0),
            examples_for(event).len(),
            "every `{event}` example parses"
        );
    }
}

#[test]
fn pull_request_fields() {
    let example = first("pull_request", Some("opened"));
    let envelope = envelope_of(example);
    let p = &example.payload["pull_request"];
    let Event::PullRequest(event) = &envelope.event else {
        panic!("{:?}", envelope.event)
    };
    assert_eq!(event.action, PullRequestAction::Opened);
    let pr = &event.pull_request;
    assert_eq!(pr.id, p["number"].to_string());
    assert_eq!(pr.title, p["title"].as_str().unwrap());
    assert_eq!(pr.description.as_deref(), p["body"].as_str());
    assert_eq!(pr.head.ref_name, "changes");
    assert_eq!(
        pr.head.sha.as_ref().unwrap().as_str(),
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    );
    assert_eq!(pr.base.ref_name, p["base"]["ref"].as_str().unwrap());
    assert_eq!(
        pr.base.sha.as_ref().unwrap().as_str(),
        p["base"]["sha"].as_str().unwrap()
    );
    assert!(!pr.is_private_repo);
    assert_eq!(pr.author.as_ref().unwrap().username, "Codertocat");
    assert_eq!(pr.state, PullRequestState::Open);
    assert!(!pr.merged);
    assert_eq!(pr.draft, p["draft"].as_bool().unwrap_or(false));
    assert_eq!(event.sender.as_ref().unwrap().username, "Codertocat");
    let repository = envelope.repository.as_ref().unwrap();
    assert_eq!(repository.external_id, "186853002");
    assert_eq!(repository.full_name, "Codertocat/Hello-World");
    assert_eq!(repository.id, None, "the ingress resolves the platform id");

    // The package's `closed` examples are closed without merging.
    for example in examples_for("pull_request") {
        if example.action.as_deref() == Some("closed") {
            let Event::PullRequest(event) = envelope_of(example).event else {
                unreachable!()
            };
            assert_eq!(event.action, PullRequestAction::Closed);
            assert_eq!(event.pull_request.state, PullRequestState::Closed);
            assert!(!event.pull_request.merged);
        }
    }
}

#[test]
fn merged_pull_request_closes_with_merged_true() {
    let (envelope, payload) = ours("ours-pull_request-closed-merged.json", "pull_request");
    let Event::PullRequest(event) = envelope.event else {
        panic!()
    };
    assert_eq!(event.action, PullRequestAction::Closed);
    assert!(event.pull_request.merged, "merged, not merely closed");
    assert_eq!(event.pull_request.state, PullRequestState::Closed);
    assert_eq!(
        event.pull_request.merge_commit_sha.unwrap().as_str(),
        payload["pull_request"]["merge_commit_sha"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn comments_know_whether_they_are_on_a_pull_request() {
    let (envelope, payload) = ours("ours-issue_comment-on-pull-request.json", "issue_comment");
    let Event::Comment(event) = envelope.event else {
        panic!()
    };
    assert_eq!(event.action, CommentAction::Created);
    assert_eq!(event.comment_type, CommentType::PullRequest);
    assert_eq!(event.issue_id, "1");
    assert_eq!(event.comment.id, "492700400");
    assert_eq!(event.comment.body, "Looks good to me, merging after CI.");
    assert_eq!(
        event.comment.author.as_ref().unwrap().username,
        "Codertocat"
    );
    assert_eq!(
        event.comment.html_url.as_deref(),
        payload["comment"]["html_url"].as_str()
    );

    let example = first("issue_comment", Some("edited"));
    let Event::Comment(event) = envelope_of(example).event else {
        panic!()
    };
    assert_eq!(event.action, CommentAction::Edited);
    assert_eq!(event.comment_type, CommentType::Issue);
    assert_eq!(
        event.comment.body,
        example.payload["comment"]["body"].as_str().unwrap()
    );
    assert_eq!(
        event.issue_title.as_deref(),
        example.payload["issue"]["title"].as_str()
    );
}

#[test]
fn check_run_fields() {
    let example = &examples_for("check_run")[1];
    let Event::CheckRun(event) = envelope_of(example).event else {
        panic!()
    };
    assert_eq!(event.action, CheckRunAction::Completed);
    let run = &event.check_run;
    assert_eq!(run.id, "128620228");
    assert_eq!(run.name, "Octocoders-linter");
    assert_eq!(run.status, BuildStatus::Completed);
    assert_eq!(run.conclusion, Some(BuildConclusion::Failure));
    assert_eq!(run.external_id, None, "GitHub's empty external id is no id");
    assert_eq!(
        run.html_url.as_deref(),
        Some("https://github.com/Codertocat/Hello-World/runs/128620228")
    );
    assert_eq!(
        run.head_sha.as_str(),
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    );
    assert_eq!(run.pull_request_ids, ["2"]);
    assert_eq!(run.app_slug.as_deref(), Some("github-actions"));

    let Event::CheckRun(event) = envelope_of(first("check_run", Some("requested_action"))).event
    else {
        panic!()
    };
    assert_eq!(event.action, CheckRunAction::RequestedAction);
    assert_eq!(event.requested_action.as_deref(), Some("lgtm|26764"));
    assert_eq!(event.check_run.status, BuildStatus::Running);
}

#[test]
fn check_suite_fields() {
    let Event::CheckSuite(event) = envelope_of(first("check_suite", Some("completed"))).event
    else {
        panic!()
    };
    assert_eq!(event.action, CheckSuiteAction::Completed);
    assert_eq!(event.check_suite.id, "118578147");
    assert_eq!(event.check_suite.status, Some(BuildStatus::Completed));
    assert_eq!(event.check_suite.conclusion, Some(BuildConclusion::Success));
    assert_eq!(event.check_suite.head_branch.as_deref(), Some("changes"));
}

#[test]
fn review_and_review_comment_fields() {
    let Event::PullRequestReview(event) =
        envelope_of(first("pull_request_review", Some("submitted"))).event
    else {
        panic!()
    };
    assert_eq!(event.action, PullRequestReviewAction::Submitted);
    assert_eq!(event.review.id, "237895671");
    assert_eq!(event.review.state, ReviewState::Commented);
    assert_eq!(event.review.author.as_ref().unwrap().username, "Codertocat");
    assert_eq!(event.pull_request.id, "2");

    let example = first("pull_request_review_comment", Some("created"));
    let Event::ReviewComment(event) = envelope_of(example).event else {
        panic!()
    };
    assert_eq!(event.action, ReviewCommentAction::Created);
    assert_eq!(event.comment.id, "284312630");
    assert_eq!(event.comment.path.as_deref(), Some("README.md"));
    assert_eq!(
        event.comment.body,
        example.payload["comment"]["body"].as_str().unwrap()
    );
    assert_eq!(event.pull_request.id, "2");
    assert_eq!(event.pull_request.head.ref_name, "changes");
}

#[test]
fn push_fields() {
    let examples = examples_for("push");
    let Event::Push(tag) = envelope_of(examples[0]).event else {
        panic!()
    };
    assert_eq!(tag.action, PushAction::Created);
    assert_eq!(tag.ref_name, "refs/tags/simple-tag");
    assert_eq!(tag.before, None, "all-zero sha means no commit");
    assert_eq!(
        tag.after.unwrap().as_str(),
        "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    );
    assert_eq!(tag.pusher.unwrap().username, "Codertocat");

    let Event::Push(deleted) = envelope_of(examples[1]).event else {
        panic!()
    };
    assert_eq!(deleted.action, PushAction::Deleted);
    assert_eq!(deleted.after, None);

    let with_commit = examples[4];
    let Event::Push(push) = envelope_of(with_commit).event else {
        panic!()
    };
    let commit = &with_commit.payload["commits"][0];
    assert_eq!(push.commits.len(), 1);
    assert_eq!(push.commits[0].sha.as_str(), commit["id"].as_str().unwrap());
    assert_eq!(push.commits[0].message, commit["message"].as_str().unwrap());
    assert_eq!(
        push.commits[0].author.as_ref().unwrap().email.as_deref(),
        commit["author"]["email"].as_str()
    );
}

#[test]
fn issue_fields() {
    let example = first("issues", Some("opened"));
    let Event::Issue(event) = envelope_of(example).event else {
        panic!()
    };
    assert_eq!(event.action, IssueAction::Opened);
    assert_eq!(event.issue.id, "1");
    assert_eq!(event.issue.title, "Spelling error in the README file");
    assert_eq!(event.issue.state, IssueState::Open);
    assert_eq!(event.issue.labels.len(), 1);
    let Event::Issue(event) = envelope_of(first("issues", Some("transferred"))).event else {
        panic!()
    };
    assert_eq!(event.action, IssueAction::Transferred);
}

#[test]
fn installation_fields() {
    let envelope = envelope_of(first("installation", Some("created")));
    assert_eq!(envelope.repository, None);
    let Event::Installation(event) = envelope.event else {
        panic!()
    };
    assert_eq!(event.action, InstallationAction::Created);
    assert_eq!(event.installation.id, "957387");
    assert_eq!(
        event.installation.account.as_ref().unwrap().username,
        "Codertocat"
    );
    assert_eq!(event.repositories_added.len(), 1);

    let added = examples_for("installation_repositories");
    let Event::Installation(event) = envelope_of(added[0]).event else {
        panic!()
    };
    assert_eq!(event.action, InstallationAction::RepositoriesAdded);
    assert_eq!(
        event.repositories_added[0].full_name,
        added[0].payload["repositories_added"][0]["full_name"]
            .as_str()
            .unwrap()
    );
    let Event::Installation(event) = envelope_of(added[2]).event else {
        panic!()
    };
    assert_eq!(event.action, InstallationAction::RepositoriesRemoved);
    assert_eq!(event.repositories_removed.len(), 1);
}

#[test]
fn unknown_actions_and_events() {
    let mut payload = first("pull_request", Some("opened")).payload.clone();
    payload["action"] = "summoned".into();
    let body = serde_json::to_vec(&payload).unwrap();
    let ParseOutcome::Parsed { event, .. } = parse_event("pull_request", &body).unwrap() else {
        panic!()
    };
    assert_eq!(event.action(), "summoned");

    let star = first("star", None);
    match receive(star).unwrap() {
        Received::Unsupported {
            event,
            action,
            delivery_id,
        } => {
            assert_eq!(event, "star");
            assert_eq!(action, star.action);
            assert!(!delivery_id.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

fn headers(pairs: &[(&'static str, String)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().unwrap());
    }
    map
}

#[test]
fn signatures_are_checked_before_parsing() {
    let body = b"{not json";
    let sign = |secret: &str| signature_sha256(secret.as_bytes(), body);
    let base = |sig: String| {
        headers(&[
            ("x-github-event", "push".into()),
            ("x-github-delivery", "d".into()),
            ("x-hub-signature-256", sig),
        ])
    };
    let hooks = webhooks();
    let receive = |h: &http::HeaderMap| hooks.receive(h, Bytes::from_static(body));

    // A correct signature lets malformed JSON through to the parser: 400.
    let err = receive(&base(sign(SECRET))).unwrap_err();
    assert!(matches!(err, WebhookError::Malformed { .. }), "{err}");
    assert_eq!(err.http_status(), 400);
    // Rotation: the older secret still verifies.
    assert!(matches!(
        receive(&base(sign("an-older-secret"))).unwrap_err(),
        WebhookError::Malformed { .. }
    ));
    // Anything else never reaches the parser: 401.
    for bad in [
        sign("wrong"),
        "sha256=zz".into(),
        "sha1=00".into(),
        sign(SECRET).replacen('a', "b", 1),
        sign(SECRET)[..20].to_owned(),
    ] {
        let err = receive(&base(bad.clone())).unwrap_err();
        assert_eq!(err, WebhookError::BadSignature, "{bad}");
        assert_eq!(err.http_status(), 401);
    }
    let no_sig = headers(&[("x-github-event", "push".into())]);
    assert_eq!(
        receive(&no_sig).unwrap_err(),
        WebhookError::MissingSignature
    );

    let no_event = headers(&[("x-hub-signature-256", sign(SECRET))]);
    assert_eq!(
        receive(&no_event).unwrap_err(),
        WebhookError::MissingHeader("X-GitHub-Event")
    );

    let no_secret = GitHubWebhooks::new(WebhookVerifier::new([Secret::new("")]));
    assert_eq!(
        no_secret
            .receive(&base(sign(SECRET)), Bytes::from_static(body))
            .unwrap_err(),
        WebhookError::NoSecret
    );
}

#[test]
fn sha1_only_when_enabled() {
    let example = first("issues", Some("opened"));
    let digest = hmac_sha1(SECRET.as_bytes(), &example.payload_bytes);
    let headers = headers(&[
        ("x-github-event", "issues".into()),
        ("x-github-delivery", "d-sha1".into()),
        ("x-hub-signature", format!("sha1={}", hex::encode(digest))),
    ]);
    let body = example.payload_bytes.clone();
    assert_eq!(
        webhooks().receive(&headers, body.clone()).unwrap_err(),
        WebhookError::Sha1NotAllowed
    );
    let legacy = GitHubWebhooks::new(WebhookVerifier::new([Secret::new(SECRET)]).allow_sha1(true));
    assert!(matches!(
        legacy.receive(&headers, body.clone()).unwrap(),
        Received::Event(_)
    ));
    let other = GitHubWebhooks::new(WebhookVerifier::new([Secret::new("x")]).allow_sha1(true));
    assert_eq!(
        other.receive(&headers, body).unwrap_err(),
        WebhookError::BadSignature
    );
}
