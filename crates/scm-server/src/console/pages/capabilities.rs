//! The capability matrix: which provider supports which action, from the
//! providers' registrations (the table `scm capabilities` prints).

use axum::extract::State;
use axum::response::Response;
use scm_core::ActionName;
use serde_json::json;

use super::render;
use crate::console::auth::Operator;
use crate::console::SharedConsole;

/// `GET /console/capabilities`.
pub async fn page(State(state): State<SharedConsole>, Operator(op): Operator) -> Response {
    let providers = scm_providers::PROVIDERS;
    let rows: Vec<_> = ActionName::ALL
        .iter()
        .map(|action| {
            json!({
                "action": action.as_str(),
                "group": action.group().title(),
                "supported": providers
                    .iter()
                    .map(|p| p.capabilities().contains(*action))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let names: Vec<_> = providers
        .iter()
        .map(|p| json!({ "title": p.title(), "count": p.capabilities().len() }))
        .collect();
    render(
        &state,
        Some(&op),
        "capabilities.html",
        "capabilities",
        json!({ "providers": names, "rows": rows, "total": ActionName::ALL.len() }),
    )
}
