//! `GET /v1/openapi.json`: the generated OpenAPI document of RPC v1.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};

/// The document, rendered once.
pub async fn openapi() -> Response {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(scm_rpc::openapi::document_text).clone();
    ([(http::header::CONTENT_TYPE, "application/json")], text).into_response()
}
