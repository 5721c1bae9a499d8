//! Deliveries: the webhook history ([`crate::events::history`]),
//! filtered; one delivery's allow-listed headers, neutral JSON and
//! per-listener attempts; redelivery to one listener or all, through
//! [`crate::events::redeliver`] (the queue's path, as a replay).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{done, failure, render, store_failure, Notice};
use crate::console::auth::{audit, Operator};
use crate::console::csrf::Change;
use crate::console::SharedConsole;
use crate::events::history::{DeliveryFilter, Outcome};
use crate::events::redeliver::{redeliver as redeliver_to, RedeliverError};

/// The list's filters, as the form sends them (empty: any).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    repository: String,
    #[serde(default)]
    listener: String,
    #[serde(default)]
    outcome: String,
    /// Minutes back (`15`, `60`, `1440`, `10080`); empty: all kept.
    #[serde(default)]
    within: String,
    /// The last id of the previous page.
    #[serde(default)]
    before: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(200).collect())
}

impl Filters {
    fn filter(&self) -> DeliveryFilter {
        DeliveryFilter {
            provider: given(&self.provider),
            event_type: given(&self.event_type),
            repository: given(&self.repository),
            listener: given(&self.listener),
            outcome: self.outcome.trim().parse::<Outcome>().ok(),
            since: self
                .within
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|m| *m > 0)
                .map(|minutes| Utc::now() - Duration::minutes(minutes)),
            until: None,
            before_id: self.before.trim().parse().ok(),
            limit: Some(PAGE),
        }
    }
}

const PAGE: u32 = 50;

/// `GET /console/deliveries`.
pub async fn list(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Query(filters): Query<Filters>,
) -> Response {
    let deliveries = match state.registry.list_deliveries(&filters.filter()).await {
        Ok(list) => list,
        Err(err) => return store_failure(&state, &op, err),
    };
    let listeners = state.registry.list_listeners().await.unwrap_or_default();
    let older = (deliveries.len() == PAGE as usize)
        .then(|| deliveries.last().map(|d| d.id))
        .flatten();
    render(
        &state,
        Some(&op),
        "deliveries.html",
        "deliveries",
        json!({
            "deliveries": deliveries,
            "older": older,
            "filters": {
                "provider": filters.provider,
                "event_type": filters.event_type,
                "repository": filters.repository,
                "listener": filters.listener,
                "outcome": filters.outcome,
                "within": filters.within,
            },
            "providers": scm_providers::PROVIDERS.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "event_types": scm_core::events::EventType::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            "outcomes": Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "listeners": listeners.iter().map(|l| &l.name).collect::<Vec<_>>(),
        }),
    )
}

/// `GET /console/deliveries/{provider}/{delivery_id}`.
pub async fn show(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Path((provider, delivery_id)): Path<(String, String)>,
    Query(notice): Query<Notice>,
) -> Response {
    match state.registry.delivery(&delivery_id, Some(&provider)).await {
        Ok(Some(record)) => {
            let event = serde_json::to_string_pretty(&record.envelope).unwrap_or_default();
            render(
                &state,
                Some(&op),
                "delivery.html",
                "deliveries",
                json!({
                    "delivery": record.summary,
                    "headers": record.headers,
                    "event": event,
                    "notice": notice.text(),
                }),
            )
        }
        Ok(None) => failure(
            &state,
            &op,
            StatusCode::NOT_FOUND,
            "no such delivery in the history",
        ),
        Err(err) => store_failure(&state, &op, err),
    }
}

/// The redelivery form: one listener, or every one (empty).
#[derive(Deserialize)]
pub struct RedeliverForm {
    #[serde(default)]
    listener: String,
}

/// `POST /console/deliveries/{provider}/{delivery_id}/redeliver`.
pub async fn redeliver(
    State(state): State<SharedConsole>,
    Path((provider, delivery_id)): Path<(String, String)>,
    Change { operator, form }: Change<RedeliverForm>,
) -> Response {
    let listener = given(&form.listener);
    let target = format!(
        "{provider} delivery {delivery_id} to {}",
        listener.as_deref().unwrap_or("every listener")
    );
    audit(&operator, "redeliver", &target);
    let page = format!(
        "/console/deliveries/{}/{}",
        segment(&provider),
        segment(&delivery_id)
    );
    match redeliver_to(
        &state.registry,
        state.queue.as_ref(),
        &delivery_id,
        Some(&provider),
        listener.as_deref(),
    )
    .await
    {
        Ok(names) => done(&page, &format!("redelivered to {}", names.join(", "))),
        Err(err @ (RedeliverError::NotFound(_) | RedeliverError::NotAListener { .. })) => {
            failure(&state, &operator, StatusCode::NOT_FOUND, &err.to_string())
        }
        Err(err @ RedeliverError::NotHeld(_)) => {
            failure(&state, &operator, StatusCode::CONFLICT, &err.to_string())
        }
        Err(err) => store_failure(&state, &operator, err),
    }
}

/// One path segment, percent-encoded.
fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
