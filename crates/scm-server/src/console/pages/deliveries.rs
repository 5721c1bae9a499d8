//! Deliveries: the webhook history, filtered; one delivery's safe
//! headers, neutral JSON and per-listener attempts; redelivery.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{failure, render};
use crate::console::auth::Operator;
use crate::console::csrf::{Change, NoFields};
use crate::console::SharedConsole;

/// `GET /console/deliveries`.
pub async fn list(State(state): State<SharedConsole>, Operator(op): Operator) -> Response {
    render(&state, Some(&op), "deliveries.html", "deliveries", json!({ "deliveries": [] }))
}

/// `GET /console/deliveries/{id}`.
pub async fn show(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Path(_id): Path<i64>,
) -> Response {
    failure(&state, &op, StatusCode::NOT_FOUND, "no such delivery")
}

/// `POST /console/deliveries/{id}/redeliver`.
pub async fn redeliver(
    State(state): State<SharedConsole>,
    Path(_id): Path<i64>,
    Change { operator, .. }: Change<NoFields>,
) -> Response {
    failure(&state, &operator, StatusCode::NOT_FOUND, "no such delivery")
}
