//! GitLab's JSON, as far as we read it, and its mapping to neutral types.
//!
//! Every field is optional or defaulted: GitLab versions and editions
//! differ, and a missing field must never fail a whole response.

use scm_core::model::*;
use scm_core::Error;
use serde::{Deserialize, Deserializer};

use crate::emoji;
use crate::status;

// ----- lenient value parsing -----

/// An id GitLab sends as a number (sometimes as a string).
pub(crate) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    })
}

/// Timestamps in every format GitLab uses: RFC 3339, and the
/// `2013-12-03 17:23:34 UTC` / `+0100` forms of older webhooks.
pub(crate) fn parse_timestamp(value: &str) -> Option<Timestamp> {
    if let Ok(ts) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some(ts.with_timezone(&chrono::Utc));
    }
    if let Ok(ts) = chrono::DateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S %z") {
        return Some(ts.with_timezone(&chrono::Utc));
    }
    let trimmed = value.strip_suffix(" UTC").unwrap_or(value);
    chrono::NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|naive| naive.and_utc())
}

pub(crate) fn de_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(d)?
        .and_then(|v| v.as_str().and_then(parse_timestamp)))
}

pub(crate) fn sha(value: Option<&str>) -> Option<Sha> {
    value.and_then(|v| Sha::new(v).ok())
}

pub(crate) fn required_sha(value: Option<&str>, what: &str) -> Result<Sha, Error> {
    sha(value).ok_or_else(|| Error::malformed(format!("GitLab sent no valid sha for {what}")))
}

// ----- people -----

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlUser {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub web_url: Option<String>,
    pub bot: Option<bool>,
}

impl GlUser {
    pub fn author(&self) -> Author {
        Author {
            id: self.id.clone(),
            username: self.username.clone().unwrap_or_default(),
            display_name: self.name.clone(),
            email: self.email.clone().filter(|e| !e.is_empty()),
            avatar_url: self.avatar_url.clone(),
            html_url: self.web_url.clone(),
            kind: Some(
                if self.bot == Some(true) {
                    "bot"
                } else {
                    "user"
                }
                .to_owned(),
            ),
        }
    }
}

pub(crate) fn author(user: &Option<GlUser>) -> Option<Author> {
    user.as_ref().map(GlUser::author)
}

/// A project member with an access level.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlMember {
    #[serde(flatten)]
    pub user: GlUser,
    pub access_level: Option<u32>,
}

/// GitLab access levels → neutral permissions and role names.
pub(crate) fn permission(access_level: Option<u32>) -> (Permission, Option<String>) {
    let role = |r: &str| Some(r.to_owned());
    match access_level.unwrap_or(0) {
        50.. => (Permission::Admin, role("owner")),
        40..=49 => (Permission::Maintain, role("maintainer")),
        30..=39 => (Permission::Write, role("developer")),
        20..=29 => (Permission::Triage, role("reporter")),
        15..=19 => (Permission::Read, role("planner")),
        10..=14 => (Permission::Read, role("guest")),
        5..=9 => (Permission::Read, role("minimal_access")),
        _ => (Permission::None, None),
    }
}

impl GlMember {
    pub fn permissions(&self) -> UserPermissions {
        let (permission, role_name) = permission(self.access_level);
        UserPermissions {
            user: self.user.author(),
            permission,
            role_name,
        }
    }
}

// ----- projects -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlNamespace {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub path: Option<String>,
    pub full_path: Option<String>,
    pub kind: Option<String>,
    pub avatar_url: Option<String>,
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlProject {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub path: Option<String>,
    pub path_with_namespace: Option<String>,
    pub namespace: Option<GlNamespace>,
    pub visibility: Option<String>,
    #[serde(default)]
    pub archived: bool,
    pub default_branch: Option<String>,
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub http_url_to_repo: Option<String>,
    pub ssh_url_to_repo: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub last_activity_at: Option<Timestamp>,
    #[serde(default)]
    pub topics: Option<Vec<String>>,
    #[serde(default)]
    pub tag_list: Option<Vec<String>>,
}

impl GlProject {
    pub fn repository(self) -> Result<GitRepository, Error> {
        let id = self
            .id
            .ok_or_else(|| Error::malformed("GitLab sent a project without an id"))?;
        let path = self.path.or(self.name.clone()).unwrap_or_default();
        let full_name = self.path_with_namespace.unwrap_or_else(|| path.clone());
        Ok(GitRepository {
            id,
            name: path,
            full_name,
            owner: self.namespace.map(|ns| Author {
                id: ns.id,
                username: ns.full_path.or(ns.path).unwrap_or_default(),
                display_name: ns.name,
                email: None,
                avatar_url: ns.avatar_url,
                html_url: ns.web_url,
                kind: ns.kind,
            }),
            private: self.visibility.as_deref() != Some("public"),
            archived: self.archived,
            default_branch: self.default_branch,
            description: self.description.filter(|d| !d.is_empty()),
            html_url: self.web_url,
            clone_url: self.http_url_to_repo,
            ssh_url: self.ssh_url_to_repo,
            created_at: self.created_at,
            updated_at: self.updated_at.or(self.last_activity_at),
        })
    }

    pub fn topics(self) -> Vec<String> {
        self.topics.or(self.tag_list).unwrap_or_default()
    }
}

// ----- labels -----

/// Labels come as names (issues, MRs) or as objects (labels API).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum GlLabelRef {
    Name(String),
    Full(GlLabel),
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlLabel {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(alias = "title")]
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
}

impl GlLabel {
    pub fn label(self) -> Label {
        Label {
            id: self.id,
            name: self.name,
            color: self.color.map(|c| c.trim_start_matches('#').to_owned()),
            description: self.description.filter(|d| !d.is_empty()),
        }
    }
}

impl GlLabelRef {
    pub fn label(self) -> Label {
        match self {
            GlLabelRef::Name(name) => Label {
                id: None,
                name,
                color: None,
                description: None,
            },
            GlLabelRef::Full(label) => label.label(),
        }
    }
}

// ----- issues and notes -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlIssue {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub iid: Option<String>,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    pub state: Option<String>,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub assignees: Vec<GlUser>,
    #[serde(default)]
    pub labels: Vec<GlLabelRef>,
    pub web_url: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub closed_at: Option<Timestamp>,
}

impl GlIssue {
    pub fn issue(self) -> Result<Issue, Error> {
        Ok(Issue {
            id: self
                .iid
                .ok_or_else(|| Error::malformed("GitLab sent an issue without an iid"))?,
            node_id: self.id,
            title: self.title,
            body: self.description,
            state: if self.state.as_deref() == Some("closed") {
                IssueState::Closed
            } else {
                IssueState::Open
            },
            author: author(&self.author),
            assignees: self.assignees.iter().map(GlUser::author).collect(),
            labels: self.labels.into_iter().map(GlLabelRef::label).collect(),
            html_url: self.web_url,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
        })
    }
}

/// A diff position of a note.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlPosition {
    pub head_sha: Option<String>,
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    pub old_line: Option<u32>,
    pub new_line: Option<u32>,
    pub line_range: Option<GlLineRange>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlLineRange {
    pub start: Option<GlRangeEnd>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlRangeEnd {
    pub old_line: Option<u32>,
    pub new_line: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlNote {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub note_type: Option<String>,
    #[serde(default)]
    pub body: String,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub system: bool,
    pub position: Option<GlPosition>,
    #[serde(default)]
    pub resolvable: bool,
    #[serde(default)]
    pub resolved: bool,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
}

impl GlNote {
    fn id(&self) -> Result<String, Error> {
        self.id
            .clone()
            .ok_or_else(|| Error::malformed("GitLab sent a note without an id"))
    }

    /// A conversation comment, `None` for system notes and diff notes.
    pub fn comment(self, html_base: Option<&str>) -> Result<Option<Comment>, Error> {
        if self.system || self.position.is_some() || self.note_type.as_deref() == Some("DiffNote") {
            return Ok(None);
        }
        self.comment_any(html_base).map(Some)
    }

    /// Any note as a comment (a note just created is always one).
    pub fn comment_any(self, html_base: Option<&str>) -> Result<Comment, Error> {
        let id = self.id()?;
        Ok(Comment {
            html_url: html_base.map(|base| format!("{base}#note_{id}")),
            id,
            node_id: None,
            body: self.body,
            author: author(&self.author),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    /// A review comment (a note on the diff, or a reply in its thread).
    pub fn review_comment(
        self,
        in_reply_to: Option<String>,
        html_base: Option<&str>,
    ) -> Result<ReviewComment, Error> {
        let id = self.id()?;
        let position = self.position.unwrap_or_default();
        let (side, line) = match (position.new_line, position.old_line) {
            (Some(new), _) => (Some(ReviewSide::Head), Some(new)),
            (None, Some(old)) => (Some(ReviewSide::Base), Some(old)),
            (None, None) => (None, None),
        };
        let start_line = position
            .line_range
            .as_ref()
            .and_then(|range| range.start.as_ref())
            .and_then(|start| match side {
                Some(ReviewSide::Base) => start.old_line.or(start.new_line),
                _ => start.new_line.or(start.old_line),
            })
            .filter(|start| Some(*start) != line);
        let path = match side {
            Some(ReviewSide::Base) => position.old_path.or(position.new_path),
            _ => position.new_path.or(position.old_path),
        };
        let author = author(&self.author);
        Ok(ReviewComment {
            html_url: html_base.map(|base| format!("{base}#note_{id}")),
            id,
            node_id: None,
            body: self.body,
            path,
            line,
            start_line,
            side,
            commit_sha: sha(position.head_sha.as_deref()),
            in_reply_to_id: in_reply_to,
            // A GitLab "review" is one reviewer's state on the merge
            // request; its id is the reviewer's user id.
            review_id: author.as_ref().and_then(|a| a.id.clone()),
            author,
            created_at: self.created_at,
            updated_at: self.updated_at,
            reactions: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlDiscussion {
    pub id: String,
    #[serde(default)]
    pub notes: Vec<GlNote>,
}

impl GlDiscussion {
    /// Whether this is a thread on the diff (its first note has a position).
    pub fn is_diff_thread(&self) -> bool {
        self.notes
            .first()
            .is_some_and(|n| n.position.is_some() || n.note_type.as_deref() == Some("DiffNote"))
    }

    pub fn review_comments(self, html_base: Option<&str>) -> Result<Vec<ReviewComment>, Error> {
        let first_id = self.notes.first().and_then(|n| n.id.clone());
        let mut out = Vec::with_capacity(self.notes.len());
        for (i, note) in self.notes.into_iter().enumerate() {
            if note.system {
                continue;
            }
            let reply_to = if i == 0 { None } else { first_id.clone() };
            out.push(note.review_comment(reply_to, html_base)?);
        }
        Ok(out)
    }

    pub fn thread(
        self,
        current_head: Option<&str>,
        html_base: Option<&str>,
    ) -> Result<ReviewThread, Error> {
        let resolvable: Vec<&GlNote> = self.notes.iter().filter(|n| n.resolvable).collect();
        let is_resolved = !resolvable.is_empty() && resolvable.iter().all(|n| n.resolved);
        let is_outdated = match (
            current_head,
            self.notes
                .first()
                .and_then(|n| n.position.as_ref())
                .and_then(|p| p.head_sha.as_deref()),
        ) {
            (Some(current), Some(head)) => current != head,
            _ => false,
        };
        let id = self.id.clone();
        let comments = self.review_comments(html_base)?;
        Ok(ReviewThread {
            id,
            is_resolved,
            is_outdated,
            path: comments.first().and_then(|c| c.path.clone()),
            line: comments.first().and_then(|c| c.line),
            comments,
        })
    }
}

// ----- award emoji -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlAward {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: String,
    pub user: Option<GlUser>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
}

impl GlAward {
    /// `None` for emoji outside the neutral set.
    pub fn reaction(self) -> Result<Option<ReactionResult>, Error> {
        let Some(reaction) = emoji::from_gitlab(&self.name) else {
            return Ok(None);
        };
        Ok(Some(ReactionResult {
            id: self
                .id
                .ok_or_else(|| Error::malformed("GitLab sent an award emoji without an id"))?,
            reaction,
            author: author(&self.user),
            created_at: self.created_at,
        }))
    }
}

// ----- merge requests -----

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlDiffRefs {
    pub base_sha: Option<String>,
    pub head_sha: Option<String>,
    pub start_sha: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlMergeRequest {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub iid: Option<String>,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    pub state: Option<String>,
    pub draft: Option<bool>,
    pub work_in_progress: Option<bool>,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub source_branch: String,
    #[serde(default)]
    pub target_branch: String,
    pub sha: Option<String>,
    pub diff_refs: Option<GlDiffRefs>,
    #[serde(default)]
    pub labels: Vec<GlLabelRef>,
    #[serde(default)]
    pub reviewers: Vec<GlUser>,
    pub web_url: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub squash_commit_sha: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub closed_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub merged_at: Option<Timestamp>,
}

/// Title prefixes that make a merge request a draft.
const DRAFT_PREFIXES: &[&str] = &["draft:", "[draft]", "(draft)", "draft -", "wip:", "[wip]"];

/// The title without its draft prefix, if it had one.
pub(crate) fn strip_draft_prefix(title: &str) -> Option<&str> {
    let trimmed = title.trim_start();
    DRAFT_PREFIXES.iter().find_map(|prefix| {
        let head = trimmed.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| trimmed[prefix.len()..].trim_start())
    })
}

impl GlMergeRequest {
    pub fn is_draft(&self) -> bool {
        self.draft
            .or(self.work_in_progress)
            .unwrap_or_else(|| strip_draft_prefix(&self.title).is_some())
    }

    pub fn pull_request(self) -> Result<PullRequest, Error> {
        let draft = self.is_draft();
        let state = self.state.as_deref().unwrap_or("opened");
        let merged = state == "merged";
        let refs = self.diff_refs.unwrap_or_default();
        Ok(PullRequest {
            id: self
                .iid
                .ok_or_else(|| Error::malformed("GitLab sent a merge request without an iid"))?,
            node_id: self.id,
            title: self.title,
            body: self.description,
            state: if matches!(state, "closed" | "merged") {
                PullRequestState::Closed
            } else {
                PullRequestState::Open
            },
            merged,
            draft,
            author: author(&self.author),
            head: PullRequestBranch {
                ref_name: self.source_branch,
                sha: sha(self.sha.as_deref().or(refs.head_sha.as_deref())),
                repository_full_name: None,
            },
            base: PullRequestBranch {
                ref_name: self.target_branch,
                sha: sha(refs.start_sha.as_deref().or(refs.base_sha.as_deref())),
                repository_full_name: None,
            },
            labels: self.labels.into_iter().map(GlLabelRef::label).collect(),
            html_url: self.web_url,
            merge_commit_sha: sha(self
                .merge_commit_sha
                .as_deref()
                .or(self.squash_commit_sha.as_deref())),
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self
                .closed_at
                .or(if merged { self.merged_at } else { None }),
            merged_at: self.merged_at,
        })
    }
}

// ----- commits and diffs -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlCommit {
    pub id: Option<String>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub authored_date: Option<Timestamp>,
    pub committer_name: Option<String>,
    pub committer_email: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub committed_date: Option<Timestamp>,
    #[serde(default)]
    pub parent_ids: Vec<String>,
    pub web_url: Option<String>,
    pub stats: Option<GlStats>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlStats {
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
}

impl GlCommit {
    pub fn commit(self, web_commit_base: Option<&str>) -> Result<Commit, Error> {
        let sha = required_sha(self.id.as_deref(), "a commit")?;
        Ok(Commit {
            html_url: self
                .web_url
                .or_else(|| web_commit_base.map(|base| format!("{base}/{sha}"))),
            message: self.message.or(self.title).unwrap_or_default(),
            author: Some(CommitAuthor {
                name: self.author_name,
                email: self.author_email,
                date: self.authored_date,
            }),
            committer: Some(CommitAuthor {
                name: self.committer_name,
                email: self.committer_email,
                date: self.committed_date,
            }),
            author_account: None,
            parent_shas: self
                .parent_ids
                .iter()
                .filter_map(|p| Sha::new(p).ok())
                .collect(),
            sha,
        })
    }

    pub fn pull_request_commit(
        self,
        web_commit_base: Option<&str>,
    ) -> Result<PullRequestCommit, Error> {
        let commit = self.commit(web_commit_base)?;
        Ok(PullRequestCommit {
            sha: commit.sha,
            message: commit.message,
            author: commit.author,
            author_account: None,
            html_url: commit.html_url,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlDiff {
    #[serde(default)]
    pub old_path: String,
    #[serde(default)]
    pub new_path: String,
    pub a_mode: Option<String>,
    pub b_mode: Option<String>,
    #[serde(default)]
    pub diff: String,
    #[serde(default)]
    pub new_file: bool,
    #[serde(default)]
    pub renamed_file: bool,
    #[serde(default)]
    pub deleted_file: bool,
}

impl GlDiff {
    pub fn file(self) -> CommitFile {
        let (additions, deletions) = count_changes(&self.diff);
        let status = if self.new_file {
            FileStatus::Added
        } else if self.deleted_file {
            FileStatus::Removed
        } else if self.renamed_file {
            FileStatus::Renamed
        } else if self.a_mode != self.b_mode && self.diff.is_empty() {
            FileStatus::Changed
        } else {
            FileStatus::Modified
        };
        let has_diff = !self.diff.is_empty();
        CommitFile {
            previous_path: self.renamed_file.then(|| self.old_path.clone()),
            path: if self.deleted_file && self.new_path.is_empty() {
                self.old_path
            } else {
                self.new_path
            },
            status,
            additions: has_diff.then_some(additions),
            deletions: has_diff.then_some(deletions),
            changes: has_diff.then_some(additions + deletions),
            patch: has_diff.then_some(self.diff),
            sha: None,
        }
    }
}

/// Added and removed lines of a unified diff (headers excluded).
pub(crate) fn count_changes(diff: &str) -> (u64, u64) {
    let mut in_hunk = false;
    let (mut add, mut del) = (0, 0);
    for line in diff.lines() {
        if line.starts_with("@@") {
            in_hunk = true;
            continue;
        }
        if !in_hunk {
            continue;
        }
        if line.starts_with('+') {
            add += 1;
        } else if line.starts_with('-') {
            del += 1;
        }
    }
    (add, del)
}

// ----- branches, tags, trees, files -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlBranch {
    pub name: String,
    pub commit: Option<GlCommit>,
}

impl GlBranch {
    pub fn git_ref(self) -> Result<GitRef, Error> {
        let sha = required_sha(
            self.commit.as_ref().and_then(|c| c.id.as_deref()),
            "a branch",
        )?;
        Ok(GitRef {
            ref_name: format!("refs/heads/{}", self.name),
            sha,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlTag {
    pub name: String,
    /// The tag object for annotated tags, else the commit.
    pub target: Option<String>,
    pub commit: Option<GlCommit>,
}

impl GlTag {
    pub fn git_ref(self) -> Result<GitRef, Error> {
        let target = self
            .target
            .as_deref()
            .or(self.commit.as_ref().and_then(|c| c.id.as_deref()));
        Ok(GitRef {
            ref_name: format!("refs/tags/{}", self.name),
            sha: required_sha(target, "a tag")?,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlTreeEntry {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub mode: String,
}

impl GlTreeEntry {
    pub fn entry_kind(&self) -> TreeEntryType {
        match self.kind.as_str() {
            "tree" => TreeEntryType::Tree,
            "commit" => TreeEntryType::Commit,
            _ => TreeEntryType::Blob,
        }
    }

    pub fn mode(&self) -> TreeEntryMode {
        TreeEntryMode::parse(&self.mode).unwrap_or(match self.entry_kind() {
            TreeEntryType::Tree => TreeEntryMode::Directory,
            TreeEntryType::Commit => TreeEntryMode::Submodule,
            TreeEntryType::Blob => TreeEntryMode::File,
        })
    }

    pub fn tree_entry(self) -> Result<TreeEntry, Error> {
        Ok(TreeEntry {
            mode: self.mode(),
            kind: self.entry_kind(),
            sha: required_sha(Some(&self.id), "a tree entry")?,
            path: self.path,
            size: None,
        })
    }

    pub fn file_content(self, html_url: Option<String>) -> FileContent {
        let kind = match (self.entry_kind(), self.mode()) {
            (TreeEntryType::Tree, _) => ContentKind::Dir,
            (TreeEntryType::Commit, _) => ContentKind::Submodule,
            (_, TreeEntryMode::Symlink) => ContentKind::Symlink,
            _ => ContentKind::File,
        };
        FileContent {
            sha: sha(Some(&self.id)),
            path: self.path,
            name: self.name,
            kind,
            size: None,
            content: None,
            encoding: None,
            html_url,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlFile {
    pub file_name: Option<String>,
    pub file_path: String,
    pub size: Option<u64>,
    pub encoding: Option<String>,
    pub content: Option<String>,
    pub blob_id: Option<String>,
}

impl GlFile {
    pub fn file_content(self, html_url: Option<String>) -> FileContent {
        let name = self.file_name.clone().unwrap_or_else(|| {
            self.file_path
                .rsplit('/')
                .next()
                .unwrap_or(&self.file_path)
                .to_owned()
        });
        FileContent {
            path: self.file_path,
            name,
            kind: ContentKind::File,
            sha: sha(self.blob_id.as_deref()),
            size: self.size,
            encoding: self
                .content
                .as_ref()
                .map(|_| match self.encoding.as_deref() {
                    Some("base64") => ContentEncoding::Base64,
                    _ => ContentEncoding::Utf8,
                }),
            content: self.content,
            html_url,
        }
    }
}

// ----- CI -----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlPipeline {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub ref_name: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub web_url: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
}

impl GlPipeline {
    pub fn workflow_run(self) -> Result<WorkflowRun, Error> {
        let (status, conclusion) = status::build(self.status.as_deref().unwrap_or(""), None);
        Ok(WorkflowRun {
            id: self
                .id
                .ok_or_else(|| Error::malformed("GitLab sent a pipeline without an id"))?,
            name: self.name,
            head_sha: sha(self.sha.as_deref()),
            head_branch: self.ref_name,
            status,
            conclusion,
            event: self.source,
            html_url: self.web_url,
            run_attempt: None,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlJobPipeline {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlJob {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub status: Option<String>,
    pub failure_reason: Option<String>,
    pub web_url: Option<String>,
    pub commit: Option<GlCommit>,
    pub pipeline: Option<GlJobPipeline>,
    #[serde(default, deserialize_with = "de_ts")]
    pub started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub finished_at: Option<Timestamp>,
}

impl GlJob {
    fn id(&self) -> Result<String, Error> {
        self.id
            .clone()
            .ok_or_else(|| Error::malformed("GitLab sent a job without an id"))
    }

    pub fn workflow_job(self) -> Result<WorkflowJob, Error> {
        let (status, conclusion) = status::build(
            self.status.as_deref().unwrap_or(""),
            self.failure_reason.as_deref(),
        );
        Ok(WorkflowJob {
            id: self.id()?,
            run_id: self.pipeline.and_then(|p| p.id),
            name: self.name,
            status,
            conclusion,
            html_url: self.web_url,
            started_at: self.started_at,
            completed_at: self.finished_at,
        })
    }

    pub fn check_run(self) -> Result<CheckRun, Error> {
        let (status, conclusion) = status::build(
            self.status.as_deref().unwrap_or(""),
            self.failure_reason.as_deref(),
        );
        let head_sha = sha(self.commit.as_ref().and_then(|c| c.id.as_deref()));
        let id = self.id()?;
        Ok(CheckRun {
            id: match &head_sha {
                Some(sha) => crate::checks::CheckRunId::format(&id, sha.as_str()),
                None => id,
            },
            name: self.name,
            head_sha,
            status,
            conclusion,
            external_id: None,
            html_url: self.web_url.clone(),
            details_url: self.web_url,
            check_suite_id: self.pipeline.and_then(|p| p.id),
            started_at: self.started_at,
            completed_at: self.finished_at,
            output: None,
        })
    }
}

/// A commit status (external, or the status of a CI job).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlStatus {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub ref_name: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub name: String,
    pub target_url: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub pipeline_id: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub finished_at: Option<Timestamp>,
}

impl GlStatus {
    pub fn check_run(self, fallback_sha: Option<&str>) -> Result<CheckRun, Error> {
        let (status, conclusion) = status::build(self.status.as_deref().unwrap_or(""), None);
        let id = self
            .id
            .ok_or_else(|| Error::malformed("GitLab sent a commit status without an id"))?;
        let head_sha = sha(self.sha.as_deref().or(fallback_sha));
        Ok(CheckRun {
            id: match &head_sha {
                Some(sha) => crate::checks::CheckRunId::format(&id, sha.as_str()),
                None => id,
            },
            name: self.name,
            head_sha,
            status,
            conclusion,
            external_id: None,
            html_url: self.target_url.clone(),
            details_url: self.target_url,
            check_suite_id: self.pipeline_id,
            started_at: self.started_at,
            completed_at: if status == BuildStatus::Completed {
                self.finished_at
            } else {
                None
            },
            output: self
                .description
                .filter(|d| !d.is_empty())
                .map(|d| CheckRunOutput {
                    title: None,
                    summary: Some(d),
                    text: None,
                    annotations: Vec::new(),
                }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_all_gitlab_formats() {
        let expect = "2013-12-03T17:23:34Z";
        for value in [
            "2013-12-03T17:23:34Z",
            "2013-12-03T17:23:34.000Z",
            "2013-12-03 17:23:34 UTC",
            "2013-12-03 18:23:34 +0100",
            "2013-12-03T09:23:34-08:00",
        ] {
            assert_eq!(
                parse_timestamp(value)
                    .unwrap()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                expect,
                "{value}"
            );
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn draft_prefixes() {
        assert_eq!(strip_draft_prefix("Draft: x"), Some("x"));
        assert_eq!(strip_draft_prefix("[Draft] x"), Some("x"));
        assert_eq!(strip_draft_prefix("WIP: x"), Some("x"));
        assert_eq!(strip_draft_prefix("(draft)x"), Some("x"));
        assert_eq!(strip_draft_prefix("Drafting x"), None);
        assert_eq!(strip_draft_prefix("é"), None);
    }

    fn mr(state: &str) -> GlMergeRequest {
        serde_json::from_value(serde_json::json!({
            "id": 1, "iid": 7, "title": "t", "state": state,
            "source_branch": "f", "target_branch": "main",
            "merged_at": if state == "merged" { "2020-01-01T00:00:00Z" } else { "" },
        }))
        .unwrap()
    }

    #[test]
    fn merged_is_never_merely_closed() {
        let merged = mr("merged").pull_request().unwrap();
        assert_eq!(merged.state, PullRequestState::Closed);
        assert!(merged.merged);
        assert!(merged.merged_at.is_some());
        let closed = mr("closed").pull_request().unwrap();
        assert_eq!(closed.state, PullRequestState::Closed);
        assert!(!closed.merged);
        let open = mr("opened").pull_request().unwrap();
        assert_eq!(open.state, PullRequestState::Open);
        let locked = mr("locked").pull_request().unwrap();
        assert_eq!(locked.state, PullRequestState::Open);
    }

    #[test]
    fn access_levels() {
        assert_eq!(permission(Some(50)).0, Permission::Admin);
        assert_eq!(permission(Some(40)).0, Permission::Maintain);
        assert_eq!(permission(Some(30)).0, Permission::Write);
        assert_eq!(permission(Some(20)).0, Permission::Triage);
        assert_eq!(permission(Some(10)).0, Permission::Read);
        assert_eq!(permission(None).0, Permission::None);
    }
}
