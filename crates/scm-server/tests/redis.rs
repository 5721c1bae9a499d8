//! Quota counters and request nonces on the real Redis at 127.0.0.1:6379.
//! Every test uses its own key prefix and deletes its keys; the "Redis is
//! down" cases point at a closed port instead of stopping anything.

use std::sync::Arc;

use async_trait::async_trait;
use metrics_util::debugging::DebuggingRecorder;
use scm_core::quota::{QuotaPolicy, QuotaSlot, QuotaStore, QuotaTransport};
use scm_core::telemetry::metric_name;
use scm_core::transport::{Body, HttpRequest, HttpResponse, RequestContext, Transport};
use scm_github::rate_limits::GitHubRateLimits;
use scm_server::nonces::NonceStore;
use scm_server::quota_store::{RedisNonceStore, RedisQuotaStore};

mod support;
use support::{clean, connection, counter, keys, prefix, raw, with_recorder, CLOSED, REDIS};

struct Ok200;

#[async_trait]
impl Transport for Ok200 {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, scm_core::Error> {
        Ok(http::Response::builder()
            .status(200)
            .body(Body::empty())
            .unwrap())
    }
}

fn request(referrer: &str) -> HttpRequest {
    let mut request = http::Request::builder()
        .uri("http://127.0.0.1:9/")
        .body(Default::default())
        .unwrap();
    request.extensions_mut().insert(RequestContext {
        referrer: referrer.to_owned(),
        idempotent: true,
    });
    request
}

#[tokio::test]
async fn script_counts_within_the_limit_and_expires_with_the_window() {
    let prefix = prefix("slot");
    let store = RedisQuotaStore::new(connection(REDIS), prefix.clone());
    let slot = QuotaSlot {
        key: "scm:quota:b:1:shared".into(),
        limit: 3,
        ttl: std::time::Duration::from_secs(60),
    };
    assert!(store.try_acquire(&slot, 2).await.unwrap());
    assert!(!store.try_acquire(&slot, 2).await.unwrap(), "2 + 2 > 3");
    assert!(store.try_acquire(&slot, 1).await.unwrap());
    assert!(!store.try_acquire(&slot, 1).await.unwrap());
    let key = format!("{prefix}{}", slot.key);
    let mut redis = raw().await;
    let count: u64 = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(count, 3, "refusals do not count");
    assert!(ttl > 50_000 && ttl <= 60_000, "ttl {ttl}");
    clean(&prefix).await;
}

#[tokio::test]
async fn allocated_referrer_exhausts_its_share_while_others_pass() {
    let prefix = prefix("alloc");
    let policy = QuotaPolicy {
        default_capacity: 10,
        allocations: [("noisy".to_owned(), 0.3)].into(),
        ..QuotaPolicy::default()
    };
    // Two servers sharing one Redis share one count.
    let server = |policy: QuotaPolicy| {
        QuotaTransport::new(
            Ok200,
            "github:test",
            policy,
            Arc::new(RedisQuotaStore::new(connection(REDIS), prefix.clone())),
            Arc::new(GitHubRateLimits),
        )
    };
    let (a, b) = (server(policy.clone()), server(policy));
    a.send(request("noisy")).await.unwrap();
    b.send(request("noisy")).await.unwrap();
    a.send(request("noisy")).await.unwrap();
    let refused = b.send(request("noisy")).await.unwrap_err();
    assert_eq!(refused.code(), "rate_limit_exceeded");
    // The shared pool (7 units) still serves everybody else.
    for i in 0..7 {
        let server = if i % 2 == 0 { &a } else { &b };
        server.send(request("another")).await.unwrap();
    }
    assert_eq!(
        a.send(request("another")).await.unwrap_err().code(),
        "rate_limit_exceeded"
    );
    assert_eq!(keys(&prefix).await.len(), 2, "one key per pool");
    clean(&prefix).await;
}

#[test]
fn unreachable_redis_fails_open_and_is_counted() {
    let recorder = DebuggingRecorder::new();
    let started = std::time::Instant::now();
    with_recorder(&recorder, async {
        let quota = QuotaTransport::new(
            Ok200,
            "github:test",
            QuotaPolicy {
                default_capacity: 1,
                ..QuotaPolicy::default()
            },
            Arc::new(RedisQuotaStore::new(connection(CLOSED), "unused:")),
            Arc::new(GitHubRateLimits),
        );
        // Beyond the capacity of 1: the store cannot say no, so all pass.
        for _ in 0..3 {
            quota.send(request("shared")).await.unwrap();
        }
    });
    assert_eq!(
        counter(&recorder, &metric_name("quota.store_unavailable")),
        3
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "a dead Redis must not hold requests: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn nonce_replayed_to_another_server_is_refused() {
    let prefix = prefix("nonce");
    let server_a = RedisNonceStore::new(connection(REDIS), prefix.clone());
    let server_b = RedisNonceStore::new(connection(REDIS), prefix.clone());
    let now = scm_server::signing::unix_now();
    assert!(
        server_a
            .insert("key_1:nonce-aaaa".into(), now, now + 301)
            .await
    );
    assert!(
        !server_b
            .insert("key_1:nonce-aaaa".into(), now, now + 301)
            .await
    );
    assert!(
        !server_a
            .insert("key_1:nonce-aaaa".into(), now, now + 301)
            .await
    );
    assert!(
        server_b
            .insert("key_1:nonce-bbbb".into(), now, now + 301)
            .await
    );
    let mut redis = raw().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}key_1:nonce-aaaa"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(ttl > 290_000 && ttl <= 301_000, "ttl {ttl}");
    clean(&prefix).await;
}

#[test]
fn nonce_store_falls_back_to_this_server_when_redis_is_down() {
    let recorder = DebuggingRecorder::new();
    with_recorder(&recorder, async {
        let store = RedisNonceStore::new(connection(CLOSED), "unused:");
        let now = scm_server::signing::unix_now();
        assert!(store.insert("k:n1".into(), now, now + 301).await);
        assert!(
            !store.insert("k:n1".into(), now, now + 301).await,
            "still refused locally"
        );
    });
    assert_eq!(
        counter(&recorder, &metric_name("rpc.nonce_store_unavailable")),
        2
    );
}
