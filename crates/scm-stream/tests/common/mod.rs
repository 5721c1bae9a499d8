//! Shared helpers for the behaviour suites.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use scm_core::events::{Event, EventEnvelope, PushAction, PushEvent};
use scm_stream::{EventQueue, JetStreamConfig, JetStreamQueue, SqliteConfig, SqliteQueue};

pub const NATS_URL: &str = "nats://127.0.0.1:4222";

/// One backend under test: opens (and re-opens, to simulate a restart)
/// queues on the same storage, and removes the storage at the end.
pub enum Backend {
    Sqlite { dir: tempfile::TempDir },
    Nats { config: JetStreamConfig },
}

impl Backend {
    pub fn sqlite() -> Self {
        Backend::Sqlite {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A fresh stream and subject prefix, so tests never see each other.
    pub fn nats() -> Self {
        let unique = format!("T{:016x}", rand::random::<u64>());
        let mut config = JetStreamConfig::new(NATS_URL);
        config.stream = format!("SCMTEST_{unique}");
        config.subject_prefix = format!("scmtest{unique}");
        Backend::Nats { config }
    }

    pub async fn open(&self) -> Arc<dyn EventQueue> {
        match self {
            Backend::Sqlite { dir } => Arc::new(
                SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db")))
                    .await
                    .expect("open sqlite queue"),
            ),
            Backend::Nats { config } => Arc::new(
                JetStreamQueue::connect(config.clone())
                    .await
                    .expect("connect to NATS JetStream on 127.0.0.1:4222"),
            ),
        }
    }

    /// Deletes the test's storage (NATS streams; the temp dir goes by itself).
    pub async fn cleanup(self) {
        if let Backend::Nats { config } = self {
            let queue = JetStreamQueue::connect(config).await.expect("connect");
            queue.destroy().await.expect("delete test streams");
        }
    }
}

pub fn push_envelope(delivery_id: &str) -> EventEnvelope {
    EventEnvelope::new(
        "github",
        delivery_id,
        "push",
        Bytes::from_static(b"{\"ref\":\"refs/heads/main\"}"),
        Event::Push(PushEvent {
            action: PushAction::Pushed,
            ref_name: "refs/heads/main".into(),
            before: None,
            after: Some("ec26c3e57ca3a959ca5aad62de7213c562f8c821".parse().unwrap()),
            forced: false,
            commits: vec![],
            compare_url: None,
            pusher: None,
            sender: None,
        }),
    )
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
