//! GitLab webhooks: verification (and, once the neutral event model
//! exists, parsing).

mod verify;

pub use verify::{
    signature_header, verify, verify_at, Verified, VerifyError, TIMESTAMP_TOLERANCE_SECS,
};
