//! The v1 wire form is a contract with queued data: these literals were
//! written by hand once and must keep decoding in every later build.

use super::*;
use crate::model::{BuildConclusion, BuildStatus, PullRequestState};

const PULL_REQUEST_V1: &str = r#"{
  "version": 1,
  "provider": "github",
  "delivery_id": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
  "event_type_hint": "pull_request",
  "received_at": "2024-05-01T12:00:00Z",
  "organization_id": 7,
  "repository": {"id": 42, "external_id": "186853002", "full_name": "octo/hello"},
  "raw_body": "eyJhY3Rpb24iOiJjbG9zZWQifQ==",
  "event": {
    "type": "pull_request",
    "action": "closed",
    "pull_request": {
      "id": "2",
      "title": "Update the README",
      "description": null,
      "head": {"ref": "changes", "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "repository_full_name": "octo/hello"},
      "base": {"ref": "master", "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "repository_full_name": "octo/hello"},
      "is_private_repo": false,
      "author": {"id": "21031067", "username": "Codertocat", "display_name": null, "email": null, "avatar_url": null, "html_url": null, "kind": "user"},
      "state": "closed",
      "merged": true,
      "draft": false
    },
    "sender": null
  }
}"#;

const COMMENT_V1_UNKNOWN_ACTION: &str = r#"{
  "version": 1,
  "provider": "github",
  "delivery_id": "d-2",
  "event_type_hint": "issue_comment",
  "received_at": "2024-05-01T12:00:01.250Z",
  "raw_body": "",
  "event": {
    "type": "comment",
    "action": "summarized_by_robot",
    "comment_type": "pull_request",
    "issue_id": "1",
    "comment": {"id": "492700400", "node_id": null, "body": "LGTM", "author": null, "html_url": null, "created_at": null, "updated_at": null}
  }
}"#;

const CHECK_RUN_V1: &str = r#"{
  "version": 1,
  "provider": "github",
  "delivery_id": "d-3",
  "event_type_hint": "check_run",
  "received_at": "2024-05-01T12:00:02Z",
  "raw_body": "",
  "event": {
    "type": "check_run",
    "action": "completed",
    "check_run": {
      "id": "128620228",
      "name": "Octocoders-linter",
      "external_id": "ext-1",
      "html_url": "https://github.com/octo/hello/runs/128620228",
      "status": "completed",
      "conclusion": "success",
      "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    }
  }
}"#;

#[test]
fn decodes_v1_pull_request_literal() {
    let envelope = EventEnvelope::from_json(PULL_REQUEST_V1.as_bytes()).unwrap();
    assert_eq!(envelope.version, 1);
    assert_eq!(
        envelope.dedupe_key(),
        "github:72d3162e-cc78-11e3-81ab-4c9367dc0958"
    );
    assert_eq!(envelope.organization_id, Some(7));
    assert_eq!(envelope.repository.as_ref().unwrap().id, Some(42));
    assert_eq!(&envelope.raw_body[..], br#"{"action":"closed"}"#);
    assert_eq!(envelope.event_type(), EventType::PullRequest);
    let Event::PullRequest(event) = &envelope.event else {
        panic!("not a pull request: {:?}", envelope.event)
    };
    assert_eq!(event.action, PullRequestAction::Closed);
    assert!(event.pull_request.merged);
    assert_eq!(event.pull_request.state, PullRequestState::Closed);
    assert_eq!(event.pull_request.head.ref_name, "changes");
    assert_eq!(
        event.pull_request.base.sha.as_ref().unwrap().as_str(),
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    );
    assert_eq!(
        event.pull_request.author.as_ref().unwrap().username,
        "Codertocat"
    );
    // Fields added after v1 was written default instead of failing.
    assert!(event.pull_request.labels.is_empty());
    assert_eq!(event.pull_request.html_url, None);
}

#[test]
fn unknown_actions_survive_a_round_trip() {
    let envelope = EventEnvelope::from_json(COMMENT_V1_UNKNOWN_ACTION.as_bytes()).unwrap();
    let Event::Comment(event) = &envelope.event else {
        panic!("not a comment")
    };
    assert_eq!(
        event.action,
        CommentAction::Unknown("summarized_by_robot".into())
    );
    assert!(event.action.is_unknown());
    assert_eq!(event.comment_type, CommentType::PullRequest);
    assert_eq!(envelope.event.action(), "summarized_by_robot");
    assert!(envelope.raw_body.is_empty());

    let again = EventEnvelope::from_json(&envelope.to_json()).unwrap();
    assert_eq!(again, envelope);
    let json: serde_json::Value = serde_json::from_slice(&envelope.to_json()).unwrap();
    assert_eq!(json["event"]["action"], "summarized_by_robot");
    assert_eq!(json["event"]["type"], "comment");
    assert_eq!(json["version"], 1);
}

#[test]
fn decodes_v1_check_run_literal() {
    let envelope = EventEnvelope::from_json(CHECK_RUN_V1.as_bytes()).unwrap();
    let Event::CheckRun(event) = envelope.event else {
        panic!("not a check run")
    };
    assert_eq!(event.action, CheckRunAction::Completed);
    assert_eq!(event.check_run.external_id.as_deref(), Some("ext-1"));
    assert_eq!(event.check_run.status, BuildStatus::Completed);
    assert_eq!(event.check_run.conclusion, Some(BuildConclusion::Success));
    assert!(event.check_run.pull_request_ids.is_empty());
}

#[test]
fn newer_envelope_versions_are_refused_clearly() {
    let newer = PULL_REQUEST_V1.replacen("\"version\": 1", "\"version\": 2", 1);
    let err = EventEnvelope::from_json(newer.as_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("version 2 is not supported"),
        "{err}"
    );
}

#[test]
fn known_actions_use_their_wire_names() {
    for action in PullRequestAction::KNOWN {
        assert_eq!(&PullRequestAction::parse(action.as_str()), action);
    }
    assert_eq!(PullRequestAction::KNOWN.len(), 21);
    assert_eq!(
        serde_json::to_string(&PullRequestAction::AutoMergeEnabled).unwrap(),
        "\"auto_merge_enabled\""
    );
    assert_eq!(
        serde_json::to_string(&InstallationAction::RepositoriesAdded).unwrap(),
        "\"repositories_added\""
    );
}

#[test]
fn event_types_parse_from_their_names() {
    for ty in EventType::ALL {
        assert_eq!(ty.as_str().parse::<EventType>().unwrap(), ty);
        assert_eq!(serde_json::to_value(ty).unwrap(), ty.as_str());
    }
    assert!("pull_requests".parse::<EventType>().is_err());
}
