//! `scm <provider> <action>`: one action straight against a provider.

use futures::StreamExt;
use scm_core::layers::ConnectOptions;
use scm_core::registration::{connect, IntegrationSpec, ProviderRegistration};
use scm_core::registry::RepositoryRecord;
use scm_core::{ActionKind, AnyAction, Error, RequestOptions, Response, SourceCodeManager};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// A facade over one repository, straight against the provider (no
/// registry, no server), with every layer a served provider has.
pub fn manager(
    registration: &dyn ProviderRegistration,
    repo: &str,
    spec: &IntegrationSpec,
) -> Result<SourceCodeManager, Error> {
    let instance = connect(registration, spec, ConnectOptions::default())?;
    Ok(SourceCodeManager::for_repository(
        instance.provider,
        RepositoryRecord::direct(registration.name(), repo),
        "cli",
    ))
}

/// What to do with the action's result.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    pub all_pages: bool,
    pub output_file: Option<String>,
}

/// Runs the action and prints its result (JSON, or bytes for downloads).
pub async fn run(
    scm: &SourceCodeManager,
    action: AnyAction,
    options: RequestOptions,
    output: &OutputOptions,
) -> Result<(), Error> {
    if output.all_pages && action.name().kind() == ActionKind::List {
        let all = collect_pages(scm, action, options).await?;
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return Ok(());
    }
    let response = scm.execute_any(action, options).await?;
    match response {
        Response::Ok(result) => match result.data.into_download() {
            Ok(download) => {
                write_bytes(download.body.into_stream(), output.output_file.as_deref()).await
            }
            Err(data) => {
                let json = json!({
                    "status": "ok",
                    "provider": result.provider,
                    "data": (*data).into_json()?,
                    "meta": result.meta,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json).unwrap_or_default()
                );
                Ok(())
            }
        },
        not_modified @ Response::NotModified { .. } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&not_modified.map(|_| Value::Null))
                    .unwrap_or_default()
            );
            Ok(())
        }
    }
}

/// Follows `next_cursor` to the end, reporting progress on stderr.
async fn collect_pages(
    scm: &SourceCodeManager,
    mut action: AnyAction,
    options: RequestOptions,
) -> Result<Value, Error> {
    let mut items = Vec::new();
    let mut pages = 0usize;
    let progress =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
            .with_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
    loop {
        let response = scm.execute_any(action.clone(), options.clone()).await?;
        let Some(data) = response.into_data() else {
            break;
        };
        let mut page = data.into_json()?;
        pages += 1;
        if let Some(Value::Array(batch)) = page.get_mut("items").map(Value::take) {
            items.extend(batch);
        }
        progress.set_message(format!("pages: {pages}, items: {}", items.len()));
        progress.tick();
        let next = page.get("next_cursor").cloned().unwrap_or(Value::Null);
        match (next, action.page_mut()) {
            (Value::String(cursor), Some(request)) => {
                request.cursor = Some(scm_core::Cursor::from_raw(cursor))
            }
            _ => break,
        }
    }
    progress.finish();
    Ok(
        json!({ "status": "ok", "provider": scm.provider_name(), "data": { "items": items, "next_cursor": null } }),
    )
}

async fn write_bytes(
    mut stream: futures::stream::BoxStream<'static, Result<bytes::Bytes, Error>>,
    file: Option<&str>,
) -> Result<(), Error> {
    let io_error =
        |err: std::io::Error| Error::invalid_input(format!("cannot write output: {err}"));
    let mut out: Box<dyn tokio::io::AsyncWrite + Unpin> = match file {
        Some(path) => Box::new(tokio::fs::File::create(path).await.map_err(io_error)?),
        None => Box::new(tokio::io::stdout()),
    };
    while let Some(chunk) = stream.next().await {
        out.write_all(&chunk?).await.map_err(io_error)?;
    }
    out.flush().await.map_err(io_error)
}

/// Prints an error as JSON on stderr.
pub fn print_error(err: &Error) {
    let mut object = json!({
        "code": err.code(),
        "status": err.http_status(),
        "title": err.title(),
        "detail": err.to_string(),
    });
    if let Some((provider, action)) = err.origin() {
        object["meta"] = json!({ "provider": provider, "action": action });
    }
    let json = json!({ "errors": [object] });
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    );
}
