//! `scm`: the platform's command line.

use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};
use scm_cli::action_args;
use scm_cli::admin;
use scm_cli::capabilities;
use scm_cli::direct::{self, GitHubTarget, GitLabTarget, OutputOptions};
use scm_cli::events_cli;
use scm_cli::providers::{self, PROVIDERS};
use scm_cli::{bench, remote};
use scm_core::{ActionName, AnyAction, Error, RequestOptions, Secret};

fn cli() -> Command {
    Command::new("scm")
        .about("Provider-neutral source code management: actions, RPC and events")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .subcommand(
            Command::new("capabilities")
                .about("Print which actions each provider supports")
                .arg(Arg::new("provider").long("provider").value_name("NAME"))
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(["table", "json", "markdown"])
                        .default_value("table"),
                ),
        )
        .subcommand(github_command())
        .subcommand(gitlab_command())
        .subcommand(remote::command())
        .subcommand(admin::serve_command())
        .subcommand(admin::integration_command())
        .subcommand(admin::repo_command())
        .subcommand(admin::client_key_command())
        .subcommand(
            Command::new("openapi")
                .about("Print the OpenAPI document of RPC v1 (docs/openapi.json)"),
        )
        .subcommand(bench::command())
        .subcommands(events_cli::commands())
}

/// `scm <provider> <action>`: the flags every provider shares, its own
/// credential flags, and one subcommand per action.
fn direct_command(
    name: &'static str,
    about: &'static str,
    repo_help: &'static str,
    credentials: Vec<Arg>,
) -> Command {
    let global = |arg: Arg| arg.global(true);
    let shared = [
        Arg::new("repo")
            .long("repo")
            .value_name("REPOSITORY")
            .help(repo_help),
        Arg::new("api_url")
            .long("api-url")
            .help("REST API base (default: the public service)"),
        Arg::new("web_url")
            .long("web-url")
            .help("Web base for links (default: the public service)"),
        Arg::new("if_none_match")
            .long("if-none-match")
            .help("Conditional read: an ETag"),
        Arg::new("if_modified_since")
            .long("if-modified-since")
            .help("Conditional read: an HTTP date"),
    ];
    Command::new(name)
        .about(about)
        .subcommand_required(true)
        .args(shared.into_iter().chain(credentials).map(global))
        .subcommands(action_args::commands())
}

fn github_command() -> Command {
    direct_command(
        "github",
        "Run one action directly against GitHub (or GitHub Enterprise Server)",
        "The repository to act on (OWNER/NAME)",
        vec![
            Arg::new("token")
                .long("token")
                .env("GITHUB_TOKEN")
                .hide_env_values(true)
                .help("Personal access token (or GITHUB_TOKEN)"),
            Arg::new("app_id").long("app-id").help("GitHub App id"),
            Arg::new("private_key_file")
                .long("private-key-file")
                .help("GitHub App private key (PEM file)"),
            Arg::new("installation_id")
                .long("installation-id")
                .help("GitHub App installation id"),
        ],
    )
}

fn gitlab_command() -> Command {
    direct_command(
        "gitlab",
        "Run one action directly against GitLab.com or a self-managed GitLab",
        "The project to act on: GROUP/SUBGROUP/NAME or a numeric id",
        vec![
            Arg::new("token")
                .long("token")
                .env("GITLAB_TOKEN")
                .hide_env_values(true)
                .help("Personal, project or group access token (or GITLAB_TOKEN)"),
            Arg::new("oauth")
                .long("oauth")
                .action(clap::ArgAction::SetTrue)
                .help("The token is an OAuth access token (sent as a Bearer token)"),
        ],
    )
}

fn capabilities_command(matches: &ArgMatches) -> Result<(), Error> {
    let selected: Vec<_> = match matches.get_one::<String>("provider") {
        Some(name) => vec![providers::find(name).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown provider `{name}` (known: {})",
                PROVIDERS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?],
        None => PROVIDERS.iter().collect(),
    };
    let format = matches
        .get_one::<String>("format")
        .map(String::as_str)
        .unwrap_or("table");
    match format {
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&capabilities::json(&selected)).unwrap_or_default()
        ),
        "markdown" => print!("{}", capabilities::markdown(&selected)),
        _ => print!("{}", capabilities::table(&selected)),
    }
    Ok(())
}

/// The parts of a direct call every provider shares.
struct DirectCall<'a> {
    action: AnyAction,
    repo: String,
    options: RequestOptions,
    output: OutputOptions,
    matches: &'a ArgMatches,
}

impl DirectCall<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.matches.get_one::<String>(key).cloned()
    }
}

fn direct_call(matches: &ArgMatches) -> Result<DirectCall<'_>, Error> {
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| Error::invalid_input("no action given"))?;
    let action: ActionName = name.parse()?;
    let args = action_args::arguments(action, sub)?;
    let text = |key: &str| sub.get_one::<String>(key).cloned();
    Ok(DirectCall {
        action: AnyAction::from_json(action, args)?,
        repo: text("repo").ok_or_else(|| Error::invalid_input("--repo is required"))?,
        options: RequestOptions {
            if_none_match: text("if_none_match"),
            if_modified_since: text("if_modified_since"),
        },
        output: OutputOptions {
            all_pages: sub
                .try_get_one::<bool>("all")
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false),
            output_file: sub.try_get_one::<String>("output").ok().flatten().cloned(),
        },
        matches: sub,
    })
}

async fn github(matches: &ArgMatches) -> Result<(), Error> {
    let call = direct_call(matches)?;
    let target = GitHubTarget {
        repo: call.repo.clone(),
        api_url: call.text("api_url"),
        web_url: call.text("web_url"),
        credentials: GitHubTarget::credentials(
            call.text("token"),
            call.text("app_id"),
            call.text("private_key_file"),
            call.text("installation_id"),
        )?,
    };
    direct::run(&target.manager()?, call.action, call.options, &call.output).await
}

async fn gitlab(matches: &ArgMatches) -> Result<(), Error> {
    let call = direct_call(matches)?;
    let target = GitLabTarget {
        repo: call.repo.clone(),
        api_url: call.text("api_url"),
        web_url: call.text("web_url"),
        token: call
            .text("token")
            .map(Secret::new)
            .ok_or_else(|| Error::invalid_input("give --token (or GITLAB_TOKEN)"))?,
        oauth: call.matches.get_flag("oauth"),
    };
    direct::run(&target.manager()?, call.action, call.options, &call.output).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = cli().get_matches();
    let result = match matches.subcommand() {
        Some(("capabilities", sub)) => capabilities_command(sub),
        Some(("github", sub)) => github(sub).await,
        Some(("gitlab", sub)) => gitlab(sub).await,
        Some(("client", sub)) => remote::run(sub).await,
        Some(("serve", sub)) => admin::serve(sub).await,
        Some(("integration", sub)) => admin::integration(sub).await,
        Some(("repo", sub)) => admin::repo(sub).await,
        Some(("client-key", sub)) => admin::client_key(sub).await,
        Some(("openapi", _)) => {
            print!("{}", scm_rpc::openapi::document_text());
            Ok(())
        }
        Some(("bench", sub)) => bench::run(sub).await,
        Some((name @ ("worker" | "events" | "listener" | "webhook-secret"), sub)) => {
            events_cli::run(name, sub).await
        }
        _ => Err(Error::invalid_input("unknown command")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            direct::print_error(&err);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        super::cli().debug_assert();
    }
}
