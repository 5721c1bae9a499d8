//! The server's resource limits over real sockets on 127.0.0.1: stalled
//! heads and bodies are cut, the body budget answers 503 with
//! `Retry-After`, the connection cap holds, every refusal of the HTTP
//! layer is coded JSON, and RPC v1 refuses bad signing headers without
//! waiting for the body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use scm_core::layers::ConnectOptions;
use scm_server::app::{router, AppState};
use scm_server::crypto::SecretBox;
use scm_server::limits::{self, LimitsConfig, RequestLimits};
use scm_server::registry::Registry;
use scm_server::resolver::RegistryResolver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Generous bound for "the server answers at all"; the limits under test
/// are a few hundred milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

fn tight() -> LimitsConfig {
    LimitsConfig {
        header_read_timeout_ms: 300,
        body_read_timeout_ms: 2_000,
        body_idle_timeout_ms: 300,
        max_connections: 8,
        unauthenticated_body_budget_bytes: 100,
        max_uri_bytes: 256,
        max_header_bytes: 1024,
    }
}

/// A route that reads its body like every real route does.
async fn echo_len(body: Body) -> Result<String, scm_server::error::ApiError> {
    let bytes = axum::body::to_bytes(body, 1000)
        .await
        .map_err(|err| limits::body_error(&err, 1000))?;
    Ok(bytes.len().to_string())
}

/// Serves `app` under `config` on a free port; returns the address.
async fn start(app: Router, config: LimitsConfig) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = limits::layer(app, RequestLimits::new(&config));
    tokio::spawn(
        async move { limits::serve(listener, app, &config, std::future::pending()).await },
    );
    address
}

fn echo_app() -> Router {
    Router::new().route("/echo", post(echo_len))
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut out))
        .await
        .expect("the server never closed the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `raw` on a new connection and reads the first answer's head and
/// body (the connection is closed by `Connection: close`).
async fn exchange(address: std::net::SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(raw).await.unwrap();
    read_to_close(&mut stream).await
}

fn status_and_code(answer: &str) -> (u16, String) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = json["errors"][0]["code"].as_str().unwrap_or("").to_owned();
    (status, code)
}

#[tokio::test]
async fn a_stalled_head_is_closed() {
    let address = start(echo_app(), tight()).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // No answer is owed; the point is that the server lets go.
    read_to_close(&mut stream).await;
    // An idle keep-alive connection is closed the same way.
    let mut idle = TcpStream::connect(address).await.unwrap();
    read_to_close(&mut idle).await;
}

#[tokio::test]
async fn a_stalled_body_is_408_and_a_bad_chunk_is_400() {
    let address = start(echo_app(), tight()).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\nConnection: close\r\n\r\n0123456789")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert_eq!(
        status_and_code(&answer),
        (408, "request_timeout".into()),
        "{answer}"
    );

    let answer = exchange(
        address,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(
        status_and_code(&answer),
        (400, "rpc_malformed_request".into()),
        "{answer}"
    );
    let answer = exchange(
        address,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n3"), "{answer}");
}

#[tokio::test]
async fn the_body_budget_answers_503_with_retry_after() {
    let address = start(echo_app(), tight()).await;
    // 80 of the 100 budget bytes held by a stalled sender.
    let mut holder = TcpStream::connect(address).await.unwrap();
    let mut head =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\nConnection: close\r\n\r\n"
            .to_vec();
    head.extend_from_slice(&[b'a'; 80]);
    holder.write_all(&head).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut body =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\nConnection: close\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&[b'b'; 50]);
    let answer = exchange(address, &body).await;
    assert_eq!(
        status_and_code(&answer),
        (503, "service_unavailable".into()),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    // The stalled sender is cut by the idle timeout and its budget freed.
    read_to_close(&mut holder).await;
    let answer = exchange(address, &body).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn the_connection_cap_holds_the_next_connection_back() {
    let config = LimitsConfig {
        max_connections: 1,
        header_read_timeout_ms: 60_000,
        ..tight()
    };
    let address = start(echo_app(), config).await;
    let first = TcpStream::connect(address).await.unwrap();
    // Accepted by the kernel, but not served while `first` holds the slot.
    let mut second = TcpStream::connect(address).await.unwrap();
    second
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\na",
        )
        .await
        .unwrap();
    let mut buf = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), second.read(&mut buf)).await;
    assert!(early.is_err(), "served past the connection cap");
    drop(first);
    let answer = read_to_close(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn http_layer_refusals_are_coded_json() {
    let address = start(echo_app(), tight()).await;
    let long_uri = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(300)
    );
    let big_header = format!(
        "GET /echo HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(2000)
    );
    for (raw, status, code) in [
        (
            "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
            405,
            "method_not_allowed",
        ),
        (long_uri, 414, "uri_too_long"),
        (big_header, 431, "request_header_fields_too_large"),
    ] {
        let answer = exchange(address, raw.as_bytes()).await;
        assert_eq!(status_and_code(&answer), (status, code.into()), "{answer}");
    }
}

/// RPC v1 checks its signing headers before it reads a byte of the body:
/// a request whose body never comes is still answered at once.
#[tokio::test]
async fn rpc_refuses_bad_signing_headers_before_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&url, secrets).await.unwrap();
    let resolver = Arc::new(RegistryResolver::new(
        registry.clone(),
        ConnectOptions::default(),
    ));
    let app = router(Arc::new(AppState::new(registry.clone(), resolver)));
    // Body timeouts longer than the test: waiting for the body would show
    // as no answer, not as a 408.
    let config = LimitsConfig {
        body_read_timeout_ms: 600_000,
        body_idle_timeout_ms: 600_000,
        ..tight()
    };
    let address = start(app, config).await;
    let now = scm_server::signing::unix_now();
    for (key, timestamp, signature, code) in [
        ("key_unknown", now, "v1=00", "rpc_invalid_signature"),
        ("key_unknown", i64::MIN, "v1=00", "rpc_stale_request"),
        ("key_unknown", now, "v2=zz", "rpc_invalid_signature"),
    ] {
        let raw = format!(
            "POST /v1/actions/get_issue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Length: 900\r\nx-scm-key-id: {key}\r\nx-scm-timestamp: {timestamp}\r\n\
             x-scm-nonce: nonce-aaaaaaaaaaaaaaaa\r\nx-scm-organization: 1\r\n\
             x-scm-repository: 1\r\nx-scm-signature: {signature}\r\n\r\n"
        );
        // The body is never sent; the answer must not wait for it.
        let answer = exchange(address, raw.as_bytes()).await;
        assert_eq!(status_and_code(&answer).1, code, "{answer}");
    }
    // The real router's unknown paths and methods are coded too.
    for (raw, status, code) in [
        (
            "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            404,
            "not_found",
        ),
        (
            "DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            405,
            "method_not_allowed",
        ),
        (
            "GET /v1/actions/get_issue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            405,
            "method_not_allowed",
        ),
    ] {
        let answer = exchange(address, raw.as_bytes()).await;
        assert_eq!(status_and_code(&answer), (status, code.into()), "{answer}");
    }
    registry.close().await;
}
