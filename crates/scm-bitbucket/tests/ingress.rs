//! Bitbucket Cloud deliveries through the server's real webhook ingress
//! (`POST /webhooks/bitbucket`), in process: every corpus payload and our
//! fixtures, signed; duplicates stored once; unsigned deliveries refused;
//! events of a registered repository resolved by its `{uuid}`.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{corpus, fixtures, CORPUS};
use scm_core::events::EventType;
use scm_core::{Credential, Secret};
use scm_server::crypto::SecretBox;
use scm_server::events::{self, Ingress, ProviderWebhooks, WebhooksConfig};
use scm_server::registry::{NewIntegration, NewRepository, Registry};
use scm_stream::{EventQueue, ListenerSubscription, SqliteConfig, SqliteQueue, StartFrom};
use scm_testkit::webhooks::signature_sha256;
use tower::ServiceExt as _;

const SECRET: &str = "bitbucket-ingress-secret";

async fn post(
    app: &Router,
    key: &str,
    delivery: &str,
    body: Vec<u8>,
    signed: bool,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post("/webhooks/bitbucket")
        .header("content-type", "application/json")
        .header("x-event-key", key)
        .header("x-request-uuid", delivery)
        .header("x-hook-uuid", "{a0b1c2d3-0000-4000-8000-000000000001}");
    if signed {
        request = request.header(
            "x-hub-signature",
            signature_sha256(SECRET.as_bytes(), &body),
        );
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn every_delivery_goes_through_the_real_ingress() {
    let dir = corpus("webhooks");
    let tmp = tempfile::tempdir().unwrap();
    let registry = Registry::connect(
        &format!("sqlite://{}", tmp.path().join("registry.db").display()),
        SecretBox::from_encoded(&SecretBox::generate_key()).unwrap(),
    )
    .await
    .unwrap();
    let mut config = SqliteConfig::new(tmp.path().join("events.db"));
    config.fsync = false;
    let queue = Arc::new(SqliteQueue::open(config).await.unwrap());
    queue
        .subscribe(&ListenerSubscription {
            start: StartFrom::All,
            ..ListenerSubscription::new("all", &EventType::ALL)
        })
        .await
        .unwrap();
    let mut webhooks = WebhooksConfig::default();
    webhooks.providers.insert(
        "bitbucket".into(),
        ProviderWebhooks {
            secrets: vec![Secret::new("an-older-secret"), Secret::new(SECRET)],
        },
    );
    let ingress = Ingress::new(
        &webhooks,
        events::receivers(),
        registry.clone(),
        queue.clone(),
    );
    let app = events::router(Arc::new(ingress));

    // brydzewski/foo of the pull request samples is registered by its uuid.
    let integration = registry
        .add_integration(NewIntegration {
            provider: "bitbucket".into(),
            name: "corpus".into(),
            api_url: None,
            web_url: None,
            credential: Credential::token("unused-token"),
        })
        .await
        .unwrap();
    let registered = registry
        .add_repository(NewRepository {
            organization_id: 42,
            integration_id: integration.id,
            external_id: "{bc771cbf-829e-4c4b-b71f-a0eb3ac2b860}".into(),
            full_name: "brydzewski/foo".into(),
        })
        .await
        .unwrap();

    let mut deliveries: Vec<(String, Vec<u8>)> = CORPUS
        .iter()
        .map(|(file, key)| (key.to_string(), std::fs::read(dir.join(file)).unwrap()))
        .collect();
    for (path, key) in fixtures() {
        deliveries.push((key, std::fs::read(path).unwrap()));
    }
    let (mut enqueued, mut unsupported, mut errors) = (0usize, 0usize, 0usize);
    for (n, (key, body)) in deliveries.iter().enumerate() {
        let delivery = format!("00000000-0000-4000-8000-{n:012}");
        let (status, answer) = post(&app, key, &delivery, body.clone(), true).await;
        match (status, answer["status"].as_str()) {
            (StatusCode::ACCEPTED, Some("accepted")) => enqueued += 1,
            (StatusCode::ACCEPTED, Some("unsupported")) => unsupported += 1,
            _ => {
                errors += 1;
                eprintln!("{key}: {status} {answer}");
            }
        }
    }
    println!("bitbucket webhooks via ingress: {enqueued} enqueued, {unsupported} unsupported, {errors} errors");
    assert_eq!(errors, 0);
    assert_eq!(enqueued + unsupported, deliveries.len());
    assert_eq!(queue.event_count().await.unwrap() as usize, enqueued);

    // The same delivery again is stored once.
    let (key, body) = &deliveries[5];
    let (status, answer) = post(
        &app,
        key,
        "00000000-0000-4000-8000-000000000005",
        body.clone(),
        true,
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (StatusCode::ACCEPTED, Some("duplicate"))
    );
    // Unsigned: refused, nothing stored.
    let (status, _) = post(&app, key, "unsigned-1", body.clone(), false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(queue.event_count().await.unwrap() as usize, enqueued);

    // Events of the registered repository carry the registry's ids.
    let reserved = queue
        .reserve("all", 1000, std::time::Duration::from_millis(100))
        .await
        .unwrap();
    let resolved = reserved
        .iter()
        .filter(|d| d.envelope.repository.as_ref().and_then(|r| r.id) == Some(registered.id))
        .count();
    assert!(
        resolved >= 4,
        "pull request events of brydzewski/foo resolve ({resolved})"
    );
    assert!(reserved
        .iter()
        .filter(|d| d.envelope.repository.as_ref().and_then(|r| r.id) == Some(registered.id))
        .all(|d| d.envelope.organization_id == Some(42) && d.envelope.provider == "bitbucket"));
}
