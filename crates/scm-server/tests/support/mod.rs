//! What the Redis-backed tests share: the Redis they use, unique key
//! prefixes, clean-up, and counters seen through a local recorder.

#![allow(dead_code)]

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use scm_core::Secret;
use scm_server::quota_store::RedisConnection;

pub const REDIS: &str = "redis://127.0.0.1:6379";
/// Nothing listens there: connections are refused at once.
pub const CLOSED: &str = "redis://127.0.0.1:1";

pub fn prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("scm-test:{test}:{}:{nanos}:", std::process::id())
}

pub fn connection(url: &str) -> RedisConnection {
    RedisConnection::new(&Secret::new(url)).unwrap()
}

/// A plain client for looking at and cleaning up the keys.
pub async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis on 127.0.0.1:6379")
}

pub async fn keys(prefix: &str) -> Vec<String> {
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut raw().await)
        .await
        .unwrap()
}

pub async fn clean(prefix: &str) {
    let found = keys(prefix).await;
    if !found.is_empty() {
        let _: i64 = redis::cmd("DEL")
            .arg(&found)
            .query_async(&mut raw().await)
            .await
            .unwrap();
    }
}

pub fn counter(recorder: &DebuggingRecorder, name: &str) -> u64 {
    recorder
        .snapshotter()
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == name)
        .map(|(.., value)| match value {
            DebugValue::Counter(n) => n,
            _ => 0,
        })
        .sum()
}

/// Runs `future` on a current-thread runtime with a local recorder, so the
/// counters it increments are seen here and nowhere else.
pub fn with_recorder<F: std::future::Future>(recorder: &DebuggingRecorder, future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(recorder, || runtime.block_on(future))
}
