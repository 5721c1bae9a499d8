//! GitLab webhook receiver: token and Standard Webhooks signature checks,
//! then parsing of any body. Input: the `X-Gitlab-Event` value, a
//! newline, the body. Lines starting with `webhook-timestamp:` before the
//! event exercise the signed-webhook path (timestamps of any value).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use scm_core::events::WebhookReceiver;
use scm_core::Secret;

const SECRET: &str = "fuzz-webhook-secret";

fuzz_target!(|data: &[u8]| {
    let (mut event, mut body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"Push Hook"[..], data),
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-gitlab-event-uuid",
        http::HeaderValue::from_static("13792a34-cac6-4fda-95a8-c58e00a3954e"),
    );
    if let Some(timestamp) = event.strip_prefix(b"webhook-timestamp:") {
        let timestamp = String::from_utf8_lossy(timestamp).trim().to_owned();
        if let Ok(value) = timestamp.parse() {
            headers.insert("webhook-timestamp", value);
        }
        headers.insert("webhook-id", http::HeaderValue::from_static("msg_fuzz"));
        let parsed: i64 = timestamp.parse().unwrap_or(0);
        let signature =
            scm_gitlab::webhooks::signature_header(&Secret::new(SECRET), "msg_fuzz", parsed, body);
        headers.insert("webhook-signature", signature.parse().unwrap());
        (event, body) = match body.iter().position(|&b| b == b'\n') {
            Some(at) => (&body[..at], &body[at + 1..]),
            None => (&b"Push Hook"[..], body),
        };
    } else {
        headers.insert("x-gitlab-token", http::HeaderValue::from_static(SECRET));
    }
    if let Ok(value) = http::HeaderValue::from_bytes(event) {
        headers.insert("x-gitlab-event", value);
    }
    let receiver = scm_gitlab::webhooks::GitLabReceiver;
    let _ = receiver.receive(
        &[Secret::new(SECRET)],
        &headers,
        Bytes::copy_from_slice(body),
    );
});
