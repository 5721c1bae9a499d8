//! One cached answer and its byte encoding (for stores outside the process).

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

/// A `200` answer kept for revalidation: its headers, body and the request
/// header values its `Vary` names (checked again before the entry is used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedResponse {
    /// Response headers as the provider sent them (hop-by-hop and cookie
    /// headers dropped).
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
    /// `(lower-case header name, request value)` for each name in `Vary`.
    pub vary: Vec<(String, String)>,
}

/// The header part of the encoding.
#[derive(Serialize, Deserialize)]
struct Head {
    headers: Vec<(String, String)>,
    vary: Vec<(String, String)>,
}

/// Headers never stored: they concern one connection or set cookies.
const NOT_STORED: [&str; 5] = [
    "set-cookie",
    "connection",
    "transfer-encoding",
    "keep-alive",
    "content-length",
];

impl CachedResponse {
    /// Keeps `headers` (minus `NOT_STORED`) and `body`.
    pub fn new(headers: &HeaderMap, body: Bytes, vary: Vec<(String, String)>) -> Self {
        let headers = headers
            .iter()
            .filter(|(name, _)| !NOT_STORED.contains(&name.as_str()))
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        Self {
            headers,
            body,
            vary,
        }
    }

    /// The stored headers as a map (values that are no longer valid are
    /// skipped).
    pub fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    /// The first stored value of `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Bytes this entry occupies (what the in-memory bound counts).
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
            + self
                .vary
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }

    /// `u32` length of a JSON head, the head, then the body.
    pub fn encode(&self) -> Vec<u8> {
        let head = Head {
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                .collect(),
            vary: self.vary.clone(),
        };
        let head = serde_json::to_vec(&head).unwrap_or_default();
        let mut out = BytesMut::with_capacity(4 + head.len() + self.body.len());
        out.put_u32(u32::try_from(head.len()).unwrap_or(u32::MAX));
        out.put_slice(&head);
        out.put_slice(&self.body);
        out.to_vec()
    }

    /// Reads [`CachedResponse::encode`]'s output; `None` when it is not one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let head: Head = serde_json::from_slice(bytes.get(4..4 + len)?).ok()?;
        Some(Self {
            headers: head
                .headers
                .into_iter()
                .map(|(n, v)| (n, v.into_bytes()))
                .collect(),
            body: Bytes::copy_from_slice(bytes.get(4 + len..)?),
            vary: head.vary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_refuses_junk() {
        let mut headers = HeaderMap::new();
        headers.insert("etag", HeaderValue::from_static("\"a\""));
        headers.insert("set-cookie", HeaderValue::from_static("s=1"));
        let entry = CachedResponse::new(
            &headers,
            Bytes::from_static(b"{}"),
            vec![("accept".into(), "application/json".into())],
        );
        assert_eq!(entry.header("etag"), Some("\"a\""));
        assert_eq!(entry.header("set-cookie"), None);
        assert_eq!(CachedResponse::decode(&entry.encode()), Some(entry));
        assert_eq!(CachedResponse::decode(b"\0\0\0\x09{"), None);
        assert_eq!(CachedResponse::decode(b""), None);
    }
}
