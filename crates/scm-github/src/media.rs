//! What every GitHub request states about the API it speaks: the REST API
//! version and the media types asked for. Shared by the client, the auth
//! layer (token exchange) and the raw proxy.

/// The REST API version we speak.
pub const API_VERSION: &str = "2022-11-28";
/// GitHub's JSON media type, plus plain JSON (some servers and mocks only
/// know the latter).
pub const JSON_ACCEPT: &str = "application/vnd.github+json, application/json";
