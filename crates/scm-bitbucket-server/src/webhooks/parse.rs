//! Data Center webhook payloads → neutral events.
//!
//! The event key (`X-Event-Key`, repeated in the body as `eventKey`)
//! decides what a payload is:
//!
//! | Data Center | neutral |
//! |---|---|
//! | `repo:refs_changed` | `PushEvent` per change (`ADD` created, `UPDATE` pushed, `DELETE` deleted) |
//! | `pr:opened` | `PullRequestEvent` opened |
//! | `pr:modified` | edited (a draft flip: `ready_for_review` / `converted_to_draft`) |
//! | `pr:from_ref_updated` | synchronize |
//! | `pr:merged`, `pr:declined` | closed (merged or not) |
//! | `pr:reviewer:approved` | `PullRequestReviewEvent` submitted (approved) |
//! | `pr:reviewer:needs_work`, `pr:reviewer:changes_requested` | submitted (changes requested) |
//! | `pr:reviewer:unapproved` | dismissed |
//! | `pr:reviewer:updated` | `PullRequestEvent` review_requested / review_request_removed |
//! | `pr:comment:added|edited|deleted` | `CommentEvent` (pull request), or `ReviewCommentEvent` when the comment is anchored to the diff |
//!
//! Everything else (`pr:deleted`: the pull request is gone; commit
//! comments, repository and project changes, mirroring, secret scanning,
//! `diagnostics:ping`) is [`Parsed::Unsupported`]: counted and skipped.
//! Dates may be epoch milliseconds or ISO strings; both are read.

use std::fmt;

use scm_core::events::*;
use scm_core::model::{Author, ReviewState};
use serde::de::DeserializeOwned;

use super::payloads::{Envelope, PullRequestPayload, RefChange, RefsChanged};
use crate::schema::{is_zero_sha, sha, BbRepository};

/// What a delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// One neutral event per change (pushes may change several refs).
    Events(Vec<ParsedEvent>),
    /// A kind with no neutral event (counted, not an error).
    Unsupported { event_key: String, reason: String },
}

/// A neutral event and the repository it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    pub event: Event,
    /// `external_id` is Data Center's numeric repository id, `full_name`
    /// `PROJECT/slug`.
    pub repository: Option<RepositoryRef>,
}

/// A payload that claims a supported kind but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub event_key: String,
    pub detail: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Bitbucket Data Center `{}` webhook payload: {}",
            self.event_key, self.detail
        )
    }
}

impl std::error::Error for ParseError {}

/// The event key of a payload (`eventKey`), for deliveries whose header
/// is missing.
pub fn body_event_key(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Envelope>(body).ok()?.event_key
}

fn repository_ref(repo: Option<&BbRepository>) -> Option<RepositoryRef> {
    let repo = repo?;
    Some(RepositoryRef {
        id: None,
        external_id: repo.id.map(|id| id.to_string()).unwrap_or_default(),
        full_name: repo.full_name(),
    })
}

/// Parses a verified delivery with its event key.
pub fn parse(event_key: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    let typed = |detail: String| ParseError {
        event_key: event_key.to_owned(),
        detail,
    };
    fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
        serde_json::from_slice(body).map_err(|err| err.to_string())
    }
    let unsupported = |reason: &str| {
        Ok(Parsed::Unsupported {
            event_key: event_key.to_owned(),
            reason: reason.to_owned(),
        })
    };
    match event_key {
        "repo:refs_changed" => Ok(push(read(body).map_err(typed)?)),
        "pr:opened"
        | "pr:modified"
        | "pr:from_ref_updated"
        | "pr:merged"
        | "pr:declined"
        | "pr:reviewer:updated" => {
            let payload: PullRequestPayload = read(body).map_err(typed)?;
            Ok(pull_request(event_key, payload))
        }
        "pr:reviewer:approved"
        | "pr:reviewer:needs_work"
        | "pr:reviewer:changes_requested"
        | "pr:reviewer:unapproved" => {
            let payload: PullRequestPayload = read(body).map_err(typed)?;
            review(event_key, payload).map_err(typed)
        }
        "pr:comment:added" | "pr:comment:edited" | "pr:comment:deleted" => {
            let payload: PullRequestPayload = read(body).map_err(typed)?;
            comment(event_key, payload).map_err(typed)
        }
        "pr:deleted" => unsupported("the pull request was deleted; there is no neutral action"),
        "diagnostics:ping" => unsupported("a connection test"),
        _ => unsupported("no neutral event"),
    }
}

fn push(payload: RefsChanged) -> Parsed {
    let repository = repository_ref(payload.repository.as_ref());
    let sender = payload.actor.clone().map(Author::from);
    let commits: Vec<PushCommit> = payload
        .commits
        .iter()
        .filter_map(|c| {
            Some(PushCommit {
                sha: sha(c.id.as_deref())?,
                message: c.message.clone().unwrap_or_default(),
                author: c.author.as_ref().map(|a| scm_core::model::CommitAuthor {
                    name: a.display_name.clone().or(a.name.clone()),
                    email: a.email_address.clone(),
                    date: c.author_timestamp,
                }),
                timestamp: c.committer_timestamp.or(c.author_timestamp),
                url: None,
                added: Vec::new(),
                removed: Vec::new(),
                modified: Vec::new(),
            })
        })
        .collect();
    let single = payload.changes.len() == 1;
    let events = payload
        .changes
        .iter()
        .map(|change| ParsedEvent {
            event: Event::Push(push_event(
                change,
                // Add-on commit lists cannot be told apart per ref; they
                // are only attached when one ref changed.
                if single { commits.clone() } else { Vec::new() },
                sender.clone(),
            )),
            repository: repository.clone(),
        })
        .collect();
    Parsed::Events(events)
}

fn push_event(change: &RefChange, commits: Vec<PushCommit>, sender: Option<Author>) -> PushEvent {
    let ref_name = change
        .ref_id
        .clone()
        .or_else(|| change.reference.as_ref().and_then(|r| r.id.clone()))
        .or_else(|| {
            let r = change.reference.as_ref()?;
            let prefix = if r.kind.as_deref() == Some("TAG") {
                "refs/tags/"
            } else {
                "refs/heads/"
            };
            Some(format!("{prefix}{}", r.display_id.as_deref()?))
        })
        .unwrap_or_default();
    let real = |hash: &Option<String>| {
        hash.as_deref()
            .filter(|h| !is_zero_sha(h))
            .and_then(|h| sha(Some(h)))
    };
    let before = real(&change.from_hash);
    let after = real(&change.to_hash);
    let action = match change.kind.as_deref() {
        Some("ADD") => PushAction::Created,
        Some("DELETE") => PushAction::Deleted,
        _ if before.is_none() && after.is_some() => PushAction::Created,
        _ if after.is_none() && before.is_some() => PushAction::Deleted,
        _ => PushAction::Pushed,
    };
    PushEvent {
        action,
        ref_name,
        before,
        after,
        forced: false,
        commits,
        compare_url: None,
        pusher: sender.clone(),
        sender,
    }
}

fn snapshot_of(payload: &PullRequestPayload) -> PullRequestSnapshot {
    payload.pull_request.snapshot(None)
}

fn pr_repository(payload: &PullRequestPayload) -> Option<RepositoryRef> {
    repository_ref(payload.pull_request.to_ref.repository.as_ref())
}

fn pull_request(event_key: &str, payload: PullRequestPayload) -> Parsed {
    let action = match event_key {
        "pr:opened" => PullRequestAction::Opened,
        "pr:from_ref_updated" => PullRequestAction::Synchronize,
        "pr:merged" | "pr:declined" => PullRequestAction::Closed,
        "pr:reviewer:updated" if !payload.added_reviewers.is_empty() => {
            PullRequestAction::ReviewRequested
        }
        "pr:reviewer:updated" if !payload.removed_reviewers.is_empty() => {
            PullRequestAction::ReviewRequestRemoved
        }
        "pr:reviewer:updated" => PullRequestAction::Edited,
        _ => match payload.previous_draft {
            Some(true) if !payload.pull_request.draft => PullRequestAction::ReadyForReview,
            Some(false) if payload.pull_request.draft => PullRequestAction::ConvertedToDraft,
            _ => PullRequestAction::Edited,
        },
    };
    Parsed::Events(vec![ParsedEvent {
        event: Event::PullRequest(PullRequestEvent {
            action,
            pull_request: snapshot_of(&payload),
            sender: payload.actor.clone().map(Author::from),
        }),
        repository: pr_repository(&payload),
    }])
}

fn review(event_key: &str, payload: PullRequestPayload) -> Result<Parsed, String> {
    let participant = payload
        .participant
        .clone()
        .ok_or_else(|| "no `participant`".to_owned())?;
    let (action, state) = match event_key {
        "pr:reviewer:approved" => (PullRequestReviewAction::Submitted, ReviewState::Approved),
        "pr:reviewer:unapproved" => (PullRequestReviewAction::Dismissed, ReviewState::Dismissed),
        _ => (
            PullRequestReviewAction::Submitted,
            ReviewState::ChangesRequested,
        ),
    };
    let snapshot = snapshot_of(&payload);
    let mut review = participant.review(snapshot.html_url.as_deref());
    review.state = state;
    Ok(Parsed::Events(vec![ParsedEvent {
        event: Event::PullRequestReview(PullRequestReviewEvent {
            action,
            review,
            pull_request: snapshot,
            sender: payload.actor.clone().map(Author::from),
        }),
        repository: pr_repository(&payload),
    }]))
}

fn comment(event_key: &str, payload: PullRequestPayload) -> Result<Parsed, String> {
    let comment = payload
        .comment
        .clone()
        .ok_or_else(|| "no `comment`".to_owned())?;
    let snapshot = snapshot_of(&payload);
    let web = snapshot.html_url.clone();
    let sender = payload.actor.clone().map(Author::from);
    let repository = pr_repository(&payload);
    let event = if comment.anchor.is_some() {
        let action = match event_key {
            "pr:comment:added" => ReviewCommentAction::Created,
            "pr:comment:edited" => ReviewCommentAction::Edited,
            _ => ReviewCommentAction::Deleted,
        };
        Event::ReviewComment(ReviewCommentEvent {
            action,
            comment: comment.review_comment(None, payload.comment_parent_id, web.as_deref()),
            pull_request: snapshot,
            sender,
        })
    } else {
        let action = match event_key {
            "pr:comment:added" => CommentAction::Created,
            "pr:comment:edited" => CommentAction::Edited,
            _ => CommentAction::Deleted,
        };
        Event::Comment(CommentEvent {
            action,
            comment_type: CommentType::PullRequest,
            issue_id: snapshot.id.clone(),
            issue_title: Some(snapshot.title.clone()),
            comment: comment.comment(web.as_deref()),
            sender,
        })
    };
    Ok(Parsed::Events(vec![ParsedEvent { event, repository }]))
}
