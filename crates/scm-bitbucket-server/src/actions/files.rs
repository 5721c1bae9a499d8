//! Files, directories, the README, pull request templates and archives.

use async_trait::async_trait;
use base64::Engine;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use scm_core::actions::{
    DownloadArchive, GetDirectoryContents, GetFileContent, GetPullRequestTemplate, GetReadme,
};
use scm_core::http_util::encode_path;
use scm_core::model::{ArchiveFormat, ContentEncoding, ContentKind, FileContent};
use scm_core::{CallContext, Cursor, Download, Error, Handle, Page, Response, Result};

use crate::client::{
    data_or_not_modified, next_cursor, ok, repo_path, Call, Fetched, StartCursor, DEFAULT_LIMIT,
};
use crate::schema::{BbBrowse, BbChild, BbPage};
use crate::BitbucketServer;

/// Where pull request templates usually live (Data Center has no template
/// feature of its own; teams keep the GitHub-style files).
const TEMPLATE_PATHS: &[&str] = &[
    "PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    ".bitbucket/PULL_REQUEST_TEMPLATE.md",
    ".bitbucket/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    ".github/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
];

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

/// UTF-8 content as text, anything else base64.
fn file_content(path: &str, bytes: &[u8], html_url: Option<String>) -> FileContent {
    let (content, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), ContentEncoding::Utf8),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            ContentEncoding::Base64,
        ),
    };
    FileContent {
        path: path.to_owned(),
        name: file_name(path),
        kind: ContentKind::File,
        sha: None,
        size: Some(bytes.len() as u64),
        content: Some(content),
        encoding: Some(encoding),
        html_url,
    }
}

impl BitbucketServer {
    /// A file's bytes at a ref (`/raw/{path}?at=`).
    async fn raw_file(
        &self,
        path: &str,
        at: &str,
        ctx: &CallContext,
        conditional: bool,
    ) -> Result<Response<FileContent>> {
        let mut call = Call::get(format!("{}/raw/{}", repo_path(ctx)?, encode_path(path)?))
            .query("at", at)
            .accept("*/*");
        if !conditional {
            call = call.unconditional();
        }
        let html_url = self.repo_web(ctx).ok().map(|web| {
            format!(
                "{web}/browse/{}?at={}",
                encode_path(path).unwrap_or_default(),
                scm_core::http_util::encode_query(at)
            )
        });
        let response = self.client().bytes(call, ctx).await?;
        Ok(response.map(|bytes| file_content(path, &bytes, html_url)))
    }
}

#[async_trait]
impl Handle<GetFileContent> for BitbucketServer {
    async fn handle(&self, a: GetFileContent, ctx: &CallContext) -> Result<Response<FileContent>> {
        self.raw_file(&a.path, &a.r#ref, ctx, true).await
    }
}

fn child_content(dir: &str, child: BbChild) -> FileContent {
    let name = child.path.text().unwrap_or_default();
    let path = if dir.is_empty() {
        name.clone()
    } else {
        format!("{dir}/{name}")
    };
    let kind = match child.kind.as_deref() {
        Some("DIRECTORY") => ContentKind::Dir,
        Some("SUBMODULE") => ContentKind::Submodule,
        _ => ContentKind::File,
    };
    FileContent {
        name: file_name(&path),
        path,
        kind,
        sha: crate::schema::sha(child.content_id.as_deref()),
        size: child.size.and_then(|s| u64::try_from(s).ok()),
        content: None,
        encoding: None,
        html_url: None,
    }
}

/// A page of a directory's entries (`/browse/{path}`, paged `children`).
#[async_trait]
impl Handle<GetDirectoryContents> for BitbucketServer {
    async fn handle(
        &self,
        a: GetDirectoryContents,
        ctx: &CallContext,
    ) -> Result<Response<Page<FileContent>>> {
        let dir = a.path.trim_matches('/');
        let path = if dir.is_empty() {
            format!("{}/browse", repo_path(ctx)?)
        } else {
            format!("{}/browse/{}", repo_path(ctx)?, encode_path(dir)?)
        };
        let call = Call::get(path)
            .query_opt("at", a.r#ref.as_deref())
            .query("start", StartCursor::from_page(&a.page)?)
            .query("limit", a.page.per_page_or(DEFAULT_LIMIT));
        let response = self.client().json::<BbBrowse>(call, ctx).await?;
        let result = match data_or_not_modified(response) {
            Fetched::Data(result) => result,
            Fetched::NotModified(not_modified) => return Ok(not_modified),
        };
        let Some(children) = result.data.children.clone() else {
            return Err(Error::UnprocessableContent {
                detail: format!("`{dir}` is a file, not a directory"),
            });
        };
        let next: Option<Cursor> = next_cursor(&children);
        let items = children
            .values
            .into_iter()
            .map(|child| child_content(dir, child))
            .collect();
        Ok(Response::Ok(result.map(|_| Page::new(items, next))))
    }
}

/// The README of the root directory: its name is found in the listing
/// (`README.md`, `readme.txt`, …), then its bytes are read.
#[async_trait]
impl Handle<GetReadme> for BitbucketServer {
    async fn handle(&self, a: GetReadme, ctx: &CallContext) -> Result<Response<FileContent>> {
        let call = Call::get(format!("{}/browse", repo_path(ctx)?))
            .query("at", &a.r#ref)
            .query("limit", 1000)
            .unconditional();
        let (listing, _, _) = self.client().value::<BbBrowse>(call, ctx).await?;
        let children = listing.children.unwrap_or_else(BbPage::empty).values;
        let name = children
            .into_iter()
            .filter(|c| c.kind.as_deref() != Some("DIRECTORY"))
            .filter_map(|c| c.path.text())
            .filter(|name| {
                let lower = name.to_ascii_lowercase();
                lower == "readme" || lower.starts_with("readme.")
            })
            .min_by_key(|name| (!name.to_ascii_lowercase().ends_with(".md"), name.len()))
            .ok_or_else(|| Error::NotFound {
                detail: format!("no README at `{}`", a.r#ref),
            })?;
        self.raw_file(&name, &a.r#ref, ctx, true).await
    }
}

/// Every template file found at the ref (an empty list when none).
#[async_trait]
impl Handle<GetPullRequestTemplate> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestTemplate,
        ctx: &CallContext,
    ) -> Result<Response<Vec<FileContent>>> {
        let mut found = Vec::new();
        for path in TEMPLATE_PATHS {
            match self.raw_file(path, &a.r#ref, ctx, false).await {
                Ok(Response::Ok(result)) => found.push(result.data),
                Ok(Response::NotModified { .. }) | Err(Error::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(ok(found, None))
    }
}

/// Streams `/archive?at=&format=` (`tar.gz` or `zip`).
#[async_trait]
impl Handle<DownloadArchive> for BitbucketServer {
    async fn handle(&self, a: DownloadArchive, ctx: &CallContext) -> Result<Response<Download>> {
        let format = match a.archive_format {
            ArchiveFormat::Tarball => "tar.gz",
            ArchiveFormat::Zipball => "zip",
        };
        let call = Call::get(format!("{}/archive", repo_path(ctx)?))
            .query("at", &a.r#ref)
            .query("format", format)
            .accept("*/*")
            .unconditional();
        let response = self.client().send(&call, ctx).await?;
        let headers = response.headers().clone();
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let filename = header(CONTENT_DISPOSITION).and_then(|value| {
            value
                .split(';')
                .find_map(|part| part.trim().strip_prefix("filename="))
                .map(|name| name.trim_matches('"').to_owned())
        });
        let download = Download {
            content_type: header(CONTENT_TYPE),
            content_length: header(CONTENT_LENGTH).and_then(|v| v.parse().ok()),
            filename,
            body: response.into_body(),
        };
        Ok(ok(download, None))
    }
}
