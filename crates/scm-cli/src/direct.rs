//! `scm github|gitlab <action>`: one action straight against the provider.

use std::sync::Arc;

use futures::StreamExt;
use scm_core::registry::RepositoryRecord;
use scm_core::{
    ActionKind, AnyAction, AnyOutput, Error, RequestOptions, Response, Secret, SourceCodeManager,
};
use scm_github::{AppCredentials, ConnectOptions, Credentials, GitHub, GitHubConfig};
use scm_gitlab::{GitLab, GitLabConfig, TokenKind};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// Where and as whom to reach GitHub.
#[derive(Debug, Clone)]
pub struct GitHubTarget {
    pub repo: String,
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub credentials: Credentials,
}

impl GitHubTarget {
    /// Credentials from a token, or from App id + key file + installation.
    pub fn credentials(
        token: Option<String>,
        app_id: Option<String>,
        private_key_file: Option<String>,
        installation_id: Option<String>,
    ) -> Result<Credentials, Error> {
        match (token, app_id, private_key_file, installation_id) {
            (Some(token), None, None, None) => Ok(Credentials::Token(Secret::new(token))),
            (None, Some(app_id), Some(key_file), Some(installation_id)) => {
                let key = std::fs::read_to_string(&key_file)
                    .map_err(|err| Error::invalid_input(format!("cannot read private key file {key_file}: {err}")))?;
                Ok(Credentials::App(AppCredentials {
                    app_id,
                    private_key: Secret::new(key),
                    installation_id,
                }))
            }
            _ => Err(Error::invalid_input(
                "give either --token (or GITHUB_TOKEN) or all of --app-id, --private-key-file and --installation-id",
            )),
        }
    }

    fn config(&self) -> Result<GitHubConfig, Error> {
        match (&self.api_url, &self.web_url) {
            (None, None) => Ok(GitHubConfig::github_com(self.credentials.clone())),
            (api, web) => GitHubConfig::custom(
                api.as_deref().unwrap_or("https://api.github.com"),
                web.as_deref().unwrap_or("https://github.com"),
                self.credentials.clone(),
            ),
        }
    }

    pub fn manager(&self) -> Result<SourceCodeManager, Error> {
        let github = GitHub::connect(&self.config()?, ConnectOptions::default())?;
        let provider = scm_core::layers::standard_stack(Arc::new(github));
        Ok(SourceCodeManager::for_repository(
            provider,
            RepositoryRecord::direct("github", &self.repo),
            "cli",
        ))
    }
}

/// Where and as whom to reach GitLab.
#[derive(Debug, Clone)]
pub struct GitLabTarget {
    /// `group/subgroup/project` or a numeric project id.
    pub repo: String,
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub token: Secret,
    /// The token is an OAuth access token rather than a personal,
    /// project or group access token.
    pub oauth: bool,
}

impl GitLabTarget {
    fn config(&self) -> GitLabConfig {
        let kind = if self.oauth {
            TokenKind::OAuthBearer
        } else {
            TokenKind::PrivateToken
        };
        let web = self.web_url.as_deref().unwrap_or("https://gitlab.com");
        let mut config = GitLabConfig::self_managed(web, self.token.clone(), kind);
        if let Some(api) = &self.api_url {
            config.api_url = api.clone();
        }
        config
    }

    pub fn manager(&self) -> Result<SourceCodeManager, Error> {
        let gitlab = GitLab::connect(self.config(), ConnectOptions::default())?;
        let provider = scm_core::layers::standard_stack(Arc::new(gitlab));
        Ok(SourceCodeManager::for_repository(
            provider,
            RepositoryRecord::direct("gitlab", &self.repo),
            "cli",
        ))
    }
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
        Response::Ok(result) => match result.data {
            AnyOutput::DownloadArchive(download) | AnyOutput::DownloadWorkflowJobLog(download) => {
                write_bytes(download.body.into_stream(), output.output_file.as_deref()).await
            }
            data => {
                let json = json!({
                    "status": "ok",
                    "provider": result.provider,
                    "data": data.into_json()?,
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
    let json = json!({ "errors": [{
        "code": err.code(),
        "status": err.http_status(),
        "title": err.title(),
        "detail": err.to_string(),
    }]});
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    );
}
