//! Commits: reading history and changes, comparing, and writing a commit
//! through the git data API.

use std::collections::HashMap;

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CompareCommits, CreateCommit, GetCommit, GetCommitChanges, GetCommits, GetCommitsByPath,
};
use scm_core::http_util::encode_path;
use scm_core::model::{
    Commit, CommitAction, CommitAuthorParam, CommitComparison, CommitFile, CommitWithChanges,
    ComparisonSide, ContentEncoding, Sha, Timestamp, TreeEntryMode,
};
use scm_core::{CallContext, Cursor, Error, Handle, Page, PageRequest, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::branches::{name_segment, ref_segment};
use crate::client::{Call, Client};
use crate::schema::{GhCommit, GhCommitFile, GhGitCommitCreated, GhRef};
use crate::GitHub;

fn history_call(
    ctx: &CallContext,
    r#ref: Option<&str>,
    path: Option<&str>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<Call<'static>> {
    let mut call = Call::get(format!("{}/commits", Client::repo_path(ctx)?))
        .query_opt("sha", r#ref.filter(|r| !r.is_empty()))
        .query_opt("since", since.map(|t| t.to_rfc3339()))
        .query_opt("until", until.map(|t| t.to_rfc3339()));
    if let Some(path) = path {
        // A query value, but still refuse paths that leave the repository.
        encode_path(path)?;
        call = call.query("path", path.trim_start_matches('/'));
    }
    Ok(call)
}

impl GitHub {
    async fn history(
        &self,
        call: Call<'static>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>> {
        Ok(self
            .client()
            .list::<GhCommit>(call, page, ctx)
            .await?
            .map(|page| page.map(Commit::from)))
    }
}

#[async_trait]
impl Handle<GetCommit> for GitHub {
    async fn handle(
        &self,
        action: GetCommit,
        ctx: &CallContext,
    ) -> Result<Response<CommitWithChanges>> {
        let path = format!("{}/commits/{}", Client::repo_path(ctx)?, action.sha);
        Ok(self
            .client()
            .json::<GhCommit>(Call::get(path), ctx)
            .await?
            .map(Into::into))
    }
}

/// GitHub pages a commit's `files` with `page`/`per_page` on the commit
/// itself (and says so in `Link`), up to 3000 files.
#[async_trait]
impl Handle<GetCommitChanges> for GitHub {
    async fn handle(
        &self,
        action: GetCommitChanges,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitFile>>> {
        let path = format!("{}/commits/{}", Client::repo_path(ctx)?, action.sha);
        Ok(self
            .client()
            .list_under::<GhCommitFile>(Call::get(path), "files", &action.page, ctx)
            .await?
            .map(|page| page.map(CommitFile::from)))
    }
}

#[async_trait]
impl Handle<GetCommits> for GitHub {
    async fn handle(
        &self,
        action: GetCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>> {
        let call = history_call(
            ctx,
            action.r#ref.as_deref(),
            None,
            action.since,
            action.until,
        )?;
        self.history(call, &action.page, ctx).await
    }
}

#[async_trait]
impl Handle<GetCommitsByPath> for GitHub {
    async fn handle(
        &self,
        action: GetCommitsByPath,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>> {
        let call = history_call(
            ctx,
            action.r#ref.as_deref(),
            Some(&action.path),
            action.since,
            action.until,
        )?;
        self.history(call, &action.page, ctx).await
    }
}

/// The one member of a comparison answer read besides its commits.
#[derive(Deserialize)]
struct BehindBy {
    behind_by: Option<u64>,
}

/// Where a comparison listing is: first the commits `end` has and `start`
/// lacks (ahead), then, with `include_behind`, the reverse comparison
/// (behind). `inner` is the `Link` cursor inside the current phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CompareCursor {
    pub side: ComparisonSide,
    pub inner: Option<Cursor>,
}

impl CompareCursor {
    /// The cursor after a page of `side`: more of the same phase, else the
    /// behind phase when asked for and there is something behind, else
    /// nothing.
    pub fn next(
        side: ComparisonSide,
        inner_next: Option<Cursor>,
        include_behind: bool,
        behind_by: Option<u64>,
    ) -> Option<CompareCursor> {
        match (inner_next, side) {
            (Some(inner), side) => Some(CompareCursor {
                side,
                inner: Some(inner),
            }),
            (None, ComparisonSide::Ahead) if include_behind && behind_by != Some(0) => {
                Some(CompareCursor {
                    side: ComparisonSide::Behind,
                    inner: None,
                })
            }
            (None, _) => None,
        }
    }
}

#[async_trait]
impl Handle<CompareCommits> for GitHub {
    async fn handle(
        &self,
        action: CompareCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitComparison>>> {
        let state = match &action.page.cursor {
            Some(cursor) => cursor.decode::<CompareCursor>()?,
            None => CompareCursor {
                side: ComparisonSide::Ahead,
                inner: None,
            },
        };
        // A cursor is re-validated against the action: the behind phase
        // only when the caller asked for it.
        if state.side == ComparisonSide::Behind && !action.include_behind {
            return Err(Error::invalid_input("invalid cursor for this comparison"));
        }
        let (base, head) = match state.side {
            ComparisonSide::Ahead => (&action.start_sha, &action.end_sha),
            ComparisonSide::Behind => (&action.end_sha, &action.start_sha),
        };
        let path = format!("{}/compare/{base}...{head}", Client::repo_path(ctx)?);
        let page = PageRequest {
            cursor: state.inner.clone(),
            per_page: action.page.per_page,
        };
        let response = self
            .client()
            .list_under::<GhCommit>(Call::get(path), "commits", &page, ctx)
            .await?;
        let Response::Ok(mut result) = response else {
            return Ok(response.map(|_| Page::new(Vec::new(), None)));
        };
        let behind_by = result
            .raw
            .as_ref()
            .and_then(|raw| raw.body.as_ref())
            .and_then(|body| body.decode::<BehindBy>().ok())
            .and_then(|answer| answer.behind_by);
        let inner_next = result.data.next_cursor.take();
        let next = CompareCursor::next(state.side, inner_next, action.include_behind, behind_by)
            .map(|c| Cursor::encode(&c));
        let side = state.side;
        Ok(Response::Ok(result.map(|page| {
            Page::new(
                page.items
                    .into_iter()
                    .map(|commit| CommitComparison {
                        side,
                        commit: commit.into(),
                    })
                    .collect(),
                next,
            )
        })))
    }
}

// ----- create_commit -----

/// One entry of a base tree, as far as `create_commit` needs it.
#[derive(Debug, Clone, Deserialize)]
struct TreeItem {
    path: String,
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TreeListing {
    #[serde(default)]
    tree: Vec<TreeItem>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Debug, Deserialize)]
struct Created {
    sha: Sha,
}

#[derive(Debug, Deserialize)]
struct CommitTree {
    tree: Created,
}

/// Blobs of the base tree by path (mode, sha).
#[derive(Debug, Default)]
pub(crate) struct BaseTree {
    blobs: HashMap<String, (String, String)>,
    truncated: bool,
}

impl BaseTree {
    fn from_listing(listing: TreeListing) -> Self {
        BaseTree {
            blobs: listing
                .tree
                .into_iter()
                .filter(|item| item.kind == "blob")
                .filter_map(|item| item.sha.map(|sha| (item.path, (item.mode, sha))))
                .collect(),
            truncated: listing.truncated,
        }
    }

    fn blob(&self, path: &str) -> Result<(&str, &str)> {
        match self.blobs.get(path) {
            Some((mode, sha)) => Ok((mode, sha)),
            None if self.truncated => Err(Error::UnprocessableContent {
                detail: format!(
                    "`{path}` not found in the parent tree, which GitHub listed only partly (too large)"
                ),
            }),
            None => Err(Error::NotFound {
                detail: format!("`{path}` does not exist at the parent commit"),
            }),
        }
    }
}

/// A tree entry to send: `content` or `sha` (`null` deletes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NewEntry {
    Inline {
        path: String,
        mode: &'static str,
        content: String,
    },
    Blob {
        path: String,
        mode: String,
        sha: String,
    },
    Delete {
        path: String,
        mode: String,
    },
}

impl NewEntry {
    fn to_json(&self) -> Value {
        match self {
            NewEntry::Inline {
                path,
                mode,
                content,
            } => json!({ "path": path, "mode": mode, "type": "blob", "content": content }),
            NewEntry::Blob { path, mode, sha } => {
                json!({ "path": path, "mode": mode, "type": "blob", "sha": sha })
            }
            NewEntry::Delete { path, mode } => {
                json!({ "path": path, "mode": mode, "type": "blob", "sha": null })
            }
        }
    }
}

fn file_mode(executable: bool) -> &'static str {
    if executable {
        TreeEntryMode::Executable.as_str()
    } else {
        TreeEntryMode::File.as_str()
    }
}

/// A repository path as the git data API wants it (no leading `/`),
/// refusing `.`/`..`/empty segments.
fn tree_path(path: &str) -> Result<String> {
    encode_path(path)?;
    Ok(path.trim_start_matches('/').to_owned())
}

/// Every path the actions name, checked before anything is sent.
fn validate_paths(actions: &[CommitAction]) -> Result<()> {
    for action in actions {
        match action {
            CommitAction::Write { path, .. }
            | CommitAction::Delete { path }
            | CommitAction::Chmod { path, .. } => {
                tree_path(path)?;
            }
            CommitAction::Move {
                previous_path,
                path,
            } => {
                tree_path(previous_path)?;
                tree_path(path)?;
            }
        }
    }
    Ok(())
}

/// Turns commit actions into tree entries. `blob_for` gives the sha of a
/// stored blob for base64 content (already created); moves and chmods
/// take mode and blob from the base tree, so an executable moved stays
/// executable.
pub(crate) fn build_entries(
    actions: &[CommitAction],
    base: &BaseTree,
    base64_blobs: &HashMap<usize, String>,
) -> Result<Vec<NewEntry>> {
    let mut entries = Vec::new();
    for (index, action) in actions.iter().enumerate() {
        match action {
            CommitAction::Write {
                path,
                content,
                encoding,
                executable,
            } => {
                let path = tree_path(path)?;
                let mode = file_mode(*executable);
                match encoding {
                    ContentEncoding::Utf8 => entries.push(NewEntry::Inline {
                        path,
                        mode,
                        content: content.clone(),
                    }),
                    ContentEncoding::Base64 => {
                        let sha = base64_blobs.get(&index).ok_or_else(|| {
                            Error::invalid_input("base64 content without a stored blob")
                        })?;
                        entries.push(NewEntry::Blob {
                            path,
                            mode: mode.to_owned(),
                            sha: sha.clone(),
                        });
                    }
                }
            }
            CommitAction::Delete { path } => {
                let path = tree_path(path)?;
                let mode = base
                    .blobs
                    .get(&path)
                    .map_or(TreeEntryMode::File.as_str().to_owned(), |(m, _)| m.clone());
                entries.push(NewEntry::Delete { path, mode });
            }
            CommitAction::Move {
                previous_path,
                path,
            } => {
                let previous = tree_path(previous_path)?;
                let path = tree_path(path)?;
                let (mode, sha) = base.blob(&previous)?;
                entries.push(NewEntry::Blob {
                    path,
                    mode: mode.to_owned(),
                    sha: sha.to_owned(),
                });
                entries.push(NewEntry::Delete {
                    path: previous,
                    mode: mode.to_owned(),
                });
            }
            CommitAction::Chmod { path, executable } => {
                let path = tree_path(path)?;
                let (_, sha) = base.blob(&path)?;
                entries.push(NewEntry::Blob {
                    mode: file_mode(*executable).to_owned(),
                    sha: sha.to_owned(),
                    path,
                });
            }
        }
    }
    Ok(entries)
}

fn author_json(author: &CommitAuthorParam) -> Value {
    let mut value = json!({ "name": author.name, "email": author.email });
    if let Some(date) = author.date {
        value["date"] = json!(date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    value
}

/// Some data when the answer was not *not modified* (writes never are).
fn data<T>(response: Response<T>) -> Result<T> {
    response
        .into_data()
        .ok_or_else(|| Error::malformed("unexpected not-modified answer"))
}

impl GitHub {
    /// The branch's head, or `None` when the branch does not exist.
    async fn branch_head(&self, branch: &str, ctx: &CallContext) -> Result<Option<Sha>> {
        let path = format!(
            "{}/git/ref/{}",
            Client::repo_path(ctx)?,
            ref_segment(&format!("heads/{branch}"))?
        );
        let mut call = Call::get(path);
        call.conditional = false;
        match self.client().json::<GhRef>(call, ctx).await {
            Ok(response) => Ok(Some(data(response)?.object.sha)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: String,
        body: Value,
        ctx: &CallContext,
    ) -> Result<T> {
        data(
            self.client()
                .json::<T>(Call::new(Method::POST, path).json(body), ctx)
                .await?,
        )
    }
}

/// Through the git data API: read the parent's tree, store base64 blobs,
/// write a tree on top of the parent's, write the commit, then move (or
/// create) the branch. The branch is checked before anything is written,
/// so a refused commit leaves no objects behind.
#[async_trait]
impl Handle<CreateCommit> for GitHub {
    async fn handle(&self, action: CreateCommit, ctx: &CallContext) -> Result<Response<Commit>> {
        name_segment(&action.branch)?;
        if action.actions.is_empty() {
            return Err(Error::invalid_input(
                "create_commit needs at least one action",
            ));
        }
        validate_paths(&action.actions)?;
        let repo = Client::repo_path(ctx)?;

        let head = self.branch_head(&action.branch, ctx).await?;
        match (&head, &action.expected_head_sha) {
            (None, _) if !action.create_branch => {
                return Err(Error::NotFound {
                    detail: format!("branch `{}` does not exist", action.branch),
                });
            }
            (Some(head), Some(expected))
                if !head.as_str().eq_ignore_ascii_case(expected.as_str()) =>
            {
                return Err(Error::Conflict {
                    detail: format!(
                        "branch `{}` is at {head}, not at the expected {expected}",
                        action.branch
                    ),
                });
            }
            (None, Some(expected)) => {
                return Err(Error::Conflict {
                    detail: format!(
                        "branch `{}` does not exist, expected it at {expected}",
                        action.branch
                    ),
                });
            }
            _ => {}
        }

        let parent: CommitTree = data(
            self.client()
                .json(
                    Call::get(format!("{repo}/git/commits/{}", action.parent_sha)),
                    ctx,
                )
                .await?,
        )?;
        let needs_base = action.actions.iter().any(|a| {
            matches!(
                a,
                CommitAction::Move { .. }
                    | CommitAction::Chmod { .. }
                    | CommitAction::Delete { .. }
            )
        });
        let base = if needs_base {
            let listing: TreeListing = data(
                self.client()
                    .json(
                        Call::get(format!("{repo}/git/trees/{}", parent.tree.sha))
                            .query("recursive", "1"),
                        ctx,
                    )
                    .await?,
            )?;
            BaseTree::from_listing(listing)
        } else {
            BaseTree::default()
        };

        let mut blobs = HashMap::new();
        for (index, commit_action) in action.actions.iter().enumerate() {
            if let CommitAction::Write {
                content,
                encoding: ContentEncoding::Base64,
                ..
            } = commit_action
            {
                let blob: Created = self
                    .post(
                        format!("{repo}/git/blobs"),
                        json!({ "content": content, "encoding": "base64" }),
                        ctx,
                    )
                    .await?;
                blobs.insert(index, blob.sha.to_string());
            }
        }
        let entries = build_entries(&action.actions, &base, &blobs)?;
        let tree: Created = self
            .post(
                format!("{repo}/git/trees"),
                json!({
                    "base_tree": parent.tree.sha.as_str(),
                    "tree": entries.iter().map(NewEntry::to_json).collect::<Vec<_>>(),
                }),
                ctx,
            )
            .await?;

        let mut body = json!({
            "message": action.message,
            "tree": tree.sha.as_str(),
            "parents": [action.parent_sha.as_str()],
        });
        if let Some(author) = &action.author {
            body["author"] = author_json(author);
        }
        let response = self
            .client()
            .json::<GhGitCommitCreated>(
                Call::new(Method::POST, format!("{repo}/git/commits")).json(body),
                ctx,
            )
            .await?;
        let commit = match &response {
            Response::Ok(result) => result.data.sha.clone(),
            Response::NotModified { .. } => {
                return Err(Error::malformed("unexpected not-modified answer"))
            }
        };

        if head.is_some() {
            self.update_branch_ref(&action.branch, &commit, action.force, ctx)
                .await?;
        } else {
            self.create_branch_ref(&action.branch, &commit, ctx).await?;
        }
        Ok(response.map(Commit::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseTree {
        BaseTree::from_listing(
            serde_json::from_value(json!({
                "tree": [
                    {"path": "bin/run.sh", "mode": "100755", "type": "blob", "sha": "aaaa"},
                    {"path": "README.md", "mode": "100644", "type": "blob", "sha": "bbbb"},
                    {"path": "bin", "mode": "040000", "type": "tree", "sha": "cccc"}
                ],
                "truncated": false
            }))
            .unwrap(),
        )
    }

    #[test]
    fn move_keeps_the_executable_bit_and_deletes_the_old_path() {
        let actions = vec![CommitAction::Move {
            previous_path: "bin/run.sh".into(),
            path: "scripts/run.sh".into(),
        }];
        let entries = build_entries(&actions, &base(), &HashMap::new()).unwrap();
        let json: Vec<Value> = entries.iter().map(NewEntry::to_json).collect();
        assert_eq!(
            json,
            vec![
                json!({"path": "scripts/run.sh", "mode": "100755", "type": "blob", "sha": "aaaa"}),
                json!({"path": "bin/run.sh", "mode": "100755", "type": "blob", "sha": null}),
            ]
        );
    }

    #[test]
    fn delete_sends_a_null_sha() {
        let actions = vec![CommitAction::Delete {
            path: "README.md".into(),
        }];
        let entries = build_entries(&actions, &base(), &HashMap::new()).unwrap();
        let json = entries[0].to_json();
        assert!(json["sha"].is_null());
        assert_eq!(json["mode"], "100644");
        assert_eq!(json["path"], "README.md");
    }

    #[test]
    fn writes_and_chmods() {
        let actions = vec![
            CommitAction::Write {
                path: "a.txt".into(),
                content: "hi".into(),
                encoding: ContentEncoding::Utf8,
                executable: false,
            },
            CommitAction::Write {
                path: "tool".into(),
                content: "aGk=".into(),
                encoding: ContentEncoding::Base64,
                executable: true,
            },
            CommitAction::Chmod {
                path: "README.md".into(),
                executable: true,
            },
        ];
        let blobs = HashMap::from([(1usize, "dddd".to_owned())]);
        let json: Vec<Value> = build_entries(&actions, &base(), &blobs)
            .unwrap()
            .iter()
            .map(NewEntry::to_json)
            .collect();
        assert_eq!(
            json[0],
            json!({"path": "a.txt", "mode": "100644", "type": "blob", "content": "hi"})
        );
        assert_eq!(
            json[1],
            json!({"path": "tool", "mode": "100755", "type": "blob", "sha": "dddd"})
        );
        assert_eq!(
            json[2],
            json!({"path": "README.md", "mode": "100755", "type": "blob", "sha": "bbbb"})
        );
    }

    #[test]
    fn traversal_and_missing_paths_are_refused() {
        let actions = vec![CommitAction::Write {
            path: "../x".into(),
            content: "x".into(),
            encoding: ContentEncoding::Utf8,
            executable: false,
        }];
        let err = build_entries(&actions, &base(), &HashMap::new()).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let actions = vec![CommitAction::Move {
            previous_path: "nope".into(),
            path: "x".into(),
        }];
        let err = build_entries(&actions, &base(), &HashMap::new()).unwrap_err();
        assert_eq!(err.code(), "resource_not_found");
    }

    #[test]
    fn compare_cursor_phases() {
        let page2 = Cursor::encode(&"p2");
        // More pages in the ahead phase: stay there.
        let next =
            CompareCursor::next(ComparisonSide::Ahead, Some(page2.clone()), true, Some(3)).unwrap();
        assert_eq!(next.side, ComparisonSide::Ahead);
        assert_eq!(next.inner, Some(page2));
        // End of ahead, behind asked for and non-empty: switch phase.
        let next = CompareCursor::next(ComparisonSide::Ahead, None, true, Some(3)).unwrap();
        assert_eq!(next.side, ComparisonSide::Behind);
        assert_eq!(next.inner, None);
        // Nothing behind, or not asked: done.
        assert!(CompareCursor::next(ComparisonSide::Ahead, None, true, Some(0)).is_none());
        assert!(CompareCursor::next(ComparisonSide::Ahead, None, false, Some(3)).is_none());
        // End of behind: done.
        assert!(CompareCursor::next(ComparisonSide::Behind, None, true, Some(3)).is_none());
        // The cursor survives encoding.
        let encoded = Cursor::encode(&next_behind());
        assert_eq!(encoded.decode::<CompareCursor>().unwrap(), next_behind());
    }

    fn next_behind() -> CompareCursor {
        CompareCursor {
            side: ComparisonSide::Behind,
            inner: Some(Cursor::encode(&"x")),
        }
    }
}
