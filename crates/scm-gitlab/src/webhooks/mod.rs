//! GitLab webhooks: verify the raw delivery, then parse it into a neutral
//! event.
//!
//! ```text
//! webhooks::verify(&headers, &body, &secrets)?;            // constant time
//! match webhooks::parse(event_header, &body)? {
//!     Parsed::Event(parsed) => { /* enqueue parsed.event */ }
//!     Parsed::Unsupported(why) => { /* count and skip */ }
//! }
//! ```

mod parse;
mod payloads;
mod receiver;
mod verify;

pub use parse::{delivery_id, event_header, parse, ParseError, Parsed, ParsedEvent, Unsupported};
pub use receiver::{GitLabReceiver, PROVIDER};
pub use verify::{
    signature_header, verify, verify_at, Verified, VerifyError, TIMESTAMP_TOLERANCE_SECS,
};
