//! One module per page. Handlers read what the page shows, call
//! [`render`], and for a change answer a redirect back to the page
//! (`303 See Other`, so a reload does not repeat it).

pub mod capabilities;
pub mod dead_letters;
pub mod deliveries;
pub mod listeners;
pub mod overview;
pub mod quotas;
pub mod registry;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Value};

use super::session::Session;
use super::ConsoleState;

/// The headers of every page: never cached (pages show live state and,
/// once, a new key's secret), never framed, scripts and styles only from
/// the console itself.
const PAGE_HEADERS: [(header::HeaderName, &str); 5] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Renders `template` (200) with `context` plus what the layout needs:
/// the active navigation entry and the session's CSRF token.
pub fn render(
    state: &ConsoleState,
    operator: Option<&Session>,
    template: &str,
    nav: &str,
    context: Value,
) -> Response {
    render_status(state, StatusCode::OK, operator, template, nav, context)
}

/// [`render`] with another status.
pub fn render_status(
    state: &ConsoleState,
    status: StatusCode,
    operator: Option<&Session>,
    template: &str,
    nav: &str,
    mut context: Value,
) -> Response {
    if let Value::Object(map) = &mut context {
        map.insert("nav".into(), json!(nav));
        map.insert("csrf".into(), json!(operator.map(|s| s.csrf.as_str())));
        map.entry("notice").or_insert(Value::Null);
    }
    let (status, body) = match state.templates.render(template, &context) {
        Ok(body) => (status, body),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let mut response = (status, Html(body)).into_response();
    for (name, value) in PAGE_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The error page: what failed, never why in detail when the detail could
/// carry a stored value.
pub fn failure(
    state: &ConsoleState,
    operator: &Session,
    status: StatusCode,
    what: &str,
) -> Response {
    render_status(
        state,
        status,
        Some(operator),
        "error.html",
        "",
        json!({ "message": what }),
    )
}

/// After a change: back to `page`, with a short notice in the query.
pub fn done(page: &str, notice: &str) -> Response {
    let notice: String = url::form_urlencoded::byte_serialize(notice.as_bytes()).collect();
    Redirect::to(&format!("{page}?notice={notice}")).into_response()
}

/// A registry or queue error as the error page (the error's text names
/// rows and ids, never secrets: those are sealed and never formatted).
pub fn store_failure(
    state: &ConsoleState,
    operator: &Session,
    err: impl std::fmt::Display,
) -> Response {
    tracing::warn!(target: "scm::console", error = %err, "console read or change failed");
    failure(
        state,
        operator,
        StatusCode::INTERNAL_SERVER_ERROR,
        &err.to_string(),
    )
}

/// `?notice=…` as shown on a page (bounded).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Notice {
    pub notice: Option<String>,
}

impl Notice {
    pub fn text(&self) -> Value {
        json!(self
            .notice
            .as_deref()
            .map(|n| n.chars().take(200).collect::<String>()))
    }
}
