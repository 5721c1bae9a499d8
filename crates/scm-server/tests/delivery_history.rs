//! The delivery history and listener pause flags on SQLite (a temporary
//! file) and on the real PostgreSQL on 127.0.0.1 (a schema created for the
//! run and dropped after it): recording, listing with every filter, one
//! delivery with its safe headers, outcomes per listener, the overview's
//! figures, redelivery through a real SQLite queue, and pruning.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::Utc;
use scm_core::events::{EventEnvelope, EventType, RepositoryRef};
use scm_core::Secret;
use scm_server::crypto::SecretBox;
use scm_server::events::history::{AttemptReport, DeliveryFilter, Outcome};
use scm_server::events::redeliver::{redeliver, replay, replay_all, RedeliverError};
use scm_server::events::store::{ListenerFrom, NewListener};
use scm_server::registry::Registry;
use scm_stream::{EventQueue, ListenerSubscription, SqliteConfig, SqliteQueue};

mod envelopes;
mod postgres;
use postgres::on_postgres;

fn secrets() -> SecretBox {
    SecretBox::from_encoded(&SecretBox::generate_key()).unwrap()
}

const WEBHOOK_SIGNATURE: &str = "sha256=0123456789abcdef-history-signature";

fn push(delivery_id: &str, repository: &str, age: chrono::Duration) -> EventEnvelope {
    let mut envelope = envelopes::push(delivery_id);
    envelope.received_at = Utc::now() - age;
    envelope.organization_id = Some(7);
    envelope.repository = Some(RepositoryRef {
        id: Some(3),
        external_id: "42".into(),
        full_name: repository.into(),
    });
    envelope
}

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-github-event", "push".parse().unwrap());
    headers.insert("x-github-delivery", "d-1".parse().unwrap());
    headers.insert("x-hub-signature-256", WEBHOOK_SIGNATURE.parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    headers
}

fn listener(name: &str) -> NewListener {
    NewListener {
        name: name.into(),
        url: "http://127.0.0.1:9/hook".into(),
        events: vec![EventType::Push],
        secret: Secret::new("history-listener-secret"),
        max_attempts: 3,
        deadline_ms: 1000,
        from: ListenerFrom::Earliest,
    }
}

fn attempt(delivery_id: &str, listener: &str, outcome: Outcome, ms: i64) -> AttemptReport {
    let received_at = Utc::now() - chrono::Duration::seconds(5);
    AttemptReport {
        provider: "github".into(),
        delivery_id: delivery_id.into(),
        listener: listener.into(),
        outcome,
        error: (outcome != Outcome::Delivered).then(|| format!("http_status: {listener} 500")),
        received_at,
        finished_at: received_at + chrono::Duration::milliseconds(ms),
    }
}

async fn exercise(registry: &Registry, dir: &std::path::Path) {
    registry.add_listener(listener("deploy")).await.unwrap();
    registry.add_listener(listener("audit")).await.unwrap();

    // Pause flags.
    assert!(registry.paused_listeners().await.unwrap().is_empty());
    registry.set_listener_paused("audit", true).await.unwrap();
    assert_eq!(registry.paused_listeners().await.unwrap(), ["audit"]);
    assert!(registry.listener("audit").await.unwrap().unwrap().paused);
    registry.set_listener_paused("audit", false).await.unwrap();
    assert!(!registry.listener("audit").await.unwrap().unwrap().paused);
    assert!(registry.set_listener_paused("missing", true).await.is_err());

    // Three deliveries: an old one, two recent ones.
    let old = push("d-old", "acme/old", chrono::Duration::days(20));
    let first = push("d-1", "acme/widgets", chrono::Duration::minutes(3));
    let second = push("d-2", "Acme/Gadgets", chrono::Duration::minutes(1));
    for envelope in [&old, &first, &second] {
        registry
            .record_delivery(envelope, &headers(), 321)
            .await
            .unwrap();
    }
    // Recording twice changes nothing.
    registry
        .record_delivery(&first, &headers(), 999)
        .await
        .unwrap();

    let all = registry
        .list_deliveries(&DeliveryFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all.iter()
            .map(|d| d.delivery_id.as_str())
            .collect::<Vec<_>>(),
        ["d-2", "d-1", "d-old"]
    );
    let d1 = &all[1];
    assert_eq!(
        (d1.event_type.as_str(), d1.action.as_str(), d1.size),
        ("push", "pushed", 321)
    );
    assert_eq!(d1.repository.as_deref(), Some("acme/widgets"));
    assert_eq!(d1.organization_id, Some(7));
    // Every subscribed HTTP listener starts pending.
    assert_eq!(
        d1.listeners
            .iter()
            .map(|l| (l.listener.as_str(), l.outcome, l.attempts))
            .collect::<Vec<_>>(),
        [
            ("audit", Outcome::Pending, 0),
            ("deploy", Outcome::Pending, 0)
        ]
    );

    // Attempts: deploy fails then succeeds on d-1, audit dead-letters d-2.
    registry
        .record_attempt(&attempt("d-1", "deploy", Outcome::Failed, 40))
        .await
        .unwrap();
    registry
        .record_attempt(&attempt("d-1", "deploy", Outcome::Delivered, 120))
        .await
        .unwrap();
    registry
        .record_attempt(&attempt("d-1", "audit", Outcome::Delivered, 80))
        .await
        .unwrap();
    registry
        .record_attempt(&attempt("d-2", "audit", Outcome::DeadLettered, 900))
        .await
        .unwrap();
    // A Rust listener's first attempt creates its row.
    registry
        .record_attempt(&attempt("d-2", "in-process", Outcome::Delivered, 10))
        .await
        .unwrap();

    // One delivery in full: safe headers only, the envelope without raw body.
    let shown = registry.delivery("d-1", None).await.unwrap().unwrap();
    assert_eq!(
        shown.headers.keys().map(String::as_str).collect::<Vec<_>>(),
        ["content-type", "x-github-delivery", "x-github-event"]
    );
    let text = serde_json::to_string(&shown).unwrap();
    assert!(!text.contains(WEBHOOK_SIGNATURE), "{text}");
    assert!(!text.contains("history-listener-secret"), "{text}");
    assert_eq!(shown.envelope["event"]["type"], "push");
    assert_eq!(shown.envelope["event"]["ref"], "refs/heads/main");
    assert_eq!(shown.envelope["raw_body"], "");
    let deploy = shown
        .summary
        .listeners
        .iter()
        .find(|l| l.listener == "deploy")
        .unwrap();
    assert_eq!(deploy.outcome, Outcome::Delivered);
    assert_eq!(deploy.attempts, 2);
    assert_eq!(deploy.latency_ms, Some(120));
    assert_eq!(
        deploy.last_error.as_deref(),
        Some("http_status: deploy 500"),
        "the failure stays visible after the success"
    );
    assert!(registry
        .delivery("d-1", Some("gitlab"))
        .await
        .unwrap()
        .is_none());
    assert!(registry.delivery("nope", None).await.unwrap().is_none());

    // Filters.
    let ids = |filter: DeliveryFilter| async move {
        registry
            .list_deliveries(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.delivery_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(DeliveryFilter {
            repository: Some("acme/gadgets".into()),
            ..Default::default()
        })
        .await,
        ["d-2"]
    );
    assert_eq!(
        ids(DeliveryFilter {
            outcome: Some(Outcome::DeadLettered),
            ..Default::default()
        })
        .await,
        ["d-2"]
    );
    assert_eq!(
        ids(DeliveryFilter {
            listener: Some("in-process".into()),
            ..Default::default()
        })
        .await,
        ["d-2"]
    );
    assert_eq!(
        ids(DeliveryFilter {
            listener: Some("deploy".into()),
            outcome: Some(Outcome::Pending),
            ..Default::default()
        })
        .await,
        ["d-2", "d-old"]
    );
    assert_eq!(
        ids(DeliveryFilter {
            since: Some(Utc::now() - chrono::Duration::hours(1)),
            ..Default::default()
        })
        .await,
        ["d-2", "d-1"]
    );
    assert_eq!(
        ids(DeliveryFilter {
            until: Some(Utc::now() - chrono::Duration::minutes(2)),
            provider: Some("github".into()),
            event_type: Some("push".into()),
            ..Default::default()
        })
        .await,
        ["d-1", "d-old"]
    );
    assert!(ids(DeliveryFilter {
        provider: Some("gitlab".into()),
        ..Default::default()
    })
    .await
    .is_empty());
    // Pages.
    let page = registry
        .list_deliveries(&DeliveryFilter {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(
        ids(DeliveryFilter {
            before_id: Some(page[1].id),
            ..Default::default()
        })
        .await,
        ["d-old"]
    );

    // The overview's figures over the last hour.
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let per_minute = registry.deliveries_per_minute(hour_ago).await.unwrap();
    assert_eq!(per_minute.iter().map(|m| m.deliveries).sum::<i64>(), 2);
    assert!(per_minute.windows(2).all(|w| w[0].minute < w[1].minute));
    let summary = registry.history_summary(hour_ago).await.unwrap();
    assert_eq!(summary.deliveries, 2);
    assert_eq!(
        (summary.delivered, summary.dead_lettered),
        (3, 1),
        "{summary:?}"
    );
    assert_eq!(summary.p99_latency_ms, Some(120));
    let health = registry.listener_health(hour_ago).await.unwrap();
    let audit = health.iter().find(|h| h.listener == "audit").unwrap();
    assert_eq!((audit.delivered, audit.dead_lettered), (1, 1));
    assert_eq!(audit.last_error.as_deref(), Some("http_status: audit 500"));
    assert!(audit.last_error_at.is_some());
    let deploy = health.iter().find(|h| h.listener == "deploy").unwrap();
    assert_eq!((deploy.delivered, deploy.pending), (1, 1));

    // Redelivery through a real queue: only the chosen listener.
    let queue: Arc<dyn EventQueue> = Arc::new(
        SqliteQueue::open(SqliteConfig::new(dir.join("queue.db")))
            .await
            .unwrap(),
    );
    for name in ["deploy", "audit"] {
        let mut subscription = ListenerSubscription::new(name, &[EventType::Push]);
        subscription.start = scm_stream::StartFrom::All;
        queue.subscribe(&subscription).await.unwrap();
    }
    assert!(matches!(
        redeliver(registry, queue.as_ref(), "d-2", None, Some("audit")).await,
        Err(RedeliverError::NotHeld(_))
    ));
    queue.enqueue(&second).await.unwrap();
    // Both listeners take it the first time.
    for name in ["deploy", "audit"] {
        let taken = queue.reserve(name, 10, Duration::ZERO).await.unwrap();
        assert_eq!(taken.len(), 1, "{name}");
        queue.ack(&taken[0]).await.unwrap();
    }
    assert_eq!(
        redeliver(registry, queue.as_ref(), "d-2", None, Some("audit"))
            .await
            .unwrap(),
        ["audit"]
    );
    let again = queue.reserve("audit", 10, Duration::ZERO).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 1, "a fresh attempt count");
    assert_eq!(again[0].envelope.delivery_id, "d-2");
    assert!(queue
        .reserve("deploy", 10, Duration::ZERO)
        .await
        .unwrap()
        .is_empty());
    let audit_part = registry.delivery("d-2", None).await.unwrap().unwrap();
    assert!(audit_part
        .summary
        .listeners
        .iter()
        .any(|l| l.listener == "audit" && l.outcome == Outcome::Pending));
    assert!(matches!(
        redeliver(registry, queue.as_ref(), "d-2", None, Some("stranger")).await,
        Err(RedeliverError::NotAListener { .. })
    ));
    assert!(matches!(
        redeliver(registry, queue.as_ref(), "d-9", None, None).await,
        Err(RedeliverError::NotFound(_))
    ));

    // A dead letter replayed through the same helpers as `scm events
    // replay`: its listener's part is pending again.
    let mut fragile = ListenerSubscription::new("fragile", &[EventType::Push]);
    fragile.start = scm_stream::StartFrom::All;
    fragile.max_attempts = 1;
    queue.subscribe(&fragile).await.unwrap();
    let doomed = queue.reserve("fragile", 10, Duration::ZERO).await.unwrap();
    assert_eq!(doomed.len(), 1);
    queue
        .nack(&doomed[0], Duration::ZERO, "error: boom")
        .await
        .unwrap();
    registry
        .record_attempt(&attempt("d-2", "fragile", Outcome::DeadLettered, 30))
        .await
        .unwrap();
    assert_eq!(
        replay_all(registry, queue.as_ref(), Some("fragile"))
            .await
            .unwrap(),
        1
    );
    assert!(!replay(registry, queue.as_ref(), 999_999).await.unwrap());
    let replayed = registry.delivery("d-2", None).await.unwrap().unwrap();
    assert!(replayed
        .summary
        .listeners
        .iter()
        .any(|l| l.listener == "fragile" && l.outcome == Outcome::Pending));
    assert_eq!(
        queue
            .reserve("fragile", 10, Duration::ZERO)
            .await
            .unwrap()
            .len(),
        1
    );

    // Retention: the 20-day-old delivery goes, with its listener rows.
    assert_eq!(
        registry
            .prune_history(Duration::from_secs(14 * 86_400))
            .await
            .unwrap(),
        1
    );
    assert_eq!(ids(DeliveryFilter::default()).await, ["d-2", "d-1"]);
}

#[tokio::test]
async fn history_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let registry = Registry::connect(&url, secrets()).await.unwrap();
    exercise(&registry, dir.path()).await;
    registry.close().await;
}

#[tokio::test]
async fn history_on_postgres() {
    on_postgres("history", |url| async move {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::connect(&url, secrets()).await.unwrap();
        exercise(&registry, dir.path()).await;
        registry.close().await;
    })
    .await;
}
