//! A stand-in for GitHub's webhook delivery log, for end-to-end tests of
//! missed-delivery recovery. Ours, not GitHub's: the request paths and
//! answer shapes follow GitHub's OpenAPI description (`hook-delivery-item`,
//! `Link` pagination by `cursor`), which the provider's own requests are
//! checked against through prism elsewhere.
//!
//! Like GitHub it signs each payload (`X-Hub-Signature-256`), records every
//! attempt with the receiver's status (`0` when it could not connect),
//! lists attempts newest first, and on `POST …/deliveries/{id}/attempts`
//! answers 202 and then sends the same payload with the same delivery id
//! again, recording the new attempt as a redelivery. Without a target it
//! records redeliveries as delivered without sending anything (pacing
//! tests). Each answer carries `x-ratelimit-*` headers naming the current
//! window, which a test moves with [`HookLog::set_window`]; `GET
//! /repos/{owner}/{repo}` answers with them too (uncounted), so any
//! request can teach a client the new window.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::webhooks::signature_sha256;

/// One recorded attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: u64,
    pub guid: String,
    pub event: String,
    pub delivered_at: chrono::DateTime<chrono::Utc>,
    /// The receiver's answer; 0 when it could not be reached.
    pub status_code: u16,
    pub redelivery: bool,
    payload: Bytes,
}

#[derive(Default)]
struct Log {
    attempts: Vec<Attempt>,
    /// Delivery ids whose redelivery was asked for, in order.
    redeliveries: Vec<String>,
    /// Delivery-log requests per rate-limit window.
    requests: std::collections::BTreeMap<u64, usize>,
    window: u64,
}

struct Inner {
    target: Option<String>,
    secret: Vec<u8>,
    client: reqwest::Client,
    log: Mutex<Log>,
    base_url: Mutex<String>,
    /// Window `n` resets at `started + 3600 + n`: fixed within a window,
    /// as GitHub's reset is.
    started: i64,
}

/// The stub; clones share the log.
#[derive(Clone)]
pub struct HookLog(Arc<Inner>);

/// The hook whose deliveries the stub serves: `/repos/{owner}/{repo}/hooks/1`.
pub const HOOK_ID: &str = "1";

impl HookLog {
    /// Serves the log on 127.0.0.1; webhooks go to `target` (the receiver's
    /// full URL) signed with `secret`.
    pub async fn start(target: Option<String>, secret: &[u8]) -> HookLog {
        let log = HookLog(Arc::new(Inner {
            target,
            secret: secret.to_vec(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a client"),
            log: Mutex::new(Log::default()),
            base_url: Mutex::new(String::new()),
            started: chrono::Utc::now().timestamp(),
        }));
        let app = Router::new()
            .route("/repos/{owner}/{repo}", get(repository))
            .route("/repos/{owner}/{repo}/hooks/{hook}/deliveries", get(list))
            .route(
                "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{id}/attempts",
                post(redeliver),
            )
            .with_state(log.clone());
        *log.0.base_url.lock().unwrap() = crate::loopback::serve(app).await;
        log
    }

    /// The API base to configure as the integration's `api_url`.
    pub fn base_url(&self) -> String {
        self.0.base_url.lock().unwrap().clone()
    }

    /// Sends one webhook and records the attempt; the receiver's status
    /// (0 when it could not be reached).
    pub async fn send(&self, guid: &str, event: &str, payload: Bytes) -> u16 {
        self.deliver(guid, event, payload, false).await
    }

    /// Sends one webhook that the receiver accepts, but records it as
    /// GitHub does when the answer came too late (`timed out`, no status).
    pub async fn send_timing_out(&self, guid: &str, event: &str, payload: Bytes) -> u16 {
        let status = self.deliver(guid, event, payload, false).await;
        let mut log = self.0.log.lock().unwrap();
        if let Some(last) = log.attempts.iter_mut().rev().find(|a| a.guid == guid) {
            last.status_code = 0;
        }
        status
    }

    /// Records a failed attempt without sending anything.
    pub fn record_failed(&self, guid: &str, event: &str, payload: Bytes) {
        self.record(guid, event, payload, 0, false);
    }

    /// Every attempt, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.0.log.lock().unwrap().attempts.clone()
    }

    /// Delivery ids whose redelivery was asked for, in order.
    pub fn redeliveries(&self) -> Vec<String> {
        self.0.log.lock().unwrap().redeliveries.clone()
    }

    /// Starts a new rate-limit window (named in `x-ratelimit-reset`).
    pub fn set_window(&self, window: u64) {
        self.0.log.lock().unwrap().window = window;
    }

    /// Delivery-log requests (lists, redeliveries) served in each window.
    pub fn requests_per_window(&self) -> std::collections::BTreeMap<u64, usize> {
        self.0.log.lock().unwrap().requests.clone()
    }

    fn record(&self, guid: &str, event: &str, payload: Bytes, status: u16, redelivery: bool) {
        let mut log = self.0.log.lock().unwrap();
        let id = log.attempts.len() as u64 + 1;
        log.attempts.push(Attempt {
            id,
            guid: guid.to_owned(),
            event: event.to_owned(),
            delivered_at: chrono::Utc::now(),
            status_code: status,
            redelivery,
            payload,
        });
    }

    async fn deliver(&self, guid: &str, event: &str, payload: Bytes, redelivery: bool) -> u16 {
        let Some(target) = &self.0.target else {
            self.record(guid, event, payload, 200, redelivery);
            return 200;
        };
        let sent = self
            .0
            .client
            .post(target)
            .header("content-type", "application/json")
            .header("user-agent", "GitHub-Hookshot/stub")
            .header("x-github-event", event)
            .header("x-github-delivery", guid)
            .header("x-github-hook-id", HOOK_ID)
            .header(
                "x-hub-signature-256",
                signature_sha256(&self.0.secret, &payload),
            )
            .body(payload.clone())
            .send()
            .await;
        let status = sent.map(|r| r.status().as_u16()).unwrap_or(0);
        self.record(guid, event, payload, status, redelivery);
        status
    }

    /// Counts a delivery-log request in the current window; the headers
    /// naming the window.
    fn count(&self) -> HeaderMap {
        {
            let mut log = self.0.log.lock().unwrap();
            let window = log.window;
            *log.requests.entry(window).or_default() += 1;
        }
        self.rate_headers()
    }

    /// The `x-ratelimit-*` headers of the current window.
    fn rate_headers(&self) -> HeaderMap {
        let window = self.0.log.lock().unwrap().window;
        let reset = self.0.started as u64 + 3600 + window;
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", HeaderValue::from_static("1000"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("999"));
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
        headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
        headers
    }
}

async fn repository(
    State(log): State<HookLog>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    let headers = log.rate_headers();
    let body = json!({
        "id": 1, "node_id": "R_1", "name": repo, "full_name": format!("{owner}/{repo}"),
        "private": false, "default_branch": "main",
        "owner": { "login": owner, "id": 1 },
        "html_url": format!("https://github.com/{owner}/{repo}"),
        "clone_url": format!("https://github.com/{owner}/{repo}.git"),
    });
    (headers, axum::Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct ListQuery {
    per_page: Option<usize>,
    cursor: Option<u64>,
}

/// Newest first; `cursor` is the id below which the page starts.
async fn list(
    State(log): State<HookLog>,
    Path((owner, repo, hook)): Path<(String, String, String)>,
    Query(query): Query<ListQuery>,
) -> Response {
    let mut headers = log.count();
    if hook != HOOK_ID {
        return (StatusCode::NOT_FOUND, headers).into_response();
    }
    let per_page = query.per_page.unwrap_or(30).clamp(1, 100);
    let attempts = log.attempts();
    let page: Vec<&Attempt> = attempts
        .iter()
        .rev()
        .filter(|a| query.cursor.is_none_or(|cursor| a.id < cursor))
        .take(per_page)
        .collect();
    let more = page
        .last()
        .is_some_and(|last| attempts.iter().any(|a| a.id < last.id));
    if let (true, Some(last)) = (more, page.last()) {
        let next = format!(
            "<{}/repos/{owner}/{repo}/hooks/{hook}/deliveries?per_page={per_page}&cursor={}>; rel=\"next\"",
            log.base_url(),
            last.id
        );
        headers.insert(
            "link",
            HeaderValue::from_str(&next).expect("a header value"),
        );
    }
    let items: Vec<Value> = page.into_iter().map(item).collect();
    (headers, axum::Json(Value::Array(items))).into_response()
}

/// `hook-delivery-item`, as in GitHub's OpenAPI description.
fn item(attempt: &Attempt) -> Value {
    let payload: Value = serde_json::from_slice(&attempt.payload).unwrap_or(Value::Null);
    json!({
        "id": attempt.id,
        "guid": attempt.guid,
        "delivered_at": attempt.delivered_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "redelivery": attempt.redelivery,
        "duration": 0.01,
        "status": if (200..300).contains(&attempt.status_code) { "OK" } else if attempt.status_code == 0 { "failed to connect" } else { "Invalid HTTP Response" },
        "status_code": attempt.status_code,
        "event": attempt.event,
        "action": payload.get("action").cloned().unwrap_or(Value::Null),
        "installation_id": null,
        "repository_id": 1,
        "throttled_at": null,
    })
}

async fn redeliver(
    State(log): State<HookLog>,
    Path((_owner, _repo, hook, id)): Path<(String, String, String, u64)>,
) -> Response {
    let headers = log.count();
    let found = log.attempts().into_iter().find(|a| a.id == id);
    let Some(attempt) = found.filter(|_| hook == HOOK_ID) else {
        return (StatusCode::NOT_FOUND, headers).into_response();
    };
    log.0
        .log
        .lock()
        .unwrap()
        .redeliveries
        .push(attempt.guid.clone());
    if log.0.target.is_none() {
        // Nothing to send: the redelivery is recorded before the answer,
        // so the next listing sees it.
        log.record(&attempt.guid, &attempt.event, attempt.payload, 200, true);
    } else {
        let sender = log.clone();
        tokio::spawn(async move {
            sender
                .deliver(&attempt.guid, &attempt.event, attempt.payload, true)
                .await
        });
    }
    (StatusCode::ACCEPTED, headers, axum::Json(json!({}))).into_response()
}
