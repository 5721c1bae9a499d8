//! The operator console at `/console`: server-rendered pages over the
//! registry, the queue and this process's quota counters, for the people
//! who run the platform (deliveries and dead letters, listeners, quotas,
//! keys). Off unless `[console] admin_token` (`SCM_CONSOLE_ADMIN_TOKEN`)
//! is set; `/console` is then an unknown route like any other.
//!
//! - [`config`]: the `[console]` section;
//! - [`session`]: sessions, the cookie, the token check, the login limit;
//! - [`auth`]: login and logout, and the extractor every page requires;
//! - [`csrf`]: the extractor every state change goes through;
//! - [`templates`] and [`assets`]: what is compiled into the binary;
//! - [`pages`]: one module per page.
//!
//! No page shows a credential, a webhook secret, a signature or a client
//! key's secret, except the secret of a key at the moment it is created.

pub mod assets;
pub mod auth;
pub mod config;
pub mod csrf;
pub mod pages;
pub mod session;
pub mod templates;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use scm_stream::EventQueue;

pub use config::ConsoleConfig;

use crate::quota_store::RedisConnection;
use crate::registry::Registry;

/// What every console handler shares.
pub struct ConsoleState {
    pub config: ConsoleConfig,
    pub registry: Registry,
    pub queue: Arc<dyn EventQueue>,
    /// The quota store's Redis, when configured (the overview's health).
    pub redis: Option<RedisConnection>,
    pub sessions: session::Sessions,
    pub limiter: session::LoginLimiter,
    pub templates: templates::Templates,
    /// `[webhooks.<provider>]`: how many secrets each provider has in the
    /// configuration (the count only).
    pub configured_webhook_secrets: Vec<(String, usize)>,
}

pub type SharedConsole = Arc<ConsoleState>;

impl ConsoleState {
    pub fn new(
        config: ConsoleConfig,
        registry: Registry,
        queue: Arc<dyn EventQueue>,
        redis: Option<RedisConnection>,
    ) -> Self {
        Self {
            sessions: session::Sessions::new(config.session_ttl()),
            limiter: session::LoginLimiter::per_minute(config.login_attempts_per_minute),
            templates: templates::Templates::new(),
            configured_webhook_secrets: Vec::new(),
            config,
            registry,
            queue,
            redis,
        }
    }
}

/// The console's routes, all under `/console`.
pub fn router(state: SharedConsole) -> Router {
    use pages::*;
    Router::new()
        .route("/console", get(overview::page))
        .route("/console/", get(overview::page))
        .route("/console/login", get(auth::login_page).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .route("/console/assets/{file}", get(assets::serve))
        .route("/console/deliveries", get(deliveries::list))
        .route(
            "/console/deliveries/{provider}/{delivery_id}",
            get(deliveries::show),
        )
        .route(
            "/console/deliveries/{provider}/{delivery_id}/redeliver",
            post(deliveries::redeliver),
        )
        .route("/console/dead-letters", get(dead_letters::list))
        .route("/console/dead-letters/replay", post(dead_letters::replay))
        .route("/console/listeners", get(listeners::list))
        .route("/console/listeners/{name}/pause", post(listeners::pause))
        .route("/console/listeners/{name}/resume", post(listeners::resume))
        .route("/console/quotas", get(quotas::page))
        .route("/console/integrations", get(registry::integrations))
        .route("/console/repositories", get(registry::repositories))
        .route(
            "/console/repositories/{id}/{change}",
            post(registry::set_repository_active),
        )
        .route(
            "/console/keys",
            get(registry::keys).post(registry::create_key),
        )
        .route("/console/keys/{key_id}/revoke", post(registry::revoke_key))
        .route("/console/webhook-secrets", get(registry::webhook_secrets))
        .route("/console/capabilities", get(capabilities::page))
        .with_state(state)
}
