//! An HTTP server on 127.0.0.1 that answers with a recorded scenario.
//!
//! Why in-process rather than `@octokit/fixtures-server`: that launcher binds
//! every interface and matches request headers strictly (Octokit's old
//! `Accept` and `token` auth). Here requests are matched on method, path,
//! query and (when recorded) body; headers are kept for tests to inspect.
//!
//! Absolute URLs to the recorded hosts (`https://api.github.com`,
//! `https://uploads.github.com`, `https://codeload.github.com`) in response
//! headers and text bodies are rewritten to the server's own base URL, so a
//! client following `Link` pagination, a `Location` redirect or an
//! `upload_url` stays on the replay server.

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::{Interaction, RecordedBody, Scenario};

/// Response headers not replayed: they describe the recorded connection and
/// encoding, which the server sets for itself.
const SKIPPED_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "keep-alive",
    "transfer-encoding",
];

/// Status sent for a request no recorded interaction matches. Not a 5xx that
/// retry layers would repeat, not a 404 a test could mistake for GitHub's.
pub const UNMATCHED_STATUS: u16 = 501;

/// Serves one [`Scenario`] on `http://127.0.0.1:<free port>`.
///
/// Each recorded interaction answers once. A request takes the first
/// interaction not yet used with the same method, path, query (compared
/// decoded, in any order) and, when one was recorded, the same body (JSON
/// compared as JSON). Repeated identical requests therefore get their
/// answers in recorded order. With [`ReplayServer::start_in_order`] a
/// request must match the next unused interaction.
///
/// Dropping the server stops it.
pub struct ReplayServer {
    base_url: String,
    state: Arc<Mutex<ReplayState>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A request the replay server received.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// Method.
    pub method: http::Method,
    /// Path and query as received.
    pub path: String,
    /// Headers as received.
    pub headers: http::HeaderMap,
    /// Body as received.
    pub body: Bytes,
    /// Index of the interaction that answered it, if any.
    pub matched: Option<usize>,
}

/// A request that matched no recorded interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRequest {
    /// Method.
    pub method: http::Method,
    /// Path and query as received.
    pub path: String,
    /// Body as received (lossy UTF-8).
    pub body: String,
    /// Why the closest recorded interaction did not match.
    pub reason: String,
}

impl fmt::Display for UnmatchedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.method, self.path, self.reason)?;
        if !self.body.is_empty() {
            write!(f, "\n    body: {}", self.body)?;
        }
        Ok(())
    }
}

struct ReplayState {
    scenario: Scenario,
    consumed: Vec<bool>,
    in_order: bool,
    rewrites: Vec<(String, String)>,
    requests: Vec<ReceivedRequest>,
    unmatched: Vec<UnmatchedRequest>,
}

impl ReplayServer {
    /// Serve `scenario`, answering requests in any order.
    ///
    /// # Panics
    ///
    /// If no port can be bound on 127.0.0.1.
    pub fn start(scenario: &Scenario) -> ReplayServer {
        Self::launch(scenario, false)
    }

    /// Serve `scenario`, requiring requests in recorded order.
    ///
    /// # Panics
    ///
    /// If no port can be bound on 127.0.0.1.
    pub fn start_in_order(scenario: &Scenario) -> ReplayServer {
        Self::launch(scenario, true)
    }

    fn launch(scenario: &Scenario, in_order: bool) -> ReplayServer {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));

        let mut origins = scenario.origins();
        origins.push("https://api.github.com".to_owned());
        origins.sort();
        origins.dedup();
        let rewrites = origins.into_iter().map(|o| (o, base_url.clone())).collect();

        let state = Arc::new(Mutex::new(ReplayState {
            consumed: vec![false; scenario.interactions.len()],
            scenario: scenario.clone(),
            in_order,
            rewrites,
            requests: Vec::new(),
            unmatched: Vec::new(),
        }));
        let app = Router::new().fallback(handle).with_state(state.clone());

        // Own thread and runtime: works from sync tests, from any tokio
        // flavour, and with blocking clients.
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("replay-{}", scenario.name))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("replay server runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("register listener with tokio");
                    // TCP_NODELAY on every accepted socket: no delayed-ACK stall.
                    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
                        let _ = stream.set_nodelay(true);
                    });
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(err) = result {
                                eprintln!("replay server stopped: {err}");
                            }
                        }
                        _ = stop => {}
                    }
                });
            })
            .expect("spawn replay server thread");

        ReplayServer {
            base_url,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash. Use it where the
    /// client would use `https://api.github.com`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url` joined with a path that starts with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.lock().requests.clone()
    }

    /// Requests that matched no recorded interaction (each got a
    /// [`UNMATCHED_STATUS`] answer).
    pub fn unmatched_requests(&self) -> Vec<UnmatchedRequest> {
        self.lock().unmatched.clone()
    }

    /// Recorded interactions not yet used.
    pub fn unconsumed(&self) -> Vec<Interaction> {
        let state = self.lock();
        state
            .scenario
            .interactions
            .iter()
            .zip(&state.consumed)
            .filter(|(_, used)| !**used)
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// Panic unless every recorded interaction was used and every request
    /// matched one; the message lists what is left and what did not match.
    #[track_caller]
    pub fn assert_all_consumed(&self) {
        let unconsumed = self.unconsumed();
        let unmatched = self.unmatched_requests();
        if unconsumed.is_empty() && unmatched.is_empty() {
            return;
        }
        let mut message = format!(
            "replay of scenario {:?} incomplete",
            self.lock().scenario.name
        );
        if !unconsumed.is_empty() {
            message.push_str("\n  recorded but never requested:");
            for i in &unconsumed {
                message.push_str(&format!("\n    {} {}", i.method, i.path));
                if let RecordedBody::Json(body) = &i.body {
                    message.push_str(&format!("\n      body: {body}"));
                }
            }
        }
        if !unmatched.is_empty() {
            message.push_str("\n  requested but not recorded:");
            for u in &unmatched {
                message.push_str(&format!("\n    {u}"));
            }
        }
        panic!("{message}");
    }

    fn lock(&self) -> MutexGuard<'_, ReplayState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for ReplayServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayServer")
            .field("base_url", &self.base_url)
            .field("scenario", &self.lock().scenario.name)
            .finish()
    }
}

async fn handle(State(state): State<Arc<Mutex<ReplayState>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());

    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    let found = find(&state, &parts.method, &path, &body);
    state.requests.push(ReceivedRequest {
        method: parts.method.clone(),
        path: path.clone(),
        headers: parts.headers.clone(),
        body: body.clone(),
        matched: found.as_ref().ok().copied(),
    });
    match found {
        Ok(index) => {
            state.consumed[index] = true;
            respond(&state.scenario.interactions[index], &state.rewrites)
        }
        Err(reason) => {
            let message = format!(
                "replay of {:?}: no recorded interaction matches {} {path}: {reason}",
                state.scenario.name, parts.method
            );
            state.unmatched.push(UnmatchedRequest {
                method: parts.method,
                path,
                body: String::from_utf8_lossy(&body).into_owned(),
                reason,
            });
            let body = serde_json::json!({ "message": message }).to_string();
            Response::builder()
                .status(UNMATCHED_STATUS)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("valid response")
        }
    }
}

/// Index of the interaction answering this request, or why there is none.
fn find(
    state: &ReplayState,
    method: &http::Method,
    path: &str,
    body: &[u8],
) -> Result<usize, String> {
    let interactions = &state.scenario.interactions;
    let unused = || (0..interactions.len()).filter(|&i| !state.consumed[i]);

    if state.in_order {
        let Some(next) = unused().next() else {
            return Err("every recorded interaction was already used".to_owned());
        };
        let expected = &interactions[next];
        if !same_target(expected, method, path) {
            return Err(format!(
                "expected next {} {}",
                expected.method, expected.path
            ));
        }
        return body_matches(expected, body).map(|()| next);
    }

    let mut body_mismatch = None;
    for index in unused().filter(|&i| same_target(&interactions[i], method, path)) {
        match body_matches(&interactions[index], body) {
            Ok(()) => return Ok(index),
            Err(reason) => {
                body_mismatch.get_or_insert(reason);
            }
        }
    }
    if let Some(reason) = body_mismatch {
        return Err(reason);
    }
    if (0..interactions.len()).any(|i| same_target(&interactions[i], method, path)) {
        return Err("recorded, but every such interaction was already used".to_owned());
    }
    Err("nothing recorded for this method, path and query".to_owned())
}

fn same_target(interaction: &Interaction, method: &http::Method, path: &str) -> bool {
    let (got_path, got_query) = path.split_once('?').unwrap_or((path, ""));
    interaction.method == method
        && decoded(interaction.path_only()) == decoded(got_path)
        && query_pairs(interaction.query().unwrap_or("")) == query_pairs(got_query)
}

fn body_matches(interaction: &Interaction, body: &[u8]) -> Result<(), String> {
    match &interaction.body {
        RecordedBody::Empty => Ok(()),
        RecordedBody::Json(expected) => match serde_json::from_slice::<Value>(body) {
            Ok(got) if &got == expected => Ok(()),
            Ok(got) => Err(format!("body differs: recorded {expected}, received {got}")),
            Err(_) => Err(format!(
                "body differs: recorded JSON {expected}, received {:?}",
                String::from_utf8_lossy(body)
            )),
        },
        RecordedBody::Text(expected) if expected.as_bytes() == body => Ok(()),
        RecordedBody::Text(expected) => Err(format!(
            "body differs: recorded {expected:?}, received {:?}",
            String::from_utf8_lossy(body)
        )),
    }
}

fn respond(interaction: &Interaction, rewrites: &[(String, String)]) -> Response {
    let mut response = Response::builder().status(interaction.status);
    for (name, value) in &interaction.headers {
        if SKIPPED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if let Ok(value) = http::HeaderValue::from_str(&rewrite(value, rewrites)) {
            response = response.header(name.as_str(), value);
        }
    }
    let mut body = interaction.response_bytes();
    if !interaction.response_is_binary {
        if let Ok(text) = String::from_utf8(body.clone()) {
            body = rewrite(&text, rewrites).into_bytes();
        }
    }
    response
        .body(Body::from(body))
        .expect("recorded status and headers are valid")
}

fn rewrite(text: &str, rewrites: &[(String, String)]) -> String {
    rewrites.iter().fold(text.to_owned(), |text, (from, to)| {
        text.replace(from.as_str(), to)
    })
}

fn decoded(path: &str) -> String {
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_order_and_encoding_do_not_matter() {
        assert_eq!(
            query_pairs("q=sesame%20repo%3Aoctokit-fixture-org%2Fsearch-issues&per_page=3"),
            query_pairs("per_page=3&q=sesame+repo:octokit-fixture-org/search-issues"),
        );
    }

    #[test]
    fn rewrites_every_recorded_origin() {
        let rewrites = vec![
            (
                "https://api.github.com".to_owned(),
                "http://127.0.0.1:1".to_owned(),
            ),
            (
                "https://uploads.github.com".to_owned(),
                "http://127.0.0.1:1".to_owned(),
            ),
        ];
        assert_eq!(
            rewrite(
                r#"<https://api.github.com/x?page=2>; rel="next" https://uploads.github.com/y https://github.com/z"#,
                &rewrites
            ),
            r#"<http://127.0.0.1:1/x?page=2>; rel="next" http://127.0.0.1:1/y https://github.com/z"#
        );
    }
}
