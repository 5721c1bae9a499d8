//! Issue events (pull requests have their own).

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{Author, Issue};

event_action! {
    /// What happened to an issue.
    pub enum IssueAction {
        Opened => "opened",
        Edited => "edited",
        Deleted => "deleted",
        Closed => "closed",
        Reopened => "reopened",
        Transferred => "transferred",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
        Locked => "locked",
        Unlocked => "unlocked",
        Pinned => "pinned",
        Unpinned => "unpinned",
        Typed => "typed",
        Untyped => "untyped",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEvent {
    pub action: IssueAction,
    pub issue: Issue,
    #[serde(default)]
    pub sender: Option<Author>,
}
