//! Trees, files and archives.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::{encode_path, encode_path_as_segment};
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Download, Error, Handle, Page, Response, ResponseMeta};

use crate::client::{Fetched, Req};
use crate::pagination::Mode;
use crate::schema::{GlFile, GlTreeEntry};
use crate::GitLab;

/// Pages read by `get_full_tree` (100 entries each) before it reports
/// the tree as truncated.
const MAX_TREE_PAGES: usize = 500;

impl GitLab {
    fn tree_req(
        &self,
        ctx: &CallContext,
        r#ref: &str,
        path: Option<&str>,
        recursive: bool,
    ) -> Result<Req, Error> {
        Ok(Req::get(format!("{}/repository/tree", self.project(ctx)?))
            .q("ref", r#ref)
            .q_opt("path", path)
            .q_opt("recursive", recursive.then_some("true"))
            .q("pagination", "keyset"))
    }

    fn blob_url(&self, ctx: &CallContext, r#ref: &str, path: &str) -> Option<String> {
        let base = self.web_repo(ctx).ok()?;
        Some(format!(
            "{base}/-/blob/{}/{}",
            encode_path(r#ref).ok()?,
            encode_path(path).ok()?
        ))
    }

    async fn file(
        &self,
        path: &str,
        r#ref: &str,
        ctx: &CallContext,
        conditional: bool,
    ) -> Result<Response<FileContent>, Error> {
        let mut req = Req::get(format!(
            "{}/repository/files/{}",
            self.project(ctx)?,
            encode_path_as_segment(path)?
        ))
        .q("ref", r#ref);
        req.conditional = conditional;
        let html = self.blob_url(ctx, r#ref, path);
        match self.fetch::<GlFile>(req, ctx).await? {
            Fetched::NotModified(meta) => Ok(crate::client::not_modified(meta)),
            Fetched::Data(json) => {
                Ok(self.ok(json.value.file_content(html), Some(json.raw), json.meta))
            }
        }
    }
}

/// One page of the tree at a commit (keyset pagination, `page_token`).
/// GitLab reads trees by commit or ref: `tree_sha` is resolved as a
/// commit-ish.
#[async_trait]
impl Handle<GetTree> for GitLab {
    async fn handle(
        &self,
        a: GetTree,
        ctx: &CallContext,
    ) -> Result<Response<Page<TreeEntry>>, Error> {
        let req = self.tree_req(ctx, a.tree_sha.as_str(), None, a.recursive)?;
        self.list(req, &a.page, Mode::Keyset, ctx, |e: GlTreeEntry| {
            e.tree_entry().map(Some)
        })
        .await
    }
}

/// Every page of the tree, up to 50,000 entries (then `truncated`).
#[async_trait]
impl Handle<GetFullTree> for GitLab {
    async fn handle(&self, a: GetFullTree, ctx: &CallContext) -> Result<Response<GitTree>, Error> {
        let req = self.tree_req(ctx, a.tree_sha.as_str(), None, a.recursive)?;
        let (entries, truncated, raw) = self
            .list_all_raw::<GlTreeEntry>(req, Mode::Keyset, MAX_TREE_PAGES, ctx)
            .await?;
        let entries = entries
            .into_iter()
            .map(GlTreeEntry::tree_entry)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.ok(
            GitTree {
                sha: a.tree_sha,
                entries,
                truncated,
            },
            raw,
            ResponseMeta::default(),
        ))
    }
}

#[async_trait]
impl Handle<GetFileContent> for GitLab {
    async fn handle(
        &self,
        a: GetFileContent,
        ctx: &CallContext,
    ) -> Result<Response<FileContent>, Error> {
        self.file(&a.path, &a.r#ref, ctx, true).await
    }
}

/// A directory's entries (no content), keyset-paginated. Without a ref,
/// GitLab reads the default branch.
#[async_trait]
impl Handle<GetDirectoryContents> for GitLab {
    async fn handle(
        &self,
        a: GetDirectoryContents,
        ctx: &CallContext,
    ) -> Result<Response<Page<FileContent>>, Error> {
        let path = a.path.trim_matches('/');
        let mut req = Req::get(format!("{}/repository/tree", self.project(ctx)?))
            .q_opt("path", (!path.is_empty()).then_some(path))
            .q_opt("ref", a.r#ref.as_deref())
            .q("pagination", "keyset");
        req.conditional = true;
        let web_ref = a.r#ref.clone().unwrap_or_else(|| "HEAD".to_owned());
        self.list(req, &a.page, Mode::Keyset, ctx, |e: GlTreeEntry| {
            let html = self.blob_url(ctx, &web_ref, &e.path);
            Ok(Some(e.file_content(html)))
        })
        .await
    }
}

/// The README in the root directory (`README.md` preferred over other
/// `README*` files, case-insensitive).
#[async_trait]
impl Handle<GetReadme> for GitLab {
    async fn handle(
        &self,
        a: GetReadme,
        ctx: &CallContext,
    ) -> Result<Response<FileContent>, Error> {
        let req = self.tree_req(ctx, &a.r#ref, None, false)?;
        let (entries, _) = self
            .list_all::<GlTreeEntry>(req, Mode::Keyset, 20, ctx)
            .await?;
        let readme = entries
            .iter()
            .filter(|e| e.kind == "blob")
            .filter(|e| {
                let lower = e.name.to_ascii_lowercase();
                lower == "readme" || lower.starts_with("readme.")
            })
            .min_by_key(|e| (!e.name.eq_ignore_ascii_case("readme.md"), e.name.clone()))
            .ok_or_else(|| Error::NotFound {
                detail: format!("no README at `{}`", a.r#ref),
            })?;
        let path = readme.path.clone();
        self.file(&path, &a.r#ref, ctx, false).await
    }
}

/// Every merge request template in `.gitlab/merge_request_templates/`
/// (none when the folder is missing).
#[async_trait]
impl Handle<GetPullRequestTemplate> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestTemplate,
        ctx: &CallContext,
    ) -> Result<Response<Vec<FileContent>>, Error> {
        let req = self.tree_req(
            ctx,
            &a.r#ref,
            Some(".gitlab/merge_request_templates"),
            false,
        )?;
        let entries = match self
            .list_all::<GlTreeEntry>(req, Mode::Keyset, 5, ctx)
            .await
        {
            Ok((entries, _)) => entries,
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(err) => return Err(err),
        };
        let mut templates = Vec::new();
        for entry in entries
            .iter()
            .filter(|e| e.kind == "blob" && e.name.to_ascii_lowercase().ends_with(".md"))
        {
            if let Response::Ok(file) = self.file(&entry.path, &a.r#ref, ctx, false).await? {
                templates.push(file.data);
            }
        }
        Ok(self.ok(templates, None, ResponseMeta::default()))
    }
}

/// Streams `repository/archive.tar.gz` or `archive.zip` at a ref.
#[async_trait]
impl Handle<DownloadArchive> for GitLab {
    async fn handle(
        &self,
        a: DownloadArchive,
        ctx: &CallContext,
    ) -> Result<Response<Download>, Error> {
        let format = match a.archive_format {
            ArchiveFormat::Tarball => "tar.gz",
            ArchiveFormat::Zipball => "zip",
        };
        let req = Req::get(format!(
            "{}/repository/archive.{format}",
            self.project(ctx)?
        ))
        .q("sha", &a.r#ref);
        self.download(req, ctx).await
    }
}

impl GitLab {
    /// Streams a body without reading it into memory.
    pub(crate) async fn download(
        &self,
        req: Req,
        ctx: &CallContext,
    ) -> Result<Response<Download>, Error> {
        let reply = self.send(req, ctx).await?;
        let header = |name: http::header::HeaderName| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let filename = header(http::header::CONTENT_DISPOSITION).and_then(|value| {
            value.split(';').find_map(|part| {
                part.trim()
                    .strip_prefix("filename=")
                    .map(|name| name.trim_matches('"').to_owned())
            })
        });
        let download = Download {
            content_type: header(http::header::CONTENT_TYPE),
            content_length: header(http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
            filename,
            body: reply.body,
        };
        Ok(self.ok(download, None, ResponseMeta::from_headers(&reply.headers)))
    }
}
