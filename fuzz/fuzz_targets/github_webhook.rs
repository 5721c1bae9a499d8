//! GitHub webhook receiver: verification then parsing of any body.
//! Input: the `X-GitHub-Event` value, a newline, the body. The body is
//! signed with the fuzz secret so the parser behind the signature check is
//! reached; a flipped first byte also sends it unsigned.
#![no_main]

use bytes::Bytes;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use scm_core::events::WebhookReceiver;
use scm_core::Secret;

const SECRET: &str = "fuzz-webhook-secret";

fuzz_target!(|data: &[u8]| {
    let (event, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"push"[..], data),
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(event) {
        headers.insert("x-github-event", value);
    }
    headers.insert(
        "x-github-delivery",
        http::HeaderValue::from_static("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    );
    let signed = !event.starts_with(b"!");
    if signed {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body);
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        headers.insert("x-hub-signature-256", signature.parse().unwrap());
    }
    let receiver = scm_github::webhooks::GitHubReceiver::new();
    let _ = receiver.receive(
        &[Secret::new(SECRET)],
        &headers,
        Bytes::copy_from_slice(body),
    );
});
