//! A stand-in for a GitLab project hook's event log, for end-to-end tests
//! of missed-delivery recovery. Ours, not GitLab's: paths and answer
//! shapes follow GitLab's project webhooks API documentation (`GET
//! /projects/:id/hooks/:hook_id/events`, `POST
//! …/events/:hook_event_id/resend`, offset pages with `X-Next-Page`), as
//! no OpenAPI description of them is at hand.
//!
//! Like GitLab 17.4+ it sends each webhook with the hook's secret in
//! `X-Gitlab-Token`, a fresh `X-Gitlab-Event-UUID` per request and an
//! `Idempotency-Key` per event; records every request as an event log
//! entry (`response_status` is the receiver's status as text, `internal
//! error` when it could not be reached); lists entries newest first; and
//! on a resend sends the same payload again, synchronously, with a new
//! event UUID and the same key, recorded as a new entry. Unlike GitLab
//! it does not limit resends to five a minute.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};

/// The hook whose events the stub serves: `/projects/{id}/hooks/4/events`.
pub const GITLAB_HOOK_ID: &str = "4";

/// One entry of the event log: one request the hook made.
#[derive(Debug, Clone)]
pub struct GitLabAttempt {
    pub id: u64,
    pub idempotency_key: String,
    pub event_uuid: String,
    /// `X-Gitlab-Event` (`Merge Request Hook`, …).
    pub event: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The receiver's status as text; `internal error` without an answer.
    pub response_status: String,
    payload: Bytes,
}

#[derive(Default)]
struct Log {
    attempts: Vec<GitLabAttempt>,
    /// Idempotency keys whose resend was asked for, in order.
    resends: Vec<String>,
    uuids: u64,
}

struct Inner {
    target: String,
    token: String,
    client: reqwest::Client,
    log: Mutex<Log>,
    base_url: Mutex<String>,
}

/// The stub; clones share the log.
#[derive(Clone)]
pub struct GitLabHookLog(Arc<Inner>);

impl GitLabHookLog {
    /// Serves the log on 127.0.0.1; webhooks go to `target` (the receiver's
    /// full URL) with `token` in `X-Gitlab-Token`.
    pub async fn start(target: String, token: &str) -> GitLabHookLog {
        let log = GitLabHookLog(Arc::new(Inner {
            target,
            token: token.to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a client"),
            log: Mutex::new(Log::default()),
            base_url: Mutex::new(String::new()),
        }));
        let app = Router::new()
            .route("/api/v4/projects/{project}/hooks/{hook}/events", get(list))
            .route(
                "/api/v4/projects/{project}/hooks/{hook}/events/{id}/resend",
                post(resend),
            )
            .with_state(log.clone());
        *log.0.base_url.lock().unwrap() = crate::loopback::serve(app).await;
        log
    }

    /// The instance's API base (`…/api/v4`), the integration's `api_url`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v4", self.0.base_url.lock().unwrap())
    }

    /// Sends one webhook for a new event and records the request; the
    /// receiver's status (0 when it could not be reached).
    pub async fn send(&self, idempotency_key: &str, event: &str, payload: Bytes) -> u16 {
        self.deliver(idempotency_key, event, payload).await
    }

    /// Sends one webhook that the receiver accepts, but records it as
    /// GitLab does when the answer came too late (`internal error`).
    pub async fn send_timing_out(&self, idempotency_key: &str, event: &str, payload: Bytes) -> u16 {
        let status = self.deliver(idempotency_key, event, payload).await;
        let mut log = self.0.log.lock().unwrap();
        if let Some(last) = log
            .attempts
            .iter_mut()
            .rev()
            .find(|a| a.idempotency_key == idempotency_key)
        {
            last.response_status = "internal error".to_owned();
        }
        status
    }

    /// Every entry, oldest first.
    pub fn attempts(&self) -> Vec<GitLabAttempt> {
        self.0.log.lock().unwrap().attempts.clone()
    }

    /// Idempotency keys whose resend was asked for, in order.
    pub fn resends(&self) -> Vec<String> {
        self.0.log.lock().unwrap().resends.clone()
    }

    fn next_uuid(&self) -> String {
        let mut log = self.0.log.lock().unwrap();
        log.uuids += 1;
        format!("00000000-0000-4000-8000-{:012x}", log.uuids)
    }

    async fn deliver(&self, key: &str, event: &str, payload: Bytes) -> u16 {
        let event_uuid = self.next_uuid();
        let sent = self
            .0
            .client
            .post(&self.0.target)
            .header("content-type", "application/json")
            .header("user-agent", "GitLab/17.4.0")
            .header("x-gitlab-event", event)
            .header("x-gitlab-event-uuid", &event_uuid)
            .header("idempotency-key", key)
            .header("x-gitlab-instance", "https://gitlab.example.com")
            .header(
                "x-gitlab-webhook-uuid",
                "3c5c0404-c866-44bc-a5f6-452bb1bfc76e",
            )
            .header("x-gitlab-token", &self.0.token)
            .body(payload.clone())
            .send()
            .await;
        let status = sent.map(|r| r.status().as_u16()).unwrap_or(0);
        let mut log = self.0.log.lock().unwrap();
        let id = log.attempts.len() as u64 + 1;
        log.attempts.push(GitLabAttempt {
            id,
            idempotency_key: key.to_owned(),
            event_uuid,
            event: event.to_owned(),
            created_at: chrono::Utc::now(),
            response_status: if status == 0 {
                "internal error".to_owned()
            } else {
                status.to_string()
            },
            payload,
        });
        status
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    per_page: Option<usize>,
    page: Option<usize>,
}

/// Newest first, offset pages; `X-Next-Page` names the next one.
async fn list(
    State(log): State<GitLabHookLog>,
    Path((_project, hook)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Response {
    if hook != GITLAB_HOOK_ID {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "404 Not Found"})),
        )
            .into_response();
    }
    let per_page = query.per_page.unwrap_or(20).clamp(1, 100);
    let page = query.page.unwrap_or(1).max(1);
    let attempts = log.attempts();
    let newest_first: Vec<&GitLabAttempt> = attempts.iter().rev().collect();
    let items: Vec<Value> = newest_first
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|attempt| entry(attempt))
        .collect();
    let mut headers = HeaderMap::new();
    if page * per_page < newest_first.len() {
        headers.insert("x-next-page", HeaderValue::from(page + 1));
    }
    (headers, axum::Json(Value::Array(items))).into_response()
}

/// An event log entry, shaped as GitLab's documentation shows it.
fn entry(attempt: &GitLabAttempt) -> Value {
    let payload: Value = serde_json::from_slice(&attempt.payload).unwrap_or(Value::Null);
    json!({
        "id": attempt.id,
        "url": "http://127.0.0.1/webhooks/gitlab",
        "trigger": "push_hooks",
        "request_headers": {
            "Content-Type": "application/json",
            "User-Agent": "GitLab/17.4.0",
            "Idempotency-Key": attempt.idempotency_key,
            "X-Gitlab-Event": attempt.event,
            "X-Gitlab-Webhook-UUID": "3c5c0404-c866-44bc-a5f6-452bb1bfc76e",
            "X-Gitlab-Instance": "https://gitlab.example.com",
            "X-Gitlab-Event-UUID": attempt.event_uuid,
            "X-Gitlab-Token": "[REDACTED]",
        },
        "request_data": payload,
        "response_headers": {},
        "response_body": "",
        "execution_duration": 0.01,
        "response_status": attempt.response_status,
        "created_at": attempt.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

async fn resend(
    State(log): State<GitLabHookLog>,
    Path((_project, hook, id)): Path<(String, String, u64)>,
) -> Response {
    let found = log.attempts().into_iter().find(|a| a.id == id);
    let Some(attempt) = found.filter(|_| hook == GITLAB_HOOK_ID) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "404 Not Found"})),
        )
            .into_response();
    };
    log.0
        .log
        .lock()
        .unwrap()
        .resends
        .push(attempt.idempotency_key.clone());
    let status = log
        .deliver(&attempt.idempotency_key, &attempt.event, attempt.payload)
        .await;
    (
        StatusCode::CREATED,
        axum::Json(json!({ "response_status": status })),
    )
        .into_response()
}
