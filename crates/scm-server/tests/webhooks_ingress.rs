//! The webhook ingress end to end, in process: every real GitHub payload
//! of `@octokit/webhooks-examples` (and the GitLab corpus) signed and
//! posted through `POST /webhooks/{provider}`; a table of bad input that
//! must each be a coded 4xx with nothing enqueued; per-integration
//! secrets; repository resolution.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use bytes::Bytes;
use scm_core::events::{EventType, MAX_DELIVERY_ID_BYTES};
use scm_core::Credential;
use scm_core::Secret;
use scm_server::crypto::SecretBox;
use scm_server::events::{self, Ingress, ProviderWebhooks, UnknownRepository, WebhooksConfig};
use scm_server::registry::{NewIntegration, NewRepository, Registry};
use scm_stream::{EventQueue, ListenerSubscription, SqliteConfig, SqliteQueue, StartFrom};
use scm_testkit::webhooks::{examples, signature_sha256};
use tower::ServiceExt as _;

const SECRET: &str = "ingress-test-secret";

struct Harness {
    _dir: tempfile::TempDir,
    app: Router,
    registry: Registry,
    queue: Arc<SqliteQueue>,
}

async fn harness(configure: impl FnOnce(&mut WebhooksConfig)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::connect(
        &format!("sqlite://{}", dir.path().join("registry.db").display()),
        SecretBox::from_encoded(&SecretBox::generate_key()).unwrap(),
    )
    .await
    .unwrap();
    let mut config = SqliteConfig::new(dir.path().join("events.db"));
    config.fsync = false;
    let queue = Arc::new(SqliteQueue::open(config).await.unwrap());
    // A listener for everything, so that the queue keeps each event for it.
    queue
        .subscribe(&ListenerSubscription {
            start: StartFrom::All,
            ..ListenerSubscription::new("all", &EventType::ALL)
        })
        .await
        .unwrap();
    let mut webhooks = WebhooksConfig::default();
    for provider in ["github", "gitlab"] {
        webhooks.providers.insert(
            provider.into(),
            ProviderWebhooks {
                secrets: vec![Secret::new("an-older-secret"), Secret::new(SECRET)],
            },
        );
    }
    configure(&mut webhooks);
    let ingress = Ingress::new(
        &webhooks,
        events::receivers(),
        registry.clone(),
        queue.clone(),
    );
    Harness {
        app: events::router(Arc::new(ingress)),
        registry,
        queue,
        _dir: dir,
    }
}

fn github_request(
    path: &str,
    event: &str,
    delivery: &str,
    secret: &str,
    body: impl Into<Bytes>,
) -> axum::http::request::Builder {
    github_request_as("application/json", path, event, delivery, secret, body)
}

fn github_request_as(
    content_type: &str,
    path: &str,
    event: &str,
    delivery: &str,
    secret: &str,
    body: impl Into<Bytes>,
) -> axum::http::request::Builder {
    let body = body.into();
    Request::post(path)
        .header("content-type", content_type)
        .header("user-agent", "GitHub-Hookshot/0000000")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header(
            "x-hub-signature-256",
            signature_sha256(secret.as_bytes(), &body),
        )
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, serde_json::Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, value)
}

async fn post_github(
    app: &Router,
    event: &str,
    delivery: &str,
    body: impl Into<Bytes>,
) -> (StatusCode, serde_json::Value) {
    let body = body.into();
    let request = github_request("/webhooks/github", event, delivery, SECRET, body.clone())
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

#[tokio::test]
async fn every_octokit_example_is_enqueued_or_counted_unsupported() {
    let h = harness(|_| {}).await;
    // One repository of the corpus is registered: its events resolve.
    let integration = h
        .registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "corpus".into(),
            api_url: Some("http://127.0.0.1:9".into()),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: Secret::new("unused-token"),
            },
        })
        .await
        .unwrap();
    let repository_id = examples()
        .iter()
        .find(|e| e.event == "pull_request")
        .and_then(|e| e.payload["repository"]["id"].as_i64())
        .expect("a pull_request example with a repository");
    let registered = h
        .registry
        .add_repository(NewRepository {
            organization_id: 77,
            integration_id: integration.id,
            external_id: repository_id.to_string(),
            full_name: "corpus/repository".into(),
        })
        .await
        .unwrap();

    let (mut enqueued, mut unsupported, mut errors) = (0usize, 0usize, 0usize);
    for (n, example) in examples().iter().enumerate() {
        let delivery = format!("octokit-{n:04}");
        let (status, body) = post_github(
            &h.app,
            &example.event,
            &delivery,
            example.payload_bytes.clone(),
        )
        .await;
        match (status, body["status"].as_str()) {
            (StatusCode::ACCEPTED, Some("accepted")) => enqueued += 1,
            (StatusCode::ACCEPTED, Some("unsupported")) => unsupported += 1,
            _ => {
                errors += 1;
                eprintln!("{}: {status} {body}", example.name());
            }
        }
        assert_eq!(body["delivery_id"].as_str().unwrap_or(&delivery), delivery);
    }
    println!(
        "github webhooks via ingress: {enqueued} enqueued, {unsupported} unsupported, {errors} errors"
    );
    assert_eq!(errors, 0);
    assert_eq!(enqueued + unsupported, examples().len());
    assert!(enqueued > 100, "most examples map to a neutral event");
    assert_eq!(h.queue.event_count().await.unwrap() as usize, enqueued);

    // Re-sending a delivery is a 202 duplicate and stores nothing.
    let first = examples()
        .iter()
        .position(|e| e.event == "pull_request")
        .unwrap();
    let (status, body) = post_github(
        &h.app,
        "pull_request",
        &format!("octokit-{first:04}"),
        examples()[first].payload_bytes.clone(),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::ACCEPTED, Some("duplicate"))
    );
    assert_eq!(h.queue.event_count().await.unwrap() as usize, enqueued);

    // Events of the registered repository carry the registry's ids; the
    // others are enqueued unresolved.
    let deliveries = h
        .queue
        .reserve("all", 1000, std::time::Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(deliveries.len(), enqueued);
    let mut resolved = 0;
    for delivery in &deliveries {
        let envelope = &delivery.envelope;
        assert_eq!(envelope.provider, "github");
        let repository = envelope.repository.as_ref();
        if repository.is_some_and(|r| r.external_id == repository_id.to_string()) {
            assert_eq!(envelope.organization_id, Some(77));
            assert_eq!(repository.unwrap().id, Some(registered.id));
            resolved += 1;
        } else {
            assert_eq!(envelope.organization_id, None);
            assert!(repository.is_none_or(|r| r.id.is_none()));
        }
    }
    assert!(resolved > 0);
}

#[tokio::test]
async fn bad_input_is_a_coded_4xx_and_nothing_is_enqueued() {
    let h = harness(|_| {}).await;
    let example = examples()
        .iter()
        .find(|e| e.event == "issue_comment")
        .unwrap();
    let good = example.payload_bytes.clone();
    let truncated = good.slice(..good.len() / 2);
    let mut invalid_utf8 = good.to_vec();
    let at = invalid_utf8.iter().position(|&b| b == b'"').unwrap() + 1;
    invalid_utf8.splice(at..at, [0xff, 0xfe, 0xc3]);
    let huge = Bytes::from(vec![b' '; 30 * 1024 * 1024]);

    let signed = |body: &Bytes| {
        github_request(
            "/webhooks/github",
            "issue_comment",
            "bad-1",
            SECRET,
            body.clone(),
        )
    };
    let cases: Vec<(&str, Request<Body>, u16, &str)> = vec![
        (
            "truncated JSON",
            signed(&truncated)
                .body(Body::from(truncated.clone()))
                .unwrap(),
            400,
            "webhook_malformed",
        ),
        (
            "invalid UTF-8",
            signed(&Bytes::from(invalid_utf8.clone()))
                .body(Body::from(invalid_utf8.clone()))
                .unwrap(),
            400,
            "webhook_malformed",
        ),
        (
            "wrong content type",
            github_request_as(
                "text/plain",
                "/webhooks/github",
                "issue_comment",
                "bad-1",
                SECRET,
                good.clone(),
            )
            .body(Body::from(good.clone()))
            .unwrap(),
            415,
            "webhook_unsupported_media_type",
        ),
        (
            "form-encoded",
            github_request_as(
                "application/x-www-form-urlencoded",
                "/webhooks/github",
                "issue_comment",
                "bad-1",
                SECRET,
                good.clone(),
            )
            .body(Body::from(good.clone()))
            .unwrap(),
            415,
            "webhook_unsupported_media_type",
        ),
        (
            "two content types",
            signed(&good)
                .header("content-type", "text/plain")
                .body(Body::from(good.clone()))
                .unwrap(),
            415,
            "webhook_unsupported_media_type",
        ),
        (
            "missing event header",
            Request::post("/webhooks/github")
                .header("content-type", "application/json")
                .header("x-github-delivery", "bad-2")
                .header(
                    "x-hub-signature-256",
                    signature_sha256(SECRET.as_bytes(), &good),
                )
                .body(Body::from(good.clone()))
                .unwrap(),
            400,
            "webhook_header_missing",
        ),
        (
            "missing delivery header",
            Request::post("/webhooks/github")
                .header("content-type", "application/json")
                .header("x-github-event", "issue_comment")
                .header(
                    "x-hub-signature-256",
                    signature_sha256(SECRET.as_bytes(), &good),
                )
                .body(Body::from(good.clone()))
                .unwrap(),
            400,
            "webhook_header_missing",
        ),
        (
            "missing signature",
            Request::post("/webhooks/github")
                .header("content-type", "application/json")
                .header("x-github-event", "issue_comment")
                .header("x-github-delivery", "bad-3")
                .body(Body::from(good.clone()))
                .unwrap(),
            401,
            "webhook_signature_missing",
        ),
        (
            "bad signature",
            github_request(
                "/webhooks/github",
                "issue_comment",
                "bad-4",
                "not-the-secret",
                good.clone(),
            )
            .body(Body::from(good.clone()))
            .unwrap(),
            401,
            "webhook_signature_invalid",
        ),
        (
            "body changed after signing",
            signed(&good).body(Body::from(truncated.clone())).unwrap(),
            401,
            "webhook_signature_invalid",
        ),
        (
            "30 MiB body (declared)",
            signed(&huge).body(Body::from(huge.clone())).unwrap(),
            413,
            "webhook_payload_too_large",
        ),
        (
            "30 MiB body (streamed, no Content-Length)",
            signed(&huge)
                .body(Body::from_stream(futures::stream::iter(
                    huge.chunks(1024 * 1024)
                        .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                        .collect::<Vec<_>>(),
                )))
                .unwrap(),
            413,
            "webhook_payload_too_large",
        ),
        (
            "delivery id one byte over the cap",
            github_request(
                "/webhooks/github",
                "issue_comment",
                &"d".repeat(MAX_DELIVERY_ID_BYTES + 1),
                SECRET,
                good.clone(),
            )
            .body(Body::from(good.clone()))
            .unwrap(),
            400,
            "webhook_invalid_delivery_id",
        ),
        (
            "unknown provider",
            github_request(
                "/webhooks/bitbucket-unknown",
                "issue_comment",
                "bad-5",
                SECRET,
                good.clone(),
            )
            .body(Body::from(good.clone()))
            .unwrap(),
            404,
            "webhook_provider_unknown",
        ),
    ];
    for (name, request, status, code) in cases {
        let (got, body) = send(&h.app, request).await;
        let error = &body["errors"][0];
        assert_eq!(
            (got.as_u16(), error["code"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
        let text = body.to_string();
        assert!(
            !text.contains(SECRET) && !text.contains("an-older-secret"),
            "{name} leaks a secret"
        );
        println!("bad input: {name}: {status} {code}");
    }
    assert_eq!(
        h.queue.event_count().await.unwrap(),
        0,
        "nothing was enqueued"
    );

    // The older secret still verifies (rotation).
    let request = github_request(
        "/webhooks/github",
        "issue_comment",
        "rotated",
        "an-older-secret",
        good.clone(),
    )
    .body(Body::from(good.clone()))
    .unwrap();
    let (status, body) = send(&h.app, request).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::ACCEPTED, Some("accepted"))
    );

    // A delivery id of exactly the cap is accepted.
    let longest = "d".repeat(MAX_DELIVERY_ID_BYTES);
    let (status, body) = post_github(&h.app, "issue_comment", &longest, good.clone()).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::ACCEPTED, Some("accepted")),
        "{body}"
    );
}

#[tokio::test]
async fn per_integration_secrets_and_unknown_repository_policy() {
    let h = harness(|config| config.unknown_repository = UnknownRepository::Skip).await;
    let add = |name: &str| NewIntegration {
        provider: "github".into(),
        name: name.into(),
        api_url: Some("http://127.0.0.1:9".into()),
        web_url: Some("https://github.com".into()),
        credential: Credential::Token {
            token: Secret::new("unused-token"),
        },
    };
    let acme = h.registry.add_integration(add("acme")).await.unwrap();
    let other = h.registry.add_integration(add("other")).await.unwrap();
    h.registry
        .add_webhook_secret(acme.id, &Secret::new("acme-hook-secret"))
        .await
        .unwrap();
    let listed = h
        .registry
        .list_webhook_secrets(Some(acme.id))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!format!("{listed:?}").contains("acme-hook-secret"));

    let example = examples()
        .iter()
        .find(|e| e.event == "pull_request" && e.payload["repository"]["id"].is_i64())
        .unwrap();
    let repository_id = example.payload["repository"]["id"].as_i64().unwrap();
    let body = example.payload_bytes.clone();
    let post = |path: String, secret: &'static str, delivery: &'static str| {
        github_request(&path, "pull_request", delivery, secret, body.clone())
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let code = |value: &serde_json::Value| value["errors"][0]["code"].as_str().map(str::to_owned);

    // The provider-wide secret does not open an integration's route, and
    // an integration without secrets refuses everything.
    let (status, value) = send(
        &h.app,
        post(format!("/webhooks/github/{}", acme.id), SECRET, "i-1"),
    )
    .await;
    assert_eq!(
        (status.as_u16(), code(&value).as_deref()),
        (401, Some("webhook_signature_invalid"))
    );
    let (status, value) = send(
        &h.app,
        post(format!("/webhooks/github/{}", other.id), SECRET, "i-2"),
    )
    .await;
    assert_eq!(
        (status.as_u16(), code(&value).as_deref()),
        (503, Some("webhook_secret_not_configured"))
    );
    let detail = value["errors"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!(
            "scm webhook-secret add --integration {}",
            other.id
        )),
        "{detail}"
    );
    let (status, value) = send(&h.app, post("/webhooks/github/999".into(), SECRET, "i-3")).await;
    assert_eq!(
        (status.as_u16(), code(&value).as_deref()),
        (404, Some("webhook_integration_unknown"))
    );
    let (status, value) = send(
        &h.app,
        post(format!("/webhooks/gitlab/{}", acme.id), SECRET, "i-4"),
    )
    .await;
    assert_eq!(
        (status.as_u16(), code(&value).as_deref()),
        (404, Some("webhook_integration_unknown"))
    );

    // Unknown repository under `skip`: 202, counted, not enqueued.
    let (status, value) = send(
        &h.app,
        post(
            format!("/webhooks/github/{}", acme.id),
            "acme-hook-secret",
            "i-5",
        ),
    )
    .await;
    assert_eq!(
        (status, value["status"].as_str()),
        (StatusCode::ACCEPTED, Some("skipped"))
    );
    assert_eq!(h.queue.event_count().await.unwrap(), 0);

    // Registered under acme: resolved and enqueued.
    h.registry
        .add_repository(NewRepository {
            organization_id: 5,
            integration_id: acme.id,
            external_id: repository_id.to_string(),
            full_name: "acme/widgets".into(),
        })
        .await
        .unwrap();
    let (status, value) = send(
        &h.app,
        post(
            format!("/webhooks/github/{}", acme.id),
            "acme-hook-secret",
            "i-6",
        ),
    )
    .await;
    assert_eq!(
        (status, value["status"].as_str()),
        (StatusCode::ACCEPTED, Some("accepted"))
    );
    let delivery = h
        .queue
        .reserve("all", 10, std::time::Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(delivery.len(), 1);
    assert_eq!(delivery[0].envelope.organization_id, Some(5));
}

#[tokio::test]
async fn gitlab_corpus_through_the_same_ingress() {
    let corpus = scm_testkit::paths::corpus("gitlab/webhooks");
    let h = harness(|_| {}).await;
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for (n, path) in files.iter().enumerate() {
        let body = std::fs::read(path).unwrap();
        let request = Request::post("/webhooks/gitlab")
            .header("content-type", "application/json")
            .header("x-gitlab-event", "Push Hook")
            .header("x-gitlab-event-uuid", format!("gitlab-{n}"))
            .header("x-gitlab-token", SECRET)
            .body(Body::from(body))
            .unwrap();
        let (status, value) = send(&h.app, request).await;
        let outcome = match value["status"].as_str() {
            Some(s) if status == StatusCode::ACCEPTED => s.to_owned(),
            _ => format!("{status} {}", value["errors"][0]["code"]),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    println!("gitlab webhooks via ingress: {outcomes:?}");
    assert_eq!(
        outcomes.get("accepted").copied().unwrap_or(0)
            + outcomes.get("unsupported").copied().unwrap_or(0),
        files.len(),
        "{outcomes:?}"
    );
    assert!(outcomes.get("accepted").copied().unwrap_or(0) > 0);

    let wrong_token = Request::post("/webhooks/gitlab")
        .header("content-type", "application/json")
        .header("x-gitlab-event", "Push Hook")
        .header("x-gitlab-event-uuid", "gitlab-bad")
        .header("x-gitlab-token", "not-the-secret")
        .body(Body::from(std::fs::read(&files[0]).unwrap()))
        .unwrap();
    let (status, _) = send(&h.app, wrong_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// GitLab resends an event (automatic retry, "Resend Request", the hook
/// events API) with a new `X-Gitlab-Event-UUID` and the same
/// `Idempotency-Key`: the ingress stores it once.
#[tokio::test]
async fn a_gitlab_resend_with_a_new_event_uuid_is_stored_once() {
    let corpus = scm_testkit::paths::corpus("gitlab/webhooks/merge_request.json");
    let h = harness(|_| {}).await;
    let body = std::fs::read(&corpus).unwrap();
    let delivery = |event_uuid: &str| {
        Request::post("/webhooks/gitlab")
            .header("content-type", "application/json")
            .header("x-gitlab-event", "Merge Request Hook")
            .header("x-gitlab-event-uuid", event_uuid)
            .header("idempotency-key", "5f0ed1ad-75f4-4f43-9d1d-6a0c1c4a8a01")
            .header("x-gitlab-token", SECRET)
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let (status, first) = send(&h.app, delivery("9cebe914-4827-408f-b014-cfa23a47a35f")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(first["status"], "accepted", "{first}");
    let (status, resent) = send(&h.app, delivery("842d7c3e-3114-4396-8a95-66c084d53cb1")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(resent["status"], "duplicate", "{resent}");
    assert_eq!(h.queue.event_count().await.unwrap(), 1);

    // Without the key (GitLab before 17.4) the event UUID still names it.
    let old = Request::post("/webhooks/gitlab")
        .header("content-type", "application/json")
        .header("x-gitlab-event", "Merge Request Hook")
        .header(
            "x-gitlab-event-uuid",
            "13792a34-cac6-4fda-95a8-c58e00a3954e",
        )
        .header("x-gitlab-token", SECRET)
        .body(Body::from(body.clone()))
        .unwrap();
    let (_, value) = send(&h.app, old).await;
    assert_eq!(value["status"], "accepted", "{value}");
    assert_eq!(h.queue.event_count().await.unwrap(), 2);
}
