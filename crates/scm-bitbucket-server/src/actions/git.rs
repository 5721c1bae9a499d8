//! Trees, read by walking the directory listing (`/browse`).
//!
//! `at` takes a commit or a ref, not a tree id: `tree_sha` must be a
//! commit. File modes are not reported beyond file, directory and
//! submodule, so executables and symlinks read as plain files.

use async_trait::async_trait;
use scm_core::actions::{GetFullTree, GetTree};
use scm_core::http_util::encode_path;
use scm_core::model::{GitTree, Sha, TreeEntry, TreeEntryMode, TreeEntryType};
use scm_core::{CallContext, Cursor, Handle, Page, Response, Result};
use serde::{Deserialize, Serialize};

use crate::client::{
    data_or_not_modified, next_start, ok, repo_path, Call, Fetched, DEFAULT_LIMIT,
};
use crate::schema::{required_sha, BbBrowse, BbChild, BbPage};
use crate::BitbucketServer;

/// Entries `get_full_tree` reads before it stops and says `truncated`.
const FULL_TREE_CAP: usize = 10_000;
const FULL_TREE_PAGE: u32 = 500;

/// Where a walk is: directories still to list (the first one being
/// listed) and the `start` within it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TreeCursor {
    dirs: Vec<String>,
    s: u64,
}

fn browse_path(ctx: &CallContext, dir: &str) -> Result<String> {
    let base = format!("{}/browse", repo_path(ctx)?);
    Ok(if dir.is_empty() {
        base
    } else {
        format!("{base}/{}", encode_path(dir)?)
    })
}

fn entry(dir: &str, child: BbChild) -> Result<TreeEntry> {
    let name = child.path.text().unwrap_or_default();
    let path = if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    };
    let (mode, kind) = match child.kind.as_deref() {
        Some("DIRECTORY") => (TreeEntryMode::Directory, TreeEntryType::Tree),
        Some("SUBMODULE") => (TreeEntryMode::Submodule, TreeEntryType::Commit),
        _ => (TreeEntryMode::File, TreeEntryType::Blob),
    };
    Ok(TreeEntry {
        sha: required_sha(
            child.content_id.as_deref(),
            "object id in a directory listing",
        )?,
        size: child.size.and_then(|s| u64::try_from(s).ok()),
        path,
        mode,
        kind,
    })
}

impl BitbucketServer {
    /// One step of a walk: lists a page of the current directory and
    /// returns its entries and where the walk goes on (`None`: done).
    async fn tree_step(
        &self,
        at: &Sha,
        recursive: bool,
        mut position: TreeCursor,
        limit: u32,
        ctx: &CallContext,
    ) -> Result<(Response<Vec<TreeEntry>>, Option<TreeCursor>)> {
        let Some(dir) = position.dirs.first().cloned() else {
            return Ok((ok(Vec::new(), None), None));
        };
        let call = Call::get(browse_path(ctx, &dir)?)
            .query("at", at.as_str())
            .query("start", position.s)
            .query("limit", limit);
        let response = self.client().json::<BbBrowse>(call, ctx).await?;
        let result = match data_or_not_modified(response) {
            Fetched::Data(result) => result,
            Fetched::NotModified(not_modified) => return Ok((not_modified, None)),
        };
        let children = result.data.children.clone().unwrap_or_else(BbPage::empty);
        let next = next_start(&children);
        let mut entries = Vec::with_capacity(children.values.len());
        for child in children.values {
            let entry = entry(&dir, child)?;
            if recursive && entry.kind == TreeEntryType::Tree {
                position.dirs.push(entry.path.clone());
            }
            entries.push(entry);
        }
        match next {
            Some(s) => position.s = s,
            None => {
                position.dirs.remove(0);
                position.s = 0;
            }
        }
        let more = (!position.dirs.is_empty()).then_some(position);
        Ok((Response::Ok(result.map(|_| entries)), more))
    }
}

/// One page of one directory per call; recursive walks continue into
/// subdirectories through the cursor.
#[async_trait]
impl Handle<GetTree> for BitbucketServer {
    async fn handle(&self, a: GetTree, ctx: &CallContext) -> Result<Response<Page<TreeEntry>>> {
        let position = match &a.page.cursor {
            Some(cursor) => cursor.decode::<TreeCursor>()?,
            None => TreeCursor {
                dirs: vec![String::new()],
                s: 0,
            },
        };
        for dir in &position.dirs {
            if !dir.is_empty() {
                encode_path(dir)?;
            }
        }
        let limit = a.page.per_page_or(DEFAULT_LIMIT);
        let (response, next) = self
            .tree_step(&a.tree_sha, a.recursive, position, limit, ctx)
            .await?;
        Ok(response.map(|entries| Page::new(entries, next.map(|n| Cursor::encode(&n)))))
    }
}

/// The whole walk in one result, cut (and `truncated`) after
/// 10,000 entries.
#[async_trait]
impl Handle<GetFullTree> for BitbucketServer {
    async fn handle(&self, a: GetFullTree, ctx: &CallContext) -> Result<Response<GitTree>> {
        // A walk is many reads; none of them may answer *not modified*.
        let mut ctx = ctx.clone();
        ctx.options = Default::default();
        let ctx = &ctx;
        let mut position = Some(TreeCursor {
            dirs: vec![String::new()],
            s: 0,
        });
        let mut entries = Vec::new();
        let mut first_raw = None;
        let mut truncated = false;
        while let Some(current) = position.take() {
            if entries.len() >= FULL_TREE_CAP {
                truncated = true;
                break;
            }
            let (response, next) = self
                .tree_step(&a.tree_sha, a.recursive, current, FULL_TREE_PAGE, ctx)
                .await?;
            if let Response::Ok(result) = response {
                if first_raw.is_none() {
                    first_raw = result.raw;
                }
                entries.extend(result.data);
            }
            position = next;
        }
        Ok(ok(
            GitTree {
                sha: a.tree_sha,
                entries,
                truncated,
            },
            first_raw,
        ))
    }
}
