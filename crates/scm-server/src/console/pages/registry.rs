//! The registry's pages: integrations, repositories (activate and
//! deactivate), client keys (create, revoke) and webhook secrets (names
//! and ages). Listings come from the registry's list calls, which never
//! open a sealed value; the one secret ever shown is a new key's, in the
//! answer to the form that created it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{done, failure, render, store_failure, Notice};
use crate::console::auth::{audit, Operator};
use crate::console::csrf::{Change, NoFields};
use crate::console::SharedConsole;
use crate::registry::Grants;

/// `GET /console/integrations`.
pub async fn integrations(State(state): State<SharedConsole>, Operator(op): Operator) -> Response {
    match state.registry.list_integrations().await {
        Ok(list) => render(
            &state,
            Some(&op),
            "integrations.html",
            "integrations",
            json!({ "integrations": list }),
        ),
        Err(err) => store_failure(&state, &op, err),
    }
}

/// `GET /console/repositories`.
pub async fn repositories(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Query(notice): Query<Notice>,
) -> Response {
    match state.registry.list_repositories(None).await {
        Ok(list) => render(
            &state,
            Some(&op),
            "repositories.html",
            "repositories",
            json!({ "repositories": list, "notice": notice.text() }),
        ),
        Err(err) => store_failure(&state, &op, err),
    }
}

/// `POST /console/repositories/{id}/{activate|deactivate}`.
pub async fn set_repository_active(
    State(state): State<SharedConsole>,
    Path((id, change)): Path<(i64, String)>,
    Change { operator, .. }: Change<NoFields>,
) -> Response {
    let active = match change.as_str() {
        "activate" => true,
        "deactivate" => false,
        _ => return failure(&state, &operator, StatusCode::NOT_FOUND, "no such change"),
    };
    audit(&operator, &change, &format!("repository {id}"));
    match state.registry.set_repository_active(id, active).await {
        Ok(()) => done(
            "/console/repositories",
            &format!("repository {id}: {change}d"),
        ),
        Err(err) => store_failure(&state, &operator, err),
    }
}

/// `GET /console/keys`.
pub async fn keys(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
    Query(notice): Query<Notice>,
) -> Response {
    keys_page(&state, &op, notice.text(), None).await
}

async fn keys_page(
    state: &SharedConsole,
    op: &crate::console::session::Session,
    notice: serde_json::Value,
    created: Option<serde_json::Value>,
) -> Response {
    match state.registry.list_client_keys().await {
        Ok(list) => render(
            state,
            Some(op),
            "keys.html",
            "keys",
            json!({ "keys": list, "notice": notice, "created": created }),
        ),
        Err(err) => store_failure(state, op, err),
    }
}

/// The key creation form. Lists are comma-separated.
#[derive(Deserialize)]
pub struct NewKeyForm {
    name: String,
    #[serde(default)]
    organizations: String,
    #[serde(default)]
    referrers: String,
    #[serde(default)]
    actions: String,
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl NewKeyForm {
    fn grants(&self) -> Result<Grants, String> {
        let organizations = comma_list(&self.organizations)
            .iter()
            .map(|id| {
                id.parse::<i64>()
                    .map_err(|_| "organizations are numeric ids, comma-separated".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let referrers = match comma_list(&self.referrers) {
            list if list.is_empty() => vec!["*".to_owned()],
            list => list,
        };
        let actions = Some(comma_list(&self.actions)).filter(|list| !list.is_empty());
        Ok(Grants {
            organizations,
            referrers,
            actions,
        })
    }
}

/// `POST /console/keys`: creates a key and shows its secret, this once.
pub async fn create_key(
    State(state): State<SharedConsole>,
    Change { operator, form }: Change<NewKeyForm>,
) -> Response {
    let name = form.name.trim();
    if name.is_empty() || name.len() > 100 {
        return failure(
            &state,
            &operator,
            StatusCode::BAD_REQUEST,
            "a key needs a name (at most 100 characters)",
        );
    }
    let grants = match form.grants() {
        Ok(grants) => grants,
        Err(why) => return failure(&state, &operator, StatusCode::BAD_REQUEST, &why),
    };
    match state.registry.create_client_key(name, grants).await {
        Ok((record, secret)) => {
            audit(&operator, "create client key", &record.key_id);
            let created = json!({ "key_id": record.key_id, "secret": secret.expose() });
            keys_page(&state, &operator, serde_json::Value::Null, Some(created)).await
        }
        Err(err) => store_failure(&state, &operator, err),
    }
}

/// `POST /console/keys/{key_id}/revoke`: refused from the next call on.
pub async fn revoke_key(
    State(state): State<SharedConsole>,
    Path(key_id): Path<String>,
    Change { operator, .. }: Change<NoFields>,
) -> Response {
    audit(&operator, "revoke client key", &key_id);
    match state.registry.revoke_client_key(&key_id).await {
        Ok(()) => done("/console/keys", &format!("{key_id} revoked")),
        Err(err) => store_failure(&state, &operator, err),
    }
}

/// `GET /console/webhook-secrets`: which integration, since when.
pub async fn webhook_secrets(
    State(state): State<SharedConsole>,
    Operator(op): Operator,
) -> Response {
    let secrets = state.registry.list_webhook_secrets(None).await;
    let integrations = state.registry.list_integrations().await;
    match (secrets, integrations) {
        (Ok(secrets), Ok(integrations)) => {
            let rows: Vec<_> = secrets
                .iter()
                .map(|s| {
                    let integration = integrations.iter().find(|i| i.id == s.integration_id);
                    json!({
                        "id": s.id,
                        "integration_id": s.integration_id,
                        "integration": integration.map(|i| i.name.as_str()),
                        "provider": integration.map(|i| i.provider.as_str()),
                        "created_at": s.created_at,
                    })
                })
                .collect();
            let configured: Vec<_> = state
                .configured_webhook_secrets
                .iter()
                .map(|(provider, count)| json!({ "provider": provider, "count": count }))
                .collect();
            render(
                &state,
                Some(&op),
                "secrets.html",
                "webhook-secrets",
                json!({ "secrets": rows, "configured": configured }),
            )
        }
        (Err(err), _) | (_, Err(err)) => store_failure(&state, &op, err),
    }
}
