//! Listeners: each registered HTTP listener with its outcomes over the
//! last day (from the delivery history), its dead letters and last error;
//! pause and resume (workers hold a paused listener's deliveries).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::json;

use super::{done, render, store_failure, Notice};
use crate::console::auth::{audit, Operator};
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
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    let health = state
        .registry
        .listener_health(day_ago)
        .await
        .unwrap_or_default();
    let rows: Vec<_> = listeners
        .iter()
        .map(|l| {
            let figures = health.iter().find(|h| h.listener == l.name);
            let (delivered, failed) =
                figures.map_or((0, 0), |h| (h.delivered, h.failed + h.dead_lettered));
            let success_rate = (delivered + failed > 0).then(|| {
                format!(
                    "{:.0} %",
                    100.0 * delivered as f64 / (delivered + failed) as f64
                )
            });
            json!({
                "delivered": delivered,
                "failed": failed,
                "success_rate": success_rate,
                "last_error": figures.and_then(|h| h.last_error.clone()),
                "paused": l.paused,
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
    let change = if paused { "pause" } else { "resume" };
    audit(&operator, change, &format!("listener {name}"));
    match state.registry.set_listener_paused(name, paused).await {
        Ok(()) => done("/console/listeners", &format!("{name}: {change}d")),
        Err(err) => store_failure(state, &operator, err),
    }
}
