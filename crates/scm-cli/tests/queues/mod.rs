//! The queue of one end-to-end test (`durability.rs`, `recovery.rs`,
//! `delivery_history.rs`): the environment `scm serve` and `scm worker`
//! share, the `SCM_QUEUE_*` settings that point
//! `scm serve` and `scm worker` at a SQLite file or at a JetStream stream
//! of its own, a guard that deletes the stream whatever happens, and
//! [`on_each_queue!`], which makes one test per backend of a scenario.

use std::path::Path;

use scm_stream::{JetStreamConfig, JetStreamQueue};

/// Two `#[tokio::test]`s running `$run(dir: &Path, queue_env)`: one on a
/// SQLite queue in a fresh directory, one on a JetStream stream named
/// after `$stream` (deleted afterwards).
macro_rules! on_each_queue {
    ($sqlite:ident, $nats:ident, $run:path, $stream:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let dir = tempfile::tempdir().unwrap();
            let queue = queues::sqlite_queue(dir.path());
            $run(dir.path(), queue).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $nats() {
            let dir = tempfile::tempdir().unwrap();
            let (queue, _stream) = queues::nats_queue($stream);
            $run(dir.path(), queue).await;
        }
    };
}

/// The environment `scm serve` and `scm worker` share in an end-to-end
/// test: a fresh secret key, a SQLite registry in `dir`, warnings only in
/// the logs, then `more` (webhook secrets, the queue's settings).
pub fn process_env(
    dir: &Path,
    more: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    [
        (
            "SCM_SECRET_KEY".to_owned(),
            scm_server::crypto::SecretBox::generate_key()
                .expose()
                .to_owned(),
        ),
        (
            "SCM_DATABASE_URL".to_owned(),
            format!("sqlite://{}", dir.join("registry.db").display()),
        ),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
    ]
    .into_iter()
    .chain(more)
    .collect()
}

/// The environment of a SQLite queue in `dir`.
pub fn sqlite_queue(dir: &Path) -> Vec<(String, String)> {
    vec![
        ("SCM_QUEUE_BACKEND".to_owned(), "sqlite".to_owned()),
        (
            "SCM_QUEUE_PATH".to_owned(),
            dir.join("events.db").display().to_string(),
        ),
    ]
}

/// Deletes the stream when dropped, from a runtime of its own (a test's
/// runtime may already be shutting down).
pub struct StreamGuard(Option<JetStreamConfig>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if let Some(config) = self.0.take() {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    if let Ok(queue) = JetStreamQueue::connect(config).await {
                        let _ = queue.destroy().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The environment of a NATS queue on 127.0.0.1:4222 whose stream is
/// `<STREAM>_<unique>` and subjects `<stream><unique>.…` (unique to this
/// process and moment, so parallel and earlier runs never share one), and
/// the guard that deletes it.
pub fn nats_queue(stream: &str) -> (Vec<(String, String)>, StreamGuard) {
    let unique = format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut config = JetStreamConfig::new("nats://127.0.0.1:4222");
    config.stream = format!("{}_{unique}", stream.to_ascii_uppercase());
    config.subject_prefix = format!("{}{unique}", stream.to_ascii_lowercase());
    let env = vec![
        ("SCM_QUEUE_BACKEND".to_owned(), "nats".to_owned()),
        ("SCM_QUEUE_URL".to_owned(), config.url.clone()),
        ("SCM_QUEUE_STREAM".to_owned(), config.stream.clone()),
        (
            "SCM_QUEUE_SUBJECT_PREFIX".to_owned(),
            config.subject_prefix.clone(),
        ),
    ];
    (env, StreamGuard(Some(config)))
}
