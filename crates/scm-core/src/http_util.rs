//! Small HTTP helpers every provider needs: safe URL paths, `Link` headers,
//! bounded JSON bodies.

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::raw_json::RawJson;
use crate::transport::Body;

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment: `/`, `?`, `#`, `%` and everything
/// outside the unreserved set are escaped, so the value cannot add
/// segments, a query or a fragment. `.` and `..` alone are refused: they
/// would move up the path after normalization.
pub fn encode_segment(value: &str) -> Result<String, Error> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::invalid_input(format!(
            "`{value}` is not a valid path segment"
        )));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// Encodes a `/`-separated path (a file path, a branch name with slashes)
/// segment by segment. Empty, `.` and `..` segments are refused, so the
/// result always stays below the prefix it is appended to.
pub fn encode_path(value: &str) -> Result<String, Error> {
    let trimmed = value.trim_start_matches('/');
    if trimmed.is_empty() {
        return Err(Error::invalid_input("empty path"));
    }
    let segments = trimmed
        .split('/')
        .map(encode_segment)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Error::invalid_input(format!("`{value}` is not a valid repository path")))?;
    Ok(segments.join("/"))
}

/// A repository file path as one path segment (`/` escaped as `%2F`), as
/// GitLab's file API wants it. The path is checked like [`encode_path`]
/// first: the provider decodes `%2F` back, so a `..`, `.` or empty
/// segment would otherwise reach it.
pub fn encode_path_as_segment(value: &str) -> Result<String, Error> {
    encode_path(value)?;
    encode_segment(value.trim_start_matches('/'))
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// One entry of an RFC 8288 `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub rel: String,
}

/// Parses a `Link` header (`<url>; rel="next", <url>; rel="last"`).
pub fn parse_link_header(value: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let url = &rest[start + 1..start + end];
        let after = &rest[start + end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        for param in params.split(';') {
            let param = param.trim().trim_end_matches(',').trim();
            if let Some(rel) = param.strip_prefix("rel=") {
                for rel in rel.trim_matches('"').split_whitespace() {
                    links.push(Link {
                        url: url.to_owned(),
                        rel: rel.to_owned(),
                    });
                }
            }
        }
        rest = &after[params_end..];
    }
    links
}

/// The `rel="next"` URL of a `Link` header, if any.
pub fn next_link(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_link_header)
        .find(|link| link.rel == "next")
        .map(|link| link.url)
}

/// Default cap on a JSON response body (a page of 100 large items fits).
pub const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// Reads a bounded body and parses it as JSON. Empty bodies, bad JSON and
/// oversized bodies are all [`Error::MalformedResponse`].
pub async fn read_json<T: DeserializeOwned>(
    body: Body,
    limit: usize,
) -> Result<(T, RawJson), Error> {
    let bytes = body.collect(limit).await?;
    decode_json(bytes)
}

/// Decodes the typed value straight from an answer's bytes and keeps the
/// bytes as the raw answer kept in results (one parse, no tree).
pub fn decode_json<T: DeserializeOwned>(bytes: Bytes) -> Result<(T, RawJson), Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::malformed(
            "empty response body where JSON was expected",
        ));
    }
    RawJson::decode_with::<T>(bytes).map_err(json_error)
}

/// [`decode_json`] for a borrowed body (copies it once to keep it).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, RawJson), Error> {
    decode_json(Bytes::copy_from_slice(bytes))
}

/// A decoding error as the typed error: bad JSON, or JSON of another shape
/// than the schema.
pub fn json_error(err: serde_json::Error) -> Error {
    match err.classify() {
        serde_json::error::Category::Data => {
            Error::malformed(format!("unexpected JSON shape: {err}"))
        }
        _ => Error::from(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_escape() {
        assert_eq!(encode_segment("feature/x").unwrap(), "feature%2Fx");
        assert_eq!(encode_segment("a b?#%").unwrap(), "a%20b%3F%23%25");
        assert!(encode_segment("..").is_err());
        assert!(encode_segment("").is_err());
        assert_eq!(encode_path("src/main.rs").unwrap(), "src/main.rs");
        assert_eq!(encode_path("dir/na me.txt").unwrap(), "dir/na%20me.txt");
        assert!(encode_path("../../etc/passwd").is_err());
        assert!(encode_path("a/./b").is_err());
        assert!(encode_path("a//b").is_err());
        assert_eq!(encode_path("..%2F").unwrap(), "..%252F");
        assert_eq!(
            encode_path_as_segment("/src/a b.rs").unwrap(),
            "src%2Fa%20b.rs"
        );
        for bad in ["../etc/passwd", "a/../../b", "a/./b", "a//b", "..", ""] {
            assert!(encode_path_as_segment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn link_headers() {
        let value = r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#;
        let links = parse_link_header(value);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].url, "https://api.github.com/x?page=2");
        assert_eq!(links[1].rel, "last");
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::LINK, value.parse().unwrap());
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert!(parse_link_header("garbage <").is_empty());
    }

    #[test]
    fn json_errors_are_typed() {
        assert_eq!(
            parse_json::<u32>(b"").unwrap_err().code(),
            "provider_malformed_response"
        );
        assert_eq!(
            parse_json::<u32>(b"{").unwrap_err().code(),
            "provider_malformed_response"
        );
        assert_eq!(
            parse_json::<u32>(b"\"x\"").unwrap_err().code(),
            "provider_malformed_response"
        );
        assert_eq!(parse_json::<u32>(b"7").unwrap().0, 7);
    }
}
