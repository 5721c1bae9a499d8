//! GitHub webhook payloads from `@octokit/webhooks-examples`.
//!
//! Why: 329 payloads of 58 event types that GitHub sent to real endpoints,
//! collected by Octokit's maintainers; parsing all of them finds the fields
//! our types get wrong long before production does.
//!
//! The package ships `api.github.com/index.json`: an array of
//! `{ name, description, actions, properties, examples }`, one per event,
//! where `name` is the `X-GitHub-Event` value and `examples` holds the bare
//! payloads. There are no delivery headers or signatures, so
//! [`WebhookExample::delivery_headers`] builds them the way GitHub does.
//!
//! [`WebhookExample::payload_bytes`] is the payload as GitHub sends it:
//! compact JSON with keys in their original order, cut from the file rather
//! than re-serialized (re-serializing would sort keys).

use std::sync::OnceLock;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::Sha256;

use crate::paths;

/// One example delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookExample {
    /// `X-GitHub-Event`, e.g. `issues`.
    pub event: String,
    /// The payload's `action` (absent for events such as `push`).
    pub action: Option<String>,
    /// Position among the examples of this event, for naming test cases.
    pub index: usize,
    /// The payload, parsed.
    pub payload: Value,
    /// The payload as a compact JSON body, keys in original order.
    pub payload_bytes: Bytes,
}

impl WebhookExample {
    /// A stable name for test output, e.g. `issues.opened#2`.
    pub fn name(&self) -> String {
        match &self.action {
            Some(action) => format!("{}.{action}#{}", self.event, self.index),
            None => format!("{}#{}", self.event, self.index),
        }
    }

    /// Headers of a delivery of this payload signed with `secret`:
    /// `Content-Type`, `User-Agent`, `X-GitHub-Event`, `X-GitHub-Delivery`
    /// (a fixed, made-up id), `X-GitHub-Hook-ID`, `X-Hub-Signature-256`.
    pub fn delivery_headers(&self, secret: &[u8]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        let mut put = |name: &'static str, value: String| {
            headers.insert(
                name,
                http::HeaderValue::from_str(&value).expect("valid header value"),
            );
        };
        put("content-type", "application/json".to_owned());
        put("user-agent", "GitHub-Hookshot/0000000".to_owned());
        put("x-github-event", self.event.clone());
        put(
            "x-github-delivery",
            format!("00000000-0000-4000-8000-{:012}", self.index),
        );
        put("x-github-hook-id", "1000".to_owned());
        put(
            "x-hub-signature-256",
            signature_sha256(secret, &self.payload_bytes),
        );
        headers
    }
}

/// `sha256=<hex HMAC-SHA256 of body>`, the `X-Hub-Signature-256` value.
pub fn signature_sha256(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Every example payload for api.github.com, in file order (parsed once per
/// process).
///
/// # Panics
///
/// If `@octokit/webhooks-examples` is not installed.
pub fn examples() -> &'static [WebhookExample] {
    static EXAMPLES: OnceLock<Vec<WebhookExample>> = OnceLock::new();
    EXAMPLES.get_or_init(load)
}

/// The examples of one event type, e.g. `pull_request`.
pub fn examples_for(event: &str) -> Vec<&'static WebhookExample> {
    examples().iter().filter(|e| e.event == event).collect()
}

/// Distinct event names, in file order.
pub fn events() -> Vec<&'static str> {
    let mut names: Vec<&str> = Vec::new();
    for example in examples() {
        if names.last() != Some(&example.event.as_str()) {
            names.push(&example.event);
        }
    }
    names
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    name: String,
    #[serde(borrow)]
    examples: Vec<&'a RawValue>,
}

fn load() -> Vec<WebhookExample> {
    let file = paths::node_package("@octokit/webhooks-examples/api.github.com/index.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|err| panic!("read {}: {err}", file.display()));
    let events: Vec<RawEvent<'_>> =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", file.display()));
    let mut out = Vec::new();
    for event in events {
        for (index, raw) in event.examples.into_iter().enumerate() {
            let payload: Value = serde_json::from_str(raw.get()).expect("example is JSON");
            let action = payload
                .get("action")
                .and_then(Value::as_str)
                .map(str::to_owned);
            out.push(WebhookExample {
                event: event.name.clone(),
                action,
                index,
                payload,
                payload_bytes: Bytes::from(minify(raw.get())),
            });
        }
    }
    out
}

/// Remove whitespace outside strings; everything else is kept byte for byte.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_and_key_order() {
        let raw = "{\n  \"z\": \"a b\\\" c\",\n  \"a\": [1, 2]\n}";
        assert_eq!(minify(raw), r#"{"z":"a b\" c","a":[1,2]}"#);
    }

    #[test]
    fn signature_matches_githubs_documented_example() {
        // From GitHub's "Validating webhook deliveries" documentation.
        assert_eq!(
            signature_sha256(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
