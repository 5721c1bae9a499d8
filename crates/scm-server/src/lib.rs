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
//! - [`recovery`]: missed webhook deliveries asked for again;
//! - [`quota_store`]: quota counters and request nonces in Redis;
//! - [`cache_store`]: `[cache]`, the shared conditional-request cache's store;
//! - [`console`]: the operator console at `/console` (off by default);
//! - [`app`]: the axum routes; [`error`]: the coded error body;
//! - [`openapi`]: the served OpenAPI document (generated in scm-rpc).

pub mod app;
pub mod cache;
pub mod cache_store;
pub mod config;
mod config_error;
pub mod console;
pub mod crypto;
pub mod error;
pub mod events;
pub mod limits;
pub mod metrics_guard;
pub mod nonces;
pub mod observability;
pub mod openapi;
pub mod quota_store;
pub mod recovery;
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
    #[error("observability: {0}")]
    Observability(String),
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

/// Opens the registry named by the config, with its key from
/// `SCM_SECRET_KEY` or the key file beside a SQLite registry (see
/// [`crypto::SecretBox::for_registry`]); says where the key came from.
pub async fn open_registry_with_key(
    config: &Config,
) -> Result<(registry::Registry, crypto::KeySource), ServerError> {
    let (secrets, source) = crypto::SecretBox::for_registry(&config.database_url)?;
    Ok((
        registry::Registry::connect(&config.database_url, secrets).await?,
        source,
    ))
}

/// [`open_registry_with_key`] without the key's source (admin commands).
pub async fn open_registry(config: &Config) -> Result<registry::Registry, ServerError> {
    Ok(open_registry_with_key(config).await?.0)
}

/// The providers of every integration behind the layers `[quota]` and
/// `[cache]` configure, and the shared nonce store when Redis is set. One
/// per process: the API and the reconciler share it, so they count
/// against the same quota.
pub struct Providers {
    pub resolver: Arc<resolver::RegistryResolver>,
    pub nonces: Option<Arc<dyn nonces::NonceStore>>,
}

/// Builds the [`Providers`] of a configuration.
pub fn connect_providers(config: &Config, registry: registry::Registry) -> Providers {
    let stores = config.quota.stores().unwrap_or_else(|err| {
        tracing::error!(error = %err, "quota store unusable; counting in memory");
        quota_store::QuotaConfig::default()
            .stores()
            .expect("the in-memory stores always build")
    });
    let cache = config.cache.options(&config.quota).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cache store unusable; caching in memory");
        cache_store::CacheConfig::default()
            .options(&quota_store::QuotaConfig::default())
            .unwrap_or_default()
    });
    let options = ConnectOptions {
        quota: config.quota.policy(),
        quota_store: stores.quota,
        cache,
        ..ConnectOptions::default()
    };
    Providers {
        resolver: Arc::new(resolver::RegistryResolver::new(registry, options)),
        nonces: stores.nonces,
    }
}

/// The router over an opened registry, with providers built per
/// integration, and the registry's key and repository caches set from
/// `[rpc]`.
pub fn build_app(config: &Config, registry: registry::Registry) -> axum::Router {
    let providers = connect_providers(config, registry.clone());
    build_app_with(config, registry, providers)
}

/// [`build_app`] over providers the caller shares (with the reconciler).
pub fn build_app_with(
    config: &Config,
    registry: registry::Registry,
    providers: Providers,
) -> axum::Router {
    let Providers { resolver, nonces } = providers;
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
    let mut state = app::AppState::new(registry.clone(), resolver.clone());
    state.max_body = config.max_body_bytes;
    if let Some(nonces) = nonces {
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

/// A server ready to serve: its configuration checked, its registry and
/// queue open, its address bound. Every configuration error surfaces in
/// [`prepare`], before anything is served.
pub struct Prepared {
    listener: tokio::net::TcpListener,
    app: axum::Router,
    registry: registry::Registry,
    key_source: crypto::KeySource,
    limits: limits::LimitsConfig,
    /// Missed-delivery recovery, when `[recovery]` names hook sources.
    reconciler: Option<Arc<recovery::Reconciler>>,
    /// `/metrics` on its own address, when configured.
    metrics: Option<(tokio::net::TcpListener, axum::Router)>,
    /// `[events]`: the delivery history's retention.
    history: events::history::HistoryConfig,
}

impl Prepared {
    /// The bound address (the port is known even when `:0` was asked).
    pub fn address(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// The address of the separate `/metrics` listener, when
    /// `[metrics] listen` is set.
    pub fn metrics_address(&self) -> Option<std::io::Result<std::net::SocketAddr>> {
        self.metrics
            .as_ref()
            .map(|(listener, _)| listener.local_addr())
    }

    /// Where the registry's key came from.
    pub fn key_source(&self) -> &crypto::KeySource {
        &self.key_source
    }

    /// Serves until SIGTERM or Ctrl-C; in-flight requests finish first.
    /// Every connection is under the `[limits]` (timeouts, connection cap).
    pub async fn serve(self) -> Result<(), ServerError> {
        // The address is bound, so redeliveries the first pass asks for
        // wait in the backlog until the server accepts them.
        if let Some(reconciler) = self.reconciler {
            reconciler.spawn();
        }
        events::history::spawn_pruning(self.registry.clone(), self.history.retention());
        if let Some((metrics_listener, metrics_app)) = self.metrics {
            let limits = self.limits.clone();
            tokio::spawn(async move {
                let stopped =
                    limits::serve(metrics_listener, metrics_app, &limits, shutdown_signal());
                if let Err(err) = stopped.await {
                    tracing::error!(error = %err, "the metrics listener stopped");
                }
            });
        }
        limits::serve(self.listener, self.app, &self.limits, shutdown_signal()).await?;
        self.registry.close().await;
        Ok(())
    }
}

/// Checks the configuration, opens the registry (with its key) and the
/// queue, and binds the address, in that order, so a misconfigured server
/// never binds.
pub async fn prepare(config: Config) -> Result<Prepared, ServerError> {
    observability::exporters::install(&config.observability)
        .map_err(|err| ServerError::Observability(err.to_string()))?;
    config
        .quota
        .stores()
        .map_err(|err| ServerError::Config(format!("[quota]: {err}")))?;
    let (registry, key_source) = open_registry_with_key(&config).await?;
    let queue = config.queue.open().await?;
    let receivers = events::receivers();
    for receiver in &receivers {
        let provider = receiver.provider();
        if config.webhooks.secrets(provider).is_empty() {
            tracing::warn!(
                provider,
                "POST /webhooks/{provider} answers 503 until a secret is configured \
                 ([webhooks.{provider}] secrets or SCM_WEBHOOKS_{}_SECRETS); \
                 per-integration endpoints use `scm webhook-secret add`",
                provider.to_ascii_uppercase()
            );
        }
    }
    let providers = connect_providers(&config, registry.clone());
    let reconciler = (!config.recovery.sources.is_empty()).then(|| {
        Arc::new(recovery::Reconciler::new(
            registry.clone(),
            providers.resolver.clone(),
            queue.clone(),
            config.recovery.clone(),
        ))
    });
    let console = console_router(&config, &registry, queue.clone());
    let ingress = events::Ingress::new(&config.webhooks, receivers, registry.clone(), queue);
    let mut app = build_app_with(&config, registry.clone(), providers)
        .merge(events::router(Arc::new(ingress)));
    if let Some(console) = console {
        tracing::info!("operator console at /console");
        app = app.merge(console);
    }
    let app = metrics_guard::layer(app, &config.metrics);
    let app = limits::layer(app, limits::RequestLimits::new(&config.limits));
    // Outermost, so that refusals of the limits are logged too.
    let app = app.layer(axum::middleware::from_fn(observability::log_requests));
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "scm server listening");
    let metrics = match config.metrics.listen {
        Some(address) => {
            let metrics_listener = tokio::net::TcpListener::bind(address).await?;
            tracing::info!(address = %metrics_listener.local_addr()?, "metrics listening");
            Some((metrics_listener, metrics_guard::router(&config.metrics)))
        }
        None => None,
    };
    Ok(Prepared {
        listener,
        app,
        registry,
        key_source,
        limits: config.limits.clone(),
        reconciler,
        metrics,
        history: config.events.clone(),
    })
}

/// `/console` over the server's registry and queue; `None` when no admin
/// token is configured (the routes then do not exist).
pub fn console_router(
    config: &Config,
    registry: &registry::Registry,
    queue: Arc<dyn scm_stream::EventQueue>,
) -> Option<axum::Router> {
    config
        .console
        .enabled()
        .then(|| console::router(Arc::new(console_state(config, registry, queue))))
}

/// The console's state over the server's registry and queue.
fn console_state(
    config: &Config,
    registry: &registry::Registry,
    queue: Arc<dyn scm_stream::EventQueue>,
) -> console::ConsoleState {
    let redis = config
        .quota
        .redis_url
        .as_ref()
        .and_then(|url| quota_store::RedisConnection::new(url).ok());
    let mut state =
        console::ConsoleState::new(config.console.clone(), registry.clone(), queue, redis);
    state.configured_webhook_secrets = config
        .webhooks
        .providers
        .iter()
        .map(|(provider, hooks)| (provider.clone(), hooks.secrets.len()))
        .filter(|(_, count)| *count > 0)
        .collect();
    state
}

/// [`prepare`], then [`Prepared::serve`].
pub async fn run(config: Config) -> Result<(), ServerError> {
    prepare(config).await?.serve().await
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
