//! The shared conditional-request cache on the real Redis at
//! 127.0.0.1:6379, through the real provider stacks (`connect_over`):
//! revalidation, tenant isolation, coalescing, sharing between servers,
//! Redis failure, provider-specific quota accounting and `no-store`.
//!
//! The provider side is our own stub (below), written to GitHub's
//! documented conditional-request behaviour: an `ETag` per resource, `304`
//! on a matching `If-None-Match` without decrementing
//! `x-ratelimit-remaining`, a `200` that decrements it. Every test uses its
//! own Redis key prefix and deletes its keys.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use metrics_util::debugging::DebuggingRecorder;
use scm_core::actions::ActionName;
use scm_core::cache::{CacheOptions, CacheStore};
use scm_core::layers::ConnectOptions;
use scm_core::quota::{QuotaPolicy, QuotaStore, QuotaTransport};
use scm_core::registration::{connect_over, IntegrationSpec};
use scm_core::registry::RepositoryRecord;
use scm_core::telemetry::metric_name;
use scm_core::transport::{Body, HttpRequest, HttpResponse, RequestContext, Transport};
use scm_core::{AnyAction, CallContext, Credential, Response, Secret};
use scm_server::cache_store::RedisCacheStore;
use scm_server::quota_store::RedisQuotaStore;

mod support;
use support::{clean, connection, counter, prefix, with_recorder, CLOSED, REDIS};

fn redis_cache(prefix: &str, url: &str) -> CacheOptions {
    let store: Arc<dyn CacheStore> = Arc::new(RedisCacheStore::new(
        connection(url),
        prefix,
        Duration::from_secs(60),
    ));
    CacheOptions::new(store)
}

/// Our stub of GitHub's issue endpoint (see the module comment). The body
/// names the resource's version and the token that asked, so a test sees
/// exactly whose data it got.
#[derive(Default)]
struct StubGitHub {
    version: AtomicU64,
    full: AtomicU64,
    not_modified: AtomicU64,
    /// `If-None-Match` values received, in order (`None`: unconditional).
    conditions: Mutex<Vec<Option<String>>>,
    delay: Option<Duration>,
    no_store: bool,
}

impl StubGitHub {
    fn etag(&self) -> String {
        // The same ETag for every tenant: isolation must not rely on it.
        format!("\"v{}\"", self.version.load(Ordering::SeqCst))
    }
}

#[async_trait]
impl Transport for StubGitHub {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, scm_core::Error> {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        let condition = request
            .headers()
            .get("if-none-match")
            .map(|v| v.to_str().unwrap().to_owned());
        self.conditions.lock().unwrap().push(condition.clone());
        let etag = self.etag();
        let builder = http::Response::builder()
            .header("etag", &etag)
            .header("vary", "Accept, Authorization")
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-reset", "9999999999");
        if condition.as_deref() == Some(etag.as_str()) {
            let remaining = 5000 - self.full.load(Ordering::SeqCst);
            self.not_modified.fetch_add(1, Ordering::SeqCst);
            return Ok(builder
                .status(304)
                .header("x-ratelimit-remaining", remaining.to_string())
                .body(Body::empty())
                .unwrap());
        }
        let used = self.full.fetch_add(1, Ordering::SeqCst) + 1;
        let token = request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().rsplit(' ').next().unwrap().to_owned())
            .unwrap_or_default();
        let body = serde_json::json!({
            "id": 1, "node_id": "I_1", "number": 1,
            "title": format!("{token} v{}", self.version.load(Ordering::SeqCst)),
            "body": "", "state": "open",
            "html_url": "https://github.com/octocat/hello-world/issues/1",
            "user": { "login": "octocat", "id": 1, "type": "User",
                      "avatar_url": "https://github.com/a.png", "html_url": "https://github.com/octocat" },
            "labels": [], "assignees": [],
            "created_at": "2011-04-22T13:33:48Z", "updated_at": "2011-04-22T13:33:48Z", "closed_at": null
        });
        let mut builder = builder
            .status(200)
            .header("content-type", "application/json")
            .header("x-ratelimit-remaining", (5000 - used).to_string());
        if self.no_store {
            builder = builder.header("cache-control", "no-store");
        }
        Ok(builder
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap())
    }
}

/// A GitHub provider for integration `integration` with `token`, over
/// `stub`, with every layer `connect` applies.
fn github(
    stub: &Arc<StubGitHub>,
    integration: u32,
    token: &str,
    cache: Option<CacheOptions>,
    quota: Option<(QuotaPolicy, Arc<dyn QuotaStore>)>,
) -> Arc<dyn scm_core::Provider> {
    let registration = scm_providers::find("github").unwrap();
    let spec = IntegrationSpec {
        api_url: Some("http://127.0.0.1:9".into()),
        web_url: Some("https://github.com".into()),
        credential: Credential::Token {
            token: Secret::new(token),
        },
    };
    let mut options = ConnectOptions {
        quota_bucket: Some(format!("integration:{integration}")),
        cache,
        ..ConnectOptions::default()
    };
    if let Some((policy, store)) = quota {
        options.quota = policy;
        options.quota_store = store;
    }
    connect_over(registration, &spec, options, stub.clone())
        .unwrap()
        .provider
}

/// `get_issue` #1: its title, or `None` for *not modified*, and whether the
/// answer was revalidated.
async fn read(
    provider: &Arc<dyn scm_core::Provider>,
    if_none_match: Option<&str>,
) -> (Option<String>, bool) {
    let mut ctx = CallContext::new(
        Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
        "tests",
    );
    ctx.options.if_none_match = if_none_match.map(str::to_owned);
    let action = AnyAction::from_json(
        "get_issue".parse::<ActionName>().unwrap(),
        serde_json::json!({ "issue_id": "1" }),
    )
    .unwrap();
    match provider.execute(action, &ctx).await.unwrap() {
        Response::Ok(result) => {
            let data = result.data.into_json().unwrap();
            (
                Some(data["title"].as_str().unwrap().to_owned()),
                result.meta.revalidated,
            )
        }
        Response::NotModified { meta, .. } => (None, meta.revalidated),
    }
}

#[tokio::test]
async fn repeated_reads_are_revalidated_and_always_current() {
    let prefix = prefix("revalidate");
    let stub = Arc::new(StubGitHub::default());
    let provider = github(&stub, 1, "tok-a", Some(redis_cache(&prefix, REDIS)), None);
    assert_eq!(
        read(&provider, None).await,
        (Some("tok-a v0".into()), false)
    );
    for _ in 0..3 {
        assert_eq!(read(&provider, None).await, (Some("tok-a v0".into()), true));
    }
    assert_eq!(stub.full.load(Ordering::SeqCst), 1);
    assert_eq!(stub.not_modified.load(Ordering::SeqCst), 3);
    // The resource changes: the next read has the new version at once.
    stub.version.store(1, Ordering::SeqCst);
    assert_eq!(
        read(&provider, None).await,
        (Some("tok-a v1".into()), false)
    );
    assert_eq!(read(&provider, None).await, (Some("tok-a v1".into()), true));
    // A caller's own validator passes through: its 304 is *not modified*.
    assert_eq!(read(&provider, Some("\"v1\"")).await, (None, false));
    assert_eq!(
        stub.conditions.lock().unwrap().last().unwrap().as_deref(),
        Some("\"v1\"")
    );
    clean(&prefix).await;
}

#[tokio::test]
async fn two_integrations_reading_one_url_never_see_each_other() {
    let prefix = prefix("tenants");
    let stub = Arc::new(StubGitHub::default());
    let cache = redis_cache(&prefix, REDIS);
    let first = github(&stub, 1, "tok-a", Some(cache.clone()), None);
    let second = github(&stub, 2, "tok-b", Some(cache), None);
    assert_eq!(read(&first, None).await.0.unwrap(), "tok-a v0");
    // Same URL, same ETag at the provider: the second integration still
    // makes an unconditional request and gets its own data.
    assert_eq!(read(&second, None).await, (Some("tok-b v0".into()), false));
    assert_eq!(*stub.conditions.lock().unwrap(), [None, None]);
    assert_eq!(read(&second, None).await, (Some("tok-b v0".into()), true));
    assert_eq!(read(&first, None).await, (Some("tok-a v0".into()), true));
    clean(&prefix).await;
}

#[tokio::test]
async fn concurrent_identical_reads_make_one_provider_request() {
    let prefix = prefix("coalesce");
    let stub = Arc::new(StubGitHub {
        delay: Some(Duration::from_millis(300)),
        ..StubGitHub::default()
    });
    let provider = github(&stub, 1, "tok-a", Some(redis_cache(&prefix, REDIS)), None);
    let reads: Vec<_> = (0..10)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { read(&provider, None).await })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().0.unwrap(), "tok-a v0");
    }
    assert_eq!(stub.conditions.lock().unwrap().len(), 1);
    clean(&prefix).await;
}

#[tokio::test]
async fn servers_sharing_redis_revalidate_each_other_s_entries() {
    let prefix = prefix("shared");
    let stub = Arc::new(StubGitHub::default());
    // Two servers: separate stacks and connections, one Redis.
    let server_a = github(&stub, 7, "tok-a", Some(redis_cache(&prefix, REDIS)), None);
    let server_b = github(&stub, 7, "tok-a", Some(redis_cache(&prefix, REDIS)), None);
    assert_eq!(
        read(&server_a, None).await,
        (Some("tok-a v0".into()), false)
    );
    assert_eq!(read(&server_b, None).await, (Some("tok-a v0".into()), true));
    assert_eq!(stub.full.load(Ordering::SeqCst), 1);
    clean(&prefix).await;
}

#[test]
fn an_unreachable_redis_means_no_cache_never_an_error() {
    let recorder = DebuggingRecorder::new();
    let stub = Arc::new(StubGitHub::default());
    with_recorder(&recorder, async {
        let provider = github(
            &stub,
            1,
            "tok-a",
            Some(redis_cache("unused:", CLOSED)),
            None,
        );
        for _ in 0..3 {
            assert_eq!(
                read(&provider, None).await,
                (Some("tok-a v0".into()), false)
            );
        }
    });
    assert_eq!(stub.full.load(Ordering::SeqCst), 3);
    assert!(counter(&recorder, &metric_name("cache.store_unavailable")) >= 3);
}

#[tokio::test]
async fn no_store_answers_are_not_kept() {
    let prefix = prefix("no-store");
    let stub = Arc::new(StubGitHub {
        no_store: true,
        ..StubGitHub::default()
    });
    let provider = github(&stub, 1, "tok-a", Some(redis_cache(&prefix, REDIS)), None);
    for _ in 0..2 {
        assert_eq!(
            read(&provider, None).await,
            (Some("tok-a v0".into()), false)
        );
    }
    assert_eq!(*stub.conditions.lock().unwrap(), [None, None]);
    clean(&prefix).await;
}

/// Answers `304` to everything, with no rate-limit headers.
struct AlwaysNotModified;

#[async_trait]
impl Transport for AlwaysNotModified {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, scm_core::Error> {
        Ok(http::Response::builder()
            .status(304)
            .body(Body::empty())
            .unwrap())
    }
}

/// How many of five `304`s a referrer allowed two units gets through,
/// with the named provider's accounting and quota counters in Redis.
async fn not_modified_admitted(provider: &str) -> usize {
    let prefix = prefix(provider);
    let quota = QuotaTransport::new(
        AlwaysNotModified,
        "integration:1",
        QuotaPolicy {
            default_capacity: 2,
            ..QuotaPolicy::default()
        },
        Arc::new(RedisQuotaStore::new(connection(REDIS), prefix.clone())),
        scm_providers::find(provider).unwrap().rate_limits(),
    );
    let mut admitted = 0;
    for _ in 0..5 {
        let mut request = http::Request::get("http://127.0.0.1:9/x")
            .body(Default::default())
            .unwrap();
        request.extensions_mut().insert(RequestContext::default());
        if quota.send(request).await.is_ok() {
            admitted += 1;
        }
    }
    clean(&prefix).await;
    admitted
}

#[tokio::test]
async fn a_304_costs_quota_only_where_the_provider_counts_it() {
    // GitHub documents that an authorized 304 is not counted: every unit
    // is given back.
    assert_eq!(not_modified_admitted("github").await, 5);
    // GitLab documents no such exemption: each 304 costs its unit.
    assert_eq!(not_modified_admitted("gitlab").await, 2);
}

#[tokio::test]
async fn revalidated_github_reads_leave_the_referrer_s_allocation_alone() {
    let prefix = prefix("allocation");
    let stub = Arc::new(StubGitHub::default());
    // Two units for everybody; the stub's own headers say 5000, so pin
    // the capacity by allocating the referrer a share of 2 / 5000.
    let policy = QuotaPolicy {
        allocations: [("tests".to_owned(), 2.0 / 5000.0)].into(),
        ..QuotaPolicy::default()
    };
    let store: Arc<dyn QuotaStore> =
        Arc::new(RedisQuotaStore::new(connection(REDIS), prefix.clone()));
    let provider = github(
        &stub,
        1,
        "tok-a",
        Some(redis_cache(&prefix, REDIS)),
        Some((policy, store)),
    );
    for _ in 0..10 {
        assert_eq!(read(&provider, None).await.0.unwrap(), "tok-a v0");
    }
    assert_eq!(stub.full.load(Ordering::SeqCst), 1);
    assert_eq!(stub.not_modified.load(Ordering::SeqCst), 9);
    clean(&prefix).await;
}
