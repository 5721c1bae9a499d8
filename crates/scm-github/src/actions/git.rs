//! Git data objects: trees, blobs and raw commits.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{
    CreateGitBlob, CreateGitCommit, CreateGitTree, GetFullTree, GetGitCommit, GetTree,
};
use scm_core::model::{
    GitBlob, GitCommitObject, GitTree, InputTreeEntry, Sha, TreeEntry, TreeEntryType,
};
use scm_core::{CallContext, Cursor, Error, Handle, Page, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::seg;
use crate::client::{Call, Client, DEFAULT_PER_PAGE};
use crate::schema::{GhBlob, GhGitCommit, GhTree};
use crate::GitHub;

/// Where a locally paged tree listing goes on: GitHub answers a tree in
/// one piece, so the cursor is an offset into it.
#[derive(Debug, Serialize, Deserialize)]
struct TreeCursor {
    tree_offset: usize,
}

fn git_path(ctx: &CallContext, kind: &str) -> Result<String> {
    Ok(format!("{}/git/{kind}", Client::repo_path(ctx)?))
}

fn try_map<T, U>(response: Response<T>, f: impl FnOnce(T) -> Result<U>) -> Result<Response<U>> {
    Ok(match response {
        Response::Ok(result) => {
            let data = f(result.data)?;
            Response::Ok(scm_core::ActionResult {
                data,
                provider: result.provider,
                raw: result.raw,
                meta: result.meta,
            })
        }
        Response::NotModified { provider, meta } => Response::NotModified { provider, meta },
    })
}

/// One page of a whole tree: entries `[offset, offset + per_page)`.
pub(crate) fn tree_page(
    entries: Vec<TreeEntry>,
    offset: usize,
    per_page: usize,
) -> Page<TreeEntry> {
    let total = entries.len();
    let items: Vec<TreeEntry> = entries.into_iter().skip(offset).take(per_page).collect();
    let end = offset.saturating_add(items.len());
    let next = (end < total).then(|| Cursor::encode(&TreeCursor { tree_offset: end }));
    Page::new(items, next)
}

/// The JSON GitHub wants for one entry of a new tree. An entry with
/// neither `sha` nor `content` removes the path (`sha: null`).
pub(crate) fn tree_entry_json(entry: InputTreeEntry) -> Result<Value> {
    let kind = match entry.kind {
        TreeEntryType::Blob => "blob",
        TreeEntryType::Tree => "tree",
        TreeEntryType::Commit => "commit",
    };
    let mut value = json!({ "path": entry.path, "mode": entry.mode.as_str(), "type": kind });
    match (entry.sha, entry.content) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(format!(
                "tree entry `{}` has both sha and content",
                entry.path
            )))
        }
        (Some(sha), None) => value["sha"] = json!(sha),
        (None, Some(content)) => value["content"] = json!(content),
        (None, None) => value["sha"] = Value::Null,
    }
    Ok(value)
}

impl GitHub {
    async fn fetch_tree(
        &self,
        tree_sha: &Sha,
        recursive: bool,
        ctx: &CallContext,
    ) -> Result<Response<GitTree>> {
        let path = format!("{}/{}", git_path(ctx, "trees")?, seg(tree_sha.as_str())?);
        // GitHub treats any `recursive` value as yes, so only send it then.
        let call = Call::get(path).query_opt("recursive", recursive.then_some(1));
        let response = self.client().json::<GhTree>(call, ctx).await?;
        try_map(response, GitTree::try_from)
    }
}

#[async_trait]
impl Handle<GetTree> for GitHub {
    async fn handle(
        &self,
        action: GetTree,
        ctx: &CallContext,
    ) -> Result<Response<Page<TreeEntry>>> {
        let offset = match &action.page.cursor {
            Some(cursor) => cursor.decode::<TreeCursor>()?.tree_offset,
            None => 0,
        };
        let per_page = action.page.per_page_or(DEFAULT_PER_PAGE) as usize;
        let response = self
            .fetch_tree(&action.tree_sha, action.recursive, ctx)
            .await?;
        Ok(response.map(|tree| tree_page(tree.entries, offset, per_page)))
    }
}

#[async_trait]
impl Handle<GetFullTree> for GitHub {
    async fn handle(&self, action: GetFullTree, ctx: &CallContext) -> Result<Response<GitTree>> {
        self.fetch_tree(&action.tree_sha, action.recursive, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetGitCommit> for GitHub {
    async fn handle(
        &self,
        action: GetGitCommit,
        ctx: &CallContext,
    ) -> Result<Response<GitCommitObject>> {
        let path = format!(
            "{}/{}",
            git_path(ctx, "commits")?,
            seg(action.sha.as_str())?
        );
        self.client()
            .json_into::<GhGitCommit, GitCommitObject>(Call::get(path), ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateGitBlob> for GitHub {
    async fn handle(&self, action: CreateGitBlob, ctx: &CallContext) -> Result<Response<GitBlob>> {
        let call = Call::new(Method::POST, git_path(ctx, "blobs")?).json(json!({
            "content": action.content,
            "encoding": action.encoding.as_str(),
        }));
        self.client().json_into::<GhBlob, GitBlob>(call, ctx).await
    }
}

#[async_trait]
impl Handle<CreateGitTree> for GitHub {
    async fn handle(&self, action: CreateGitTree, ctx: &CallContext) -> Result<Response<GitTree>> {
        let entries = action
            .tree
            .into_iter()
            .map(tree_entry_json)
            .collect::<Result<Vec<_>>>()?;
        let mut body = json!({ "tree": entries });
        if let Some(base) = action.base_tree {
            body["base_tree"] = json!(base);
        }
        let call = Call::new(Method::POST, git_path(ctx, "trees")?).json(body);
        let response = self.client().json::<GhTree>(call, ctx).await?;
        try_map(response, GitTree::try_from)
    }
}

#[async_trait]
impl Handle<CreateGitCommit> for GitHub {
    async fn handle(
        &self,
        action: CreateGitCommit,
        ctx: &CallContext,
    ) -> Result<Response<GitCommitObject>> {
        let mut body = json!({
            "message": action.message,
            "tree": action.tree_sha,
            "parents": action.parent_shas,
        });
        if let Some(author) = action.author {
            let mut person = json!({ "name": author.name, "email": author.email });
            if let Some(date) = author.date {
                person["date"] = json!(date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            body["author"] = person;
        }
        let call = Call::new(Method::POST, git_path(ctx, "commits")?).json(body);
        self.client()
            .json_into::<GhGitCommit, GitCommitObject>(call, ctx)
            .await
    }
}

#[cfg(test)]
mod tests {
    use scm_core::model::TreeEntryMode;

    use super::*;

    fn entry(i: usize) -> TreeEntry {
        TreeEntry {
            path: format!("f{i}"),
            mode: TreeEntryMode::File,
            kind: TreeEntryType::Blob,
            sha: Sha::new("abcd1234").unwrap(),
            size: None,
        }
    }

    #[test]
    fn trees_page_locally_to_the_end() {
        let entries: Vec<_> = (0..5).map(entry).collect();
        let first = tree_page(entries.clone(), 0, 2);
        assert_eq!(first.items.len(), 2);
        let TreeCursor { tree_offset } = first.next_cursor.unwrap().decode().unwrap();
        let last = tree_page(entries.clone(), 4, 2);
        assert_eq!(tree_offset, 2);
        assert_eq!(last.items.len(), 1);
        assert!(last.next_cursor.is_none());
        // Exactly full last page: no cursor to an empty page.
        assert!(tree_page(entries.clone(), 3, 2).next_cursor.is_none());
        // A cursor past the end yields an empty last page, not a panic.
        let past = tree_page(entries, usize::MAX, 2);
        assert!(past.items.is_empty() && past.next_cursor.is_none());
    }

    #[test]
    fn tree_entries_sha_content_or_delete() {
        let base = InputTreeEntry {
            path: "a.txt".into(),
            mode: TreeEntryMode::File,
            kind: TreeEntryType::Blob,
            sha: None,
            content: None,
        };
        let deleted = tree_entry_json(base.clone()).unwrap();
        assert!(deleted["sha"].is_null() && deleted.get("content").is_none());
        let written = tree_entry_json(InputTreeEntry {
            content: Some("hi".into()),
            ..base.clone()
        })
        .unwrap();
        assert_eq!(written["content"], "hi");
        assert!(written.get("sha").is_none());
        let both = InputTreeEntry {
            content: Some("hi".into()),
            sha: Some(Sha::new("abcd1234").unwrap()),
            ..base
        };
        assert_eq!(tree_entry_json(both).unwrap_err().code(), "invalid_input");
    }
}
