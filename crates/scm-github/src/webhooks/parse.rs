//! GitHub payloads → neutral events.

use scm_core::events::{
    CheckRunAction, CheckRunEvent, CheckRunSnapshot, CheckSuiteAction, CheckSuiteEvent,
    CheckSuiteSnapshot, CommentAction, CommentEvent, CommentType, Event, InstallationAction,
    InstallationEvent, InstallationRepository, IssueAction, IssueEvent, PullRequestAction,
    PullRequestEvent, PullRequestReviewAction, PullRequestReviewEvent, PullRequestSnapshot,
    PushAction, PushCommit, PushEvent, RepositoryRef, ReviewCommentAction, ReviewCommentEvent,
};
use scm_core::model::{Author, CommitAuthor, Sha};
use serde::de::DeserializeOwned;

use super::payloads::*;
use super::WebhookError;
use crate::schema::{
    author, build_conclusion, build_status, lenient_sha, pull_request_state, GhPullRequest,
};

/// What a verified delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseOutcome {
    /// A neutral event, plus the repository named in the payload (if any),
    /// for the ingress to resolve through the registry.
    Parsed {
        event: Box<Event>,
        repository: Option<RepositoryRef>,
    },
    /// An event type we do not map (`star`, `fork`, `ping`, …). Not an
    /// error: GitHub sends whatever the app subscribed to; the ingress
    /// answers 2xx and counts it. Unknown *actions* of mapped events are
    /// not unsupported: they parse into the action enum's `Unknown`.
    Unsupported {
        event: String,
        action: Option<String>,
    },
}

/// The `X-GitHub-Event` names we map.
pub const SUPPORTED_EVENTS: &[&str] = &[
    "check_run",
    "check_suite",
    "installation",
    "installation_repositories",
    "issue_comment",
    "issues",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "push",
];

/// Parses a (verified) payload of GitHub event `event_name`.
pub fn parse_event(event_name: &str, body: &[u8]) -> Result<ParseOutcome, WebhookError> {
    let (event, repository) = match event_name {
        "pull_request" => {
            let p: PullRequestPayload = decode(event_name, body)?;
            let is_private = is_private(&p.repository);
            let event = Event::PullRequest(PullRequestEvent {
                action: PullRequestAction::parse(&p.action),
                pull_request: snapshot(p.pull_request, is_private),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "issue_comment" => {
            let p: IssueCommentPayload = decode(event_name, body)?;
            let comment_type = if p.issue.pull_request.is_some() {
                CommentType::PullRequest
            } else {
                CommentType::Issue
            };
            let event = Event::Comment(CommentEvent {
                action: CommentAction::parse(&p.action),
                comment_type,
                issue_id: p.issue.number.to_string(),
                issue_title: p.issue.title,
                comment: p.comment.into(),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "check_run" => {
            let p: CheckRunPayload = decode(event_name, body)?;
            let run = p.check_run;
            let event = Event::CheckRun(CheckRunEvent {
                action: CheckRunAction::parse(&p.action),
                check_run: CheckRunSnapshot {
                    head_sha: sha(event_name, "check_run.head_sha", run.head_sha)?,
                    id: run.id,
                    name: run.name,
                    external_id: run.external_id.filter(|id| !id.is_empty()),
                    html_url: run.html_url,
                    details_url: run.details_url,
                    status: run
                        .status
                        .as_deref()
                        .map_or(scm_core::model::BuildStatus::Pending, build_status),
                    conclusion: run.conclusion.as_deref().map(build_conclusion),
                    check_suite_id: run.check_suite.and_then(|s| s.id),
                    pull_request_ids: numbers(run.pull_requests),
                    app_slug: run.app.and_then(|a| a.slug),
                    started_at: run.started_at,
                    completed_at: run.completed_at,
                },
                requested_action: p.requested_action.map(|a| a.identifier),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "check_suite" => {
            let p: CheckSuitePayload = decode(event_name, body)?;
            let suite = p.check_suite;
            let event = Event::CheckSuite(CheckSuiteEvent {
                action: CheckSuiteAction::parse(&p.action),
                check_suite: CheckSuiteSnapshot {
                    head_sha: sha(event_name, "check_suite.head_sha", suite.head_sha)?,
                    id: suite.id,
                    head_branch: suite.head_branch,
                    status: suite.status.as_deref().map(build_status),
                    conclusion: suite.conclusion.as_deref().map(build_conclusion),
                    pull_request_ids: numbers(suite.pull_requests),
                    app_slug: suite.app.and_then(|a| a.slug),
                },
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "pull_request_review" => {
            let mut p: ReviewPayload = decode(event_name, body)?;
            // Webhooks spell review states in lower case, the REST API in
            // upper case; the shared mapping expects the latter.
            p.review.state = p.review.state.map(|s| s.to_ascii_uppercase());
            let is_private = is_private(&p.repository);
            let event = Event::PullRequestReview(PullRequestReviewEvent {
                action: PullRequestReviewAction::parse(&p.action),
                review: p.review.into(),
                pull_request: snapshot(p.pull_request, is_private),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "pull_request_review_comment" => {
            let p: ReviewCommentPayload = decode(event_name, body)?;
            let is_private = is_private(&p.repository);
            let event = Event::ReviewComment(ReviewCommentEvent {
                action: ReviewCommentAction::parse(&p.action),
                comment: p.comment.into(),
                pull_request: snapshot(p.pull_request, is_private),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "push" => {
            let p: PushPayload = decode(event_name, body)?;
            let action = if p.created {
                PushAction::Created
            } else if p.deleted {
                PushAction::Deleted
            } else {
                PushAction::Pushed
            };
            let event = Event::Push(PushEvent {
                action,
                ref_name: p.ref_name,
                before: ref_sha(p.before),
                after: ref_sha(p.after),
                forced: p.forced,
                commits: p
                    .commits
                    .into_iter()
                    .map(|c| push_commit(event_name, c))
                    .collect::<Result<_, _>>()?,
                compare_url: p.compare,
                pusher: p.pusher.map(|pusher| Author {
                    username: pusher.name,
                    email: pusher.email,
                    ..Author::default()
                }),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "issues" => {
            let p: IssuesPayload = decode(event_name, body)?;
            let event = Event::Issue(IssueEvent {
                action: IssueAction::parse(&p.action),
                issue: p.issue.into(),
                sender: author(p.sender),
            });
            (event, p.repository)
        }
        "installation" | "installation_repositories" => {
            let p: InstallationPayload = decode(event_name, body)?;
            let action = match (event_name, p.action.as_str()) {
                ("installation_repositories", "added") => InstallationAction::RepositoriesAdded,
                ("installation_repositories", "removed") => InstallationAction::RepositoriesRemoved,
                ("installation_repositories", other) => {
                    InstallationAction::Unknown(format!("repositories_{other}"))
                }
                (_, other) => InstallationAction::parse(other),
            };
            let listed = p.repositories.unwrap_or_default();
            // `created` lists what the installation starts with, `deleted`
            // what it loses; `installation_repositories` says both itself.
            let (mut added, mut removed) = (p.repositories_added, p.repositories_removed);
            match action {
                InstallationAction::Created => added.extend(listed),
                InstallationAction::Deleted => removed.extend(listed),
                _ => {}
            }
            let event = Event::Installation(InstallationEvent {
                action,
                installation: p.installation.into(),
                repositories_added: added.into_iter().map(installation_repository).collect(),
                repositories_removed: removed.into_iter().map(installation_repository).collect(),
                sender: author(p.sender),
            });
            // Installation events concern many repositories, not one.
            (event, None)
        }
        other => {
            let action = serde_json::from_slice::<ActionOnly>(body)
                .ok()
                .and_then(|a| a.action);
            return Ok(ParseOutcome::Unsupported {
                event: other.to_owned(),
                action,
            });
        }
    };
    Ok(ParseOutcome::Parsed {
        event: Box::new(event),
        repository: repository.map(|r| RepositoryRef {
            id: None,
            external_id: r.id,
            full_name: r.full_name,
        }),
    })
}

fn decode<T: DeserializeOwned>(event: &str, body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|err| WebhookError::Malformed {
        event: event.to_owned(),
        detail: err.to_string(),
    })
}

fn sha(event: &str, field: &str, value: String) -> Result<Sha, WebhookError> {
    Sha::new(value).map_err(|err| WebhookError::Malformed {
        event: event.to_owned(),
        detail: format!("{field}: {err}"),
    })
}

/// A ref's commit before/after a push; GitHub writes 40 zeros for "none".
fn ref_sha(value: Option<String>) -> Option<Sha> {
    lenient_sha(value).filter(|sha| !sha.as_str().bytes().all(|b| b == b'0'))
}

fn is_private(repository: &Option<GhHookRepository>) -> bool {
    repository.as_ref().and_then(|r| r.private).unwrap_or(false)
}

fn numbers(refs: Vec<HookNumber>) -> Vec<String> {
    refs.into_iter().map(|r| r.number.to_string()).collect()
}

fn snapshot(pr: GhPullRequest, is_private_repo: bool) -> PullRequestSnapshot {
    let (state, merged) = pull_request_state(&pr.state, pr.merged, pr.merged_at.as_ref());
    PullRequestSnapshot {
        id: pr.number.to_string(),
        external_id: pr.node_id,
        title: pr.title,
        description: pr.body.filter(|b| !b.is_empty()),
        head: pr.head.into(),
        base: pr.base.into(),
        is_private_repo,
        author: author(pr.user),
        state,
        merged,
        draft: pr.draft.unwrap_or(false),
        merge_commit_sha: lenient_sha(pr.merge_commit_sha),
        html_url: pr.html_url,
        labels: pr.labels.into_iter().map(Into::into).collect(),
    }
}

fn push_commit(event: &str, commit: HookPushCommit) -> Result<PushCommit, WebhookError> {
    Ok(PushCommit {
        sha: sha(event, "commits[].id", commit.id)?,
        message: commit.message,
        author: commit.author.map(|a| CommitAuthor {
            name: a.name,
            email: a.email,
            date: commit.timestamp,
        }),
        timestamp: commit.timestamp,
        url: commit.url,
        added: commit.added,
        removed: commit.removed,
        modified: commit.modified,
    })
}

fn installation_repository(repo: HookInstallationRepository) -> InstallationRepository {
    InstallationRepository {
        id: repo.id,
        full_name: repo.full_name,
        private: repo.private,
    }
}
