//! `/metrics` kept private, through the real `prepare` and `serve`: with
//! `[metrics] listen` it is served only on that address (the main
//! listener answers a coded 404), and with `[metrics] token` it answers a
//! coded 401 without `Authorization: Bearer <token>`.

use std::net::SocketAddr;
use std::time::Duration;

use scm_core::Secret;
use scm_server::config::Config;
use scm_server::metrics_guard::MetricsConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "metrics-access-test-token";

/// `GET /metrics` on `address` (with `authorization` when given): the
/// status and the body.
async fn get_metrics(address: SocketAddr, authorization: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut head = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(value) = authorization {
        head.push_str(&format!("Authorization: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server never closed the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn code(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    json["errors"][0]["code"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn metrics_on_their_own_address_behind_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.path().join("registry.db").display()),
        metrics: MetricsConfig {
            token: Some(Secret::new(TOKEN)),
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..MetricsConfig::default()
        },
        ..Config::default()
    };
    config.queue.path = dir.path().join("events.db");
    config.queue.fsync = false;
    let prepared = scm_server::prepare(config).await.unwrap();
    let main = prepared.address().unwrap();
    let metrics = prepared
        .metrics_address()
        .expect("[metrics] listen binds its own listener")
        .unwrap();
    assert_ne!(main.port(), metrics.port());
    tokio::spawn(prepared.serve());

    // The main listener does not serve /metrics, token or not.
    for authorization in [None, Some(format!("Bearer {TOKEN}"))] {
        let (status, body) = get_metrics(main, authorization.as_deref()).await;
        assert_eq!((status, code(&body).as_str()), (404, "not_found"), "{body}");
    }

    // The metrics listener wants the token.
    for authorization in [
        None,
        Some("Bearer not-the-token".to_owned()),
        Some(format!("Basic {TOKEN}")),
        Some("Bearer ".to_owned()),
    ] {
        let (status, body) = get_metrics(metrics, authorization.as_deref()).await;
        assert_eq!(
            (status, code(&body).as_str()),
            (401, "metrics_unauthorized"),
            "{authorization:?}: {body}"
        );
        assert!(!body.contains(TOKEN), "the token leaked: {body}");
    }
    let (status, body) = get_metrics(metrics, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains(TOKEN), "the token leaked: {body}");

    // The main listener still serves everything else.
    let mut stream = TcpStream::connect(main).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
