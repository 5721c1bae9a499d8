//! Data Center webhooks: verify the raw delivery, then parse it into
//! neutral events.
//!
//! ```text
//! webhooks::verify(&headers, &body, &secrets)?;      // constant time
//! match webhooks::parse(event_key, &body)? {
//!     Parsed::Events(events) => { /* one per changed ref or one */ }
//!     Parsed::Unsupported { .. } => { /* count and skip */ }
//! }
//! ```

mod parse;
mod payloads;
mod receiver;
mod verify;

pub use parse::{body_event_key, parse, ParseError, Parsed, ParsedEvent};
pub use receiver::{BitbucketServerReceiver, DELIVERY_HEADER, EVENT_HEADER, PING};
pub use verify::{refusal_code, verify, SIGNATURE_HEADER};
