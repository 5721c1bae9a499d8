//! Pages of list results and opaque cursors.
//!
//! Every provider paginates differently (GitHub `Link` headers, GitLab
//! keyset or `X-Next-Page`, Bitbucket `next` URLs). Callers only ever see
//! a [`Cursor`]: an opaque string to send back for the next page. `None`
//! means there is no next page, on every provider.
//!
//! ```
//! use scm_core::{Cursor, Page, PageRequest};
//!
//! // A provider keeps its position in a cursor; callers only pass it back.
//! let cursor = Cursor::encode(&("page", 2u32));
//! let first = Page::new(vec!["bug", "docs"], Some(cursor.clone()));
//! let last = Page::new(vec!["wontfix"], None);
//!
//! // Following a list: send the cursor back until there is none.
//! let mut request = PageRequest { cursor: None, per_page: Some(2) };
//! let mut items = Vec::new();
//! for page in [first, last] {
//!     items.extend(page.items);
//!     match page.next_cursor {
//!         Some(next) => request.cursor = Some(next),
//!         None => break,
//!     }
//! }
//! assert_eq!(items, ["bug", "docs", "wontfix"]);
//! assert_eq!(request.cursor, Some(cursor));
//!
//! // Page sizes are clamped to what every provider serves.
//! assert_eq!(PageRequest { cursor: None, per_page: Some(500) }.per_page_or(30), 100);
//! // A cursor that is not one is refused as input.
//! assert_eq!(Cursor::from_raw("??").decode::<u32>().unwrap_err().code(), "invalid_input");
//! ```

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// An opaque position in a list. Providers encode what they need into it;
/// callers must not parse it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Wraps provider-specific state (JSON-serializable) as an opaque cursor.
    pub fn encode<T: Serialize>(state: &T) -> Cursor {
        let json = serde_json::to_vec(state).unwrap_or_default();
        Cursor(URL_SAFE_NO_PAD.encode(json))
    }

    /// Recovers the provider-specific state; a cursor that was not made by
    /// [`Cursor::encode`] with the same type is an input error.
    pub fn decode<T: for<'de> Deserialize<'de>>(&self) -> Result<T, Error> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.0.as_bytes())
            .map_err(|_| Error::invalid_input("invalid cursor"))?;
        serde_json::from_slice(&bytes).map_err(|_| Error::invalid_input("invalid cursor"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_raw(raw: impl Into<String>) -> Cursor {
        Cursor(raw.into())
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.0)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` exactly when this is the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, next_cursor: Option<Cursor>) -> Self {
        Self { items, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Where to start a list and how much to return.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PageRequest {
    pub cursor: Option<Cursor>,
    /// Items per page; providers clamp it to their maximum.
    pub per_page: Option<u32>,
}

/// Only an object, as the OpenAPI document says: serde's derived
/// `Deserialize` would also take `[cursor, per_page]`.
impl<'de> Deserialize<'de> for PageRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            cursor: Option<Cursor>,
            #[serde(default)]
            per_page: Option<u32>,
        }
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = PageRequest;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object with `cursor` and `per_page`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PageRequest, A::Error> {
                let fields =
                    Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(PageRequest {
                    cursor: fields.cursor,
                    per_page: fields.per_page,
                })
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

impl PageRequest {
    /// Largest page any provider serves; larger requests are clamped.
    pub const MAX_PER_PAGE: u32 = 100;

    pub fn per_page_or(&self, default: u32) -> u32 {
        self.per_page
            .unwrap_or(default)
            .clamp(1, Self::MAX_PER_PAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor::encode(&("issues", 3u32));
        let back: (String, u32) = cursor.decode().unwrap();
        assert_eq!(back, ("issues".to_owned(), 3));
        assert_eq!(
            Cursor::from_raw("not base64!")
                .decode::<u32>()
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn per_page_is_clamped() {
        let req = PageRequest {
            cursor: None,
            per_page: Some(1000),
        };
        assert_eq!(req.per_page_or(30), 100);
        assert_eq!(PageRequest::default().per_page_or(30), 30);
        let zero = PageRequest {
            cursor: None,
            per_page: Some(0),
        };
        assert_eq!(zero.per_page_or(30), 1);
    }

    #[test]
    fn a_page_request_is_an_object_only() {
        let page: PageRequest = serde_json::from_str(r#"{"per_page": 5}"#).unwrap();
        assert_eq!(page.per_page, Some(5));
        let empty: PageRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, PageRequest::default());
        for refused in ["[null, null]", "[]", "5", "\"x\""] {
            assert!(
                serde_json::from_str::<PageRequest>(refused).is_err(),
                "{refused}"
            );
        }
    }
}
