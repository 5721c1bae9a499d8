//! Pull requests, their refs and participants.

use scm_core::events::PullRequestSnapshot;
use scm_core::model::{
    Author, PullRequest, PullRequestBranch, PullRequestState, Review, ReviewState, Timestamp,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{de_date, sha, BbLinks, BbRepository, BbUser};

/// `fromRef` / `toRef` of a pull request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbPullRequestRef {
    pub id: Option<String>,
    pub display_id: Option<String>,
    pub latest_commit: Option<String>,
    pub repository: Option<BbRepository>,
}

impl BbPullRequestRef {
    fn branch(&self) -> PullRequestBranch {
        PullRequestBranch {
            ref_name: self
                .display_id
                .clone()
                .or_else(|| {
                    self.id
                        .as_deref()
                        .map(|id| id.strip_prefix("refs/heads/").unwrap_or(id).to_owned())
                })
                .unwrap_or_default(),
            sha: sha(self.latest_commit.as_deref()),
            repository_full_name: self.repository.as_ref().map(BbRepository::full_name),
        }
    }
}

/// An author, reviewer or participant with their review status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbParticipant {
    #[serde(default)]
    pub user: BbUser,
    /// `AUTHOR`, `REVIEWER`, `PARTICIPANT`.
    pub role: Option<String>,
    #[serde(default)]
    pub approved: bool,
    /// `APPROVED`, `NEEDS_WORK`, `UNAPPROVED`.
    pub status: Option<String>,
    pub last_reviewed_commit: Option<String>,
}

impl BbParticipant {
    /// A participant's status as their review: the review id is the
    /// reviewer's numeric user id (one review per person, as Data Center
    /// keeps one status per person).
    pub fn review(&self, pull_request_web: Option<&str>) -> Review {
        let state = match self.status.as_deref() {
            Some("APPROVED") => ReviewState::Approved,
            Some("NEEDS_WORK") => ReviewState::ChangesRequested,
            Some("UNAPPROVED") => ReviewState::Pending,
            _ if self.approved => ReviewState::Approved,
            _ => ReviewState::Unknown,
        };
        Review {
            id: self
                .user
                .id
                .map(|id| id.to_string())
                .or(self.user.slug.clone())
                .unwrap_or_default(),
            node_id: None,
            state,
            body: None,
            author: Some(Author::from(self.user.clone())),
            commit_sha: sha(self.last_reviewed_commit.as_deref()),
            html_url: pull_request_web.map(str::to_owned),
            submitted_at: None,
        }
    }

    /// Whether `who` (a user id, slug or name) names this participant.
    pub fn is(&self, who: &str) -> bool {
        self.user.id.map(|id| id.to_string()).as_deref() == Some(who)
            || self.user.slug.as_deref() == Some(who)
            || self
                .user
                .name
                .as_deref()
                .is_some_and(|name| name.eq_ignore_ascii_case(who))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbMergeCommit {
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbPullRequestProperties {
    pub merge_commit: Option<BbMergeCommit>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbPullRequest {
    pub id: i64,
    /// Optimistic locking: every change must send the current version.
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    /// `OPEN`, `DECLINED`, `MERGED`.
    pub state: Option<String>,
    /// Data Center 8.18 and later.
    #[serde(default)]
    pub draft: bool,
    #[serde(default, deserialize_with = "de_date")]
    pub created_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_date")]
    pub updated_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_date")]
    pub closed_date: Option<Timestamp>,
    #[serde(default)]
    pub from_ref: BbPullRequestRef,
    #[serde(default)]
    pub to_ref: BbPullRequestRef,
    pub author: Option<BbParticipant>,
    #[serde(default)]
    pub reviewers: Vec<BbParticipant>,
    #[serde(default)]
    pub participants: Vec<BbParticipant>,
    #[serde(default)]
    pub links: BbLinks,
    #[serde(default)]
    pub properties: Option<BbPullRequestProperties>,
}

impl BbPullRequest {
    pub fn is_merged(&self) -> bool {
        self.state.as_deref() == Some("MERGED")
    }

    pub fn neutral_state(&self) -> PullRequestState {
        match self.state.as_deref() {
            Some("DECLINED") | Some("MERGED") => PullRequestState::Closed,
            _ => PullRequestState::Open,
        }
    }

    /// The reviewers as a PUT body wants them (`[{"user":{"name":..}}]`), so
    /// a full-replace update keeps every one of them.
    pub fn reviewers_body(&self) -> Value {
        Value::Array(
            self.reviewers
                .iter()
                .filter_map(|r| r.user.name.as_ref())
                .map(|name| json!({ "user": { "name": name } }))
                .collect(),
        )
    }

    fn merge_commit(&self) -> Option<scm_core::model::Sha> {
        self.properties
            .as_ref()
            .and_then(|p| p.merge_commit.as_ref())
            .and_then(|c| sha(c.id.as_deref()))
    }

    fn body(&self) -> Option<String> {
        self.description.clone().filter(|d| !d.is_empty())
    }

    fn is_private(&self) -> bool {
        self.to_ref
            .repository
            .as_ref()
            .map(|repo| {
                let project_public = repo.project.as_ref().is_some_and(|p| p.public);
                !(repo.public || project_public)
            })
            .unwrap_or(true)
    }

    /// The snapshot webhook events carry; `web` is the pull request's page
    /// when the payload has no link.
    pub fn snapshot(&self, web: Option<String>) -> PullRequestSnapshot {
        PullRequestSnapshot {
            id: self.id.to_string(),
            external_id: None,
            title: self.title.clone(),
            description: self.body(),
            head: self.from_ref.branch(),
            base: self.to_ref.branch(),
            is_private_repo: self.is_private(),
            author: self.author.as_ref().map(|a| Author::from(a.user.clone())),
            state: self.neutral_state(),
            merged: self.is_merged(),
            draft: self.draft,
            merge_commit_sha: self.merge_commit(),
            html_url: self.links.web().or(web),
            labels: Vec::new(),
        }
    }

    /// The neutral pull request; `web` is its page (`…/pull-requests/{id}`)
    /// when the answer has no link.
    pub fn pull_request(&self, web: Option<String>) -> PullRequest {
        let merged = self.is_merged();
        PullRequest {
            id: self.id.to_string(),
            node_id: None,
            title: self.title.clone(),
            body: self.body(),
            state: self.neutral_state(),
            merged,
            draft: self.draft,
            author: self.author.as_ref().map(|a| Author::from(a.user.clone())),
            head: self.from_ref.branch(),
            base: self.to_ref.branch(),
            labels: Vec::new(),
            html_url: self.links.web().or(web),
            merge_commit_sha: self.merge_commit(),
            created_at: self.created_date,
            updated_at: self.updated_date,
            closed_at: self.closed_date,
            merged_at: if merged { self.closed_date } else { None },
        }
    }
}
