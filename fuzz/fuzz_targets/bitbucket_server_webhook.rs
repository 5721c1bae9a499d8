//! Bitbucket Data Center webhook receiver: the unsigned
//! `diagnostics:ping`, the `X-Hub-Signature` check, then parsing of any
//! body. Input: the `X-Event-Key` value, a newline, the body (see
//! `scm_fuzz::HubSigned`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scm_bitbucket_server::webhooks::{
    BitbucketServerReceiver, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER,
};
use scm_core::events::WebhookReceiver;
use scm_core::Secret;
use scm_fuzz::{HubSigned, SECRET};

const DELIVERY: HubSigned = HubSigned {
    event_header: EVENT_HEADER,
    delivery_header: DELIVERY_HEADER,
    signature_header: SIGNATURE_HEADER,
};

fuzz_target!(|data: &[u8]| {
    let (headers, body) = DELIVERY.delivery(data, "repo:refs_changed");
    let _ = BitbucketServerReceiver.receive(&[Secret::new(SECRET)], &headers, body);
});
