//! `scm deliveries recover`: one missed-delivery recovery pass by hand,
//! over the hook sources of `[recovery]` (the same configuration as
//! `scm serve`). Prints one JSON report per source: what it listed, what
//! had failed, what the queue already had, and what it asked to redeliver.

use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command};
use scm_core::model::Timestamp;
use scm_core::Error;
use scm_server::recovery::Reconciler;

use crate::admin::{config_args, load_config};

pub fn command() -> Command {
    config_args(
        Command::new("deliveries")
            .about("Recover webhook deliveries the provider failed to deliver")
            .subcommand_required(true)
            .subcommand(
                Command::new("recover")
                    .about("Run one recovery pass now and print what it found and did")
                    .arg(
                        Arg::new("integration")
                            .long("integration")
                            .value_name("ID")
                            .value_parser(clap::value_parser!(i64))
                            .help("Only this integration's hook source"),
                    )
                    .arg(
                        Arg::new("since")
                            .long("since")
                            .value_name("TIME")
                            .value_parser(|value: &str| value.parse::<Timestamp>())
                            .help(
                                "Look back to this RFC 3339 time instead of the last finished \
                                 pass (the stored position is then left unchanged)",
                            ),
                    )
                    .arg(
                        Arg::new("dry_run")
                            .long("dry-run")
                            .action(ArgAction::SetTrue)
                            .help("Only list what would be redelivered"),
                    ),
            ),
    )
}

pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let Some(("recover", sub)) = matches.subcommand() else {
        return Err(Error::invalid_input("unknown command"));
    };
    let config = load_config(matches)?;
    let integration = sub.get_one::<i64>("integration").copied();
    let sources: Vec<_> = config
        .recovery
        .sources
        .iter()
        .filter(|s| integration.is_none_or(|id| s.integration == id))
        .cloned()
        .collect();
    if sources.is_empty() {
        return Err(Error::invalid_input(match integration {
            Some(id) => format!("integration {id} has no hook source in [recovery]"),
            None => "no hook source is configured: add [[recovery.sources]] to the config file"
                .to_owned(),
        }));
    }
    let unusable = |err: scm_server::ServerError| Error::invalid_input(err.to_string());
    let registry = scm_server::open_registry(&config).await.map_err(unusable)?;
    let queue = config
        .queue
        .open()
        .await
        .map_err(|err| unusable(err.into()))?;
    let providers = scm_server::connect_providers(&config, registry.clone());
    let reconciler = Arc::new(Reconciler::new(
        registry,
        providers.resolver,
        queue,
        config.recovery.clone(),
    ));
    let since = sub.get_one::<Timestamp>("since").copied();
    let dry_run = sub.get_flag("dry_run");
    for source in &sources {
        let report = reconciler.pass(source, since, dry_run).await?;
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    }
    Ok(())
}
