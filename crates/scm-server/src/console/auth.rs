//! Logging in with the admin token, logging out, and [`Operator`], the
//! extractor that every page but the login page requires.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

use super::csrf::{Change, NoFields};
use super::pages::{render, render_status};
use super::session::{self, Session};
use super::SharedConsole;

/// A logged-in operator's session. Extracting it from a request without
/// a live session answers a redirect to the login page.
pub struct Operator(pub Session);

impl FromRequestParts<SharedConsole> for Operator {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedConsole,
    ) -> Result<Self, Self::Rejection> {
        state
            .sessions
            .current(&parts.headers)
            .map(Operator)
            .ok_or_else(|| Redirect::to("/console/login").into_response())
    }
}

/// Logs a state change at info: who (the session's tag) and what.
pub fn audit(operator: &Session, what: &str, target: &str) {
    tracing::info!(
        target: "scm::console",
        session = %operator.tag,
        change = what,
        on = target,
        "console change"
    );
}

/// `GET /console/login`.
pub async fn login_page(State(state): State<SharedConsole>, headers: HeaderMap) -> Response {
    if state.sessions.current(&headers).is_some() {
        return Redirect::to("/console").into_response();
    }
    render(
        &state,
        None,
        "login.html",
        "login",
        json!({ "failed": false }),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
}

/// The client's address, as the server accepted the connection (a proxy
/// in front makes every operator one address: the limit is then shared).
fn client_address(parts: &axum::http::Extensions) -> IpAddr {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// `POST /console/login`: the token, limited per client address.
pub async fn login(
    State(state): State<SharedConsole>,
    request: axum::extract::Request,
) -> Response {
    let address = client_address(request.extensions());
    let headers = request.headers().clone();
    if !state.limiter.attempt(address) {
        tracing::warn!(target: "scm::console", client = %address, "console login refused: too many attempts");
        let mut response = render_status(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            "login.html",
            "login",
            json!({ "failed": true, "limited": true }),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, http::HeaderValue::from_static("60"));
        return response;
    }
    let Ok(Form(form)) = Form::<LoginForm>::from_request(request, &()).await else {
        return render_status(
            &state,
            StatusCode::BAD_REQUEST,
            None,
            "login.html",
            "login",
            json!({ "failed": true }),
        );
    };
    let configured = state.config.admin_token.clone().unwrap_or_default();
    if !session::token_matches(&configured, form.token.trim()) {
        tracing::warn!(target: "scm::console", client = %address, "console login failed");
        return render_status(
            &state,
            StatusCode::UNAUTHORIZED,
            None,
            "login.html",
            "login",
            json!({ "failed": true }),
        );
    }
    let (id, opened) = state.sessions.open();
    audit(&opened, "login", "console");
    let cookie = session::set_cookie(
        Some(&id),
        state.config.session_ttl(),
        session::secure(state.config.secure_cookies, &headers),
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/console".to_owned()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

/// `POST /console/logout`.
pub async fn logout(
    State(state): State<SharedConsole>,
    headers: HeaderMap,
    change: Change<NoFields>,
) -> Response {
    audit(&change.operator, "logout", "console");
    state.sessions.close(&headers);
    let cookie = session::set_cookie(
        None,
        state.config.session_ttl(),
        session::secure(state.config.secure_cookies, &headers),
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/console/login".to_owned()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}
