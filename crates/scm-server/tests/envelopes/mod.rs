//! Neutral events for the registry tests that record deliveries
//! (`delivery_history.rs`, `console.rs`).

use bytes::Bytes;
use scm_core::events::{Event, EventEnvelope, PushAction, PushEvent};

/// A GitHub push to `main` with delivery id `delivery_id`, received now.
pub fn push(delivery_id: &str) -> EventEnvelope {
    EventEnvelope::new(
        "github",
        delivery_id,
        "push",
        Bytes::from_static(b"{\"raw\":\"body\"}"),
        Event::Push(PushEvent {
            action: PushAction::Pushed,
            ref_name: "refs/heads/main".into(),
            before: None,
            after: None,
            forced: false,
            commits: vec![],
            compare_url: None,
            pusher: None,
            sender: None,
        }),
    )
}
