//! The overview: whether the registry, the queue and Redis answer, and
//! the delivery figures of the last hour (from the delivery history).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::render;
use crate::console::auth::Operator;
use crate::console::SharedConsole;

/// `GET /console`.
pub async fn page(State(state): State<SharedConsole>, Operator(op): Operator) -> Response {
    let database = state.registry.ping().await;
    // The queue answers when it can list its dead letters.
    let dead_letters = state.queue.dead_letters(None).await.ok().map(|d| d.len());
    let redis = match &state.redis {
        Some(redis) => Some(redis.ping().await),
        None => None,
    };
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let summary = state.registry.history_summary(hour_ago).await.ok();
    let per_minute = summary
        .as_ref()
        // Two decimals: a quiet hour (a few deliveries) is not "0.0".
        .map(|s| format!("{:.2}", s.deliveries as f64 / 60.0));
    render(
        &state,
        Some(&op),
        "overview.html",
        "overview",
        json!({
            "health": {
                "database": database,
                "queue": dead_letters.is_some(),
                "queue_backend": state.queue.backend(),
                "redis": redis,
            },
            "dead_letters": dead_letters,
            "summary": summary,
            "per_minute": per_minute,
        }),
    )
}
