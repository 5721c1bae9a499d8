//! Bitbucket Cloud deliveries into neutral events.
//!
//! Payloads carry no event name: `X-Event-Key` decides. The mapping:
//!
//! | X-Event-Key | neutral event |
//! |---|---|
//! | `repo:push` | Push (`created` / `deleted` / `pushed`) of the first change (see below) |
//! | `pullrequest:created` | PullRequest `opened` |
//! | `pullrequest:updated` | PullRequest `edited` (Bitbucket sends it for pushes, edits and reviewer changes alike, without saying which) |
//! | `pullrequest:fulfilled` | PullRequest `closed`, merged |
//! | `pullrequest:rejected` | PullRequest `closed`, not merged (declined) |
//! | `pullrequest:comment_created/updated/deleted` | ReviewComment `created/edited/deleted` when inline, else Comment on the pull request |
//! | `pullrequest:approved` / `changes_request_created` | PullRequestReview `submitted` (approved / changes requested) |
//! | `pullrequest:unapproved` / `changes_request_removed` | PullRequestReview `dismissed` |
//! | `repo:commit_status_created` | CheckRun `created` |
//! | `repo:commit_status_updated` | CheckRun `completed` in a final state, else `updated` |
//!
//! Everything else (issues of the sunset tracker, repository and project
//! events, commit comments, pipeline spans, comment resolution) is
//! unsupported: counted and skipped. A push delivery can list several
//! changes, but the receiver boundary carries one event per delivery: the
//! first change is mapped (every corpus delivery has exactly one).

use scm_core::events::*;
use scm_core::model::{Review, ReviewState, Sha};
use serde::de::DeserializeOwned;

use super::payloads::*;
use crate::schema::common::Account;

/// What a delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Event(Box<ParsedEvent>),
    /// A kind with no neutral event (the event key).
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    pub event: Event,
    pub repository: Option<RepositoryRef>,
}

/// A payload that does not have the shape its event key promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

fn payload<T: DeserializeOwned>(key: &str, body: &[u8]) -> Result<T, ParseError> {
    serde_json::from_slice(body)
        .map_err(|err| ParseError(format!("`{key}` payload is not the expected JSON: {err}")))
}

fn invalid(what: impl Into<String>) -> ParseError {
    ParseError(what.into())
}

/// The registry key: the repository's `{uuid}` (the id `get_repository`
/// reports), else its full name.
fn repository_ref(repo: &RepositoryPayload) -> Option<RepositoryRef> {
    let full_name = repo.full_name.clone()?;
    Some(RepositoryRef {
        id: None,
        external_id: repo.uuid.clone().unwrap_or_else(|| full_name.clone()),
        full_name,
    })
}

fn sender(actor: &Option<Account>) -> Option<scm_core::model::Author> {
    actor.as_ref().map(Account::author)
}

/// Parses one verified delivery.
pub fn parse(event_key: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    let event_key = event_key.trim();
    let parsed = match event_key {
        "repo:push" => push(payload(event_key, body)?)?,
        "pullrequest:created" => {
            pull_request(payload(event_key, body)?, PullRequestAction::Opened)?
        }
        "pullrequest:updated" => {
            pull_request(payload(event_key, body)?, PullRequestAction::Edited)?
        }
        "pullrequest:fulfilled" | "pullrequest:rejected" => {
            pull_request(payload(event_key, body)?, PullRequestAction::Closed)?
        }
        "pullrequest:comment_created" => {
            comment(payload(event_key, body)?, CommentAction::Created)?
        }
        "pullrequest:comment_updated" => comment(payload(event_key, body)?, CommentAction::Edited)?,
        "pullrequest:comment_deleted" => {
            comment(payload(event_key, body)?, CommentAction::Deleted)?
        }
        "pullrequest:approved" => review(
            payload(event_key, body)?,
            PullRequestReviewAction::Submitted,
            ReviewState::Approved,
        )?,
        "pullrequest:changes_request_created" => review(
            payload(event_key, body)?,
            PullRequestReviewAction::Submitted,
            ReviewState::ChangesRequested,
        )?,
        "pullrequest:unapproved" | "pullrequest:changes_request_removed" => review(
            payload(event_key, body)?,
            PullRequestReviewAction::Dismissed,
            ReviewState::Dismissed,
        )?,
        "repo:commit_status_created" | "repo:commit_status_updated" => {
            commit_status(payload(event_key, body)?, event_key.ends_with("created"))?
        }
        other => return Ok(Parsed::Unsupported(other.to_owned())),
    };
    Ok(Parsed::Event(Box::new(parsed)))
}

fn push(p: PushPayload) -> Result<ParsedEvent, ParseError> {
    let change = p
        .push
        .changes
        .into_iter()
        .next()
        .ok_or_else(|| invalid("a repo:push delivery without changes"))?;
    let side = change
        .new
        .as_ref()
        .or(change.old.as_ref())
        .ok_or_else(|| invalid("a push change without old or new ref"))?;
    let name = side
        .name
        .clone()
        .ok_or_else(|| invalid("a pushed ref without a name"))?;
    let prefix = if side.kind.as_deref() == Some("tag") {
        "refs/tags/"
    } else {
        "refs/heads/"
    };
    let hash = |state: &Option<RefState>| {
        state
            .as_ref()
            .and_then(|s| s.target.as_ref())
            .and_then(|t| t.hash.as_deref())
            .and_then(|h| Sha::new(h).ok())
    };
    let before = hash(&change.old);
    let after = hash(&change.new);
    let action = if change.new.is_none() || change.closed {
        PushAction::Deleted
    } else if change.old.is_none() || change.created {
        PushAction::Created
    } else {
        PushAction::Pushed
    };
    let mut commits = Vec::with_capacity(change.commits.len());
    for commit in change.commits {
        let commit = commit.neutral().map_err(|e| invalid(e.to_string()))?;
        commits.push(PushCommit {
            timestamp: commit.author.as_ref().and_then(|a| a.date),
            sha: commit.sha,
            message: commit.message,
            author: commit.author,
            url: commit.html_url,
            // Bitbucket push payloads list no files.
            added: Vec::new(),
            removed: Vec::new(),
            modified: Vec::new(),
        });
    }
    let actor = sender(&p.actor);
    Ok(ParsedEvent {
        repository: repository_ref(&p.repository),
        event: Event::Push(PushEvent {
            action,
            ref_name: format!("{prefix}{name}"),
            before,
            after,
            forced: change.forced,
            commits,
            compare_url: change.links.html.and_then(|l| l.href),
            pusher: actor.clone(),
            sender: actor,
        }),
    })
}

fn snapshot(
    pr: &crate::schema::pull_requests::PullRequestJson,
    repo: &RepositoryPayload,
) -> Result<PullRequestSnapshot, ParseError> {
    pr.snapshot(repo.is_private.unwrap_or(true))
        .map_err(|e| invalid(e.to_string()))
}

fn pull_request(
    p: PullRequestPayload,
    action: PullRequestAction,
) -> Result<ParsedEvent, ParseError> {
    Ok(ParsedEvent {
        repository: repository_ref(&p.repository),
        event: Event::PullRequest(PullRequestEvent {
            action,
            pull_request: snapshot(&p.pullrequest, &p.repository)?,
            sender: sender(&p.actor),
        }),
    })
}

fn comment(p: CommentPayload, action: CommentAction) -> Result<ParsedEvent, ParseError> {
    let pull_request = snapshot(&p.pullrequest, &p.repository)?;
    let event = if p.comment.is_inline() {
        let review_action = match action {
            CommentAction::Created => ReviewCommentAction::Created,
            CommentAction::Edited => ReviewCommentAction::Edited,
            _ => ReviewCommentAction::Deleted,
        };
        Event::ReviewComment(ReviewCommentEvent {
            action: review_action,
            comment: p
                .comment
                .review_comment()
                .map_err(|e| invalid(e.to_string()))?,
            pull_request,
            sender: sender(&p.actor),
        })
    } else {
        Event::Comment(CommentEvent {
            action,
            comment_type: CommentType::PullRequest,
            issue_id: pull_request.id.clone(),
            issue_title: Some(pull_request.title.clone()),
            comment: p.comment.comment().map_err(|e| invalid(e.to_string()))?,
            sender: sender(&p.actor),
        })
    };
    Ok(ParsedEvent {
        repository: repository_ref(&p.repository),
        event,
    })
}

fn review(
    p: ApprovalPayload,
    action: PullRequestReviewAction,
    state: ReviewState,
) -> Result<ParsedEvent, ParseError> {
    let verdict = p
        .approval
        .clone()
        .or_else(|| p.changes_request.clone())
        .unwrap_or_default();
    let reviewer = verdict
        .user
        .clone()
        .or_else(|| p.actor.clone())
        .ok_or_else(|| invalid("a review event without a user"))?
        .author();
    let pull_request = snapshot(&p.pullrequest, &p.repository)?;
    let review = Review {
        id: reviewer
            .id
            .clone()
            .unwrap_or_else(|| reviewer.username.clone()),
        node_id: None,
        state,
        body: None,
        commit_sha: pull_request.head.sha.clone(),
        html_url: pull_request.html_url.clone(),
        submitted_at: verdict.date(),
        author: Some(reviewer),
    };
    Ok(ParsedEvent {
        repository: repository_ref(&p.repository),
        event: Event::PullRequestReview(PullRequestReviewEvent {
            action,
            review,
            pull_request,
            sender: sender(&p.actor),
        }),
    })
}

fn commit_status(p: CommitStatusPayload, created: bool) -> Result<ParsedEvent, ParseError> {
    let run = p
        .commit_status
        .check_run(None)
        .map_err(|e| invalid(e.to_string()))?;
    let head_sha = run
        .head_sha
        .clone()
        .ok_or_else(|| invalid("a commit status without its commit"))?;
    let action = if created {
        CheckRunAction::Created
    } else if run.status == scm_core::model::BuildStatus::Completed {
        CheckRunAction::Completed
    } else {
        CheckRunAction::Unknown("updated".into())
    };
    Ok(ParsedEvent {
        repository: repository_ref(&p.repository),
        event: Event::CheckRun(CheckRunEvent {
            action,
            check_run: CheckRunSnapshot {
                id: run.id,
                name: run.name,
                external_id: run.external_id,
                html_url: run.html_url,
                details_url: run.details_url,
                status: run.status,
                conclusion: run.conclusion,
                head_sha,
                check_suite_id: run.check_suite_id,
                pull_request_ids: Vec::new(),
                app_slug: None,
                started_at: run.started_at,
                completed_at: run.completed_at,
            },
            requested_action: None,
            sender: sender(&p.actor),
        }),
    })
}
