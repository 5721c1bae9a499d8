//! Commits, their changes, comparisons and multi-file commits.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::client::{not_modified, Fetched, Req};
use crate::pagination::Mode;
use crate::schema::{GlBranch, GlCommit, GlDiff};
use crate::GitLab;

/// Pages of a commit's diff read for `get_commit` (100 files each).
const MAX_DIFF_PAGES: usize = 30;

fn rfc3339(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[async_trait]
impl Handle<GetCommit> for GitLab {
    async fn handle(
        &self,
        a: GetCommit,
        ctx: &CallContext,
    ) -> Result<Response<CommitWithChanges>, Error> {
        let path = format!("{}/repository/commits/{}", self.project(ctx)?, a.sha);
        let json = match self
            .fetch::<GlCommit>(Req::get(&path).conditional(), ctx)
            .await?
        {
            Fetched::NotModified(meta) => return Ok(not_modified(meta)),
            Fetched::Data(json) => json,
        };
        let (diffs, _) = self
            .list_all::<GlDiff>(
                Req::get(format!("{path}/diff")),
                Mode::Offset,
                MAX_DIFF_PAGES,
                ctx,
            )
            .await?;
        let stats = json.value.stats.clone();
        let commit = json.value.commit(self.commit_web(ctx).as_deref())?;
        let data = CommitWithChanges {
            commit,
            additions: stats.as_ref().and_then(|s| s.additions),
            deletions: stats.as_ref().and_then(|s| s.deletions),
            files: diffs.into_iter().map(GlDiff::file).collect(),
        };
        Ok(self.ok(data, Some(json.raw), json.meta))
    }
}

#[async_trait]
impl Handle<GetCommitChanges> for GitLab {
    async fn handle(
        &self,
        a: GetCommitChanges,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitFile>>, Error> {
        let req = Req::get(format!(
            "{}/repository/commits/{}/diff",
            self.project(ctx)?,
            a.sha
        ));
        self.list(req, &a.page, Mode::Offset, ctx, |d: GlDiff| {
            Ok(Some(d.file()))
        })
        .await
    }
}

impl GitLab {
    async fn history(
        &self,
        path: Option<&str>,
        r#ref: Option<&str>,
        since: Option<&Timestamp>,
        until: Option<&Timestamp>,
        page: &scm_core::PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        let req = Req::get(format!("{}/repository/commits", self.project(ctx)?))
            .q_opt("ref_name", r#ref)
            .q_opt("path", path)
            .q_opt("since", since.map(rfc3339))
            .q_opt("until", until.map(rfc3339));
        let web = self.commit_web(ctx);
        self.list(req, page, Mode::Offset, ctx, |c: GlCommit| {
            c.commit(web.as_deref()).map(Some)
        })
        .await
    }
}

#[async_trait]
impl Handle<GetCommits> for GitLab {
    async fn handle(
        &self,
        a: GetCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        self.history(
            None,
            a.r#ref.as_deref(),
            a.since.as_ref(),
            a.until.as_ref(),
            &a.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<GetCommitsByPath> for GitLab {
    async fn handle(
        &self,
        a: GetCommitsByPath,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        self.history(
            Some(&a.path),
            a.r#ref.as_deref(),
            a.since.as_ref(),
            a.until.as_ref(),
            &a.page,
            ctx,
        )
        .await
    }
}

#[derive(Debug, Deserialize)]
struct GlCompare {
    #[serde(default)]
    commits: Vec<GlCommit>,
}

/// GitLab returns a whole comparison in one answer, so there is exactly
/// one page (`next_cursor` is `None`).
#[async_trait]
impl Handle<CompareCommits> for GitLab {
    async fn handle(
        &self,
        a: CompareCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitComparison>>, Error> {
        let path = format!("{}/repository/compare", self.project(ctx)?);
        let ahead_req = Req::get(&path)
            .q("from", &a.start_sha)
            .q("to", &a.end_sha)
            .conditional();
        let ahead = match self.fetch::<GlCompare>(ahead_req, ctx).await? {
            Fetched::NotModified(meta) => return Ok(not_modified(meta)),
            Fetched::Data(json) => json,
        };
        let web = self.commit_web(ctx);
        let mut items = Vec::new();
        for commit in ahead.value.commits {
            items.push(CommitComparison {
                side: ComparisonSide::Ahead,
                commit: commit.commit(web.as_deref())?,
            });
        }
        if a.include_behind {
            let behind = self
                .call::<GlCompare>(
                    Req::get(&path).q("from", &a.end_sha).q("to", &a.start_sha),
                    ctx,
                )
                .await?;
            for commit in behind.value.commits {
                items.push(CommitComparison {
                    side: ComparisonSide::Behind,
                    commit: commit.commit(web.as_deref())?,
                });
            }
        }
        Ok(self.ok(Page::new(items, None), Some(ahead.raw), ahead.meta))
    }
}

/// One commit through GitLab's commits API (`POST repository/commits`).
///
/// - `create_branch`: the branch is created from `parent_sha`.
/// - `force`: the branch is reset to a new commit on top of `parent_sha`
///   (GitLab's `force` with `start_sha`).
/// - otherwise the branch head must be `parent_sha` (and
///   `expected_head_sha`, when given), else the call is a conflict.
///
/// GitLab distinguishes creating from updating a file, so each written
/// path is checked first.
#[async_trait]
impl Handle<CreateCommit> for GitLab {
    async fn handle(&self, a: CreateCommit, ctx: &CallContext) -> Result<Response<Commit>, Error> {
        let project = self.project(ctx)?;
        // Every path is checked before the first request: GitLab would
        // resolve `..` itself, and a half-sent commit helps nobody.
        for action in &a.actions {
            for path in action_paths(action) {
                scm_core::http_util::encode_path(path)?;
            }
        }
        let branch = a
            .branch
            .strip_prefix("refs/heads/")
            .unwrap_or(&a.branch)
            .to_owned();
        let mut body = Map::new();
        body.insert("branch".into(), json!(branch));
        body.insert("commit_message".into(), json!(a.message));
        // The ref new files are checked against.
        let base_ref = if a.create_branch || a.force {
            body.insert("start_sha".into(), json!(a.parent_sha.as_str()));
            if a.force {
                body.insert("force".into(), json!(true));
            }
            a.parent_sha.as_str().to_owned()
        } else {
            let head = self
                .call::<GlBranch>(
                    Req::get(format!(
                        "{project}/repository/branches/{}",
                        encode_segment(&branch)?
                    )),
                    ctx,
                )
                .await?
                .value
                .git_ref()?;
            for expected in [Some(&a.parent_sha), a.expected_head_sha.as_ref()]
                .into_iter()
                .flatten()
            {
                if !head.sha.as_str().starts_with(expected.as_str()) {
                    return Err(Error::Conflict {
                        detail: format!("branch `{branch}` is at {}, not at {expected}", head.sha),
                    });
                }
            }
            head.sha.as_str().to_owned()
        };
        if let Some(expected) = &a.expected_head_sha {
            if a.create_branch || a.force {
                // The branch may not exist yet; when it does, it must be at
                // the expected commit.
                let branch_path =
                    format!("{project}/repository/branches/{}", encode_segment(&branch)?);
                match self.call::<GlBranch>(Req::get(branch_path), ctx).await {
                    Ok(found) => {
                        let head = found.value.git_ref()?;
                        if !head.sha.as_str().starts_with(expected.as_str()) {
                            return Err(Error::Conflict {
                                detail: format!(
                                    "branch `{branch}` is at {}, not at {expected}",
                                    head.sha
                                ),
                            });
                        }
                    }
                    Err(Error::NotFound { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
        }
        let mut actions = Vec::with_capacity(a.actions.len());
        for action in &a.actions {
            actions.push(self.commit_action(&project, &base_ref, action, ctx).await?);
        }
        body.insert("actions".into(), Value::Array(actions));
        if let Some(author) = &a.author {
            body.insert("author_name".into(), json!(author.name));
            body.insert("author_email".into(), json!(author.email));
        }
        let web = self.commit_web(ctx);
        let req = Req::post(format!("{project}/repository/commits"), Value::Object(body));
        self.write(req, ctx, |c: GlCommit| c.commit(web.as_deref()))
            .await
    }
}

/// The repository paths one commit action names.
fn action_paths(action: &CommitAction) -> Vec<&str> {
    match action {
        CommitAction::Write { path, .. }
        | CommitAction::Delete { path }
        | CommitAction::Chmod { path, .. } => vec![path],
        CommitAction::Move {
            previous_path,
            path,
        } => vec![previous_path, path],
    }
}

impl GitLab {
    async fn file_exists(
        &self,
        project: &str,
        path: &str,
        r#ref: &str,
        ctx: &CallContext,
    ) -> Result<bool, Error> {
        let req = Req::new(
            http::Method::HEAD,
            format!(
                "{project}/repository/files/{}",
                scm_core::http_util::encode_path_as_segment(path)?
            ),
        )
        .q("ref", r#ref);
        match self.send(req, ctx).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    async fn commit_action(
        &self,
        project: &str,
        base_ref: &str,
        action: &CommitAction,
        ctx: &CallContext,
    ) -> Result<Value, Error> {
        Ok(match action {
            CommitAction::Write {
                path,
                content,
                encoding,
                executable,
            } => {
                let exists = self.file_exists(project, path, base_ref, ctx).await?;
                let mut value = json!({
                    "action": if exists { "update" } else { "create" },
                    "file_path": path,
                    "content": content,
                    "encoding": match encoding {
                        ContentEncoding::Utf8 => "text",
                        ContentEncoding::Base64 => "base64",
                    },
                });
                if *executable {
                    value["execute_filemode"] = json!(true);
                }
                value
            }
            CommitAction::Delete { path } => json!({ "action": "delete", "file_path": path }),
            CommitAction::Move {
                previous_path,
                path,
            } => json!({
                "action": "move",
                "file_path": path,
                "previous_path": previous_path,
            }),
            CommitAction::Chmod { path, executable } => json!({
                "action": "chmod",
                "file_path": path,
                "execute_filemode": executable,
            }),
        })
    }
}
