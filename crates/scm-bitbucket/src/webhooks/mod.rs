//! Bitbucket Cloud webhooks: verify the raw delivery
//! (`X-Hub-Signature: sha256=…`), then parse it by its `X-Event-Key` into
//! a neutral event. `X-Request-UUID` is the delivery id.
//!
//! ```text
//! webhooks::verify(&headers, &body, &secrets)?;            // constant time
//! match webhooks::parse(event_key, &body)? {
//!     Parsed::Event(parsed) => { /* enqueue parsed.event */ }
//!     Parsed::Unsupported(key) => { /* count and skip */ }
//! }
//! ```

mod parse;
mod payloads;
mod receiver;
mod verify;

pub use parse::{parse, ParseError, Parsed, ParsedEvent};
pub use receiver::{BitbucketReceiver, DELIVERY_HEADER, EVENT_HEADER};
pub use verify::{verify, SIGNATURE_HEADER};
