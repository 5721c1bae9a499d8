//! `scm`: the platform's command line.

use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};
use scm_cli::action_args;
use scm_cli::admin;
use scm_cli::capabilities;
use scm_cli::credential_args;
use scm_cli::deliveries_cli;
use scm_cli::direct::{self, OutputOptions};
use scm_cli::events_cli;
use scm_cli::logging;
use scm_cli::providers::{self, PROVIDERS};
use scm_cli::{bench, remote};
use scm_core::registration::{IntegrationSpec, ProviderRegistration};
use scm_core::{ActionName, AnyAction, Error, RequestOptions};
use scm_server::observability::ObservabilityConfig;
use tracing::Instrument as _;

// The server's request path allocates many small, short-lived buffers
// (headers, JSON values, response bodies) across threads; mimalloc spends
// far less time on them than the system allocator (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn cli() -> Command {
    Command::new("scm")
        .about("Provider-neutral source code management: actions, RPC and events")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg(logging::format_arg())
        .subcommand(
            Command::new("capabilities")
                .about("Print which actions each provider supports")
                .arg(
                    Arg::new("provider")
                        .long("provider")
                        .value_name("NAME")
                        .help("Only this provider (default: every registered provider)"),
                )
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(["table", "json", "markdown"])
                        .default_value("table")
                        .help("A table, JSON, or the Markdown of docs/capabilities.md"),
                ),
        )
        .subcommands(PROVIDERS.iter().map(|provider| direct_command(*provider)))
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
        .subcommand(deliveries_cli::command())
}

/// `scm <provider> <action>`: where the provider is, how to authenticate
/// (the flags of the credential kinds the provider takes), and one
/// subcommand per action.
fn direct_command(provider: &dyn ProviderRegistration) -> Command {
    let name = provider.name();
    let global = |arg: Arg| arg.global(true);
    let args = [
        Arg::new("repo")
            .long("repo")
            .value_name("REPOSITORY")
            .help("The repository: OWNER/NAME, GROUP/SUBGROUP/NAME or the provider's id"),
        Arg::new("api_url")
            .long("api-url")
            .help("REST API base (default: the public service, or derived from --web-url)"),
        Arg::new("web_url")
            .long("web-url")
            .help("Web base of a self-managed instance (default: the public service)"),
        Arg::new("if_none_match")
            .long("if-none-match")
            .help("Conditional read: an ETag"),
        Arg::new("if_modified_since")
            .long("if-modified-since")
            .help("Conditional read: an HTTP date"),
    ];
    let credentials = credential_args::args(
        provider.credential_kinds(),
        format!("{}_TOKEN", name.to_ascii_uppercase()),
    );
    Command::new(name)
        .about(format!(
            "Run one action directly against {}",
            provider.title()
        ))
        .subcommand_required(true)
        .args(args.into_iter().chain(credentials).map(global))
        .subcommands(action_args::commands())
}

fn capabilities_command(matches: &ArgMatches) -> Result<(), Error> {
    let selected: Vec<_> = match matches.get_one::<String>("provider") {
        Some(name) => vec![providers::require(name)?],
        None => PROVIDERS.to_vec(),
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

async fn direct(provider: &dyn ProviderRegistration, matches: &ArgMatches) -> Result<(), Error> {
    let call = direct_call(matches)?;
    let spec = IntegrationSpec {
        api_url: call.text("api_url"),
        web_url: call.text("web_url"),
        credential: credential_args::credential(call.matches)?,
    };
    let scm = direct::manager(provider, &call.repo, &spec)?;
    direct::run(&scm, call.action, call.options, &call.output).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = cli().get_matches();
    // The long-running commands log at info; one-shot commands keep stderr
    // for their JSON error unless RUST_LOG asks for more.
    let default_level = match matches.subcommand_name() {
        Some("serve" | "worker") => "info",
        _ => "off",
    };
    let exports = match logging::format_of(&matches)
        .and_then(|format| logging::install(format, default_level, &observability_of(&matches)?))
    {
        Ok(exports) => exports,
        Err(err) => {
            direct::print_error(&err);
            return ExitCode::FAILURE;
        }
    };
    let result = match matches.subcommand() {
        Some(("capabilities", sub)) => capabilities_command(sub),
        // One trace for the whole command (its RPC calls are children).
        Some(("client", sub)) => {
            remote::run(sub)
                .instrument(tracing::info_span!("scm.client"))
                .await
        }
        Some(("serve", sub)) => admin::serve(sub).await,
        Some(("integration", sub)) => admin::integration(sub).await,
        Some(("repo", sub)) => admin::repo(sub).await,
        Some(("client-key", sub)) => admin::client_key(sub).await,
        Some(("openapi", _)) => {
            print!("{}", scm_rpc::openapi::document_text());
            Ok(())
        }
        Some(("bench", sub)) => bench::run(sub).await,
        Some(("deliveries", sub)) => deliveries_cli::run(sub).await,
        Some((name @ ("worker" | "events" | "listener" | "webhook-secret"), sub)) => {
            events_cli::run(name, sub).await
        }
        Some((name, sub)) => match providers::find(name) {
            Some(provider) => direct(provider, sub).await,
            None => Err(Error::invalid_input("unknown command")),
        },
        None => Err(Error::invalid_input("unknown command")),
    };
    if let (Err(err), Some("serve" | "worker")) = (&result, matches.subcommand_name()) {
        // Reported to Sentry with the other errors of the long-running commands.
        tracing::error!(code = err.code(), "command failed");
    }
    drop(exports);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            direct::print_error(&err);
            ExitCode::FAILURE
        }
    }
}

/// `[observability]` of the commands that export traces and errors: the
/// server's configuration for `scm serve` and `scm worker` (file and
/// `SCM_*`), the `SCM_*` variables alone for `scm client`, nothing for the
/// others.
fn observability_of(matches: &clap::ArgMatches) -> Result<ObservabilityConfig, Error> {
    match matches.subcommand() {
        Some(("serve" | "worker", sub)) => Ok(admin::load_config(sub)?.observability),
        Some(("client", _)) => {
            let mut config = ObservabilityConfig::default();
            config
                .apply_env(&std::env::vars().collect())
                .map_err(|err| Error::invalid_input(err.to_string()))?;
            Ok(config)
        }
        _ => Ok(ObservabilityConfig::default()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        super::cli().debug_assert();
    }

    /// Every subcommand says what it does and every flag what it takes.
    #[test]
    fn every_subcommand_and_flag_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(format!("`{path}` has no about text"));
                }
                for arg in sub.get_arguments() {
                    let id = arg.get_id().as_str();
                    if arg.get_help().is_none() && !matches!(id, "help" | "version") {
                        missing.push(format!("`{path}`: `{id}` has no help"));
                    }
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::cli(), "scm", &mut missing);
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
