//! Dead letters: list (by listener), replay one or all, through
//! [`crate::events::dead_letters`], the code `scm events replay` runs.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{done, failure, render, store_failure};
use crate::console::auth::{audit, Operator};
use crate::console::csrf::Change;
use crate::console::SharedConsole;
use crate::events::dead_letters::{self, Replay};

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    listener: String,
    notice: Option<String>,
}

/// `GET /console/dead-letters[?listener=…]`.
pub async fn list(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Query(filter): Query<Filter>,
) -> Response {
    let listener = Some(filter.listener.trim()).filter(|l| !l.is_empty());
    let letters = dead_letters::list(state.queue.as_ref(), listener).await;
    let listeners = state.registry.list_listeners().await;
    match (letters, listeners) {
        (Ok(letters), Ok(listeners)) => render(
            &state,
            Some(&op),
            "dead_letters.html",
            "dead-letters",
            json!({
                "letters": letters,
                "listeners": listeners.iter().map(|l| &l.name).collect::<Vec<_>>(),
                "listener": listener,
                "notice": super::Notice { notice: filter.notice }.text(),
            }),
        ),
        (Err(err), _) => store_failure(&state, &op, err),
        (_, Err(err)) => store_failure(&state, &op, err),
    }
}

/// The replay form: `id` for one, else every one (of `listener`).
#[derive(Deserialize)]
pub struct ReplayForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    listener: String,
}

/// `POST /console/dead-letters/replay`.
pub async fn replay(
    State(state): State<SharedConsole>,
    Change { operator, form }: Change<ReplayForm>,
) -> Response {
    let listener = Some(form.listener.trim()).filter(|l| !l.is_empty());
    let what = match form.id.trim() {
        "" => Replay::All { listener },
        id => match id.parse() {
            Ok(id) => Replay::One(id),
            Err(_) => {
                return failure(
                    &state,
                    &operator,
                    StatusCode::BAD_REQUEST,
                    "a dead letter id is a number",
                )
            }
        },
    };
    let target = match &what {
        Replay::One(id) => format!("dead letter {id}"),
        Replay::All { listener: Some(l) } => format!("every dead letter of {l}"),
        Replay::All { listener: None } => "every dead letter".to_owned(),
    };
    audit(&operator, "replay", &target);
    match dead_letters::replay(&state.registry, state.queue.as_ref(), what).await {
        Ok(count) => done(
            "/console/dead-letters",
            &format!("{count} replayed ({target})"),
        ),
        Err(err) => store_failure(&state, &operator, err),
    }
}
