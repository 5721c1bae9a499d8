//! File contents, directory listings, README and pull request templates.

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use scm_core::actions::*;
use scm_core::http_util::{encode_path, MAX_JSON_BODY};
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, RawResponse, Response, ResponseMeta};

use crate::client::Req;
use crate::pagination::MAX_PAGELEN;
use crate::schema::contents::TreeEntryJson;
use crate::Bitbucket;

/// README names Bitbucket renders, most common first.
const README_NAMES: &[&str] = &[
    "README.md",
    "README",
    "README.rst",
    "README.txt",
    "readme.md",
    "README.markdown",
];

/// Where teams keep pull request templates; Bitbucket itself has no
/// file-based convention, so these common places are probed.
const TEMPLATE_PATHS: &[&str] = &[
    "PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    ".bitbucket/PULL_REQUEST_TEMPLATE.md",
    ".bitbucket/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    ".github/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
];

impl Bitbucket {
    /// `…/src/<revision>/<path>`.
    fn src_path(&self, ctx: &CallContext, revision: &str, path: &str) -> Result<String, Error> {
        let path = path.trim_matches('/');
        let encoded = if path.is_empty() {
            String::new()
        } else {
            encode_path(path)?
        };
        Ok(format!("{}/src/{revision}/{encoded}", self.repo(ctx)?))
    }

    fn web_file(&self, ctx: &CallContext, revision: &str, path: &str) -> Option<String> {
        let base = self.web_repo(ctx).ok()?;
        let path = encode_path(path.trim_matches('/')).ok()?;
        Some(format!("{base}/src/{revision}/{path}"))
    }

    /// The raw bytes of a file at a revision (already path-safe). LFS files
    /// redirect to Atlassian's media host, which is followed without
    /// credentials.
    pub(crate) async fn raw_file(
        &self,
        ctx: &CallContext,
        revision: &str,
        path: &str,
    ) -> Result<Bytes, Error> {
        let req = Req::get(self.src_path(ctx, revision, path)?).follow_foreign();
        let reply = self.send(req, ctx).await?;
        reply.body.collect(MAX_JSON_BODY).await
    }

    async fn file_content(
        &self,
        ctx: &CallContext,
        reference: &str,
        path: &str,
    ) -> Result<Response<FileContent>, Error> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(Error::invalid_input("name a file, not the repository root"));
        }
        let revision = self.revision(ctx, Some(reference)).await?;
        let req = Req::get(self.src_path(ctx, &revision, path)?)
            .follow_foreign()
            .conditional();
        let reply = self.send(req, ctx).await?;
        let meta = ResponseMeta::from_headers(&reply.headers);
        if reply.status == http::StatusCode::NOT_MODIFIED {
            return Ok(crate::client::not_modified(meta));
        }
        let is_listing = reply
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"))
            && !path.ends_with(".json");
        let raw = RawResponse::new(reply.status.as_u16(), &reply.headers, None);
        let bytes = reply.body.collect(MAX_JSON_BODY).await?;
        if is_listing
            && serde_json::from_slice::<crate::schema::common::Paged<TreeEntryJson>>(&bytes)
                .is_ok_and(|p| !p.values.is_empty())
        {
            return Err(Error::invalid_input(format!(
                "`{path}` is a directory, not a file"
            )));
        }
        let data = FileContent {
            name: path.rsplit('/').next().unwrap_or(path).to_owned(),
            path: path.to_owned(),
            kind: ContentKind::File,
            // Bitbucket does not report blob ids.
            sha: None,
            size: Some(bytes.len() as u64),
            content: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
            encoding: Some(ContentEncoding::Base64),
            html_url: self.web_file(ctx, &revision, path),
        };
        Ok(self.ok(data, Some(raw), meta))
    }
}

/// Not there as a file: missing, or a directory of that name.
fn is_absent(err: &Error) -> bool {
    match err {
        Error::NotFound { .. } => true,
        Error::InvalidInput { detail } => detail.ends_with("is a directory, not a file"),
        _ => false,
    }
}

/// Raw bytes, returned base64-encoded. A branch name containing `/` is
/// resolved to its commit first.
#[async_trait]
impl Handle<GetFileContent> for Bitbucket {
    async fn handle(
        &self,
        a: GetFileContent,
        ctx: &CallContext,
    ) -> Result<Response<FileContent>, Error> {
        self.file_content(ctx, &a.r#ref, &a.path).await
    }
}

#[async_trait]
impl Handle<GetDirectoryContents> for Bitbucket {
    async fn handle(
        &self,
        a: GetDirectoryContents,
        ctx: &CallContext,
    ) -> Result<Response<Page<FileContent>>, Error> {
        let revision = self.revision(ctx, a.r#ref.as_deref()).await?;
        // The root needs its trailing slash; other directories are
        // addressed like files (the description has no trailing-slash route).
        let dir = self.src_path(ctx, &revision, &a.path)?;
        let web = |p: &str| self.web_file(ctx, &revision, p);
        self.list(
            Req::get(dir),
            &a.page,
            MAX_PAGELEN,
            ctx,
            |e: TreeEntryJson| Ok(e.entry(web)),
        )
        .await
    }
}

/// No README endpoint: the usual names are tried in order (listing the
/// root would cost a page per hundred entries; the names are few).
#[async_trait]
impl Handle<GetReadme> for Bitbucket {
    async fn handle(
        &self,
        a: GetReadme,
        ctx: &CallContext,
    ) -> Result<Response<FileContent>, Error> {
        for name in README_NAMES {
            match self.file_content(ctx, &a.r#ref, name).await {
                Err(err) if is_absent(&err) => continue,
                other => return other,
            }
        }
        Err(Error::NotFound {
            detail: "the repository has no README at its root".into(),
        })
    }
}

/// Every template found at the usual places (404s are skipped).
#[async_trait]
impl Handle<GetPullRequestTemplate> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestTemplate,
        ctx: &CallContext,
    ) -> Result<Response<Vec<FileContent>>, Error> {
        let mut found = Vec::new();
        for path in TEMPLATE_PATHS {
            match self.file_content(ctx, &a.r#ref, path).await {
                Ok(response) => found.extend(response.into_data()),
                Err(err) if is_absent(&err) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(self.ok(found, None, ResponseMeta::default()))
    }
}
