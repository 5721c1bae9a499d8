//! Missed-delivery recovery under its quota share: 1,000 failed
//! deliveries in the stub delivery log ([`scm_testkit::hook_log`]), a
//! `recovery` share of 10% of a 1,000-request window. Each pass spends at
//! most its 100 requests, stops when they are gone, and the next pass (a
//! new window) resumes: every delivery is asked for exactly once.
//!
//! The provider names its window in `x-ratelimit-reset`; the quota layer
//! learns a new window from the first answer in it. Here another
//! referrer's request (as any real traffic would) shows each new window
//! before the pass, so every recovery request is counted in the window
//! the provider counts it in.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use scm_core::actions::GetRepository;
use scm_core::credential::Credential;
use scm_core::layers::ConnectOptions;
use scm_core::model::HookSource;
use scm_core::provider::ProviderResolver;
use scm_core::quota::{InMemoryQuotaStore, QuotaPolicy};
use scm_core::SourceCodeManager;
use scm_server::crypto::SecretBox;
use scm_server::recovery::{HookSourceConfig, Reconciler, RecoveryConfig, REFERRER};
use scm_server::registry::{NewIntegration, NewRepository, Registry};
use scm_server::resolver::RegistryResolver;
use scm_stream::{EventQueue, SqliteConfig, SqliteQueue};
use scm_testkit::hook_log::{HookLog, HOOK_ID};

const FAILED: usize = 1000;
const CAPACITY: u64 = 1000;
const SHARE: f64 = 0.1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_failed_deliveries_within_the_quota_share_resuming_each_window() {
    let dir = tempfile::tempdir().unwrap();
    let log = HookLog::start(None, b"unused").await;
    for i in 0..FAILED {
        log.record_failed(
            &format!("pacing-{i:04}"),
            "issues",
            Bytes::from_static(b"{\"action\":\"opened\"}"),
        );
    }

    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&url, secrets).await.unwrap();
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "paced".into(),
            api_url: Some(log.base_url()),
            web_url: Some("https://github.com".into()),
            credential: Credential::token("ghp_pacing_token"),
        })
        .await
        .unwrap();
    registry
        .add_repository(NewRepository {
            organization_id: 1,
            integration_id: integration.id,
            external_id: "1".into(),
            full_name: "octo/paced".into(),
        })
        .await
        .unwrap();
    let queue: Arc<dyn EventQueue> = Arc::new(
        SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db")))
            .await
            .unwrap(),
    );
    let options = ConnectOptions {
        quota: QuotaPolicy {
            default_capacity: CAPACITY,
            allocations: [(REFERRER.to_owned(), SHARE)].into(),
            ..QuotaPolicy::default()
        },
        quota_store: Arc::new(InMemoryQuotaStore::new()),
        ..ConnectOptions::default()
    };
    let resolver = Arc::new(RegistryResolver::new(registry.clone(), options));
    let source = HookSourceConfig {
        integration: integration.id,
        source: HookSource::Repository,
        hook_id: Some(HOOK_ID.into()),
        repository: Some("octo/paced".into()),
        interval_secs: None,
    };

    let record = registry.list_repositories(None).await.unwrap().remove(0);
    let other_traffic = SourceCodeManager::for_repository(
        resolver.provider_for(&record).await.unwrap(),
        record,
        "other",
    );
    let reconciler = Reconciler::new(
        registry.clone(),
        resolver,
        queue,
        RecoveryConfig {
            quota_share: SHARE,
            sources: vec![source.clone()],
            ..RecoveryConfig::default()
        },
    );

    let allowed = (CAPACITY as f64 * SHARE) as usize;
    let mut passes = Vec::new();
    for window in 1..=40 {
        log.set_window(window);
        let _ = other_traffic.execute(GetRepository {}).await;
        let report = reconciler.pass(&source, None, false).await.unwrap();
        let finished = report.finished();
        passes.push(report);
        if finished {
            break;
        }
    }
    let per_window = log.requests_per_window();
    let redeliveries = log.redeliveries();
    let mut asked: HashMap<&str, usize> = HashMap::new();
    for guid in &redeliveries {
        *asked.entry(guid.as_str()).or_default() += 1;
    }
    println!(
        "pacing: {FAILED} failed deliveries, recovery share {allowed} requests per window; \
         {} passes, requests per window {:?}, {} redeliveries asked ({} distinct), \
         per pass {:?}",
        passes.len(),
        per_window.values().collect::<Vec<_>>(),
        redeliveries.len(),
        asked.len(),
        passes
            .iter()
            .map(|p| (p.redelivered, p.stopped.as_deref().unwrap_or("finished")))
            .collect::<Vec<_>>(),
    );
    let last = passes.last().unwrap();
    assert!(last.finished(), "the last pass finished: {last:?}");
    assert_eq!(last.remaining, 0);
    // A look afterwards (a dry run, in a fresh window) finds nothing missed.
    log.set_window(1000);
    let _ = other_traffic.execute(GetRepository {}).await;
    let after = reconciler.pass(&source, None, true).await.unwrap();
    assert_eq!(after.failed, 0, "nothing left failed: {after:?}");
    for (window, requests) in &per_window {
        assert!(
            *requests <= allowed,
            "window {window}: {requests} requests over the share of {allowed}"
        );
    }
    for pass in &passes[..passes.len() - 1] {
        assert_eq!(pass.stopped.as_deref(), Some("rate_limit_exceeded"));
        assert!(pass.redelivered > 0, "every pass made progress: {pass:?}");
    }
    assert_eq!(redeliveries.len(), FAILED, "each delivery asked for once");
    assert_eq!(asked.len(), FAILED);
    assert!(asked.values().all(|n| *n == 1));
    // The finished pass stored where the next one starts.
    assert!(registry
        .recovery_last_success(integration.id)
        .await
        .unwrap()
        .is_some());
}
