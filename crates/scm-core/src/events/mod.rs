//! Inbound events: webhooks normalized into provider-neutral types.
//!
//! A provider crate verifies a webhook and maps its payload into one
//! [`Event`]; the ingress wraps it in an [`EventEnvelope`] (who sent it,
//! when, for which repository, plus the raw body) and queues it; listeners
//! receive the envelope. Nothing here knows a provider's payload format.
//!
//! The serialized form is a contract with the queue: envelopes written by
//! this build must be readable by the next one, because a queue may hold
//! them across an upgrade. Hence the explicit `version` field, the
//! `type`-tagged [`Event`], `Unknown(String)` variants in every action enum,
//! and `#[serde(default)]` on optional fields (added fields stay readable
//! from old envelopes, unknown fields are ignored).

mod action;
mod checks;
mod comment;
mod envelope;
mod installation;
mod issue;
mod pull_request;
mod push;
mod reviews;
pub mod signature;
mod webhook;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use checks::*;
pub use comment::*;
pub use envelope::*;
pub use installation::*;
pub use issue::*;
pub use pull_request::*;
pub use push::*;
pub use reviews::*;
pub use webhook::{
    ReceivedWebhook, RejectionKind, WebhookReceiver, WebhookRejection, MAX_DELIVERY_ID_BYTES,
};

/// One neutral event. Serialized with a `"type"` tag (`"pull_request"`, …)
/// beside the event's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    CheckRun(CheckRunEvent),
    CheckSuite(CheckSuiteEvent),
    Comment(CommentEvent),
    PullRequest(PullRequestEvent),
    PullRequestReview(PullRequestReviewEvent),
    ReviewComment(ReviewCommentEvent),
    Push(PushEvent),
    Issue(IssueEvent),
    Installation(InstallationEvent),
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match self {
            Event::CheckRun(_) => EventType::CheckRun,
            Event::CheckSuite(_) => EventType::CheckSuite,
            Event::Comment(_) => EventType::Comment,
            Event::PullRequest(_) => EventType::PullRequest,
            Event::PullRequestReview(_) => EventType::PullRequestReview,
            Event::ReviewComment(_) => EventType::ReviewComment,
            Event::Push(_) => EventType::Push,
            Event::Issue(_) => EventType::Issue,
            Event::Installation(_) => EventType::Installation,
        }
    }

    /// The action's wire name, for logs and metric tags.
    pub fn action(&self) -> &str {
        match self {
            Event::CheckRun(e) => e.action.as_str(),
            Event::CheckSuite(e) => e.action.as_str(),
            Event::Comment(e) => e.action.as_str(),
            Event::PullRequest(e) => e.action.as_str(),
            Event::PullRequestReview(e) => e.action.as_str(),
            Event::ReviewComment(e) => e.action.as_str(),
            Event::Push(e) => e.action.as_str(),
            Event::Issue(e) => e.action.as_str(),
            Event::Installation(e) => e.action.as_str(),
        }
    }
}

/// The kinds of [`Event`]; what listeners subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    CheckRun,
    CheckSuite,
    Comment,
    PullRequest,
    PullRequestReview,
    ReviewComment,
    Push,
    Issue,
    Installation,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::CheckRun,
        EventType::CheckSuite,
        EventType::Comment,
        EventType::PullRequest,
        EventType::PullRequestReview,
        EventType::ReviewComment,
        EventType::Push,
        EventType::Issue,
        EventType::Installation,
    ];

    /// The stable wire name, also used in queue subjects and CLI flags.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CheckRun => "check_run",
            EventType::CheckSuite => "check_suite",
            EventType::Comment => "comment",
            EventType::PullRequest => "pull_request",
            EventType::PullRequestReview => "pull_request_review",
            EventType::ReviewComment => "review_comment",
            EventType::Push => "push",
            EventType::Issue => "issue",
            EventType::Installation => "installation",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventType {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                crate::Error::invalid_input(format!(
                    "unknown event type `{}`; known: {}",
                    s.chars().take(64).collect::<String>(),
                    EventType::ALL.map(EventType::as_str).join(", ")
                ))
            })
    }
}
