//! The parts of GitLab's webhook payloads we read, and the small
//! mappings that belong to one shape (a hook user to an author, a merge
//! request to a snapshot). Fields are optional or defaulted wherever GitLab
//! versions differ; the few an event cannot do without are checked where
//! the event is built, in [`parse`](super::parse).

use scm_core::events::{PullRequestSnapshot, RepositoryRef};
use scm_core::model::{Author, Label, PullRequestBranch, PullRequestState, Sha, Timestamp};
use serde::Deserialize;
use serde_json::Value;

use crate::schema::{de_id, de_ts, strip_draft_prefix};

// ----- shared payload parts -----

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct HookUser {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) username: Option<String>,
    pub(super) email: Option<String>,
    pub(super) avatar_url: Option<String>,
}

impl HookUser {
    pub(super) fn author(&self) -> Author {
        Author {
            id: self.id.clone(),
            username: self.username.clone().unwrap_or_default(),
            display_name: self.name.clone(),
            email: self
                .email
                .clone()
                .filter(|e| !e.is_empty() && e != "[REDACTED]"),
            avatar_url: self.avatar_url.clone(),
            html_url: None,
            kind: Some("user".into()),
        }
    }
}

/// The author of an issue or merge request. GitLab's payloads name the
/// author only by `author_id`; the `user` object is whoever triggered the
/// event. So: the user's details when the user is the author (same id, or,
/// in older payloads whose user has no id, when the event is the opening
/// itself); otherwise an author known only by id (the payload says nothing
/// else about them). `None` only when the payload has no `author_id`.
pub(super) fn hook_author(
    author_id: Option<&str>,
    user: Option<&HookUser>,
    opened: bool,
) -> Option<Author> {
    let author_id = author_id?;
    let acting_author = user.filter(|u| match u.id.as_deref() {
        Some(id) => id == author_id,
        None => opened,
    });
    Some(match acting_author {
        Some(user) => Author {
            id: Some(author_id.to_owned()),
            ..user.author()
        },
        None => Author {
            id: Some(author_id.to_owned()),
            ..Author::default()
        },
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct HookProject {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    pub(super) path_with_namespace: Option<String>,
    pub(super) web_url: Option<String>,
    pub(super) homepage: Option<String>,
    pub(super) visibility_level: Option<i64>,
    pub(super) visibility: Option<String>,
}

impl HookProject {
    pub(super) fn is_private(&self) -> bool {
        // Level 20 is public; 10 (internal) and 0 (private) are not.
        match (&self.visibility, self.visibility_level) {
            (Some(visibility), _) => visibility != "public",
            (None, level) => level != Some(20),
        }
    }

    pub(super) fn web(&self) -> Option<&str> {
        self.web_url.as_deref().or(self.homepage.as_deref())
    }
}

/// The repository a payload belongs to. Older payloads have no project id
/// at the top level; `project_id` fields fill in.
pub(super) fn repository(
    project: Option<&HookProject>,
    project_id: Option<&str>,
    homepage: Option<&str>,
) -> Option<RepositoryRef> {
    let id = project
        .and_then(|p| p.id.clone())
        .or_else(|| project_id.map(str::to_owned))?;
    let full_name = project
        .and_then(|p| p.path_with_namespace.clone())
        .or_else(|| {
            let url = url::Url::parse(project.and_then(HookProject::web).or(homepage)?).ok()?;
            Some(url.path().trim_matches('/').to_owned())
        })
        .unwrap_or_default();
    Some(RepositoryRef {
        id: None,
        external_id: id,
        full_name,
    })
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookLabel {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    pub(super) title: String,
    pub(super) color: Option<String>,
    pub(super) description: Option<String>,
}

impl HookLabel {
    pub(super) fn label(&self) -> Label {
        Label {
            id: self.id.clone(),
            name: self.title.clone(),
            color: self
                .color
                .as_ref()
                .map(|c| c.trim_start_matches('#').to_owned()),
            description: self.description.clone().filter(|d| !d.is_empty()),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct Change {
    #[serde(default)]
    pub(super) previous: Value,
    #[serde(default)]
    pub(super) current: Value,
}

impl Change {
    pub(super) fn len_delta(&self) -> i64 {
        let len = |v: &Value| v.as_array().map_or(0, |a| a.len() as i64);
        len(&self.current) - len(&self.previous)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct Changes {
    pub(super) title: Option<Change>,
    pub(super) description: Option<Change>,
    pub(super) draft: Option<Change>,
    pub(super) labels: Option<Change>,
    pub(super) assignees: Option<Change>,
    pub(super) reviewers: Option<Change>,
    pub(super) milestone_id: Option<Change>,
    pub(super) discussion_locked: Option<Change>,
}

pub(super) fn sha(value: Option<&str>) -> Option<Sha> {
    value
        .filter(|v| !v.bytes().all(|b| b == b'0'))
        .and_then(|v| Sha::new(v).ok())
}

// ----- merge requests -----

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookCommit {
    pub(super) id: Option<String>,
    pub(super) message: Option<String>,
    pub(super) title: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) timestamp: Option<Timestamp>,
    pub(super) url: Option<String>,
    pub(super) author: Option<HookCommitAuthor>,
    #[serde(default)]
    pub(super) added: Vec<String>,
    #[serde(default)]
    pub(super) removed: Vec<String>,
    #[serde(default)]
    pub(super) modified: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookCommitAuthor {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookMergeRequest {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) iid: Option<String>,
    #[serde(default)]
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) state: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) author_id: Option<String>,
    #[serde(default)]
    pub(super) source_branch: String,
    #[serde(default)]
    pub(super) target_branch: String,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) target_project_id: Option<String>,
    pub(super) source: Option<HookProject>,
    pub(super) target: Option<HookProject>,
    pub(super) last_commit: Option<HookCommit>,
    pub(super) draft: Option<bool>,
    pub(super) work_in_progress: Option<bool>,
    pub(super) merge_commit_sha: Option<String>,
    pub(super) url: Option<String>,
    #[serde(default)]
    pub(super) labels: Option<Vec<HookLabel>>,
    pub(super) action: Option<String>,
    pub(super) oldrev: Option<String>,
}

impl HookMergeRequest {
    pub(super) fn snapshot(
        &self,
        project: Option<&HookProject>,
        user: Option<&HookUser>,
        labels: &[HookLabel],
    ) -> Result<PullRequestSnapshot, String> {
        let state = self.state.as_deref().unwrap_or("opened");
        let merged = state == "merged" || self.action.as_deref() == Some("merge");
        let private = self
            .target
            .as_ref()
            .or(project)
            .map(HookProject::is_private)
            .unwrap_or(true);
        let author = hook_author(
            self.author_id.as_deref(),
            user,
            self.action.as_deref() == Some("open"),
        );
        let labels = self
            .labels
            .as_deref()
            .filter(|l| !l.is_empty())
            .unwrap_or(labels);
        Ok(PullRequestSnapshot {
            id: self.iid.clone().ok_or("merge request without iid")?,
            external_id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone().filter(|d| !d.is_empty()),
            head: PullRequestBranch {
                ref_name: self.source_branch.clone(),
                sha: sha(self.last_commit.as_ref().and_then(|c| c.id.as_deref())),
                repository_full_name: self
                    .source
                    .as_ref()
                    .and_then(|p| p.path_with_namespace.clone()),
            },
            base: PullRequestBranch {
                ref_name: self.target_branch.clone(),
                sha: None,
                repository_full_name: self
                    .target
                    .as_ref()
                    .and_then(|p| p.path_with_namespace.clone()),
            },
            is_private_repo: private,
            author,
            state: if merged || state == "closed" {
                PullRequestState::Closed
            } else {
                PullRequestState::Open
            },
            merged,
            draft: self
                .draft
                .or(self.work_in_progress)
                .unwrap_or_else(|| strip_draft_prefix(&self.title).is_some()),
            merge_commit_sha: sha(self.merge_commit_sha.as_deref()),
            html_url: self.url.clone(),
            labels: labels.iter().map(HookLabel::label).collect(),
        })
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MergeRequestHook {
    pub(super) user: Option<HookUser>,
    pub(super) project: Option<HookProject>,
    pub(super) object_attributes: HookMergeRequest,
    #[serde(default)]
    pub(super) labels: Option<Vec<HookLabel>>,
    #[serde(default)]
    pub(super) changes: Option<Changes>,
}

// ----- notes -----

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookPosition {
    pub(super) head_sha: Option<String>,
    pub(super) old_path: Option<String>,
    pub(super) new_path: Option<String>,
    pub(super) old_line: Option<u32>,
    pub(super) new_line: Option<u32>,
    pub(super) line_range: Option<HookLineRange>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookLineRange {
    pub(super) start: Option<HookRangeEnd>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookRangeEnd {
    pub(super) old_line: Option<u32>,
    pub(super) new_line: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookNote {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    #[serde(default)]
    pub(super) note: String,
    pub(super) noteable_type: Option<String>,
    #[serde(rename = "type")]
    pub(super) note_type: Option<String>,
    pub(super) position: Option<HookPosition>,
    pub(super) url: Option<String>,
    pub(super) action: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookIssueRef {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) iid: Option<String>,
    pub(super) title: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct NoteHook {
    pub(super) user: Option<HookUser>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) project_id: Option<String>,
    pub(super) project: Option<HookProject>,
    pub(super) object_attributes: HookNote,
    pub(super) merge_request: Option<HookMergeRequest>,
    pub(super) issue: Option<HookIssueRef>,
}

// ----- pipelines and jobs -----

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookPipeline {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    #[serde(rename = "ref")]
    pub(super) ref_name: Option<String>,
    #[serde(default)]
    pub(super) tag: bool,
    pub(super) sha: Option<String>,
    pub(super) status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PipelineHook {
    pub(super) user: Option<HookUser>,
    pub(super) project: Option<HookProject>,
    pub(super) object_attributes: HookPipeline,
    pub(super) merge_request: Option<HookIssueRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookRepository {
    pub(super) homepage: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JobHook {
    pub(super) user: Option<HookUser>,
    pub(super) sha: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) build_id: Option<String>,
    #[serde(default)]
    pub(super) build_name: String,
    pub(super) build_status: Option<String>,
    pub(super) build_failure_reason: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) build_started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) build_finished_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) pipeline_id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) project_id: Option<String>,
    pub(super) project: Option<HookProject>,
    pub(super) repository: Option<HookRepository>,
}

// ----- pushes -----

#[derive(Debug, Deserialize)]
pub(super) struct PushHook {
    #[serde(rename = "ref")]
    pub(super) ref_name: String,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) user_id: Option<String>,
    pub(super) user_name: Option<String>,
    pub(super) user_username: Option<String>,
    pub(super) user_email: Option<String>,
    pub(super) user_avatar: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) project_id: Option<String>,
    pub(super) project: Option<HookProject>,
    #[serde(default)]
    pub(super) commits: Vec<HookCommit>,
}

// ----- issues -----

#[derive(Debug, Clone, Deserialize)]
pub(super) struct HookIssue {
    #[serde(default, deserialize_with = "de_id")]
    pub(super) id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) iid: Option<String>,
    #[serde(default)]
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) state: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub(super) author_id: Option<String>,
    pub(super) url: Option<String>,
    pub(super) action: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub(super) closed_at: Option<Timestamp>,
    #[serde(default)]
    pub(super) labels: Option<Vec<HookLabel>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct IssueHook {
    pub(super) user: Option<HookUser>,
    pub(super) project: Option<HookProject>,
    pub(super) object_attributes: HookIssue,
    #[serde(default)]
    pub(super) assignees: Option<Vec<HookUser>>,
    #[serde(default)]
    pub(super) labels: Option<Vec<HookLabel>>,
    #[serde(default)]
    pub(super) changes: Option<Changes>,
}
