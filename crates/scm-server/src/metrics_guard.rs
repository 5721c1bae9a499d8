//! Keeps the metrics bounded and private: label values a caller controls
//! (the referrer) become labels only when configured, and `/metrics` can
//! be moved to its own listen address or put behind a bearer token.
//!
//! Every label value is a new time series kept for the life of the
//! process, so a value taken from an unsigned header (rpc0's
//! `X-Referrer`) would let anyone grow `/metrics` without bound.
//!
//! ```toml
//! [metrics]
//! referrers = ["ci", "review-bot"]   # besides [quota] allocations and `shared`
//! token = "…"                        # /metrics wants `Authorization: Bearer …`
//! listen = "127.0.0.1:9090"          # /metrics only there, not on `listen`
//! ```

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::RwLock;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scm_core::Secret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// Where `/metrics` is served.
pub const PATH: &str = "/metrics";

/// The label value of every referrer nobody configured.
pub const OTHER: &str = "other";

/// `[metrics]` in the config file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Referrers kept as label values (with `[quota]` allocations and
    /// `shared`); any other becomes `other`.
    pub referrers: Vec<String>,
    /// When set, `/metrics` answers 401 without `Authorization: Bearer
    /// <token>`.
    pub token: Option<Secret>,
    /// When set, `/metrics` is served only on this address.
    pub listen: Option<SocketAddr>,
}

fn known() -> &'static RwLock<BTreeSet<String>> {
    static KNOWN: RwLock<BTreeSet<String>> = RwLock::new(BTreeSet::new());
    &KNOWN
}

/// Sets the referrers kept as label values (process-wide, like the
/// metrics recorder itself); `shared` always is.
pub fn set_referrers<'a>(referrers: impl IntoIterator<Item = &'a str>) {
    let mut set: BTreeSet<String> = referrers.into_iter().map(str::to_owned).collect();
    set.insert(crate::signing::DEFAULT_REFERRER.to_owned());
    if let Ok(mut known) = known().write() {
        *known = set;
    }
}

/// The label value for `referrer`: itself when configured, else
/// [`OTHER`].
pub fn referrer_label(referrer: &str) -> String {
    let configured = known()
        .read()
        .map(|known| known.contains(referrer))
        .unwrap_or(false);
    if configured || referrer == crate::signing::DEFAULT_REFERRER {
        referrer.to_owned()
    } else {
        OTHER.to_owned()
    }
}

/// Guards `/metrics` on the main router: hidden (404) when it has its own
/// listen address, token-checked when a token is configured.
pub fn layer(router: axum::Router, config: &MetricsConfig) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(
        Access {
            token: config.token.clone(),
            hidden: config.listen.is_some(),
        },
        guard,
    ))
}

/// The router of the separate metrics listener (token-checked too).
pub fn router(config: &MetricsConfig) -> axum::Router {
    let access = Access {
        token: config.token.clone(),
        hidden: false,
    };
    axum::Router::new()
        .route(PATH, axum::routing::get(crate::app::metrics))
        .layer(axum::middleware::from_fn_with_state(access, guard))
}

#[derive(Clone)]
struct Access {
    token: Option<Secret>,
    hidden: bool,
}

async fn guard(State(access): State<Access>, request: Request, next: Next) -> Response {
    if request.uri().path() != PATH {
        return next.run(request).await;
    }
    if access.hidden {
        return ApiError::not_found("no such endpoint").into_response();
    }
    if let Some(token) = &access.token {
        let given = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let matches: bool = given.as_bytes().ct_eq(token.expose().as_bytes()).into();
        if !matches || token.is_empty() {
            return ApiError::new(
                401,
                "metrics_unauthorized",
                "Metrics need a token",
                "send `Authorization: Bearer <metrics token>`",
            )
            .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfigured_referrers_are_other() {
        set_referrers(["ci"]);
        assert_eq!(referrer_label("ci"), "ci");
        assert_eq!(referrer_label("shared"), "shared");
        assert_eq!(referrer_label("made-up-12345"), OTHER);
    }
}
