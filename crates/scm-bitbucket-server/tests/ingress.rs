//! The real webhook ingress (`POST /webhooks/bitbucket_server`, the
//! server's router over a SQLite registry and queue), fed every Data
//! Center payload of the corpus and our own fixtures, signed as Data
//! Center signs them: each is accepted (enqueued) or answered as
//! unsupported, never refused.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scm_core::events::signature::sign_sha256_hex;
use scm_core::events::EventType;
use scm_core::Secret;
use scm_server::crypto::SecretBox;
use scm_server::events::{self, Ingress, ProviderWebhooks, WebhooksConfig};
use scm_server::registry::Registry;
use scm_stream::{EventQueue, ListenerSubscription, SqliteConfig, SqliteQueue, StartFrom};
use tower::ServiceExt as _;

const SECRET: &str = "bitbucket-dc-ingress-secret";

fn payloads() -> Vec<PathBuf> {
    let dir = scm_testkit::paths::corpus("bitbucket-dc");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("webhooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(dir.join("rest/fnb_push_branch_create.json"));
    files.push(dir.join("rest/fnb_push_update.json"));
    let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    files.extend(
        std::fs::read_dir(ours)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json")),
    );
    files.sort();
    files
}

#[tokio::test]
async fn every_payload_through_the_ingress() {
    let files = payloads();
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::connect(
        &format!("sqlite://{}", dir.path().join("registry.db").display()),
        SecretBox::from_encoded(&SecretBox::generate_key()).unwrap(),
    )
    .await
    .unwrap();
    let mut queue_config = SqliteConfig::new(dir.path().join("events.db"));
    queue_config.fsync = false;
    let queue = Arc::new(SqliteQueue::open(queue_config).await.unwrap());
    queue
        .subscribe(&ListenerSubscription {
            start: StartFrom::All,
            ..ListenerSubscription::new("all", &EventType::ALL)
        })
        .await
        .unwrap();
    let mut webhooks = WebhooksConfig::default();
    webhooks.providers.insert(
        "bitbucket_server".into(),
        ProviderWebhooks {
            secrets: vec![Secret::new("a-retired-secret"), Secret::new(SECRET)],
        },
    );
    let ingress = Ingress::new(&webhooks, events::receivers(), registry, queue);
    let app = events::router(Arc::new(ingress));

    let (mut accepted, mut unsupported, mut errors) = (0, 0, Vec::new());
    for (n, file) in files.iter().enumerate() {
        let body = std::fs::read(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let key = value["eventKey"]
            .as_str()
            .unwrap_or("diagnostics:ping")
            .to_owned();
        let mut request = Request::post("/webhooks/bitbucket_server")
            .header("content-type", "application/json")
            .header("x-event-key", &key)
            .header("x-request-id", format!("delivery-{n}"));
        if key != "diagnostics:ping" {
            request = request.header(
                "x-hub-signature",
                sign_sha256_hex(&Secret::new(SECRET), &body),
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
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        match (status, answer["status"].as_str()) {
            (StatusCode::ACCEPTED, Some("accepted")) => accepted += 1,
            (StatusCode::ACCEPTED, Some("unsupported")) => unsupported += 1,
            other => errors.push(format!("{name}: {other:?} {answer}")),
        }
    }
    println!(
        "bitbucket_server webhooks (ingress): {accepted} accepted, {unsupported} unsupported, {} errors",
        errors.len()
    );
    for error in &errors {
        println!("  ERROR {error}");
    }
    assert!(errors.is_empty());
    assert_eq!(unsupported, 2, "pr:deleted and the ping");

    // A wrong signature is refused before anything is parsed.
    let refused = app
        .clone()
        .oneshot(
            Request::post("/webhooks/bitbucket_server")
                .header("content-type", "application/json")
                .header("x-event-key", "repo:refs_changed")
                .header("x-request-id", "forged")
                .header(
                    "x-hub-signature",
                    sign_sha256_hex(&Secret::new("guess"), b"{}"),
                )
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}
