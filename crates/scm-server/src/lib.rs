//! The SCM service: the registry, signed RPC over the action table,
//! health and metrics.
//!
//! - [`config`]: the TOML file and `SCM_*` overrides;
//! - [`crypto`]: sealing credentials and client secrets at rest;
//! - [`registry`]: integrations, repositories and RPC client keys in
//!   SQLite or PostgreSQL, implementing scm-core's `RepositoryRegistry`;
//! - [`resolver`]: one provider per integration, behind the standard layers;
//! - [`signing`]: request signing v1 and its verification;
//! - [`events`]: the webhook ingress, the event queue and listener rows;
//! - [`rpc0`]: the older signed proxy protocol, scoped per repository;
//! - [`quota_store`]: quota counters and request nonces in Redis;
//! - [`app`]: the axum routes; [`error`]: the coded error body;
//! - [`openapi`]: the served OpenAPI document (generated in scm-rpc).

pub mod app;
pub mod cache;
pub mod config;
mod config_error;
pub mod crypto;
pub mod error;
pub mod events;
pub mod limits;
pub mod metrics_guard;
pub mod nonces;
pub mod openapi;
pub mod quota_store;
pub mod registry;
pub mod resolver;
pub mod rpc0;
pub mod signing;

use std::sync::Arc;

use scm_core::layers::ConnectOptions;

pub use config::Config;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
    #[error(transparent)]
    Registry(#[from] registry::RegistryError),
    #[error(transparent)]
    Queue(#[from] scm_stream::QueueError),
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the registry named by the config with the key from
/// `SCM_SECRET_KEY` (for the admin commands).
pub async fn open_registry(config: &Config) -> Result<registry::Registry, ServerError> {
    let secrets = crypto::SecretBox::from_env()?;
    Ok(registry::Registry::connect(&config.database_url, secrets).await?)
}

/// The router over an opened registry, with providers built per
/// integration, and the registry's key and repository caches set from
/// `[rpc]`.
pub fn build_app(config: &Config, registry: registry::Registry) -> axum::Router {
    metrics_guard::set_referrers(
        config
            .quota
            .allocations
            .keys()
            .chain(&config.metrics.referrers)
            .map(String::as_str),
    );
    registry.set_cache_ttls(
        config.rpc.key_cache_ttl(),
        config.rpc.repository_cache_ttl(),
    );
    let stores = config.quota.stores().unwrap_or_else(|err| {
        tracing::error!(error = %err, "quota store unusable; counting in memory");
        quota_store::QuotaConfig::default()
            .stores()
            .expect("the in-memory stores always build")
    });
    let options = ConnectOptions {
        quota: config.quota.policy(),
        quota_store: stores.quota,
        ..ConnectOptions::default()
    };
    let resolver = Arc::new(resolver::RegistryResolver::new(registry.clone(), options));
    let mut state = app::AppState::new(registry.clone(), resolver.clone());
    state.max_body = config.max_body_bytes;
    if let Some(nonces) = stores.nonces {
        state.verifier = signing::Verifier::new(registry.clone()).with_nonce_store(nonces);
    }
    let rpc0 = rpc0::Rpc0State {
        config: config.rpc0.clone(),
        registry: Arc::new(registry),
        proxies: resolver,
        max_body: config.max_body_bytes,
    };
    app::router(Arc::new(state)).merge(rpc0::router(Arc::new(rpc0)))
}

/// Serves until SIGTERM or Ctrl-C; in-flight requests finish first.
pub async fn run(config: Config) -> Result<(), ServerError> {
    app::install_metrics();
    let registry = open_registry(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "scm server listening");
    let queue = config.queue.open().await?;
    let ingress = events::Ingress::new(
        &config.webhooks,
        events::receivers(),
        registry.clone(),
        queue,
    );
    let app = build_app(&config, registry.clone()).merge(events::router(Arc::new(ingress)));
    let app = metrics_guard::layer(app, &config.metrics);
    let app = limits::layer(app, limits::RequestLimits::new(&config.limits));
    if let Some(address) = config.metrics.listen {
        let metrics_listener = tokio::net::TcpListener::bind(address).await?;
        tracing::info!(address = %metrics_listener.local_addr()?, "metrics listening");
        let metrics_app = metrics_guard::router(&config.metrics);
        let limits = config.limits.clone();
        tokio::spawn(async move {
            let stopped = limits::serve(metrics_listener, metrics_app, &limits, shutdown_signal());
            if let Err(err) = stopped.await {
                tracing::error!(error = %err, "the metrics listener stopped");
            }
        });
    }
    limits::serve(listener, app, &config.limits, shutdown_signal()).await?;
    registry.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
