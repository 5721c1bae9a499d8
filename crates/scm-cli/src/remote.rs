//! `scm client <action>`: one action through an `scm serve` over signed
//! RPC, with the same subcommands and output as `scm github <action>`.

use clap::{Arg, ArgMatches, Command};
use scm_core::{ActionName, AnyAction, Error, RequestOptions, Secret};
use scm_rpc::{RpcProvider, RpcTarget};

use crate::action_args;
use crate::direct::{self, OutputOptions};

pub fn command() -> Command {
    let global = |arg: Arg| arg.global(true);
    Command::new("client")
        .about("Run one action through an scm server (signed RPC v1)")
        .subcommand_required(true)
        .arg(global(
            Arg::new("server")
                .long("server")
                .value_name("URL")
                .env("SCM_SERVER")
                .help("The server's base URL, e.g. http://127.0.0.1:8080"),
        ))
        .arg(global(
            Arg::new("key_id")
                .long("key-id")
                .env("SCM_CLIENT_KEY_ID")
                .help("The client key id"),
        ))
        .arg(global(
            Arg::new("secret")
                .long("secret")
                .env("SCM_CLIENT_SECRET")
                .hide_env_values(true)
                .help("The client key's secret (or SCM_CLIENT_SECRET)"),
        ))
        .arg(global(
            Arg::new("org")
                .long("org")
                .value_name("ID")
                .value_parser(clap::value_parser!(i64))
                .help("The organization id"),
        ))
        .arg(global(
            Arg::new("repo")
                .long("repo")
                .value_name("ID|PROVIDER:EXTERNAL")
                .help("The repository: its id, or PROVIDER:EXTERNAL-ID (the provider's name and its id of the repository)"),
        ))
        .arg(global(
            Arg::new("referrer")
                .long("referrer")
                .default_value("shared")
                .help("Who is asking (quota allocation)"),
        ))
        .arg(global(
            Arg::new("if_none_match")
                .long("if-none-match")
                .help("Conditional read: an ETag"),
        ))
        .arg(global(
            Arg::new("if_modified_since")
                .long("if-modified-since")
                .help("Conditional read: an HTTP date"),
        ))
        .subcommands(action_args::commands())
}

/// Runs `scm client <action> …`.
pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| Error::invalid_input("no action given"))?;
    let action: ActionName = name.parse()?;
    let action = AnyAction::from_json(action, action_args::arguments(action, sub)?)?;
    let text = |key: &str| sub.get_one::<String>(key).cloned();
    let need = |key: &str, flag: &str| {
        text(key).ok_or_else(|| Error::invalid_input(format!("{flag} is required")))
    };
    let target = RpcTarget {
        base_url: need("server", "--server URL (or SCM_SERVER)")?,
        key_id: need("key_id", "--key-id (or SCM_CLIENT_KEY_ID)")?,
        secret: Secret::new(need("secret", "--secret (or SCM_CLIENT_SECRET)")?),
        organization: *sub
            .get_one::<i64>("org")
            .ok_or_else(|| Error::invalid_input("--org ID is required"))?,
        repository: RpcTarget::parse_repository(&need("repo", "--repo")?)?,
        referrer: text("referrer").unwrap_or_default(),
    };
    let scm = RpcProvider::connect(target).await?.into_manager();
    let options = RequestOptions {
        if_none_match: text("if_none_match"),
        if_modified_since: text("if_modified_since"),
    };
    let output = OutputOptions {
        all_pages: sub
            .try_get_one::<bool>("all")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false),
        output_file: sub.try_get_one::<String>("output").ok().flatten().cloned(),
    };
    direct::run(&scm, action, options, &output).await
}
