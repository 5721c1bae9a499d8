//! Set-up shared by the end-to-end tests of the observability outputs
//! (`logs.rs`, `metrics_export.rs`, `telemetry_export.rs`).

use std::net::TcpListener;

use scm_core::Secret;
use serde_json::Value;

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Adds a GitHub integration at `api_url` and registers `full_name` under
/// it for `org`, through `admin` (an `scm` admin command that must
/// succeed, its JSON output); the repository's id.
pub fn add_github_repository(
    admin: impl Fn(&[&str]) -> Value,
    org: i64,
    name: &str,
    api_url: &str,
    full_name: &str,
) -> i64 {
    let integration = admin(&[
        "integration",
        "add",
        "--provider",
        "github",
        "--name",
        name,
        "--api-url",
        api_url,
        "--web-url",
        "https://github.com",
    ]);
    let id = integration["id"].as_i64().unwrap().to_string();
    let org = org.to_string();
    let repo = admin(&[
        "repo",
        "add",
        "--org",
        &org,
        "--integration",
        &id,
        "--full-name",
        full_name,
    ]);
    repo["id"].as_i64().unwrap()
}

/// An rpc0 proxied `GET path` for `repository` of `org`, signed with
/// `secret`, for `referrer`.
#[allow(dead_code)] // not every test sends one
pub fn rpc0_get(
    http: &reqwest::Client,
    base_url: &str,
    secret: &str,
    (org, repository): (i64, i64),
    referrer: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    let body = serde_json::to_vec(&serde_json::json!({"type": "action", "data": {
        "method": "GET", "path": path}}))
    .unwrap();
    let signature = scm_server::rpc0::signature::sign(&Secret::new(secret), &body);
    http.post(format!("{base_url}{}", scm_server::rpc0::PATH))
        .header("authorization", format!("rpcsignature rpc0:{signature}"))
        .header(scm_server::rpc0::ORGANIZATION, org.to_string())
        .header(scm_server::rpc0::REPOSITORY, repository.to_string())
        .header(scm_server::rpc0::REFERRER, referrer)
        .body(body)
}
