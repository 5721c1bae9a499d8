//! GitLab pagination behind opaque cursors.
//!
//! GitLab pages two ways: offset (`page=N`, next page in `X-Next-Page` or
//! a `Link rel="next"`) and keyset (`pagination=keyset`, next page only in
//! `Link rel="next"`, carrying `id_after`, `page_token`, …). A cursor holds
//! only that query state — never a URL — so a cursor handed back by a
//! caller can change which page is read, but not which path or host.

use http::HeaderMap;
use scm_core::http_util::next_link;
use scm_core::{Cursor, Error, PageRequest};
use serde::{Deserialize, Serialize};

use crate::client::Req;

/// GitLab's largest page.
pub(crate) const MAX_PER_PAGE: u32 = 100;
/// Default page size when the caller does not say.
pub(crate) const DEFAULT_PER_PAGE: u32 = 30;

/// The query parameters a keyset `next` link may carry into a cursor.
const KEYSET_KEYS: &[&str] = &["id_after", "id_before", "page_token", "cursor"];

/// What a cursor encodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k")]
pub(crate) enum PageState {
    /// Offset pagination: the page number.
    #[serde(rename = "o")]
    Offset { p: u32 },
    /// Keyset pagination: the continuation parameters from `Link`.
    #[serde(rename = "k")]
    Keyset { q: Vec<(String, String)> },
}

/// How an endpoint paginates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Offset,
    /// Keyset; the request must already carry `pagination=keyset` and its
    /// ordering parameters.
    Keyset,
}

/// Adds the page position and size to a request.
pub(crate) fn apply(req: Req, page: &PageRequest, mode: Mode) -> Result<Req, Error> {
    let per_page = page.per_page_or(DEFAULT_PER_PAGE).min(MAX_PER_PAGE);
    let mut req = req.q("per_page", per_page);
    let state = page
        .cursor
        .as_ref()
        .map(Cursor::decode::<PageState>)
        .transpose()?;
    match (mode, state) {
        (_, None) => {}
        (Mode::Offset, Some(PageState::Offset { p })) if p >= 1 => {
            req = req.q("page", p);
        }
        (Mode::Keyset, Some(PageState::Keyset { q })) => {
            for (key, value) in q {
                if !KEYSET_KEYS.contains(&key.as_str()) {
                    return Err(Error::invalid_input("invalid cursor"));
                }
                req = req.q(&key, value);
            }
        }
        _ => return Err(Error::invalid_input("invalid cursor for this list")),
    }
    Ok(req)
}

/// The cursor of the next page, `None` on the last page.
pub(crate) fn next_cursor(headers: &HeaderMap, mode: Mode) -> Option<Cursor> {
    match mode {
        Mode::Offset => {
            let from_header = headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .and_then(|v| v.parse::<u32>().ok());
            let page = from_header.or_else(|| {
                let link = next_link(headers)?;
                query_pairs(&link)
                    .into_iter()
                    .find(|(k, _)| k == "page")
                    .and_then(|(_, v)| v.parse::<u32>().ok())
            })?;
            Some(Cursor::encode(&PageState::Offset { p: page }))
        }
        Mode::Keyset => {
            let link = next_link(headers)?;
            let q: Vec<(String, String)> = query_pairs(&link)
                .into_iter()
                .filter(|(k, _)| KEYSET_KEYS.contains(&k.as_str()))
                .collect();
            if q.is_empty() {
                None
            } else {
                Some(Cursor::encode(&PageState::Keyset { q }))
            }
        }
    }
}

fn query_pairs(link: &str) -> Vec<(String, String)> {
    match url::Url::parse(link) {
        Ok(url) => url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

impl crate::GitLab {
    /// Reads one page of a list endpoint (a JSON array), maps each item
    /// (`None` drops it) and computes the next cursor.
    pub(crate) async fn list<T, U>(
        &self,
        req: Req,
        page: &PageRequest,
        mode: Mode,
        ctx: &scm_core::provider::CallContext,
        mut map: impl FnMut(T) -> Result<Option<U>, Error>,
    ) -> Result<scm_core::Response<scm_core::Page<U>>, Error>
    where
        T: serde::de::DeserializeOwned,
    {
        self.list_flat(req, page, mode, ctx, |item| {
            Ok(map(item)?.into_iter().collect())
        })
        .await
    }

    /// Like [`Self::list`], but each item may become several (discussions
    /// into their comments).
    pub(crate) async fn list_flat<T, U>(
        &self,
        req: Req,
        page: &PageRequest,
        mode: Mode,
        ctx: &scm_core::provider::CallContext,
        mut map: impl FnMut(T) -> Result<Vec<U>, Error>,
    ) -> Result<scm_core::Response<scm_core::Page<U>>, Error>
    where
        T: serde::de::DeserializeOwned,
    {
        let req = apply(req, page, mode)?.conditional();
        match self.fetch::<Vec<T>>(req, ctx).await? {
            crate::client::Fetched::NotModified(meta) => Ok(crate::client::not_modified(meta)),
            crate::client::Fetched::Data(json) => {
                let next = next_cursor(&json.headers, mode);
                let mut items = Vec::with_capacity(json.value.len());
                for item in json.value {
                    items.extend(map(item)?);
                }
                Ok(self.ok(scm_core::Page::new(items, next), Some(json.raw), json.meta))
            }
        }
    }

    /// Reads every page of a list endpoint (for actions whose result is
    /// not paginated but whose source is), up to `max_pages`. Returns the
    /// items, whether pages were left unread, and the first page's answer.
    pub(crate) async fn list_all_raw<T>(
        &self,
        req: Req,
        mode: Mode,
        max_pages: usize,
        ctx: &scm_core::provider::CallContext,
    ) -> Result<(Vec<T>, bool, Option<scm_core::RawResponse>), Error>
    where
        T: serde::de::DeserializeOwned,
    {
        let mut items = Vec::new();
        let mut first_raw = None;
        let mut page = PageRequest {
            cursor: None,
            per_page: Some(MAX_PER_PAGE),
        };
        for _ in 0..max_pages {
            let json = self
                .call::<Vec<T>>(apply(req.clone(), &page, mode)?, ctx)
                .await?;
            items.extend(json.value);
            first_raw.get_or_insert(json.raw);
            match next_cursor(&json.headers, mode) {
                Some(next) => page.cursor = Some(next),
                None => return Ok((items, false, first_raw)),
            }
        }
        Ok((items, true, first_raw))
    }

    pub(crate) async fn list_all<T>(
        &self,
        req: Req,
        mode: Mode,
        max_pages: usize,
        ctx: &scm_core::provider::CallContext,
    ) -> Result<(Vec<T>, bool), Error>
    where
        T: serde::de::DeserializeOwned,
    {
        let (items, truncated, _) = self.list_all_raw(req, mode, max_pages, ctx).await?;
        Ok((items, truncated))
    }

    /// Pages through a list until an item matches, up to `max_pages`;
    /// returns it with the answer of the page it was on.
    pub(crate) async fn find_in_pages<T>(
        &self,
        req: Req,
        mode: Mode,
        max_pages: usize,
        ctx: &scm_core::provider::CallContext,
        mut matches: impl FnMut(&T) -> bool,
    ) -> Result<Option<(T, scm_core::RawResponse)>, Error>
    where
        T: serde::de::DeserializeOwned,
    {
        let mut page = PageRequest {
            cursor: None,
            per_page: Some(MAX_PER_PAGE),
        };
        for _ in 0..max_pages {
            let json = self
                .call::<Vec<T>>(apply(req.clone(), &page, mode)?, ctx)
                .await?;
            let next = next_cursor(&json.headers, mode);
            if let Some(found) = json.value.into_iter().find(|item| matches(item)) {
                return Ok(Some((found, json.raw)));
            }
            match next {
                Some(next) => page.cursor = Some(next),
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn offset_cursor_round_trips_and_ends() {
        let next = next_cursor(&headers(&[("x-next-page", "3")]), Mode::Offset).unwrap();
        let req = apply(
            Req::get("x"),
            &PageRequest {
                cursor: Some(next),
                per_page: Some(500),
            },
            Mode::Offset,
        )
        .unwrap();
        assert_eq!(
            req.query,
            vec![
                ("per_page".into(), "100".into()),
                ("page".into(), "3".into())
            ]
        );
        // Last page: GitLab sends an empty X-Next-Page and no next link.
        assert_eq!(
            next_cursor(&headers(&[("x-next-page", "")]), Mode::Offset),
            None
        );
        assert_eq!(next_cursor(&HeaderMap::new(), Mode::Offset), None);
        // Without X-Next-Page (large lists), the Link header still works.
        let link =
            r#"<https://gitlab.example/api/v4/projects/1/issues?page=7&per_page=20>; rel="next""#;
        let from_link = next_cursor(&headers(&[("link", link)]), Mode::Offset).unwrap();
        assert_eq!(
            from_link.decode::<PageState>().unwrap(),
            PageState::Offset { p: 7 }
        );
    }

    #[test]
    fn keyset_cursor_keeps_only_continuation_state() {
        let link = r#"<https://evil.example/other/path?id_after=42&pagination=keyset&order_by=id&private_token=x>; rel="next""#;
        let next = next_cursor(&headers(&[("link", link)]), Mode::Keyset).unwrap();
        let state: PageState = next.decode().unwrap();
        assert_eq!(
            state,
            PageState::Keyset {
                q: vec![("id_after".into(), "42".into())]
            }
        );
        assert!(!next.as_str().contains("evil"));
        assert_eq!(next_cursor(&HeaderMap::new(), Mode::Keyset), None);
        // A forged cursor cannot smuggle other parameters.
        let forged = Cursor::encode(&PageState::Keyset {
            q: vec![("ref".into(), "main".into())],
        });
        let err = apply(
            Req::get("x"),
            &PageRequest {
                cursor: Some(forged),
                per_page: None,
            },
            Mode::Keyset,
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let offset_for_keyset = Cursor::encode(&PageState::Offset { p: 2 });
        assert!(apply(
            Req::get("x"),
            &PageRequest {
                cursor: Some(offset_for_keyset),
                per_page: None
            },
            Mode::Keyset
        )
        .is_err());
    }
}
