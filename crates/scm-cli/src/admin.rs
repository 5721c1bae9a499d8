//! `scm serve` and the registry administration commands
//! (`integration`, `repo`, `client-key`).
//!
//! Every command reads the same configuration as the server: `--config
//! FILE`, then `SCM_*` variables, then `--listen` / `--database-url`
//! flags. Listings print JSON on stdout and never include credentials or
//! client secrets; `client-key create` prints the new secret once.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};
use scm_core::actions::GetRepository;
use scm_core::layers::ConnectOptions;
use scm_core::registration::{connect, IntegrationSpec};
use scm_core::registry::RepositoryRecord;
use scm_core::{Error, SourceCodeManager};

use crate::credential_args;
use scm_server::crypto::KeySource;
use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry, RegistryError};
use scm_server::{Config, ServerError};
use serde_json::json;

/// The options every server-side command takes.
pub fn config_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("config")
            .long("config")
            .value_name("FILE")
            .global(true)
            .help("TOML config file (SCM_* variables and flags override it)"),
    )
    .arg(
        Arg::new("database_url")
            .long("database-url")
            .value_name("URL")
            .global(true)
            .help("sqlite://FILE or postgres://… (overrides SCM_DATABASE_URL)"),
    )
}

pub fn serve_command() -> Command {
    config_args(Command::new("serve").about("Run the RPC server")).arg(
        Arg::new("listen")
            .long("listen")
            .value_name("ADDR")
            .help("Address to listen on (default 127.0.0.1:8080; overrides SCM_LISTEN)"),
    )
}

pub fn integration_command() -> Command {
    config_args(
        Command::new("integration")
            .about("Manage integrations (provider credentials and API bases)")
            .subcommand_required(true)
            .subcommand(
                Command::new("add")
                    .about("Add an integration; credentials are stored encrypted")
                    .arg(
                        Arg::new("provider")
                            .long("provider")
                            .required(true)
                            .value_name("NAME")
                            .help(format!(
                                "The provider: {}",
                                crate::providers::names().join(", ")
                            )),
                    )
                    .arg(
                        Arg::new("name")
                            .long("name")
                            .required(true)
                            .help("A name no other integration has"),
                    )
                    .arg(Arg::new("api_url").long("api-url").help(
                        "REST API base (default: the provider's public service, or derived from --web-url)",
                    ))
                    .arg(Arg::new("web_url").long("web-url").help(
                        "Web base of a self-managed instance (default: the provider's public service)",
                    ))
                    .args(credential_args::args(
                        &credential_args::all_kinds(
                            crate::providers::PROVIDERS
                                .iter()
                                .map(|p| p.credential_kinds()),
                        ),
                        "SCM_INTEGRATION_TOKEN".into(),
                    )),
            )
            .subcommand(Command::new("list").about("List integrations (without credentials)"))
            .subcommand(
                Command::new("remove")
                    .about("Remove an integration no repository uses")
                    .arg(
                        Arg::new("id")
                            .required(true)
                            .value_parser(clap::value_parser!(i64))
                            .help("The integration's id (from `scm integration list`)"),
                    ),
            ),
    )
}

pub fn repo_command() -> Command {
    config_args(
        Command::new("repo")
            .about("Manage registered repositories")
            .subcommand_required(true)
            .subcommand(
                Command::new("add")
                    .about("Register a repository of an organization")
                    .arg(
                        org_arg()
                            .required(true)
                            .help("The organization the repository belongs to"),
                    )
                    .arg(
                        Arg::new("integration")
                            .long("integration")
                            .required(true)
                            .value_parser(clap::value_parser!(i64))
                            .help("The integration that reaches it (from `scm integration list`)"),
                    )
                    .arg(Arg::new("external_id").long("external-id").help(
                        "The provider's id of the repository (default: asked of the provider \
                         with the integration's credentials; the full name if it cannot answer)",
                    ))
                    .arg(
                        Arg::new("full_name")
                            .long("full-name")
                            .required(true)
                            .value_name("OWNER/NAME")
                            .help("The repository's full name at the provider"),
                    ),
            )
            .subcommand(
                Command::new("list")
                    .about("List repositories")
                    .arg(org_arg().help("Only this organization's repositories")),
            )
            .subcommand(
                Command::new("deactivate")
                    .about("Deactivate a repository (calls are refused)")
                    .arg(
                        Arg::new("id")
                            .required(true)
                            .value_parser(clap::value_parser!(i64))
                            .help("The repository's id (from `scm repo list`)"),
                    ),
            ),
    )
}

pub fn client_key_command() -> Command {
    config_args(
        Command::new("client-key")
            .about("Manage RPC client keys")
            .subcommand_required(true)
            .subcommand(
                Command::new("create")
                    .about("Create a key; its secret is printed once")
                    .arg(
                        Arg::new("name")
                            .long("name")
                            .required(true)
                            .help("Who the key is for (shown in listings)"),
                    )
                    .arg(
                        Arg::new("orgs")
                            .long("org")
                            .required(true)
                            .action(ArgAction::Append)
                            .value_delimiter(',')
                            .value_parser(clap::value_parser!(i64))
                            .help("Organizations the key may act for"),
                    )
                    .arg(
                        Arg::new("referrers")
                            .long("referrer")
                            .action(ArgAction::Append)
                            .value_delimiter(',')
                            .help("Referrers the key may claim (default: shared; * for any)"),
                    )
                    .arg(
                        Arg::new("actions")
                            .long("action")
                            .action(ArgAction::Append)
                            .value_delimiter(',')
                            .help("Actions the key may run (default: all)"),
                    ),
            )
            .subcommand(Command::new("list").about("List keys (without secrets)"))
            .subcommand(
                Command::new("revoke").about("Revoke a key").arg(
                    Arg::new("key_id")
                        .required(true)
                        .help("The key's id (key_…, from `scm client-key list`)"),
                ),
            ),
    )
}

fn org_arg() -> Arg {
    Arg::new("org")
        .long("org")
        .value_name("ID")
        .value_parser(clap::value_parser!(i64))
}

/// The configuration: file, then environment, then flags.
pub fn load_config(matches: &ArgMatches) -> Result<Config, Error> {
    let path = matches.get_one::<String>("config").map(PathBuf::from);
    let mut config = Config::load_from_env(path.as_deref())
        .map_err(|err| Error::invalid_input(format!("configuration: {err}")))?;
    if let Some(url) = matches.get_one::<String>("database_url") {
        config.database_url = url.clone();
    }
    if let Some(listen) = matches.try_get_one::<String>("listen").ok().flatten() {
        config.listen = listen
            .parse()
            .map_err(|err| Error::invalid_input(format!("--listen {listen}: {err}")))?;
    }
    Ok(config)
}

fn server_error(err: ServerError) -> Error {
    match err {
        ServerError::Registry(err) => registry_error(err),
        other => Error::invalid_input(other.to_string()),
    }
}

fn registry_error(err: RegistryError) -> Error {
    match err {
        RegistryError::NotFound(what) => Error::NotFound {
            detail: format!("{what} not found"),
        },
        RegistryError::Invalid(detail) => Error::invalid_input(detail),
        other => Error::Unhandled {
            status: None,
            detail: other.to_string(),
        },
    }
}

/// `scm serve`: runs until SIGTERM or Ctrl-C.
pub async fn serve(matches: &ArgMatches) -> Result<(), Error> {
    let config = load_config(matches)?;
    scm_server::observability::startup::log_configuration(&config, "serve");
    // Everything that can be misconfigured fails here, before the address
    // is announced.
    let prepared = scm_server::prepare(config).await.map_err(server_error)?;
    say_key_source(prepared.key_source());
    let address = prepared
        .address()
        .map_err(|err| server_error(ServerError::Io(err)))?;
    eprintln!("scm: serving on http://{address}");
    prepared.serve().await.map_err(server_error)
}

/// Says once where a newly made registry key is: without it, stored
/// credentials cannot be read.
fn say_key_source(source: &KeySource) {
    match source {
        KeySource::KeyFile {
            path,
            created: true,
        } => eprintln!(
            "scm: created the registry's secret key in {} (mode 0600); keep it with the \
             database, or set SCM_SECRET_KEY instead",
            path.display()
        ),
        KeySource::Ephemeral => {
            eprintln!("scm: in-memory registry: its secret key lasts as long as this process")
        }
        KeySource::KeyFile { created: false, .. } | KeySource::Environment => {}
    }
}

async fn registry(matches: &ArgMatches) -> Result<Registry, Error> {
    let (registry, source) = scm_server::open_registry_with_key(&load_config(matches)?)
        .await
        .map_err(server_error)?;
    say_key_source(&source);
    Ok(registry)
}

fn print(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn to_json(value: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// `scm integration …`
pub async fn integration(matches: &ArgMatches) -> Result<(), Error> {
    let registry = registry(matches).await?;
    let result = match matches.subcommand() {
        Some(("add", sub)) => {
            let text = |key: &str| sub.get_one::<String>(key).cloned();
            let record = registry
                .add_integration(NewIntegration {
                    provider: text("provider").unwrap_or_default(),
                    name: text("name").unwrap_or_default(),
                    api_url: text("api_url"),
                    web_url: text("web_url"),
                    credential: credential_args::credential(sub)?,
                })
                .await
                .map_err(registry_error)?;
            to_json(record)
        }
        Some(("list", _)) => to_json(registry.list_integrations().await.map_err(registry_error)?),
        Some(("remove", sub)) => {
            let id = *sub.get_one::<i64>("id").expect("required");
            registry
                .remove_integration(id)
                .await
                .map_err(registry_error)?;
            json!({ "removed": id })
        }
        _ => return Err(Error::invalid_input("unknown integration command")),
    };
    registry.close().await;
    print(&result);
    Ok(())
}

/// The provider's own id of a repository (webhooks name repositories by
/// it), asked of the provider with the integration's credentials; the full
/// name when that fails, saying why (webhooks then resolve by name).
async fn provider_id(registry: &Registry, integration_id: i64, full_name: &str) -> String {
    let fetched = async {
        let (integration, credential) = registry
            .integration(integration_id)
            .await
            .map_err(registry_error)?
            .ok_or_else(|| Error::NotFound {
                detail: format!("integration {integration_id} not found"),
            })?;
        let provider = crate::providers::require(&integration.provider)?;
        let spec = IntegrationSpec {
            api_url: Some(integration.api_url),
            web_url: Some(integration.web_url),
            credential,
        };
        let instance = connect(provider, &spec, ConnectOptions::default())?;
        let scm = SourceCodeManager::for_repository(
            instance.provider,
            RepositoryRecord::direct(provider.name(), full_name),
            "admin",
        );
        let repository = scm.execute(GetRepository {}).await?;
        repository
            .into_data()
            .map(|r| r.id)
            .ok_or_else(|| Error::malformed("the provider answered not modified"))
    };
    match fetched.await {
        Ok(id) => {
            eprintln!("scm: {full_name} has the provider id {id}; stored it as the external id");
            id
        }
        Err(err) => {
            eprintln!(
                "scm: could not ask the provider for {full_name}'s id ({err}); stored the full \
                 name as its external id (webhooks still resolve it by name; give \
                 --external-id to set the provider's id)"
            );
            full_name.to_owned()
        }
    }
}

/// `scm repo …`
pub async fn repo(matches: &ArgMatches) -> Result<(), Error> {
    let registry = registry(matches).await?;
    let result = match matches.subcommand() {
        Some(("add", sub)) => {
            let full_name = sub
                .get_one::<String>("full_name")
                .cloned()
                .unwrap_or_default();
            let integration_id = *sub.get_one::<i64>("integration").expect("required");
            let external_id = match sub.get_one::<String>("external_id") {
                Some(id) => id.clone(),
                None => provider_id(&registry, integration_id, &full_name).await,
            };
            let record = registry
                .add_repository(NewRepository {
                    organization_id: *sub.get_one::<i64>("org").expect("required"),
                    integration_id,
                    external_id,
                    full_name,
                })
                .await
                .map_err(registry_error)?;
            to_json(record)
        }
        Some(("list", sub)) => to_json(
            registry
                .list_repositories(sub.get_one::<i64>("org").copied())
                .await
                .map_err(registry_error)?,
        ),
        Some(("deactivate", sub)) => {
            let id = *sub.get_one::<i64>("id").expect("required");
            registry
                .deactivate_repository(id)
                .await
                .map_err(registry_error)?;
            json!({ "deactivated": id })
        }
        _ => return Err(Error::invalid_input("unknown repo command")),
    };
    registry.close().await;
    print(&result);
    Ok(())
}

/// `scm client-key …`
pub async fn client_key(matches: &ArgMatches) -> Result<(), Error> {
    let registry = registry(matches).await?;
    let result = match matches.subcommand() {
        Some(("create", sub)) => {
            let list = |key: &str| -> Option<Vec<String>> {
                sub.get_many::<String>(key).map(|v| v.cloned().collect())
            };
            let grants = Grants {
                organizations: sub
                    .get_many::<i64>("orgs")
                    .map(|v| v.copied().collect())
                    .unwrap_or_default(),
                referrers: list("referrers").unwrap_or_else(|| vec!["shared".into()]),
                actions: list("actions"),
            };
            let name = sub.get_one::<String>("name").cloned().unwrap_or_default();
            let (record, secret) = registry
                .create_client_key(&name, grants)
                .await
                .map_err(registry_error)?;
            // The only place a secret is ever printed.
            json!({
                "key_id": record.key_id,
                "name": record.name,
                "grants": record.grants,
                "secret": secret.expose(),
            })
        }
        Some(("list", _)) => to_json(registry.list_client_keys().await.map_err(registry_error)?),
        Some(("revoke", sub)) => {
            let key_id = sub.get_one::<String>("key_id").cloned().unwrap_or_default();
            registry
                .revoke_client_key(&key_id)
                .await
                .map_err(registry_error)?;
            json!({ "revoked": key_id })
        }
        _ => return Err(Error::invalid_input("unknown client-key command")),
    };
    registry.close().await;
    print(&result);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_config_file() {
        let dir = std::env::temp_dir().join(format!("scm-admin-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("scm.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://from-file.db\"\n",
        )
        .unwrap();
        let file_arg = file.display().to_string();
        let matches = serve_command()
            .try_get_matches_from(["serve", "--config", &file_arg, "--listen", "127.0.0.1:9100"])
            .unwrap();
        let config = load_config(&matches).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.database_url, "sqlite://from-file.db");
        let matches = serve_command()
            .try_get_matches_from([
                "serve",
                "--config",
                &file_arg,
                "--database-url",
                "sqlite://flag.db",
            ])
            .unwrap();
        let config = load_config(&matches).unwrap();
        assert_eq!(
            (config.listen.port(), config.database_url.as_str()),
            (9000, "sqlite://flag.db")
        );
        let matches = serve_command()
            .try_get_matches_from(["serve", "--listen", "not an address"])
            .unwrap();
        assert_eq!(load_config(&matches).unwrap_err().code(), "invalid_input");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
