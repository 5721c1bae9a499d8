//! Issues of the (deprecated) Bitbucket Cloud issue tracker.

use scm_core::model::{Issue, IssueState};
use serde::Deserialize;

use super::common::{timestamp, Account, Links, Rendered};

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct IssueJson {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub content: Option<Rendered>,
    /// new, open, submitted, resolved, on hold, invalid, duplicate, wontfix, closed.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub reporter: Option<Account>,
    #[serde(default)]
    pub assignee: Option<Account>,
    #[serde(default)]
    pub links: Links,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

/// Open states of the tracker; every other state is closed.
pub(crate) fn is_open(state: &str) -> bool {
    matches!(state, "new" | "open" | "submitted" | "on hold")
}

impl IssueJson {
    pub fn neutral(self) -> Result<Issue, scm_core::Error> {
        let id = self
            .id
            .ok_or_else(|| scm_core::Error::malformed("Bitbucket sent an issue without an id"))?;
        let state_name = self.state.clone().unwrap_or_else(|| "new".into());
        let open = is_open(&state_name);
        let updated = timestamp(&self.updated_on);
        Ok(Issue {
            id: id.to_string(),
            node_id: None,
            title: self.title.unwrap_or_default(),
            body: self
                .content
                .as_ref()
                .and_then(|c| c.raw.clone())
                .filter(|b| !b.is_empty()),
            state: if open {
                IssueState::Open
            } else {
                IssueState::Closed
            },
            author: self.reporter.as_ref().map(Account::author),
            assignees: self.assignee.iter().map(Account::author).collect(),
            labels: Vec::new(),
            html_url: self.links.html(),
            created_at: timestamp(&self.created_on),
            updated_at: updated,
            closed_at: if open { None } else { updated },
        })
    }
}
