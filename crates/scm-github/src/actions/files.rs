//! Files through the contents API, and archives of a ref.
//!
//! A file path goes into the URL as one segment with its `/` encoded
//! (`docs%2Fguide.md`), after refusing `.`, `..` and empty segments:
//! GitHub accepts it, its OpenAPI description requires it (`{path}` is one
//! segment) and Octokit's URL templates send it that way.

use async_trait::async_trait;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use scm_core::actions::{
    DownloadArchive, GetArchiveLink, GetDirectoryContents, GetFileContent, GetPullRequestTemplate,
    GetReadme,
};
use scm_core::download::Download;
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::model::{ArchiveFormat, ArchiveLink, ContentKind, FileContent};
use scm_core::transport::Body;
use scm_core::{
    CallContext, Cursor, Error, Handle, Page, RawJson, RawResponse, Response, ResponseMeta, Result,
};
use serde::{Deserialize, Serialize};

use super::branches::name_segment;
use crate::client::{Call, Client, DEFAULT_PER_PAGE, PROVIDER};
use crate::schema::{GhContent, GhContentAnswer};
use crate::GitHub;

/// `…/contents/{path}` with the path as one encoded segment; an empty path
/// (or `/`) is the repository root (`…/contents/`).
fn contents_path(ctx: &CallContext, path: &str) -> Result<String> {
    let trimmed = path.trim_matches('/');
    let repo = Client::repo_path(ctx)?;
    if trimmed.is_empty() {
        return Ok(format!("{repo}/contents/"));
    }
    encode_path(trimmed)?;
    Ok(format!("{repo}/contents/{}", encode_segment(trimmed)?))
}

/// Where the next page of a locally paged directory listing starts.
#[derive(Debug, Serialize, Deserialize)]
struct OffsetCursor {
    offset: usize,
}

/// Cuts one page out of a full listing.
fn page_of<T>(mut items: Vec<T>, offset: usize, per_page: usize) -> Page<T> {
    let start = offset.min(items.len());
    let end = start.saturating_add(per_page).min(items.len());
    let next = (end < items.len()).then(|| Cursor::encode(&OffsetCursor { offset: end }));
    items.truncate(end);
    Page::new(items.split_off(start), next)
}

fn ref_query(call: Call<'static>, r#ref: Option<&str>) -> Call<'static> {
    call.query_opt("ref", r#ref.filter(|r| !r.is_empty()))
}

impl GitHub {
    /// One file, or `None` when there is nothing at `path` (404).
    async fn file_if_exists(
        &self,
        path: &str,
        r#ref: &str,
        ctx: &CallContext,
    ) -> Result<Option<(FileContent, Option<RawJson>)>> {
        let mut call = ref_query(Call::get(contents_path(ctx, path)?), Some(r#ref));
        call.conditional = false;
        match self.client().json::<GhContentAnswer>(call, ctx).await {
            Ok(Response::Ok(result)) => match result.data {
                GhContentAnswer::Entry(entry) => {
                    Ok(Some(((*entry).into(), result.raw.and_then(|r| r.body))))
                }
                GhContentAnswer::Directory(_) => Ok(None),
            },
            Ok(Response::NotModified { .. }) => Ok(None),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// A directory's entries, or `None` when there is no directory there.
    async fn directory_if_exists(
        &self,
        path: &str,
        r#ref: &str,
        ctx: &CallContext,
    ) -> Result<Option<Vec<GhContent>>> {
        let mut call = ref_query(Call::get(contents_path(ctx, path)?), Some(r#ref));
        call.conditional = false;
        match self.client().json::<GhContentAnswer>(call, ctx).await {
            Ok(Response::Ok(result)) => match result.data {
                GhContentAnswer::Directory(entries) => Ok(Some(entries)),
                GhContentAnswer::Entry(_) => Ok(None),
            },
            Ok(Response::NotModified { .. }) => Ok(None),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

#[async_trait]
impl Handle<GetFileContent> for GitHub {
    async fn handle(
        &self,
        action: GetFileContent,
        ctx: &CallContext,
    ) -> Result<Response<FileContent>> {
        if action.path.trim_matches('/').is_empty() {
            return Err(Error::invalid_input("get_file_content needs a file path"));
        }
        let call = ref_query(
            Call::get(contents_path(ctx, &action.path)?),
            Some(&action.r#ref),
        );
        let response = self.client().json::<GhContentAnswer>(call, ctx).await?;
        match response {
            Response::Ok(result) => match result.data {
                GhContentAnswer::Entry(entry) => Ok(Response::ok(
                    FileContent::from(*entry),
                    result.provider,
                    result.raw,
                    result.meta,
                )),
                GhContentAnswer::Directory(_) => Err(Error::invalid_input(format!(
                    "`{}` is a directory; use get_directory_contents",
                    action.path
                ))),
            },
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
        }
    }
}

/// GitHub answers a directory listing in one piece (up to 1000 entries),
/// so pages are cut locally and the cursor is an offset into it. A path
/// that names a file lists that one file.
#[async_trait]
impl Handle<GetDirectoryContents> for GitHub {
    async fn handle(
        &self,
        action: GetDirectoryContents,
        ctx: &CallContext,
    ) -> Result<Response<Page<FileContent>>> {
        let offset = match &action.page.cursor {
            Some(cursor) => cursor.decode::<OffsetCursor>()?.offset,
            None => 0,
        };
        let per_page = action.page.per_page_or(DEFAULT_PER_PAGE) as usize;
        let call = ref_query(
            Call::get(contents_path(ctx, &action.path)?),
            action.r#ref.as_deref(),
        );
        let response = self.client().json::<GhContentAnswer>(call, ctx).await?;
        Ok(response.map(|answer| {
            let entries: Vec<FileContent> = match answer {
                GhContentAnswer::Directory(entries) => {
                    entries.into_iter().map(FileContent::from).collect()
                }
                GhContentAnswer::Entry(entry) => vec![FileContent::from(*entry)],
            };
            page_of(entries, offset, per_page)
        }))
    }
}

#[async_trait]
impl Handle<GetReadme> for GitHub {
    async fn handle(&self, action: GetReadme, ctx: &CallContext) -> Result<Response<FileContent>> {
        let call = ref_query(
            Call::get(format!("{}/readme", Client::repo_path(ctx)?)),
            Some(&action.r#ref),
        );
        self.client()
            .json_into::<GhContent, FileContent>(call, ctx)
            .await
    }
}

/// Single-file template locations GitHub recognizes, in the order GitHub
/// prefers them. The contents API is case-sensitive, so both spellings in
/// common use are tried.
const TEMPLATE_FILES: &[&str] = &[
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    "PULL_REQUEST_TEMPLATE.md",
    "docs/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
];

/// Directories of several templates.
const TEMPLATE_DIRS: &[&str] = &[
    ".github/PULL_REQUEST_TEMPLATE",
    ".github/pull_request_template",
];

/// At most this many templates are read from a template directory.
const MAX_DIRECTORY_TEMPLATES: usize = 20;

/// Every template found, single files first; missing locations (404) are
/// skipped, any other error fails the action.
#[async_trait]
impl Handle<GetPullRequestTemplate> for GitHub {
    async fn handle(
        &self,
        action: GetPullRequestTemplate,
        ctx: &CallContext,
    ) -> Result<Response<Vec<FileContent>>> {
        let mut found = Vec::new();
        let mut raws = Vec::new();
        for path in TEMPLATE_FILES {
            if let Some((file, raw)) = self.file_if_exists(path, &action.r#ref, ctx).await? {
                if file.kind == ContentKind::File {
                    found.push(file);
                    raws.extend(raw);
                }
            }
        }
        for dir in TEMPLATE_DIRS {
            let Some(entries) = self.directory_if_exists(dir, &action.r#ref, ctx).await? else {
                continue;
            };
            let templates = entries
                .into_iter()
                .filter(|e| e.kind == "file" && e.name.to_ascii_lowercase().ends_with(".md"))
                .take(MAX_DIRECTORY_TEMPLATES);
            for entry in templates {
                if let Some((file, raw)) =
                    self.file_if_exists(&entry.path, &action.r#ref, ctx).await?
                {
                    found.push(file);
                    raws.extend(raw);
                }
            }
        }
        let raw = RawResponse {
            status: 200,
            headers: Default::default(),
            body: Some(RawJson::array(&raws)),
        };
        Ok(Response::ok(
            found,
            PROVIDER,
            Some(raw),
            ResponseMeta::default(),
        ))
    }
}

fn archive_call(ctx: &CallContext, r#ref: &str, format: ArchiveFormat) -> Result<Call<'static>> {
    let kind = match format {
        ArchiveFormat::Tarball => "tarball",
        ArchiveFormat::Zipball => "zipball",
    };
    let mut call = Call::get(format!(
        "{}/{kind}/{}",
        Client::repo_path(ctx)?,
        name_segment(r#ref)?
    ));
    // The answer is a redirect, never *not modified*.
    call.conditional = false;
    Ok(call)
}

/// GitHub answers `302` with a short-lived link (`codeload…`, signed for
/// private repositories); the link is returned, not followed.
#[async_trait]
impl Handle<GetArchiveLink> for GitHub {
    async fn handle(
        &self,
        action: GetArchiveLink,
        ctx: &CallContext,
    ) -> Result<Response<ArchiveLink>> {
        let call = archive_call(ctx, &action.r#ref, action.archive_format)?;
        let (url, response) = self.client().redirect_location(call, ctx).await?;
        let raw = RawResponse::new(response.status().as_u16(), response.headers(), None);
        let meta = ResponseMeta::from_headers(response.headers());
        Ok(Response::ok(
            ArchiveLink {
                url,
                format: action.archive_format,
            },
            PROVIDER,
            Some(raw),
            meta,
        ))
    }
}

/// `filename=` of a `Content-Disposition` header.
fn disposition_filename(value: &str) -> Option<String> {
    value.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name.trim().eq_ignore_ascii_case("filename"))
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Follows the archive link (without our credentials: it is pre-signed)
/// and hands the body over as a stream; nothing is buffered.
#[async_trait]
impl Handle<DownloadArchive> for GitHub {
    async fn handle(
        &self,
        action: DownloadArchive,
        ctx: &CallContext,
    ) -> Result<Response<Download>> {
        let call = archive_call(ctx, &action.r#ref, action.archive_format)?;
        let (url, _) = self.client().redirect_location(call, ctx).await?;
        let response = self.client().get_absolute(&url, ctx).await?;
        let headers = response.headers().clone();
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
        };
        let download = Download {
            content_type: header(CONTENT_TYPE).map(str::to_owned),
            content_length: header(CONTENT_LENGTH).and_then(|v| v.parse().ok()),
            filename: header(CONTENT_DISPOSITION).and_then(disposition_filename),
            body: Body::from_stream(response.into_body().into_stream()),
        };
        Ok(Response::ok(
            download,
            PROVIDER,
            None,
            ResponseMeta::from_headers(&headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use scm_core::registry::RepositoryRecord;

    fn ctx() -> CallContext {
        CallContext::new(Arc::new(RepositoryRecord::direct("github", "o/r")), "test")
    }

    #[test]
    fn contents_paths_are_one_segment_and_cannot_escape() {
        assert_eq!(
            contents_path(&ctx(), "docs/guide.md").unwrap(),
            "/repos/o/r/contents/docs%2Fguide.md"
        );
        assert_eq!(contents_path(&ctx(), "").unwrap(), "/repos/o/r/contents/");
        assert_eq!(contents_path(&ctx(), "/").unwrap(), "/repos/o/r/contents/");
        for bad in ["../x", "a/../../b", "a//b", "./a", "a/.."] {
            assert_eq!(
                contents_path(&ctx(), bad).unwrap_err().code(),
                "invalid_input",
                "{bad}"
            );
        }
    }

    #[test]
    fn local_pages() {
        let page = page_of((0..5).collect::<Vec<_>>(), 0, 2);
        assert_eq!(page.items, vec![0, 1]);
        let next: OffsetCursor = page.next_cursor.unwrap().decode().unwrap();
        assert_eq!(next.offset, 2);
        let last = page_of((0..5).collect::<Vec<_>>(), 4, 2);
        assert_eq!(last.items, vec![4]);
        assert!(last.next_cursor.is_none());
        let exact = page_of((0..4).collect::<Vec<_>>(), 2, 2);
        assert!(exact.next_cursor.is_none());
        let beyond = page_of((0..4).collect::<Vec<_>>(), 10, 2);
        assert!(beyond.items.is_empty() && beyond.next_cursor.is_none());
    }

    #[test]
    fn disposition() {
        assert_eq!(
            disposition_filename("attachment; filename=o-r-0000000.tar.gz").as_deref(),
            Some("o-r-0000000.tar.gz")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"a b.zip\"").as_deref(),
            Some("a b.zip")
        );
        assert_eq!(disposition_filename("inline"), None);
    }
}
