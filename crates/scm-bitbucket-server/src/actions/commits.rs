//! Commits, their changes, history, comparisons, and one-file commits
//! through the file edit API.

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use scm_core::actions::{
    CompareCommits, CreateCommit, GetCommit, GetCommitChanges, GetCommits, GetCommitsByPath,
};
use scm_core::http_util::encode_path;
use scm_core::model::{
    Commit, CommitAction, CommitComparison, CommitFile, CommitWithChanges, ComparisonSide,
    ContentEncoding, Timestamp,
};
use scm_core::{CallContext, Cursor, Error, Handle, Page, PageRequest, Response, Result};
use serde::{Deserialize, Serialize};

use crate::client::{data_or_not_modified, next_start, repo_path, Call, Fetched, DEFAULT_LIMIT};
use crate::schema::{BbChange, BbCommit, BbPage};
use crate::BitbucketServer;

/// Changes listed with a commit by `get_commit`; Data Center also caps a
/// commit's changes server-side (`page.max.changes`), with no way on.
const COMMIT_CHANGES_LIMIT: u32 = 100;

fn commit_path(ctx: &CallContext, sha: &str) -> Result<String> {
    Ok(format!("{}/commits/{sha}", repo_path(ctx)?))
}

#[async_trait]
impl Handle<GetCommit> for BitbucketServer {
    async fn handle(&self, a: GetCommit, ctx: &CallContext) -> Result<Response<CommitWithChanges>> {
        let path = commit_path(ctx, a.sha.as_str())?;
        let web = self.commit_web(ctx);
        let response = self
            .client()
            .json::<BbCommit>(Call::get(path.clone()), ctx)
            .await?;
        let result = match data_or_not_modified(response) {
            Fetched::Data(result) => result,
            Fetched::NotModified(not_modified) => return Ok(not_modified),
        };
        let changes = Call::get(format!("{path}/changes")).query("limit", COMMIT_CHANGES_LIMIT);
        let (page, _, _) = self
            .client()
            .value::<BbPage<BbChange>>(changes, ctx)
            .await?;
        let commit = result.data.clone().into_commit(web.as_deref())?;
        let files = page.values.into_iter().map(CommitFile::from).collect();
        Ok(Response::Ok(result.map(|_| CommitWithChanges {
            commit,
            additions: None,
            deletions: None,
            files,
        })))
    }
}

#[async_trait]
impl Handle<GetCommitChanges> for BitbucketServer {
    async fn handle(
        &self,
        a: GetCommitChanges,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitFile>>> {
        let call = Call::get(format!("{}/changes", commit_path(ctx, a.sha.as_str())?));
        self.client()
            .list(call, &a.page, ctx, |c: BbChange| Ok(Some(c.into())))
            .await
    }
}

/// Data Center's `since`/`until` are commits, not dates: dates filter each
/// page here, on the committer date.
fn in_range(commit: &Commit, since: Option<Timestamp>, until: Option<Timestamp>) -> bool {
    let date = commit
        .committer
        .as_ref()
        .and_then(|c| c.date)
        .or_else(|| commit.author.as_ref().and_then(|a| a.date));
    match date {
        None => since.is_none() && until.is_none(),
        Some(date) => since.is_none_or(|s| date >= s) && until.is_none_or(|u| date <= u),
    }
}

impl BitbucketServer {
    async fn history(
        &self,
        path: Option<&str>,
        r#ref: Option<&str>,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>> {
        let mut call = Call::get(format!("{}/commits", repo_path(ctx)?)).query_opt("until", r#ref);
        if let Some(path) = path {
            encode_path(path)?;
            call = call.query("path", path).query("followRenames", "true");
        }
        let web = self.commit_web(ctx);
        self.client()
            .list(call, page, ctx, |c: BbCommit| {
                let commit = c.into_commit(web.as_deref())?;
                Ok(in_range(&commit, since, until).then_some(commit))
            })
            .await
    }
}

#[async_trait]
impl Handle<GetCommits> for BitbucketServer {
    async fn handle(&self, a: GetCommits, ctx: &CallContext) -> Result<Response<Page<Commit>>> {
        self.history(None, a.r#ref.as_deref(), a.since, a.until, &a.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetCommitsByPath> for BitbucketServer {
    async fn handle(
        &self,
        a: GetCommitsByPath,
        ctx: &CallContext,
    ) -> Result<Response<Page<Commit>>> {
        self.history(
            Some(&a.path),
            a.r#ref.as_deref(),
            a.since,
            a.until,
            &a.page,
            ctx,
        )
        .await
    }
}

/// Where a comparison is: which side, and the `start` within it.
#[derive(Debug, Serialize, Deserialize)]
struct CompareCursor {
    behind: bool,
    s: u64,
}

/// `compare/commits?from=X&to=Y` lists commits reachable from X but not
/// from Y: ahead is `from=end, to=start`; behind (with `include_behind`,
/// after every ahead page) swaps them.
#[async_trait]
impl Handle<CompareCommits> for BitbucketServer {
    async fn handle(
        &self,
        a: CompareCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<CommitComparison>>> {
        let position = match &a.page.cursor {
            Some(cursor) => cursor.decode::<CompareCursor>()?,
            None => CompareCursor {
                behind: false,
                s: 0,
            },
        };
        if position.behind && !a.include_behind {
            return Err(Error::invalid_input("invalid cursor for this comparison"));
        }
        let (from, to, side) = if position.behind {
            (&a.start_sha, &a.end_sha, ComparisonSide::Behind)
        } else {
            (&a.end_sha, &a.start_sha, ComparisonSide::Ahead)
        };
        let call = Call::get(format!("{}/compare/commits", repo_path(ctx)?))
            .query("from", from)
            .query("to", to)
            .query("start", position.s)
            .query("limit", a.page.per_page_or(DEFAULT_LIMIT));
        let web = self.commit_web(ctx);
        let response = self.client().json::<BbPage<BbCommit>>(call, ctx).await?;
        let result = match data_or_not_modified(response) {
            Fetched::Data(result) => result,
            Fetched::NotModified(not_modified) => return Ok(not_modified),
        };
        let next = match next_start(&result.data) {
            Some(s) => Some(CompareCursor {
                behind: position.behind,
                s,
            }),
            None if !position.behind && a.include_behind => {
                Some(CompareCursor { behind: true, s: 0 })
            }
            None => None,
        };
        let mut items = Vec::with_capacity(result.data.values.len());
        for commit in result.data.values.clone() {
            items.push(CommitComparison {
                side,
                commit: commit.into_commit(web.as_deref())?,
            });
        }
        Ok(Response::Ok(result.map(|_| {
            Page::new(items, next.map(|n| Cursor::encode(&n)))
        })))
    }
}

/// One file written per commit through the file edit API (`PUT
/// /browse/{path}`, multipart). Data Center cannot delete, move or chmod
/// files, set the author or force, so those requests are refused. A new
/// branch is created at `parent_sha` first. `sourceCommitId` (the file's
/// last known commit) makes Data Center refuse the edit if the file
/// changed since `parent_sha`.
#[async_trait]
impl Handle<CreateCommit> for BitbucketServer {
    async fn handle(&self, a: CreateCommit, ctx: &CallContext) -> Result<Response<Commit>> {
        let refuse = |what: &str| {
            Err(Error::invalid_input(format!(
                "Bitbucket Data Center's file edit API {what}"
            )))
        };
        if a.force {
            return refuse("cannot force a commit");
        }
        if a.author.is_some() {
            return refuse("cannot set the author (the acting user is the author)");
        }
        let [CommitAction::Write {
            path,
            content,
            encoding,
            executable,
        }] = a.actions.as_slice()
        else {
            return refuse("writes exactly one file per commit (no delete, move or chmod)");
        };
        if *executable {
            return refuse("cannot set the executable bit");
        }
        let bytes = match encoding {
            ContentEncoding::Utf8 => content.clone().into_bytes(),
            ContentEncoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(content.split_whitespace().collect::<String>())
                .map_err(|_| Error::invalid_input("content is not valid base64"))?,
        };
        let branch = a.branch.strip_prefix("refs/heads/").unwrap_or(&a.branch);
        if a.create_branch {
            let call = Call::post(
                format!("{}/branches", repo_path(ctx)?),
                serde_json::json!({ "name": branch, "startPoint": a.parent_sha.as_str() }),
            );
            self.client().value::<serde_json::Value>(call, ctx).await?;
        } else if let Some(expected) = &a.expected_head_sha {
            let head = self.find_branch(branch, ctx).await?;
            if head.latest_commit.as_deref() != Some(expected.as_str()) {
                return Err(Error::Conflict {
                    detail: format!("branch `{branch}` is not at {expected}"),
                });
            }
        }
        let file_path = format!("{}/browse/{}", repo_path(ctx)?, encode_path(path)?);
        let exists = Call::get(file_path.clone())
            .query("at", a.parent_sha.as_str())
            .query("type", "true");
        let source_commit = match self.client().empty(exists, ctx).await {
            Ok(_) => Some(a.parent_sha.to_string()),
            Err(Error::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        let mut form = Multipart::new();
        let name = path.rsplit('/').next().unwrap_or(path);
        form.file("content", name, &bytes);
        form.text("message", &a.message);
        form.text("branch", branch);
        if let Some(source) = &source_commit {
            form.text("sourceCommitId", source);
        }
        let (content_type, body) = form.finish();
        let call = Call::new(http::Method::PUT, file_path).raw_body(content_type, body);
        let web = self.commit_web(ctx);
        self.client()
            .json_map(call, ctx, |c: BbCommit| c.into_commit(web.as_deref()))
            .await
    }
}

/// A `multipart/form-data` body.
struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Multipart {
    fn new() -> Self {
        let boundary = format!("scm-platform-{:016x}", rand_u64());
        Self {
            boundary,
            body: Vec::new(),
        }
    }

    fn part(&mut self, disposition: &str, content_type: Option<&str>, value: &[u8]) {
        self.body
            .extend_from_slice(format!("--{}\r\n", self.boundary).as_bytes());
        self.body.extend_from_slice(
            format!("Content-Disposition: form-data; {disposition}\r\n").as_bytes(),
        );
        if let Some(content_type) = content_type {
            self.body
                .extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(value);
        self.body.extend_from_slice(b"\r\n");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.part(&format!("name=\"{name}\""), None, value.as_bytes());
    }

    fn file(&mut self, name: &str, filename: &str, value: &[u8]) {
        let filename = filename.replace(['"', '\r', '\n'], "_");
        self.part(
            &format!("name=\"{name}\"; filename=\"{filename}\""),
            Some("application/octet-stream"),
            value,
        );
    }

    fn finish(mut self) -> (String, Bytes) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            Bytes::from(self.body),
        )
    }
}

/// A boundary only has to be unlikely to occur in the content.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}
