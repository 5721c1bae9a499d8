//! Stand-ins served on 127.0.0.1 for the rest of a test.

/// Serves `app` on a free port of 127.0.0.1 until the test's runtime
/// ends; returns its base URL (`http://127.0.0.1:<port>`).
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
