//! Traces and errors leave `scm serve` and `scm worker` on their own:
//! OTLP/HTTP to a receiver of this test that decodes every request with
//! the official OpenTelemetry protobuf definitions (`opentelemetry-proto`,
//! built from the `.proto` files), and Sentry envelopes to a DSN pointing
//! at the same receiver, read with the `sentry-types` envelope parser.
//!
//! One trace goes from the Rust RPC client (this test, exporting its own
//! spans) through `scm serve` to a provider stub that records the
//! `traceparent` it received and answers from `prism mock` of GitHub's
//! official OpenAPI description. Another goes from a real webhook delivery
//! (`@octokit/webhooks-examples`, sent with a `traceparent`) through the
//! queue to `scm worker` and an HTTP listener that records its
//! `traceparent`. Four failures are reported to Sentry: a provider that
//! answers 502 (after the retries) to a v1 action and to an rpc0 proxied
//! request, a listener whose delivery ends in the dead-letter store, and
//! `scm serve` failing to start; no secret of the run is in any envelope
//! or span (panics: `panic_report.rs`).
//!
//! Without `SCM_OTLP_ENDPOINT`, the same servers pass a caller's
//! `traceparent` on unchanged (to the provider, with the event, to the
//! listener) and invent none for a caller that sent none.

mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use scm_core::actions::GetIssue;
use scm_core::registry::RepositoryKey;
use scm_core::Secret;
use scm_rpc::{RpcProvider, RpcTarget};
use scm_server::crypto::{SecretBox, KEY_ENV};
use scm_server::observability::ObservabilityConfig;
use scm_testkit::prism::Prism;
use scm_testkit::KillOnDrop;
use serde_json::Value;
use support::{add_github_repository, free_port, rpc0_get};
use tracing_subscriber::layer::SubscriberExt as _;

const ORG: i64 = 13;
const TOKEN: &str = "ghp_telemetry_test_integration_token_9c3e";
const WEBHOOK_SECRET: &str = "whsec-telemetry-test-51aa";
const LISTENER_SECRET: &str = "listener-secret-telemetry-0b7d";
const RPC0_SECRET: &str = "rpc0-telemetry-test-secret-77f1";
const REFERRER: &str = "telemetry-test";
/// The caller's trace of the webhook delivery.
const WEBHOOK_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const WEBHOOK_PARENT: &str = "00f067aa0ba902b7";
/// The caller's trace of the rpc0 proxied requests.
const RPC0_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const RPC0_PARENT: &str = "b7ad6b7169203331";

fn traceparent(trace: &str, parent: &str) -> String {
    format!("00-{trace}-{parent}-01")
}

/// A span as exported, with the `service.name` of its process.
#[derive(Debug, Clone)]
struct Exported {
    service: String,
    span: Span,
}

impl Exported {
    fn trace_id(&self) -> String {
        hex(&self.span.trace_id)
    }

    fn span_id(&self) -> String {
        hex(&self.span.span_id)
    }

    fn parent_id(&self) -> String {
        hex(&self.span.parent_span_id)
    }

    fn attribute(&self, key: &str) -> Option<String> {
        self.span
            .attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .map(|value| match value {
                AnyValue::StringValue(text) => text.clone(),
                AnyValue::IntValue(n) => n.to_string(),
                AnyValue::BoolValue(b) => b.to_string(),
                other => format!("{other:?}"),
            })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything the receiver on 127.0.0.1 got.
#[derive(Default)]
struct Received {
    spans: Vec<Exported>,
    /// Raw Sentry envelopes, as posted.
    envelopes: Vec<Vec<u8>>,
    /// `(path, traceparent)` of the provider stub's and listeners' requests.
    traceparents: Vec<(String, String)>,
}

#[derive(Clone)]
struct Receiver {
    received: Arc<Mutex<Received>>,
    prism: String,
    http: reqwest::Client,
}

/// One server for all of them: `/v1/traces` (OTLP), `/api/{project}/envelope/`
/// (Sentry), `/up/…` (the provider, forwarded to prism), `/down/…` (a
/// provider answering 502), `/listener/ok` and `/listener/fail`.
async fn receive(State(receiver): State<Receiver>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let method = request.method().clone();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 16 << 20)
        .await
        .unwrap_or_default();
    if let Some(answer) = record(&receiver.received, &path, &headers, body.clone()) {
        return answer;
    }
    match path.as_str() {
        "/listener/ok" => StatusCode::OK.into_response(),
        "/listener/fail" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        p if p.starts_with("/down/") => StatusCode::BAD_GATEWAY.into_response(),
        p if p.starts_with("/up/") => {
            let url = format!("{}{}{query}", receiver.prism, &p[3..]);
            let mut forwarded = receiver.http.request(method, url).body(body);
            for name in ["accept", "content-type", "authorization"] {
                if let Some(value) = headers.get(name) {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.send().await.unwrap();
            let status = answer.status();
            let content_type = answer.headers().get("content-type").cloned();
            let bytes = answer.bytes().await.unwrap();
            let mut response = (status, bytes).into_response();
            if let Some(content_type) = content_type {
                response.headers_mut().insert("content-type", content_type);
            }
            response
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Stores what the receiver got; the answer for the OTLP and Sentry
/// endpoints (the others go on to their stubs).
fn record(
    received: &Mutex<Received>,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: Bytes,
) -> Option<Response> {
    let mut received = received.lock().unwrap();
    if path == "/v1/traces" {
        let export = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf request");
        for resource in export.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                    AnyValue::StringValue(name) => Some(name.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for scope in resource.scope_spans {
                for span in scope.spans {
                    received.spans.push(Exported {
                        service: service.clone(),
                        span,
                    });
                }
            }
        }
        return Some(StatusCode::OK.into_response());
    }
    if path.ends_with("/envelope/") {
        received.envelopes.push(body.to_vec());
        return Some(StatusCode::OK.into_response());
    }
    if let Some(traceparent) = headers.get("traceparent") {
        received.traceparents.push((
            path.to_owned(),
            traceparent.to_str().unwrap_or_default().to_owned(),
        ));
    }
    None
}

struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    key: Secret,
    receiver: String,
    /// Whether traces and errors are exported (OTLP, Sentry).
    export: bool,
    /// More variables for every `scm` process.
    extra: Vec<(&'static str, &'static str)>,
}

impl Env {
    fn scm(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scm"));
        cmd.args(args)
            .args(["--database-url", &self.database_url])
            .env(KEY_ENV, self.key.expose())
            .env("SCM_INTEGRATION_TOKEN", TOKEN)
            .env("SCM_WEBHOOKS_GITHUB_SECRETS", WEBHOOK_SECRET)
            .env("SCM_RPC0_SECRETS", RPC0_SECRET)
            .env("SCM_QUEUE_PATH", self.dir.path().join("events.db"))
            .envs(self.extra.iter().copied());
        if self.export {
            cmd.env("SCM_OTLP_ENDPOINT", &self.receiver)
                .env("SCM_SENTRY_DSN", self.dsn())
                .env("SCM_SENTRY_ENVIRONMENT", "telemetry-test")
                .env("SCM_SENTRY_RELEASE", "scm@telemetry-test")
                // Export each batch soon (the SDK's variable); the test
                // kills its children.
                .env("OTEL_BSP_SCHEDULE_DELAY", "100");
        }
        cmd
    }

    fn dsn(&self) -> String {
        self.receiver
            .replacen("http://", "http://0123456789abcdef0123456789abcdef@", 1)
            + "/42"
    }

    fn admin(&self, args: &[&str]) -> Value {
        let out = self.scm(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn spawn(&self, args: &[&str], log: &str) -> KillOnDrop {
        let log = std::fs::File::create(self.dir.path().join(log)).unwrap();
        KillOnDrop::new(
            self.scm(args)
                .env("SCM_OTLP_SERVICE_NAME", format!("scm-{}", args[0]))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        )
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

fn wait_for(what: &str, env: &Env, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not happen\nserve: {}\nworker: {}",
            env.log("serve.log"),
            env.log("worker.log")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The Sentry events of every envelope, parsed by `sentry-types`.
fn sentry_events(envelopes: &[Vec<u8>]) -> Vec<sentry::protocol::Event<'static>> {
    envelopes
        .iter()
        .map(|raw| sentry::Envelope::from_slice(raw).expect("a Sentry envelope"))
        .filter_map(|envelope| envelope.event().cloned())
        .collect()
}

/// `scm serve` and `scm worker` with two GitHub repositories (`up`
/// answered by prism, `down` answering 502), a client key, two HTTP
/// listeners (`ok`, and `fail` with one attempt), and the receiver.
struct Harness {
    runtime: tokio::runtime::Runtime,
    received: Arc<Mutex<Received>>,
    receiver: String,
    env: Env,
    up: i64,
    down: i64,
    key: Value,
    client_secret: String,
    base_url: String,
    _serve: KillOnDrop,
    _worker: KillOnDrop,
}

impl Harness {
    fn start(export: bool) -> Self {
        Self::start_with(export, Vec::new())
    }

    fn start_with(export: bool, extra: Vec<(&'static str, &'static str)>) -> Self {
        let prism = Prism::shared_github();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let received = Arc::new(Mutex::new(Received::default()));
        let receiver = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let app = axum::Router::new().fallback(receive).with_state(Receiver {
                received: received.clone(),
                prism: prism.base_url().trim_end_matches('/').to_owned(),
                http: reqwest::Client::new(),
            });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            format!("http://{address}")
        });
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            database_url: format!("sqlite://{}", dir.path().join("registry.db").display()),
            dir,
            key: SecretBox::generate_key(),
            receiver: receiver.clone(),
            export,
            extra,
        };
        let up = add_github_repository(
            |args| env.admin(args),
            ORG,
            "up",
            &format!("{receiver}/up"),
            "octocat/hello-world",
        );
        let down = add_github_repository(
            |args| env.admin(args),
            ORG,
            "down",
            &format!("{receiver}/down"),
            "octocat/down",
        );
        let key = env.admin(&[
            "client-key",
            "create",
            "--name",
            "telemetry",
            "--org",
            &ORG.to_string(),
            "--referrer",
            REFERRER,
        ]);
        let client_secret = key["secret"].as_str().unwrap().to_owned();
        for (name, max_attempts) in [("ok", "5"), ("fail", "1")] {
            env.admin(&[
                "listener",
                "add",
                "--name",
                name,
                "--url",
                &format!("{receiver}/listener/{name}"),
                "--events",
                "issue",
                "--secret",
                LISTENER_SECRET,
                "--max-attempts",
                max_attempts,
                "--from",
                "earliest",
            ]);
        }

        let listen = format!("127.0.0.1:{}", free_port());
        let serve = env.spawn(&["serve", "--listen", &listen], "serve.log");
        let worker = env.spawn(&["worker"], "worker.log");
        let started = Instant::now();
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "no server");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            runtime,
            received,
            receiver,
            env,
            up,
            down,
            key,
            client_secret,
            base_url: format!("http://{listen}"),
            _serve: serve,
            _worker: worker,
        }
    }

    /// Delivers a real `issues` webhook, with `traceparent` when given.
    fn deliver_webhook(&self, traceparent: Option<String>) {
        self.runtime.block_on(async {
            let example = scm_testkit::webhooks::examples_for("issues")[0];
            let mut request = reqwest::Client::new()
                .post(format!("{}/webhooks/github", self.base_url))
                .headers(example.delivery_headers(WEBHOOK_SECRET.as_bytes()))
                .body(example.payload_bytes.clone());
            if let Some(traceparent) = traceparent {
                request = request.header("traceparent", traceparent);
            }
            assert_eq!(request.send().await.unwrap().status(), 202);
        });
    }

    /// An rpc0 proxied read of issue `issue` of `repository`, with
    /// `traceparent` when given; the provider's status as answered.
    fn rpc0_issue(&self, repository: i64, issue: u32, traceparent: Option<String>) -> u16 {
        let full_name = if repository == self.up {
            "octocat/hello-world"
        } else {
            "octocat/down"
        };
        self.runtime.block_on(async {
            let mut request = rpc0_get(
                &reqwest::Client::new(),
                &self.base_url,
                RPC0_SECRET,
                (ORG, repository),
                REFERRER,
                &format!("/repos/{full_name}/issues/{issue}"),
            );
            if let Some(traceparent) = traceparent {
                request = request.header("traceparent", traceparent);
            }
            request.send().await.unwrap().status().as_u16()
        })
    }

    /// The `traceparent`s the stubs got on paths starting with `prefix`.
    fn traceparents(&self, prefix: &str) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .traceparents
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, traceparent)| traceparent.clone())
            .collect()
    }
}

#[test]
fn traces_and_errors_are_exported_without_secrets() {
    let harness = Harness::start(true);
    let (runtime, received, env) = (&harness.runtime, &harness.received, &harness.env);
    let (receiver, key, base_url) = (&harness.receiver, &harness.key, &harness.base_url);
    let (up, down, client_secret) = (harness.up, harness.down, harness.client_secret.as_str());

    // This process is the RPC caller, exporting its spans like a product
    // would.
    let client_config = ObservabilityConfig {
        otlp_endpoint: Some(receiver.clone()),
        service_name: "rpc-caller".into(),
        ..Default::default()
    };
    let (layer, client_export) = scm_server::observability::traces::layer(&client_config)
        .unwrap()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    let caller_trace = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!(target: "scm_test", "scm.test_caller");
        let _entered = span.enter();
        let trace_id = scm_core::trace_context::trace_id(&span).unwrap();
        runtime.block_on(async {
            let target = |repository: i64| RpcTarget {
                base_url: base_url.clone(),
                key_id: key["key_id"].as_str().unwrap().to_owned(),
                secret: Secret::new(client_secret),
                organization: ORG,
                repository: RepositoryKey::Id(repository),
                referrer: REFERRER.into(),
            };
            let issue = GetIssue {
                issue_id: "1347".into(),
            };
            for (repository, ok) in [(up, true), (down, false)] {
                let scm = RpcProvider::connect(target(repository))
                    .await
                    .unwrap()
                    .into_manager();
                assert_eq!(scm.execute(issue.clone()).await.is_ok(), ok);
            }
        });
        trace_id
    });
    drop(client_export);

    harness.deliver_webhook(Some(traceparent(WEBHOOK_TRACE, WEBHOOK_PARENT)));
    // rpc0 hands the provider's 502 back as it is, and reports it.
    assert_eq!(
        harness.rpc0_issue(down, 1347, Some(traceparent(RPC0_TRACE, RPC0_PARENT))),
        502
    );

    let spans = || received.lock().unwrap().spans.clone();
    let named = |spans: &[Exported], service: &str, name: &str, trace: &str| -> Vec<Exported> {
        spans
            .iter()
            .filter(|s| s.service == service && s.span.name == name && s.trace_id() == trace)
            .cloned()
            .collect()
    };
    wait_for("the listener runs' spans", env, || {
        named(&spans(), "scm-worker", "run_listener", WEBHOOK_TRACE).len() >= 2
    });
    wait_for("the RPC call's spans", env, || {
        named(&spans(), "scm-serve", "scm.action", &caller_trace).len() >= 2
    });
    wait_for(
        "the providers' and the listener's Sentry events",
        env,
        || sentry_events(&received.lock().unwrap().envelopes).len() >= 3,
    );

    // `scm serve` that cannot start (its address is taken) reports it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let failed = env
        .scm(&[
            "serve",
            "--listen",
            &taken.local_addr().unwrap().to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!failed.status.success());

    let spans = spans();
    let received = received.lock().unwrap();

    // Caller → server → provider, one trace.
    let caller = &named(&spans, "rpc-caller", "scm.test_caller", &caller_trace)[0];
    // HTTP spans are named after their method or route (semantic
    // conventions).
    let client_calls = named(&spans, "rpc-caller", "POST", &caller_trace);
    let requests = named(
        &spans,
        "scm-serve",
        "POST /v1/actions/{action}",
        &caller_trace,
    );
    let actions = named(&spans, "scm-serve", "scm.action", &caller_trace);
    let provider_calls = named(&spans, "scm-serve", "GET", &caller_trace);
    assert!(client_calls
        .iter()
        .all(|s| s.parent_id() == caller.span_id()));
    let rpc = requests
        .iter()
        .find(|r| r.attribute("provider").as_deref() == Some("github"))
        .expect("the server's request span");
    assert!(
        client_calls.iter().any(|c| c.span_id() == rpc.parent_id()),
        "the server's request continues the client's span"
    );
    assert_eq!(rpc.attribute("http.route").unwrap(), "/v1/actions/{action}");
    let action = actions
        .iter()
        .find(|a| a.parent_id() == rpc.span_id())
        .expect("the action span under the request");
    assert_eq!(action.attribute("action").unwrap(), "get_issue");
    assert_eq!(action.attribute("referrer").unwrap(), "telemetry-test");
    let provider_call = provider_calls
        .iter()
        .find(|c| c.attribute("http.response.status_code").as_deref() == Some("200"))
        .expect("the provider call's span");
    assert_eq!(
        provider_call.attribute("http.request.method").unwrap(),
        "GET"
    );
    assert_eq!(
        provider_call.attribute("server.address").unwrap(),
        "127.0.0.1"
    );
    assert_eq!(
        provider_call.attribute("url.path").unwrap(),
        "/up/repos/octocat/hello-world/issues/1347"
    );
    let provider_traceparent = received
        .traceparents
        .iter()
        .find(|(path, _)| path.starts_with("/up/repos"))
        .map(|(_, tp)| tp.clone())
        .expect("the provider stub got a traceparent");
    assert_eq!(
        provider_traceparent,
        format!("00-{caller_trace}-{}-01", provider_call.span_id()),
        "the provider call carries the caller's trace"
    );
    // The server's log lines of the call name its trace.
    let serve_log = env.log("serve.log");
    let traced = serve_log
        .lines()
        .filter(|line| line.contains("trace_id=") && line.contains(caller_trace.as_str()))
        .count();
    assert!(traced > 0, "no log line with the trace id:\n{serve_log}");
    println!(
        "RPC trace {caller_trace}: {traced} log lines of scm serve carry it; {} spans (client {}, request {}, action {}, provider calls {})",
        spans
            .iter()
            .filter(|s| s.trace_id() == caller_trace)
            .count(),
        client_calls.len(),
        requests.len(),
        actions.len(),
        provider_calls.len()
    );

    // Webhook → queue → listener, one trace (the caller's traceparent).
    let receipt = &named(
        &spans,
        "scm-serve",
        "POST /webhooks/{provider}",
        WEBHOOK_TRACE,
    );
    assert_eq!(receipt.len(), 1, "{spans:#?}");
    let receipt = &receipt[0];
    assert_eq!(receipt.parent_id(), WEBHOOK_PARENT);
    assert_eq!(receipt.attribute("event").unwrap(), "issue");
    let enqueue = &named(&spans, "scm-serve", "scm.enqueue", WEBHOOK_TRACE)[0];
    assert_eq!(enqueue.parent_id(), receipt.span_id());
    let runs = named(&spans, "scm-worker", "run_listener", WEBHOOK_TRACE);
    assert!(runs.iter().all(|run| run.parent_id() == enqueue.span_id()));
    let listener_traceparent = received
        .traceparents
        .iter()
        .find(|(path, _)| path == "/listener/ok")
        .map(|(_, tp)| tp.clone())
        .expect("the HTTP listener got a traceparent");
    let ok_run = runs
        .iter()
        .find(|run| run.attribute("listener").as_deref() == Some("ok"))
        .unwrap();
    assert_eq!(
        listener_traceparent,
        format!("00-{WEBHOOK_TRACE}-{}-01", ok_run.span_id())
    );
    println!(
        "webhook trace {WEBHOOK_TRACE}: receipt, enqueue, {} listener runs",
        runs.len()
    );

    // Sentry: one event per failure kind, tagged.
    let events = sentry_events(&received.envelopes);
    let tagged = |key: &str, value: &str| {
        events
            .iter()
            .filter(|e| e.tags.get(key).map(String::as_str) == Some(value))
            .collect::<Vec<_>>()
    };
    // A v1 action whose provider still answered 502 after the retries.
    let provider_failure = tagged("action", "get_issue");
    assert_eq!(provider_failure.len(), 1, "{events:#?}");
    let provider_failure = provider_failure[0];
    assert_eq!(provider_failure.tags["provider"], "github");
    assert_eq!(provider_failure.tags["referrer"], REFERRER);
    assert_eq!(provider_failure.tags["code"], "provider_unavailable");
    assert_eq!(provider_failure.tags["trace_id"], caller_trace);
    assert_eq!(
        provider_failure.environment.as_deref(),
        Some("telemetry-test")
    );
    assert_eq!(
        provider_failure.release.as_deref(),
        Some("scm@telemetry-test")
    );
    // The same on the rpc0 proxied path, in the caller's trace.
    let proxied_failure = tagged("action", "rpc0_proxy");
    assert_eq!(proxied_failure.len(), 1, "{events:#?}");
    let proxied_failure = proxied_failure[0];
    assert_eq!(proxied_failure.tags["provider"], "github");
    assert_eq!(proxied_failure.tags["referrer"], REFERRER);
    assert_eq!(proxied_failure.tags["code"], "provider_status_5xx");
    assert_eq!(proxied_failure.tags["trace_id"], RPC0_TRACE);
    // A delivery that ended in the dead-letter store.
    let delivery_id = scm_testkit::webhooks::examples_for("issues")[0]
        .delivery_headers(WEBHOOK_SECRET.as_bytes())
        .get("x-github-delivery")
        .and_then(|value| value.to_str().ok())
        .unwrap()
        .to_owned();
    let dead_letter = tagged("listener", "fail");
    assert_eq!(dead_letter.len(), 1, "{events:#?}");
    assert_eq!(
        dead_letter[0].message.as_deref(),
        Some("delivery dead-lettered")
    );
    assert_eq!(dead_letter[0].tags["trace_id"], WEBHOOK_TRACE);
    assert_eq!(dead_letter[0].tags["delivery_id"], delivery_id);
    // An unhandled error: `scm serve` ending with one.
    let startup = events
        .iter()
        .filter(|e| e.message.as_deref() == Some("command failed"))
        .count();
    assert_eq!(startup, 1, "{events:#?}");
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for event in &events {
        *kinds
            .entry(event.tags.get("code").map_or("-", String::as_str))
            .or_default() += 1;
    }
    println!("{} Sentry events by code: {kinds:?}", events.len());

    // Nothing secret anywhere.
    let secrets = [
        TOKEN,
        WEBHOOK_SECRET,
        LISTENER_SECRET,
        RPC0_SECRET,
        client_secret,
        env.key.expose(),
    ];
    for raw in &received.envelopes {
        let text = String::from_utf8_lossy(raw);
        for secret in secrets {
            assert!(!text.contains(secret), "a secret is in a Sentry envelope");
        }
    }
    for span in &spans {
        let text = format!("{:?}", span.span);
        for secret in secrets {
            assert!(!text.contains(secret), "a secret is in a span");
        }
    }
    println!(
        "{} envelopes and {} spans, none with a secret",
        received.envelopes.len(),
        spans.len()
    );
}

/// Without trace export, a caller's context passes through unchanged
/// (the servers add no span of their own to it), and a caller without one
/// gets none invented.
#[test]
fn trace_context_passes_through_without_export() {
    let harness = Harness::start(false);
    let sent = traceparent(RPC0_TRACE, RPC0_PARENT);

    // Caller → server → provider.
    assert_eq!(
        harness.rpc0_issue(harness.up, 1347, Some(sent.clone())),
        200
    );
    assert_eq!(harness.rpc0_issue(harness.up, 1, None), 200);
    let provider_got = harness.traceparents("/up/repos/octocat/hello-world/issues/1347");
    assert!(!provider_got.is_empty(), "the provider got no traceparent");
    assert!(
        provider_got.iter().all(|tp| *tp == sent),
        "{provider_got:?}"
    );
    let invented = harness
        .received
        .lock()
        .unwrap()
        .traceparents
        .iter()
        .any(|(path, _)| path == "/up/repos/octocat/hello-world/issues/1");
    assert!(!invented, "a traceparent was sent for a caller without one");

    // Webhook → queue (across processes) → listener.
    let webhook = traceparent(WEBHOOK_TRACE, WEBHOOK_PARENT);
    harness.deliver_webhook(Some(webhook.clone()));
    wait_for("the listener's traceparent", &harness.env, || {
        !harness.traceparents("/listener/ok").is_empty()
    });
    assert_eq!(harness.traceparents("/listener/ok"), [webhook]);

    // The server's log lines of those requests name the caller's trace.
    let serve_log = harness.env.log("serve.log");
    for trace in [RPC0_TRACE, WEBHOOK_TRACE] {
        assert!(
            serve_log
                .lines()
                .any(|line| line.contains("trace_id=") && line.contains(trace)),
            "no log line with trace {trace}:\n{serve_log}"
        );
    }
    assert!(harness.received.lock().unwrap().spans.is_empty());
    println!(
        "without export: provider got {} traceparent(s) equal to the caller's, the listener 1; none invented",
        provider_got.len()
    );
}

/// With a sample ratio of 0, a trace that starts in the server is not
/// exported, while a caller's sampled trace is, whole: request, action
/// and provider call.
#[test]
fn a_caller_sampled_trace_is_exported_whatever_the_ratio() {
    let harness = Harness::start_with(true, vec![("SCM_OTLP_SAMPLE_RATIO", "0")]);
    let sent = traceparent(RPC0_TRACE, RPC0_PARENT);
    assert_eq!(harness.rpc0_issue(harness.up, 1, None), 200);
    assert_eq!(harness.rpc0_issue(harness.up, 1347, Some(sent)), 200);
    let names = |spans: &[Exported]| -> Vec<String> {
        let mut names: Vec<String> = spans.iter().map(|s| s.span.name.clone()).collect();
        names.sort();
        names
    };
    wait_for("the sampled trace's spans", &harness.env, || {
        let received = harness.received.lock().unwrap();
        received
            .spans
            .iter()
            .any(|s| s.trace_id() == RPC0_TRACE && s.span.name == "GET")
    });
    // Batches leave every 100 ms: one more second for a stray span.
    std::thread::sleep(Duration::from_secs(1));
    let spans = harness.received.lock().unwrap().spans.clone();
    let (sampled, other): (Vec<Exported>, Vec<Exported>) =
        spans.into_iter().partition(|s| s.trace_id() == RPC0_TRACE);
    assert!(
        other.is_empty(),
        "unsampled spans exported: {:?}",
        names(&other)
    );
    let sampled_names = names(&sampled);
    for expected in ["GET", "POST /api/0/internal/scm-rpc/"] {
        assert!(
            sampled_names.iter().any(|name| name == expected),
            "{expected} missing from {sampled_names:?}"
        );
    }
    println!(
        "sampling at 0: the caller's sampled trace exported whole ({} spans: {sampled_names:?}), the unsampled one not at all",
        sampled.len()
    );
}
