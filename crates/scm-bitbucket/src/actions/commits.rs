//! Commits: reads, history, comparisons and new commits through `/src`.

use async_trait::async_trait;
use bytes::Bytes;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Cursor, Error, Handle, Page, PageRequest, Response};

use super::branch_name;
use crate::client::{Req, ReqBody};
use crate::pagination::{cursor_tag, PageState, MAX_PAGELEN};
use crate::schema::commits::{CommitJson, DiffStat};
use crate::schema::refs::RefJson;
use crate::Bitbucket;

/// Pages of a commit's diffstat read for `get_commit` (100 files each).
const COMMIT_DIFFSTAT_PAGES: usize = 10;

impl Bitbucket {
    fn commit_path(&self, ctx: &CallContext, sha: &Sha) -> Result<String, Error> {
        Ok(format!("{}/commit/{sha}", self.repo(ctx)?))
    }

    fn diffstat_path(&self, ctx: &CallContext, sha: &Sha) -> Result<String, Error> {
        Ok(format!("{}/diffstat/{sha}", self.repo(ctx)?))
    }

    /// One page of history (newest first), filtered by date: commits after
    /// `until` are skipped, and the list ends at the first commit before
    /// `since` (Bitbucket has no date filter on commits).
    async fn history(
        &self,
        req: Req,
        page: &PageRequest,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        let (values, mut next, raw) = self
            .page_of::<CommitJson>(req, page, MAX_PAGELEN, None, ctx)
            .await?;
        let mut items = Vec::with_capacity(values.len());
        for value in values {
            let commit = value.neutral()?;
            let date = commit.author.as_ref().and_then(|a| a.date);
            if let (Some(since), Some(date)) = (since, date) {
                if date < since {
                    next = None;
                    break;
                }
            }
            if let (Some(until), Some(date)) = (until, date) {
                if date > until {
                    continue;
                }
            }
            items.push(commit);
        }
        Ok(self.ok(Page::new(items, next), Some(raw), Default::default()))
    }
}

/// The commit and the files it changed against its first parent (up to
/// 1,000 files).
#[async_trait]
impl Handle<GetCommit> for Bitbucket {
    async fn handle(
        &self,
        a: GetCommit,
        ctx: &CallContext,
    ) -> Result<Response<CommitWithChanges>, Error> {
        let commit = self
            .call::<CommitJson>(Req::get(self.commit_path(ctx, &a.sha)?), ctx)
            .await?;
        let (stats, _, _) = self
            .list_all::<DiffStat>(
                Req::get(self.diffstat_path(ctx, &a.sha)?),
                COMMIT_DIFFSTAT_PAGES,
                ctx,
            )
            .await?;
        let files: Vec<CommitFile> = stats.into_iter().filter_map(DiffStat::neutral).collect();
        let sum = |f: fn(&CommitFile) -> Option<u64>| files.iter().map(f).sum::<Option<u64>>();
        let data = CommitWithChanges {
            additions: sum(|f| f.additions),
            deletions: sum(|f| f.deletions),
            commit: commit.value.neutral()?,
            files,
        };
        Ok(self.ok(data, Some(commit.raw), commit.meta))
    }
}

#[async_trait]
impl Handle<GetCommitChanges> for Bitbucket {
    async fn handle(
        &self,
        a: GetCommitChanges,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitFile>>, Error> {
        let req = Req::get(self.diffstat_path(ctx, &a.sha)?);
        self.list(
            req,
            &a.page,
            MAX_PAGELEN,
            ctx,
            |d: DiffStat| Ok(d.neutral()),
        )
        .await
    }
}

/// History from a ref (the main branch when omitted). Commit lists have no
/// page numbers: the `next` link is the only way on.
#[async_trait]
impl Handle<GetCommits> for Bitbucket {
    async fn handle(
        &self,
        a: GetCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        let revision = self.revision(ctx, a.r#ref.as_deref()).await?;
        let req = Req::get(format!("{}/commits/{revision}", self.repo(ctx)?));
        self.history(req, &a.page, a.since, a.until, ctx).await
    }
}

#[async_trait]
impl Handle<GetCommitsByPath> for Bitbucket {
    async fn handle(
        &self,
        a: GetCommitsByPath,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>, Error> {
        let path = a.path.trim_matches('/');
        scm_core::http_util::encode_path(path)?;
        let revision = self.revision(ctx, a.r#ref.as_deref()).await?;
        let req = Req::get(format!("{}/commits/{revision}", self.repo(ctx)?)).q("path", path);
        self.history(req, &a.page, a.since, a.until, ctx).await
    }
}

const AHEAD: &str = "ahead";
const BEHIND: &str = "behind";

/// Commits in `end_sha` not in `start_sha` (`include=end&exclude=start`),
/// then, with `include_behind`, the reverse: one list, two parts, one cursor.
#[async_trait]
impl Handle<CompareCommits> for Bitbucket {
    async fn handle(
        &self,
        a: CompareCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitComparison>>, Error> {
        let part = cursor_tag(&a.page)?.unwrap_or_else(|| AHEAD.to_owned());
        let (side, include, exclude) = match part.as_str() {
            AHEAD => (ComparisonSide::Ahead, &a.end_sha, &a.start_sha),
            BEHIND if a.include_behind => (ComparisonSide::Behind, &a.start_sha, &a.end_sha),
            _ => return Err(Error::invalid_input("invalid cursor for this comparison")),
        };
        let req = Req::get(format!("{}/commits", self.repo(ctx)?))
            .q("include", include)
            .q("exclude", exclude);
        let list_path = self.request_path(&req)?;
        let (values, next, raw) = self
            .page_of::<CommitJson>(req, &a.page, MAX_PAGELEN, Some(part.clone()), ctx)
            .await?;
        let next = match next {
            Some(next) => Some(next),
            None if part == AHEAD && a.include_behind => Some(Cursor::encode(&PageState {
                p: list_path,
                q: vec![
                    ("include".into(), a.start_sha.to_string()),
                    ("exclude".into(), a.end_sha.to_string()),
                    (
                        "pagelen".into(),
                        a.page.per_page_or(30).min(MAX_PAGELEN).to_string(),
                    ),
                ],
                t: Some(BEHIND.into()),
            })),
            None => None,
        };
        let items = values
            .into_iter()
            .map(|c| {
                Ok(CommitComparison {
                    side,
                    commit: c.neutral()?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(self.ok(Page::new(items, next), Some(raw), Default::default()))
    }
}

/// `multipart/form-data` for `POST /src`.
struct Form {
    boundary: String,
    body: Vec<u8>,
}

impl Form {
    fn new() -> Self {
        let boundary = format!("scm-bitbucket-{:016x}", rand_u64());
        Self {
            boundary,
            body: Vec::new(),
        }
    }

    fn field(&mut self, name: &str, value: &[u8]) -> Result<(), Error> {
        if name.contains('"') || name.contains('\r') || name.contains('\n') {
            return Err(Error::invalid_input(format!(
                "`{name}` cannot be sent as a Bitbucket form field"
            )));
        }
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n",
            self.boundary
        );
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(value);
        self.body.extend_from_slice(b"\r\n");
        Ok(())
    }

    fn finish(mut self) -> ReqBody {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        ReqBody::Raw {
            content_type: format!("multipart/form-data; boundary={}", self.boundary),
            bytes: Bytes::from(self.body),
        }
    }
}

/// A boundary that will not occur in file content by accident.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

fn decoded(content: &str, encoding: ContentEncoding) -> Result<Vec<u8>, Error> {
    use base64::Engine;
    match encoding {
        ContentEncoding::Utf8 => Ok(content.as_bytes().to_vec()),
        ContentEncoding::Base64 => {
            let compact: String = content.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| Error::invalid_input("file content is not valid base64"))
        }
    }
}

fn file_path(path: &str) -> Result<String, Error> {
    let path = path.trim_matches('/');
    scm_core::http_util::encode_path(path)?;
    Ok(path.to_owned())
}

/// One commit through `POST /src` (multipart): each written file is a
/// field named by its path, each deleted path a `files` field without a
/// file field. A move reads the old file at `parent_sha`, writes it at the
/// new path and deletes the old one. `parents` asserts the branch tip
/// (`expected_head_sha`, else `parent_sha`: Bitbucket answers 409 when the
/// branch moved). Not expressible, so refused: `force`, and executable
/// bits (`executable`, chmod), which the form API cannot set reliably.
/// Bitbucket answers 201 without a body; the new commit is read from
/// `Location`, or from the branch, then fetched.
#[async_trait]
impl Handle<CreateCommit> for Bitbucket {
    async fn handle(&self, a: CreateCommit, ctx: &CallContext) -> Result<Response<Commit>, Error> {
        if a.force {
            return Err(Error::invalid_input(
                "Bitbucket Cloud cannot force a commit onto a branch",
            ));
        }
        if a.actions.is_empty() {
            return Err(Error::invalid_input("a commit needs at least one change"));
        }
        let branch = branch_name(&a.branch).to_owned();
        let mut form = Form::new();
        form.field("message", a.message.as_bytes())?;
        form.field("branch", branch.as_bytes())?;
        let parent = if a.create_branch {
            &a.parent_sha
        } else {
            a.expected_head_sha.as_ref().unwrap_or(&a.parent_sha)
        };
        form.field("parents", parent.as_str().as_bytes())?;
        if let Some(author) = &a.author {
            form.field(
                "author",
                format!("{} <{}>", author.name, author.email).as_bytes(),
            )?;
        }
        for action in &a.actions {
            match action {
                CommitAction::Write {
                    path,
                    content,
                    encoding,
                    executable,
                } => {
                    if *executable {
                        return Err(Error::invalid_input(
                            "Bitbucket Cloud's commit API cannot set the executable bit",
                        ));
                    }
                    form.field(&file_path(path)?, &decoded(content, *encoding)?)?;
                }
                CommitAction::Delete { path } => {
                    form.field("files", file_path(path)?.as_bytes())?
                }
                CommitAction::Move {
                    previous_path,
                    path,
                } => {
                    let old = file_path(previous_path)?;
                    let bytes = self.raw_file(ctx, &a.parent_sha.to_string(), &old).await?;
                    form.field(&file_path(path)?, &bytes)?;
                    form.field("files", old.as_bytes())?;
                }
                CommitAction::Chmod { .. } => {
                    return Err(Error::invalid_input(
                        "Bitbucket Cloud's commit API cannot change file modes",
                    ))
                }
            }
        }
        let mut req = Req::new(http::Method::POST, format!("{}/src", self.repo(ctx)?));
        req.body = form.finish();
        let (raw, headers) = self.call_empty(req, ctx).await?;
        let from_location = headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .and_then(|h| Sha::new(h).ok());
        let sha = match from_location {
            Some(sha) => sha,
            None => {
                let req = Req::get(format!(
                    "{}/refs/branches/{}",
                    self.repo(ctx)?,
                    scm_core::http_util::encode_segment(&branch)?
                ));
                self.call::<RefJson>(req, ctx).await?.value.git_ref()?.sha
            }
        };
        let commit = self
            .call::<CommitJson>(Req::get(self.commit_path(ctx, &sha)?), ctx)
            .await?;
        Ok(self.ok(commit.value.neutral()?, Some(raw), Default::default()))
    }
}
