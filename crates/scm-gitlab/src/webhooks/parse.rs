//! GitLab webhook payloads → neutral events.
//!
//! The payload's `object_kind` (or, for system hooks without one, its
//! `event_name`) decides what it is; the `X-Gitlab-Event` header is only a
//! hint, because system hooks send every kind as `System Hook`.
//!
//! | GitLab | neutral |
//! |---|---|
//! | Merge Request Hook | `PullRequestEvent` (`open`/`close`/`reopen`/`merge`/`update`; an update with new commits is `synchronize`, a merge is `closed` with `merged`) |
//! | Note Hook on a merge request | `CommentEvent` (`pull_request`), or `ReviewCommentEvent` for a diff note |
//! | Note Hook on an issue | `CommentEvent` (`issue`) |
//! | Pipeline Hook | `CheckSuiteEvent` |
//! | Job Hook | `CheckRunEvent` (run id `<job id>@<sha>`, as the actions use) |
//! | Push Hook, Tag Push Hook | `PushEvent` |
//! | Issue Hook | `IssueEvent` |
//!
//! Everything else (wiki pages, deployments, releases, members, system
//! events, notes on commits or snippets, …) is [`Parsed::Unsupported`]: a
//! normal outcome, counted and skipped, never an error.

use std::fmt;

use scm_core::events::*;
use scm_core::model::{
    Author, BuildStatus, Comment, CommitAuthor, Issue, IssueState, ReviewComment, ReviewSide,
};
use serde_json::Value;

use super::payloads::*;
use crate::checks::CheckRunId;
use crate::schema::strip_draft_prefix;
use crate::status;

/// What a delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Event(Box<ParsedEvent>),
    /// A kind of payload with no neutral event (counted, not an error).
    Unsupported(Unsupported),
}

/// A neutral event and the repository it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    pub event: Event,
    /// The project (`external_id` is GitLab's numeric project id).
    pub repository: Option<RepositoryRef>,
}

/// Why a delivery has no neutral event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The payload's `object_kind` or `event_name` (empty when neither).
    pub kind: String,
    pub reason: String,
}

/// A payload that claims a supported kind but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: String,
    pub detail: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind.is_empty() {
            write!(f, "invalid GitLab webhook payload: {}", self.detail)
        } else {
            write!(
                f,
                "invalid GitLab `{}` webhook payload: {}",
                self.kind, self.detail
            )
        }
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for scm_core::Error {
    fn from(err: ParseError) -> Self {
        scm_core::Error::invalid_input(err.to_string())
    }
}

/// The delivery id the ingress deduplicates on: `Idempotency-Key`
/// (GitLab 17.4+), else `X-Gitlab-Event-UUID`, else the signed
/// `webhook-id`; an empty header counts as absent.
///
/// The key comes first because it is the only one GitLab keeps when it
/// sends an event again: automatic retries and resends (from the UI or
/// the hook events API, which missed-delivery recovery uses) carry a new
/// `X-Gitlab-Event-UUID` but the same `Idempotency-Key`. The event UUID
/// is also shared by webhooks that earlier webhooks triggered, so it can
/// name more than one event.
pub fn delivery_id(headers: &http::HeaderMap) -> Option<String> {
    [
        "idempotency-key",
        "x-gitlab-event-uuid",
        "webhook-id",
        "x-gitlab-webhook-uuid",
    ]
    .iter()
    .filter_map(|name| headers.get(*name)?.to_str().ok())
    .map(str::trim)
    .find(|id| !id.is_empty())
    .map(str::to_owned)
}

/// The event header (`X-Gitlab-Event`), the envelope's type hint.
pub fn event_header(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-gitlab-event")?.to_str().ok()
}

/// Parses a verified delivery. `event_header` is `X-Gitlab-Event` (a hint;
/// the payload decides).
pub fn parse(event_header: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|err| ParseError {
        kind: String::new(),
        detail: format!("not JSON: {err}"),
    })?;
    trim_keys(&mut value);
    let Some(object) = value.as_object() else {
        return Err(ParseError {
            kind: String::new(),
            detail: "not a JSON object".into(),
        });
    };
    let kind = object
        .get("object_kind")
        .and_then(Value::as_str)
        .or_else(|| object.get("event_name").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    let typed = |detail: serde_json::Error| ParseError {
        kind: kind.clone(),
        detail: detail.to_string(),
    };
    let parsed = match kind.as_str() {
        "merge_request" => merge_request(serde_json::from_value(value).map_err(typed)?),
        "note" => note(serde_json::from_value(value).map_err(typed)?),
        "pipeline" => pipeline(serde_json::from_value(value).map_err(typed)?),
        "build" => job(serde_json::from_value(value).map_err(typed)?),
        "push" | "tag_push" => push(serde_json::from_value(value).map_err(typed)?),
        "issue" => issue(serde_json::from_value(value).map_err(typed)?),
        "" => Ok(unsupported(
            "",
            format!("payload has neither object_kind nor event_name (header `{event_header}`)"),
        )),
        other => Ok(unsupported(
            other,
            format!("`{other}` has no neutral event"),
        )),
    };
    parsed.map_err(|detail| ParseError {
        kind: kind.clone(),
        detail,
    })
}

/// Removes whitespace around object keys (`"iid "`), which some recorded
/// payloads carry; GitLab's own keys never have any.
fn trim_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.keys().any(|k| k.trim() != k) {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (key, item) in entries {
                    let key = key.trim().to_owned();
                    if !map.contains_key(&key) {
                        map.insert(key, item);
                    }
                }
            }
            map.values_mut().for_each(trim_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(trim_keys),
        _ => {}
    }
}

fn unsupported(kind: &str, reason: String) -> Parsed {
    Parsed::Unsupported(Unsupported {
        kind: kind.to_owned(),
        reason,
    })
}

fn event(event: Event, repository: Option<RepositoryRef>) -> Result<Parsed, String> {
    Ok(Parsed::Event(Box::new(ParsedEvent { event, repository })))
}

// ----- merge requests -----

fn merge_request_action(
    action: Option<&str>,
    attrs: &HookMergeRequest,
    changes: &Changes,
) -> PullRequestAction {
    use PullRequestAction as A;
    match action {
        Some("open") => A::Opened,
        Some("close") => A::Closed,
        Some("reopen") => A::Reopened,
        Some("merge") => A::Closed,
        Some("update") => {
            if attrs.oldrev.as_deref().is_some_and(|r| !r.is_empty()) {
                return A::Synchronize;
            }
            if let Some(draft) = &changes.draft {
                return match draft.current.as_bool() {
                    Some(true) => A::ConvertedToDraft,
                    _ => A::ReadyForReview,
                };
            }
            if let Some(title) = &changes.title {
                let was = title
                    .previous
                    .as_str()
                    .is_some_and(|t| strip_draft_prefix(t).is_some());
                let is = title
                    .current
                    .as_str()
                    .is_some_and(|t| strip_draft_prefix(t).is_some());
                if was != is {
                    return if is {
                        A::ConvertedToDraft
                    } else {
                        A::ReadyForReview
                    };
                }
                return A::Edited;
            }
            if changes.description.is_some() {
                return A::Edited;
            }
            if let Some(labels) = &changes.labels {
                return if labels.len_delta() < 0 {
                    A::Unlabeled
                } else {
                    A::Labeled
                };
            }
            if let Some(assignees) = &changes.assignees {
                return if assignees.len_delta() < 0 {
                    A::Unassigned
                } else {
                    A::Assigned
                };
            }
            if let Some(reviewers) = &changes.reviewers {
                return if reviewers.len_delta() < 0 {
                    A::ReviewRequestRemoved
                } else {
                    A::ReviewRequested
                };
            }
            if let Some(milestone) = &changes.milestone_id {
                return if milestone.current.is_null() {
                    A::Demilestoned
                } else {
                    A::Milestoned
                };
            }
            if let Some(locked) = &changes.discussion_locked {
                return if locked.current.as_bool() == Some(true) {
                    A::Locked
                } else {
                    A::Unlocked
                };
            }
            A::Edited
        }
        // `approved`, `unapproved`, `approval`, `unapproval`, … kept verbatim.
        Some(other) => A::Unknown(other.to_owned()),
        None => A::Unknown(String::new()),
    }
}

fn merge_request(hook: MergeRequestHook) -> Result<Parsed, String> {
    let changes = hook.changes.clone().unwrap_or_default();
    let attrs = &hook.object_attributes;
    let action = merge_request_action(attrs.action.as_deref(), attrs, &changes);
    let labels = hook.labels.clone().unwrap_or_default();
    let snapshot = attrs.snapshot(hook.project.as_ref(), hook.user.as_ref(), &labels)?;
    let repo = repository(
        hook.project.as_ref().or(attrs.target.as_ref()),
        attrs.target_project_id.as_deref(),
        None,
    );
    event(
        Event::PullRequest(PullRequestEvent {
            action,
            pull_request: snapshot,
            sender: hook.user.as_ref().map(HookUser::author),
        }),
        repo,
    )
}

// ----- notes -----

fn note(hook: NoteHook) -> Result<Parsed, String> {
    let attrs = &hook.object_attributes;
    let repo = repository(hook.project.as_ref(), hook.project_id.as_deref(), None);
    let sender = hook.user.as_ref().map(HookUser::author);
    let id = attrs.id.clone().ok_or("note without id")?;
    let noteable = attrs.noteable_type.as_deref().unwrap_or_default();
    let is_diff_note = attrs.note_type.as_deref() == Some("DiffNote")
        || attrs
            .position
            .as_ref()
            .is_some_and(|p| p.new_line.is_some() || p.old_line.is_some());
    match noteable {
        "MergeRequest" if is_diff_note => {
            let mr = hook
                .merge_request
                .as_ref()
                .ok_or("diff note without its merge request")?;
            let pull_request = mr.snapshot(hook.project.as_ref(), None, &[])?;
            let position = attrs.position.clone();
            let (side, line) = match position.as_ref().map(|p| (p.new_line, p.old_line)) {
                Some((Some(new), _)) => (Some(ReviewSide::Head), Some(new)),
                Some((None, Some(old))) => (Some(ReviewSide::Base), Some(old)),
                _ => (None, None),
            };
            let start_line = position
                .as_ref()
                .and_then(|p| p.line_range.as_ref())
                .and_then(|r| r.start.as_ref())
                .and_then(|s| match side {
                    Some(ReviewSide::Base) => s.old_line,
                    _ => s.new_line.or(s.old_line),
                })
                .filter(|s| Some(*s) != line);
            let path = position.as_ref().and_then(|p| match side {
                Some(ReviewSide::Base) => p.old_path.clone().or(p.new_path.clone()),
                _ => p.new_path.clone().or(p.old_path.clone()),
            });
            let comment = ReviewComment {
                id,
                node_id: None,
                body: attrs.note.clone(),
                path,
                line,
                start_line,
                side,
                commit_sha: sha(position.as_ref().and_then(|p| p.head_sha.as_deref())),
                in_reply_to_id: None,
                review_id: sender.as_ref().and_then(|s| s.id.clone()),
                author: sender.clone(),
                html_url: attrs.url.clone(),
                created_at: attrs.created_at,
                updated_at: attrs.updated_at,
                reactions: Vec::new(),
            };
            let action = match attrs.action.as_deref() {
                Some("update") => ReviewCommentAction::Edited,
                Some("create") | None => ReviewCommentAction::Created,
                Some(other) => ReviewCommentAction::Unknown(other.to_owned()),
            };
            event(
                Event::ReviewComment(ReviewCommentEvent {
                    action,
                    comment,
                    pull_request,
                    sender,
                }),
                repo,
            )
        }
        "MergeRequest" | "Issue" => {
            let (comment_type, issue_id, title) = if noteable == "MergeRequest" {
                let mr = hook
                    .merge_request
                    .as_ref()
                    .ok_or("note without its merge request")?;
                (
                    CommentType::PullRequest,
                    mr.iid.clone(),
                    Some(mr.title.clone()),
                )
            } else {
                let issue = hook.issue.as_ref().ok_or("note without its issue")?;
                (CommentType::Issue, issue.iid.clone(), issue.title.clone())
            };
            let action = match attrs.action.as_deref() {
                Some("update") => CommentAction::Edited,
                Some("create") | None => CommentAction::Created,
                Some(other) => CommentAction::Unknown(other.to_owned()),
            };
            event(
                Event::Comment(CommentEvent {
                    action,
                    comment_type,
                    issue_id: issue_id.ok_or("note target without iid")?,
                    issue_title: title,
                    comment: Comment {
                        id,
                        node_id: None,
                        body: attrs.note.clone(),
                        author: sender.clone(),
                        html_url: attrs.url.clone(),
                        created_at: attrs.created_at,
                        updated_at: attrs.updated_at,
                    },
                    sender,
                }),
                repo,
            )
        }
        other => Ok(unsupported(
            "note",
            format!("notes on `{other}` have no neutral event"),
        )),
    }
}

// ----- pipelines and jobs -----

fn pipeline(hook: PipelineHook) -> Result<Parsed, String> {
    let attrs = &hook.object_attributes;
    let raw_status = attrs.status.as_deref().unwrap_or_default();
    let (status, conclusion) = status::build(raw_status, None);
    let action = match raw_status {
        _ if status == BuildStatus::Completed => CheckSuiteAction::Completed,
        "created" | "pending" | "waiting_for_resource" | "preparing" | "scheduled" => {
            CheckSuiteAction::Requested
        }
        other => CheckSuiteAction::Unknown(other.to_owned()),
    };
    let snapshot = CheckSuiteSnapshot {
        id: attrs.id.clone().ok_or("pipeline without id")?,
        head_sha: sha(attrs.sha.as_deref()).ok_or("pipeline without a valid sha")?,
        head_branch: attrs.ref_name.clone().filter(|_| !attrs.tag),
        status: Some(status),
        conclusion,
        pull_request_ids: hook
            .merge_request
            .as_ref()
            .and_then(|mr| mr.iid.clone())
            .into_iter()
            .collect(),
        app_slug: Some("gitlab-ci".into()),
    };
    event(
        Event::CheckSuite(CheckSuiteEvent {
            action,
            check_suite: snapshot,
            sender: hook.user.as_ref().map(HookUser::author),
        }),
        repository(hook.project.as_ref(), None, None),
    )
}

fn job(hook: JobHook) -> Result<Parsed, String> {
    let raw_status = hook.build_status.as_deref().unwrap_or_default();
    let failure = (raw_status == "failed")
        .then_some(hook.build_failure_reason.as_deref())
        .flatten();
    let (status, conclusion) = status::build(raw_status, failure);
    let action = match raw_status {
        _ if status == BuildStatus::Completed => CheckRunAction::Completed,
        "created" => CheckRunAction::Created,
        other => CheckRunAction::Unknown(other.to_owned()),
    };
    let job_id = hook.build_id.clone().ok_or("job without build_id")?;
    let head_sha = sha(hook.sha.as_deref()).ok_or("job without a valid sha")?;
    let homepage = hook.repository.as_ref().and_then(|r| r.homepage.as_deref());
    let web = hook
        .project
        .as_ref()
        .and_then(HookProject::web)
        .or(homepage);
    let html_url = web.map(|w| format!("{}/-/jobs/{job_id}", w.trim_end_matches('/')));
    let snapshot = CheckRunSnapshot {
        id: CheckRunId::format(&job_id, head_sha.as_str()),
        name: hook.build_name.clone(),
        external_id: None,
        html_url: html_url.clone(),
        details_url: html_url,
        status,
        conclusion,
        head_sha,
        check_suite_id: hook.pipeline_id.clone(),
        pull_request_ids: Vec::new(),
        app_slug: Some("gitlab-ci".into()),
        started_at: hook.build_started_at,
        completed_at: if status == BuildStatus::Completed {
            hook.build_finished_at
        } else {
            None
        },
    };
    event(
        Event::CheckRun(CheckRunEvent {
            action,
            check_run: snapshot,
            requested_action: None,
            sender: hook.user.as_ref().map(HookUser::author),
        }),
        repository(hook.project.as_ref(), hook.project_id.as_deref(), homepage),
    )
}

// ----- pushes -----

fn push(hook: PushHook) -> Result<Parsed, String> {
    let before = sha(hook.before.as_deref());
    let after = sha(hook.after.as_deref());
    let action = match (&before, &after) {
        (None, Some(_)) => PushAction::Created,
        (Some(_), None) => PushAction::Deleted,
        _ => PushAction::Pushed,
    };
    let pusher = Author {
        id: hook.user_id.clone(),
        username: hook.user_username.clone().unwrap_or_default(),
        display_name: hook.user_name.clone(),
        email: hook
            .user_email
            .clone()
            .filter(|e| !e.is_empty() && e != "[REDACTED]"),
        avatar_url: hook.user_avatar.clone(),
        html_url: None,
        kind: Some("user".into()),
    };
    let mut commits = Vec::with_capacity(hook.commits.len());
    for commit in &hook.commits {
        let Some(commit_sha) = sha(commit.id.as_deref()) else {
            return Err("push commit without a valid id".into());
        };
        commits.push(PushCommit {
            sha: commit_sha,
            message: commit
                .message
                .clone()
                .or(commit.title.clone())
                .unwrap_or_default(),
            author: commit.author.as_ref().map(|a| CommitAuthor {
                name: a.name.clone(),
                email: a.email.clone(),
                date: commit.timestamp,
            }),
            timestamp: commit.timestamp,
            url: commit.url.clone(),
            added: commit.added.clone(),
            removed: commit.removed.clone(),
            modified: commit.modified.clone(),
        });
    }
    let compare_url = match (
        hook.project.as_ref().and_then(HookProject::web),
        &before,
        &after,
    ) {
        (Some(web), Some(b), Some(a)) => {
            Some(format!("{}/-/compare/{b}...{a}", web.trim_end_matches('/')))
        }
        _ => None,
    };
    event(
        Event::Push(PushEvent {
            action,
            ref_name: hook.ref_name.clone(),
            before,
            after,
            forced: false,
            commits,
            compare_url,
            pusher: Some(pusher.clone()),
            sender: Some(pusher),
        }),
        repository(hook.project.as_ref(), hook.project_id.as_deref(), None),
    )
}

// ----- issues -----

fn issue(hook: IssueHook) -> Result<Parsed, String> {
    use IssueAction as A;
    let attrs = &hook.object_attributes;
    let changes = hook.changes.clone().unwrap_or_default();
    let action = match attrs.action.as_deref() {
        Some("open") => A::Opened,
        Some("close") => A::Closed,
        Some("reopen") => A::Reopened,
        Some("update") => {
            if changes.title.is_some() || changes.description.is_some() {
                A::Edited
            } else if let Some(labels) = &changes.labels {
                if labels.len_delta() < 0 {
                    A::Unlabeled
                } else {
                    A::Labeled
                }
            } else if let Some(assignees) = &changes.assignees {
                if assignees.len_delta() < 0 {
                    A::Unassigned
                } else {
                    A::Assigned
                }
            } else if let Some(milestone) = &changes.milestone_id {
                if milestone.current.is_null() {
                    A::Demilestoned
                } else {
                    A::Milestoned
                }
            } else if let Some(locked) = &changes.discussion_locked {
                if locked.current.as_bool() == Some(true) {
                    A::Locked
                } else {
                    A::Unlocked
                }
            } else {
                A::Edited
            }
        }
        Some(other) => A::Unknown(other.to_owned()),
        None => A::Unknown(String::new()),
    };
    let labels = hook
        .labels
        .as_deref()
        .or(attrs.labels.as_deref())
        .unwrap_or_default();
    let author = hook_author(
        attrs.author_id.as_deref(),
        hook.user.as_ref(),
        matches!(action, A::Opened),
    );
    let issue = Issue {
        id: attrs.iid.clone().ok_or("issue without iid")?,
        node_id: attrs.id.clone(),
        title: attrs.title.clone(),
        body: attrs.description.clone().filter(|d| !d.is_empty()),
        state: if attrs.state.as_deref() == Some("closed") {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        author,
        assignees: hook
            .assignees
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(HookUser::author)
            .collect(),
        labels: labels.iter().map(HookLabel::label).collect(),
        html_url: attrs.url.clone(),
        created_at: attrs.created_at,
        updated_at: attrs.updated_at,
        closed_at: attrs.closed_at,
    };
    event(
        Event::Issue(IssueEvent {
            action,
            issue,
            sender: hook.user.as_ref().map(HookUser::author),
        }),
        repository(hook.project.as_ref(), None, None),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idempotency_key_is_the_delivery_id() {
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "signed-id".parse().unwrap());
        assert_eq!(delivery_id(&headers).as_deref(), Some("signed-id"));
        headers.insert("x-gitlab-event-uuid", "event-uuid".parse().unwrap());
        assert_eq!(delivery_id(&headers).as_deref(), Some("event-uuid"));
        headers.insert("idempotency-key", " ".parse().unwrap());
        assert_eq!(delivery_id(&headers).as_deref(), Some("event-uuid"));
        headers.insert("idempotency-key", "key".parse().unwrap());
        assert_eq!(delivery_id(&headers).as_deref(), Some("key"));
    }

    #[test]
    fn garbage_is_an_error_and_unknown_kinds_are_unsupported() {
        assert!(parse("Push Hook", b"not json").is_err());
        assert!(parse("Push Hook", b"[1]").is_err());
        assert!(matches!(
            parse("Wiki Page Hook", br#"{"object_kind":"wiki_page"}"#).unwrap(),
            Parsed::Unsupported(Unsupported { ref kind, .. }) if kind == "wiki_page"
        ));
        assert!(matches!(parse("X", b"{}").unwrap(), Parsed::Unsupported(_)));
        // A supported kind without its required fields is an error.
        let err = parse("Push Hook", br#"{"object_kind":"push"}"#).unwrap_err();
        assert_eq!(err.kind, "push");
    }

    #[test]
    fn push_actions_follow_zero_shas() {
        let zero = "0000000000000000000000000000000000000000";
        let sha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
        let body = |before: &str, after: &str| {
            format!(
                r#"{{"object_kind":"push","ref":"refs/heads/x","before":"{before}","after":"{after}","project_id":1,"commits":[]}}"#
            )
        };
        let action =
            |before, after| match parse("Push Hook", body(before, after).as_bytes()).unwrap() {
                Parsed::Event(parsed) => match parsed.event {
                    Event::Push(push) => push.action,
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            };
        assert_eq!(action(zero, sha), PushAction::Created);
        assert_eq!(action(sha, zero), PushAction::Deleted);
        assert_eq!(action(sha, sha), PushAction::Pushed);
    }
}
