//! Pull requests, their ends and participants (reviews).

use scm_core::events::PullRequestSnapshot;
use scm_core::model::{PullRequest, PullRequestBranch, PullRequestState, Review, ReviewState};
use serde::Deserialize;

use super::common::{timestamp, Account, CommitRef, Links};

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct BranchName {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RepoName {
    #[serde(default)]
    pub full_name: Option<String>,
}

/// `source` / `destination`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Endpoint {
    #[serde(default)]
    pub branch: Option<BranchName>,
    /// Abbreviated (12 characters) in pull request answers and payloads;
    /// kept as sent (see the crate documentation).
    #[serde(default)]
    pub commit: Option<CommitRef>,
    #[serde(default)]
    pub repository: Option<RepoName>,
}

impl Endpoint {
    pub fn neutral(&self) -> PullRequestBranch {
        PullRequestBranch {
            ref_name: self
                .branch
                .as_ref()
                .and_then(|b| b.name.clone())
                .unwrap_or_default(),
            sha: self.commit.as_ref().and_then(CommitRef::sha),
            repository_full_name: self.repository.as_ref().and_then(|r| r.full_name.clone()),
        }
    }
}

/// A participant: reviewer or commenter, with their review state.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Participant {
    #[serde(default)]
    pub user: Option<Account>,
    #[serde(default)]
    pub approved: Option<bool>,
    /// `approved`, `changes_requested` or null.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub participated_on: Option<String>,
}

impl Participant {
    /// The review this participant's state amounts to, if any. The review
    /// id is the reviewer's `{uuid}` (no review objects exist).
    pub fn review(&self, html_url: Option<String>) -> Option<Review> {
        let state = match (self.state.as_deref(), self.approved) {
            (Some("approved"), _) | (None, Some(true)) => ReviewState::Approved,
            (Some("changes_requested"), _) => ReviewState::ChangesRequested,
            _ => return None,
        };
        let user = self.user.as_ref()?;
        let author = user.author();
        Some(Review {
            id: author.id.clone().unwrap_or_else(|| author.username.clone()),
            node_id: None,
            state,
            body: None,
            author: Some(author),
            commit_sha: None,
            html_url,
            submitted_at: timestamp(&self.participated_on),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PullRequestJson {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub summary: Option<super::common::Rendered>,
    /// OPEN, MERGED, DECLINED, SUPERSEDED.
    #[serde(default)]
    pub state: Option<String>,
    /// Absent in answers from before drafts existed: not a draft.
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub author: Option<Account>,
    #[serde(default)]
    pub source: Endpoint,
    #[serde(default)]
    pub destination: Endpoint,
    #[serde(default)]
    pub merge_commit: Option<CommitRef>,
    #[serde(default)]
    pub reviewers: Vec<Account>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub links: Links,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

impl PullRequestJson {
    pub fn number(&self) -> Result<String, scm_core::Error> {
        self.id.map(|id| id.to_string()).ok_or_else(|| {
            scm_core::Error::malformed("Bitbucket sent a pull request without an id")
        })
    }

    fn state_flags(&self) -> (PullRequestState, bool) {
        match self.state.as_deref().unwrap_or("OPEN") {
            "OPEN" => (PullRequestState::Open, false),
            "MERGED" => (PullRequestState::Closed, true),
            // DECLINED and SUPERSEDED are closed without a merge.
            _ => (PullRequestState::Closed, false),
        }
    }

    fn body(&self) -> Option<String> {
        self.description
            .clone()
            .or_else(|| self.summary.as_ref().and_then(|s| s.raw.clone()))
            .filter(|d| !d.is_empty())
    }

    pub fn neutral(self) -> Result<PullRequest, scm_core::Error> {
        let (state, merged) = self.state_flags();
        let updated = timestamp(&self.updated_on);
        Ok(PullRequest {
            id: self.number()?,
            node_id: None,
            title: self.title.clone().unwrap_or_default(),
            body: self.body(),
            state,
            merged,
            draft: self.draft.unwrap_or(false),
            author: self.author.as_ref().map(Account::author),
            head: self.source.neutral(),
            base: self.destination.neutral(),
            labels: Vec::new(),
            html_url: self.links.html(),
            merge_commit_sha: self.merge_commit.as_ref().and_then(CommitRef::sha),
            created_at: timestamp(&self.created_on),
            updated_at: updated,
            // Bitbucket reports no close date; the last update of a closed
            // pull request is when it closed.
            closed_at: (state == PullRequestState::Closed)
                .then_some(updated)
                .flatten(),
            merged_at: merged.then_some(updated).flatten(),
        })
    }

    pub fn snapshot(&self, is_private_repo: bool) -> Result<PullRequestSnapshot, scm_core::Error> {
        let (state, merged) = self.state_flags();
        Ok(PullRequestSnapshot {
            id: self.number()?,
            external_id: None,
            title: self.title.clone().unwrap_or_default(),
            description: self.body(),
            head: self.source.neutral(),
            base: self.destination.neutral(),
            is_private_repo,
            author: self.author.as_ref().map(Account::author),
            state,
            merged,
            draft: self.draft.unwrap_or(false),
            merge_commit_sha: self.merge_commit.as_ref().and_then(CommitRef::sha),
            html_url: self.links.html(),
            labels: Vec::new(),
        })
    }

    /// The reviewers as the `[{uuid}]` list a PUT must resend (Bitbucket
    /// clears reviewers a PUT leaves out).
    pub fn reviewer_ids(&self) -> Vec<serde_json::Value> {
        self.reviewers
            .iter()
            .filter_map(|r| {
                r.uuid
                    .clone()
                    .map(|u| serde_json::json!({ "type": "user", "uuid": u }))
                    .or_else(|| {
                        r.account_id
                            .clone()
                            .map(|a| serde_json::json!({ "type": "user", "account_id": a }))
                    })
            })
            .collect()
    }
}
