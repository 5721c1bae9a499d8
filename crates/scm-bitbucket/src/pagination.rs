//! Bitbucket pagination behind opaque cursors.
//!
//! Bitbucket Cloud wraps lists as `{values, pagelen, page?, size?, next?}`
//! and says: follow `next`, never build page URLs (some lists, such as
//! commits, have no page numbers at all). A cursor keeps only what `next`
//! carries in its query, plus the list's path to check it against; it never
//! holds a URL. So:
//!
//! - a `next` link on another origin or another path is refused (the
//!   answer is treated as malformed), instead of being followed with our
//!   credentials;
//! - a cursor is only accepted by the list it came from (same path): a
//!   forged or reused cursor cannot move a request elsewhere.

use scm_core::provider::CallContext;
use scm_core::{Cursor, Error, Page, PageRequest, RawResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::client::{decoded_path, origin, Fetched, Req};
use crate::schema::common::Paged;
use crate::Bitbucket;

/// Page size when the caller does not say.
pub(crate) const DEFAULT_PAGELEN: u32 = 30;
/// Bitbucket's largest page on most lists.
pub(crate) const MAX_PAGELEN: u32 = 100;
/// The largest page of pull request lists (Bitbucket refuses more).
pub(crate) const MAX_PR_PAGELEN: u32 = 50;

/// What a cursor encodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageState {
    /// The decoded path of the list the cursor belongs to.
    pub p: String,
    /// The query of Bitbucket's `next` link.
    pub q: Vec<(String, String)>,
    /// Which part of a composed list (compare: ahead, then behind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
}

impl Bitbucket {
    /// The decoded full path of a request (API base path included).
    pub(crate) fn request_path(&self, req: &Req) -> Result<String, Error> {
        let url = url::Url::parse(&self.url(req))
            .map_err(|_| Error::invalid_input("invalid request URL"))?;
        Ok(decoded_path(&url))
    }

    /// Adds the page position and size to a request; returns the cursor's
    /// part tag (for composed lists).
    pub(crate) fn apply_page(
        &self,
        req: Req,
        page: &PageRequest,
        max: u32,
    ) -> Result<(Req, Option<String>), Error> {
        match &page.cursor {
            None => {
                let pagelen = page.per_page_or(DEFAULT_PAGELEN).min(max);
                Ok((req.q("pagelen", pagelen), None))
            }
            Some(cursor) => {
                let state: PageState = cursor.decode()?;
                if state.p != self.request_path(&req)? {
                    return Err(Error::invalid_input("this cursor belongs to another list"));
                }
                let mut req = req;
                req.query = state.q;
                Ok((req, state.t))
            }
        }
    }

    /// The cursor for Bitbucket's `next` link, `None` without one. A link to
    /// another origin or to a path other than the list's (or the one it
    /// redirected to) is refused.
    pub(crate) fn next_cursor(
        &self,
        next: Option<&str>,
        list_path: &str,
        final_path: &str,
        tag: Option<String>,
    ) -> Result<Option<Cursor>, Error> {
        let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let api = url::Url::parse(&self.config.api_url)
            .map_err(|_| Error::invalid_input("invalid Bitbucket API URL"))?;
        let url = api
            .join(next)
            .map_err(|_| Error::malformed("Bitbucket sent an invalid next link"))?;
        if origin(&url) != origin(&api) {
            return Err(Error::malformed(
                "Bitbucket's next link points to another host; refused",
            ));
        }
        let path = decoded_path(&url);
        if path != list_path && path != final_path {
            return Err(Error::malformed(
                "Bitbucket's next link points to another path; refused",
            ));
        }
        let q = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Some(Cursor::encode(&PageState {
            p: list_path.to_owned(),
            q,
            t: tag,
        })))
    }

    /// Reads one page of a list, maps each item (`None` drops it) and
    /// computes the next cursor.
    pub(crate) async fn list<T, U>(
        &self,
        req: Req,
        page: &PageRequest,
        max: u32,
        ctx: &CallContext,
        mut map: impl FnMut(T) -> Result<Option<U>, Error>,
    ) -> Result<Response<Page<U>>, Error>
    where
        T: DeserializeOwned,
    {
        let (req, _) = self.apply_page(req, page, max)?;
        let list_path = self.request_path(&req)?;
        match self.fetch::<Paged<T>>(req.conditional(), ctx).await? {
            Fetched::NotModified(meta) => Ok(crate::client::not_modified(meta)),
            Fetched::Data(json) => {
                let next = self.next_cursor(
                    json.value.next.as_deref(),
                    &list_path,
                    &json.final_path,
                    None,
                )?;
                let mut items = Vec::with_capacity(json.value.values.len());
                for item in json.value.values {
                    items.extend(map(item)?);
                }
                Ok(self.ok(Page::new(items, next), Some(json.raw), json.meta))
            }
        }
    }

    /// Reads one raw page (for lists composed or filtered by the caller):
    /// the values, the next cursor (tagged) and the answer.
    pub(crate) async fn page_of<T: DeserializeOwned>(
        &self,
        req: Req,
        page: &PageRequest,
        max: u32,
        tag: Option<String>,
        ctx: &CallContext,
    ) -> Result<(Vec<T>, Option<Cursor>, RawResponse), Error> {
        let (req, _) = self.apply_page(req, page, max)?;
        let list_path = self.request_path(&req)?;
        let json = self.call::<Paged<T>>(req, ctx).await?;
        let next = self.next_cursor(
            json.value.next.as_deref(),
            &list_path,
            &json.final_path,
            tag,
        )?;
        Ok((json.value.values, next, json.raw))
    }

    /// Reads every page of a list up to `max_pages`. Returns the items,
    /// whether pages were left unread, and the first page's answer.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        req: Req,
        max_pages: usize,
        ctx: &CallContext,
    ) -> Result<(Vec<T>, bool, Option<RawResponse>), Error> {
        let mut items = Vec::new();
        let mut first_raw = None;
        let mut page = PageRequest {
            cursor: None,
            per_page: Some(MAX_PAGELEN),
        };
        for _ in 0..max_pages {
            let (values, next, raw) = self
                .page_of::<T>(req.clone(), &page, MAX_PAGELEN, None, ctx)
                .await?;
            items.extend(values);
            first_raw.get_or_insert(raw);
            match next {
                Some(next) => page.cursor = Some(next),
                None => return Ok((items, false, first_raw)),
            }
        }
        Ok((items, true, first_raw))
    }
}

/// The tag of a cursor without checking its path (for composed lists that
/// must know which part to read before building the request).
pub(crate) fn cursor_tag(page: &PageRequest) -> Result<Option<String>, Error> {
    match &page.cursor {
        None => Ok(None),
        Some(cursor) => Ok(cursor.decode::<PageState>()?.t),
    }
}
