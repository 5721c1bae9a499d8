//! rpc0's proxied requests in the action metrics and the request's log
//! line, as the action `rpc0_proxy` (rpc0 sends raw provider requests,
//! not catalogue actions, so no finer action name is derived).
//!
//! rpc0 hands the provider's answer back as it is, so a provider still
//! answering 5xx after the retries leaves no error answer of the server
//! to report; it is logged at error here instead, as a v1 action's
//! `provider_unavailable` answer is, and so reaches Sentry.

use scm_core::telemetry::count_action;
use scm_core::transport::HttpResponse;
use scm_core::CallContext;

use super::request_log::record;

/// The action label of every rpc0 proxied request.
pub const RPC0_ACTION: &str = "rpc0_proxy";

/// Counts one proxied request in `actions.success|failed`: a provider
/// answer under 400 succeeds; 4xx and 5xx answers fail with a code naming
/// their class; an error fails with its own code.
pub fn count_rpc0_proxied(ctx: &CallContext, result: &scm_core::Result<HttpResponse>) {
    let provider = ctx.repository.provider.as_str();
    record("provider", provider);
    record("referrer", &ctx.referrer);
    record("action", RPC0_ACTION);
    let failure = match result {
        Ok(response) if response.status().is_server_error() => {
            tracing::error!(
                code = "provider_status_5xx",
                provider_status = response.status().as_u16(),
                "provider call failed"
            );
            Some("provider_status_5xx")
        }
        Ok(response) if response.status().is_client_error() => Some("provider_status_4xx"),
        Ok(_) => None,
        Err(err) => Some(err.code()),
    };
    count_action(provider, &ctx.referrer, RPC0_ACTION, failure);
}
