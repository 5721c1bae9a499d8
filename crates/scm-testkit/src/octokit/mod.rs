//! Real GitHub traffic recorded by `@octokit/fixtures`.
//!
//! Why: these are responses GitHub actually sent (status, headers, bodies,
//! redirects, pagination links, error documents), recorded by Octokit's
//! maintainers, so parsing them checks our code against GitHub rather than
//! against our own idea of GitHub.
//!
//! Each scenario is `scenarios/api.github.com/<name>/normalized-fixture.json`:
//! a nock recording, that is a JSON array of interactions with `scope`,
//! `method`, `path`, `body`, `status`, `response`, `reqheaders`, `headers` and
//! `responseIsBinary`. Quirks the loader deals with:
//! - `method` is lower case; header names are lower case; some header values
//!   are JSON numbers (`content-length`, `x-ratelimit-used`).
//! - `body` is `""` when the request had none, a JSON value when it was JSON,
//!   and a plain string for other bodies (`text/plain` uploads).
//! - `response` is a JSON value for JSON answers and a string otherwise
//!   (`""` for 204/302, HTML, raw file content). When `responseIsBinary` is
//!   true the string is the body in hex (the `get-archive` tarball).
//! - Recordings span several hosts: `api.github.com`, `uploads.github.com`
//!   (release assets) and `codeload.github.com` (archives).
//! - They were normalized: ids are 1000, 1001…, shas `000…1`, dates
//!   2017-10-10, and `x-ratelimit-reset` is in milliseconds.
//!
//! [`ReplayServer`] serves a scenario over HTTP.

mod replay;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::paths;

pub use replay::{ReceivedRequest, ReplayServer, UnmatchedRequest, UNMATCHED_STATUS};

/// One recorded scenario, e.g. `paginate-issues`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Folder name under `scenarios/api.github.com/`.
    pub name: String,
    /// Request/response pairs in the order they were recorded.
    pub interactions: Vec<Interaction>,
}

/// One recorded request and the response GitHub sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// Origin with port as recorded, e.g. `https://api.github.com:443`.
    pub scope: String,
    /// Request method.
    pub method: http::Method,
    /// Request path with query string, as sent.
    pub path: String,
    /// Request body.
    pub body: RecordedBody,
    /// Request headers as recorded (names lower case).
    pub reqheaders: BTreeMap<String, String>,
    /// Response status.
    pub status: u16,
    /// Response headers as recorded (names lower case).
    pub headers: BTreeMap<String, String>,
    /// Response body as stored: a JSON value, or a string (hex if
    /// `response_is_binary`).
    pub response: Value,
    /// Whether `response` is hex-encoded bytes.
    pub response_is_binary: bool,
}

/// A recorded request body.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedBody {
    /// No body (stored as `""`).
    Empty,
    /// A JSON body, stored parsed.
    Json(Value),
    /// Any other body, stored as text.
    Text(String),
}

impl Interaction {
    /// Scheme and host without the default port, e.g. `https://api.github.com`.
    pub fn origin(&self) -> String {
        origin_of(&self.scope)
    }

    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        self.path.split_once('?').map_or(&self.path, |(p, _)| p)
    }

    /// The query string, if any, without `?`.
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, q)| q)
    }

    /// The response body as the bytes GitHub sent (hex decoded for binary
    /// responses, JSON serialized for JSON ones).
    pub fn response_bytes(&self) -> Vec<u8> {
        match &self.response {
            Value::String(text) if self.response_is_binary => hex::decode(text)
                .unwrap_or_else(|err| panic!("binary response of {} is not hex: {err}", self.path)),
            Value::String(text) => text.clone().into_bytes(),
            Value::Null => Vec::new(),
            json => serde_json::to_vec(json).expect("serialize JSON"),
        }
    }

    /// The response body if it is JSON (an object or array).
    pub fn response_json(&self) -> Option<&Value> {
        matches!(self.response, Value::Object(_) | Value::Array(_)).then_some(&self.response)
    }

    /// A response header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

impl Scenario {
    /// Load `scenarios/api.github.com/<name>/normalized-fixture.json`.
    ///
    /// # Panics
    ///
    /// If `@octokit/fixtures` is not installed, the scenario does not exist
    /// (the message lists those that do), or the file cannot be read.
    pub fn load(name: &str) -> Scenario {
        let file = scenarios_dir().join(name).join("normalized-fixture.json");
        if !file.is_file() {
            panic!(
                "no octokit fixture scenario {name:?}; available: {}",
                list_scenarios().join(", ")
            );
        }
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|err| panic!("read {}: {err}", file.display()));
        let raw: Vec<RawInteraction> = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("parse {}: {err}", file.display()));
        Scenario {
            name: name.to_owned(),
            interactions: raw.into_iter().map(Interaction::from).collect(),
        }
    }

    /// Every scenario, sorted by name.
    pub fn load_all() -> Vec<Scenario> {
        list_scenarios().iter().map(|n| Scenario::load(n)).collect()
    }

    /// Distinct origins the scenario talks to, e.g. `https://api.github.com`.
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self.interactions.iter().map(|i| i.origin()).collect();
        origins.sort();
        origins.dedup();
        origins
    }
}

/// `node_modules/@octokit/fixtures/scenarios/api.github.com`.
///
/// # Panics
///
/// If `@octokit/fixtures` is not installed.
pub fn scenarios_dir() -> PathBuf {
    paths::node_package("@octokit/fixtures/scenarios/api.github.com")
}

/// Names of all recorded scenarios, sorted.
pub fn list_scenarios() -> Vec<String> {
    let dir = scenarios_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("read {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("normalized-fixture.json").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn origin_of(scope: &str) -> String {
    scope
        .strip_suffix(":443")
        .filter(|_| scope.starts_with("https://"))
        .or_else(|| {
            scope
                .strip_suffix(":80")
                .filter(|_| scope.starts_with("http://"))
        })
        .unwrap_or(scope)
        .to_owned()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawInteraction {
    scope: String,
    method: String,
    path: String,
    #[serde(default)]
    body: Value,
    status: u16,
    #[serde(default)]
    response: Value,
    #[serde(default)]
    reqheaders: BTreeMap<String, Value>,
    #[serde(default)]
    headers: BTreeMap<String, Value>,
    #[serde(default)]
    response_is_binary: bool,
}

impl From<RawInteraction> for Interaction {
    fn from(raw: RawInteraction) -> Self {
        let body = match raw.body {
            Value::Null => RecordedBody::Empty,
            Value::String(s) if s.is_empty() => RecordedBody::Empty,
            Value::String(s) => RecordedBody::Text(s),
            json => RecordedBody::Json(json),
        };
        Interaction {
            scope: raw.scope,
            method: http::Method::from_bytes(raw.method.to_ascii_uppercase().as_bytes())
                .unwrap_or_else(|_| panic!("bad method {:?}", raw.method)),
            path: raw.path,
            body,
            reqheaders: header_strings(raw.reqheaders),
            status: raw.status,
            headers: header_strings(raw.headers),
            response: raw.response,
            response_is_binary: raw.response_is_binary,
        }
    }
}

fn header_strings(headers: BTreeMap<String, Value>) -> BTreeMap<String, String> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (name.to_ascii_lowercase(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_drops_default_ports_only() {
        assert_eq!(
            origin_of("https://api.github.com:443"),
            "https://api.github.com"
        );
        assert_eq!(origin_of("http://localhost:80"), "http://localhost");
        assert_eq!(origin_of("http://localhost:3000"), "http://localhost:3000");
    }

    #[test]
    fn loads_every_scenario() {
        let all = Scenario::load_all();
        assert!(all.len() >= 20, "only {} scenarios", all.len());
        for scenario in &all {
            assert!(
                !scenario.interactions.is_empty(),
                "{} is empty",
                scenario.name
            );
            for i in &scenario.interactions {
                // Decoding must not panic, binary or not.
                let _ = i.response_bytes();
            }
        }
    }

    #[test]
    fn binary_archive_is_hex_decoded() {
        let scenario = Scenario::load("get-archive");
        let archive = scenario
            .interactions
            .iter()
            .find(|i| i.response_is_binary)
            .expect("a binary response");
        let bytes = archive.response_bytes();
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
        assert_eq!(
            archive.header("content-length"),
            Some(bytes.len().to_string().as_str())
        );
    }
}
