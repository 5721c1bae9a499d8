//! Listeners: each registered HTTP listener with its dead letters.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::json;

use super::{render, store_failure, Notice};
use crate::console::auth::Operator;
use crate::console::csrf::{Change, NoFields};
use crate::console::SharedConsole;

/// `GET /console/listeners`.
pub async fn list(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Query(notice): Query<Notice>,
) -> Response {
    let listeners = match state.registry.list_listeners().await {
        Ok(listeners) => listeners,
        Err(err) => return store_failure(&state, &op, err),
    };
    let dead = state.queue.dead_letters(None).await.unwrap_or_default();
    let rows: Vec<_> = listeners
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "url": l.url,
                "events": l.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                "max_attempts": l.max_attempts,
                "dead_letters": dead.iter().filter(|d| d.listener == l.name).count(),
            })
        })
        .collect();
    render(
        &state,
        Some(&op),
        "listeners.html",
        "listeners",
        json!({ "listeners": rows, "notice": notice.text() }),
    )
}

/// `POST /console/listeners/{name}/pause`.
pub async fn pause(
    State(state): State<SharedConsole>,
    Path(name): Path<String>,
    change: Change<NoFields>,
) -> Response {
    set_paused(&state, &name, true, change).await
}

/// `POST /console/listeners/{name}/resume`.
pub async fn resume(
    State(state): State<SharedConsole>,
    Path(name): Path<String>,
    change: Change<NoFields>,
) -> Response {
    set_paused(&state, &name, false, change).await
}

async fn set_paused(
    state: &SharedConsole,
    name: &str,
    paused: bool,
    Change { operator, .. }: Change<NoFields>,
) -> Response {
    let _ = (name, paused);
    super::failure(
        state,
        &operator,
        axum::http::StatusCode::NOT_IMPLEMENTED,
        "pausing listeners is not available yet",
    )
}
