//! A schema of its own on the real PostgreSQL for one registry test
//! (`registry.rs`, `delivery_history.rs`).

use scm_server::registry::Registry;

/// Runs `body` against a registry on the real PostgreSQL, in a schema
/// created for it (named after `what`) and dropped afterwards, whatever
/// happened.
pub async fn on_postgres<F, Fut>(what: &str, body: F)
where
    F: FnOnce(String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let base = std::env::var("SCM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://127.0.0.1:5432/test".into());
    let schema = format!(
        "scm_{what}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000
    );
    let admin = Registry::connect_raw(&base).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    let outcome = tokio::spawn(async move { body(url).await }).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}
