//! Quotas: per integration and referrer, what this server used of the
//! current window, what remains, and refusals ([`scm_core::quota::usage`]).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::render;
use crate::console::auth::Operator;
use crate::console::SharedConsole;

/// `GET /console/quotas`.
pub async fn page(State(state): State<SharedConsole>, Operator(op): Operator) -> Response {
    let integrations = state.registry.list_integrations().await.unwrap_or_default();
    let rows: Vec<_> = scm_core::quota::usage()
        .into_iter()
        .map(|row| {
            let name = integrations
                .iter()
                .find(|i| i.id.to_string() == row.integration)
                .map(|i| i.name.clone());
            json!({
                "integration": row.integration,
                "integration_name": name,
                "referrer": row.referrer,
                "used": row.used,
                "limit": row.limit,
                "remaining": row.remaining(),
                "refused": row.refused,
            })
        })
        .collect();
    render(
        &state,
        Some(&op),
        "quotas.html",
        "quotas",
        json!({ "rows": rows }),
    )
}
