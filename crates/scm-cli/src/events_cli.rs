//! The event stream's commands: `scm worker`, `scm events list|show`
//! (the delivery history), `scm events redeliver`, `scm events
//! dead-letters`, `scm events replay`, `scm listener
//! add|list|remove|pause|resume` and
//! `scm webhook-secret add|list|remove`.
//!
//! They read the same configuration as `scm serve` (`--config FILE`,
//! `SCM_*`, `--database-url`): the registry holds HTTP listeners and
//! per-integration webhook secrets (sealed with `SCM_SECRET_KEY`), the
//! `[queue]` section names the queue. Secrets are taken from flags or
//! environment variables and never printed.

use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use scm_core::events::EventType;
use scm_core::{Error, Secret};
use scm_server::events::dead_letters::{self, Replay};
use scm_server::events::history::{DeliveryFilter, HistoryObserver, Outcome};
use scm_server::events::redeliver::RedeliverError;
use scm_server::events::store::{ListenerFrom, ListenerRecord, NewListener};
use scm_server::registry::{Registry, RegistryError};
use scm_server::{Config, ServerError};
use scm_stream::{
    EventQueue, HttpListener, ListenerError, ListenerRegistry, ListenerSpec, QueueError, Worker,
    WorkerConfig,
};
use serde_json::json;

use crate::admin::load_config;

/// The subcommands this module adds to `scm`.
pub fn commands() -> Vec<Command> {
    vec![
        config_args(
            Command::new("worker")
                .about("Deliver queued events to the registered listeners until SIGTERM")
                .arg(
                    Arg::new("print_events")
                        .long("print-events")
                        .action(ArgAction::SetTrue)
                        .help("Also run the built-in `stdout` listener: one JSON line per event"),
                )
                .arg(
                    from_arg().requires("print_events").help(
                        "Where the `stdout` listener starts the first time it runs: `new` \
                         events (default) or `earliest` (every event the queue still holds); \
                         later runs continue where it stopped",
                    ),
                ),
        ),
        config_args(
            Command::new("events")
                .about("The delivery history, redeliveries, dead letters and replays")
                .subcommand_required(true)
                .subcommand(
                    Command::new("list")
                        .about("List recorded deliveries as JSON, newest first, with each listener's outcome")
                        .arg(
                            Arg::new("provider")
                                .long("provider")
                                .value_name("NAME")
                                .help("Only this provider's deliveries (its name, as `scm integration list` shows it)"),
                        )
                        .arg(
                            Arg::new("event")
                                .long("event")
                                .value_name("TYPE")
                                .help("Neutral event type (pull_request, push, …)"),
                        )
                        .arg(
                            Arg::new("repository")
                                .long("repository")
                                .value_name("OWNER/NAME")
                                .help("Repository full name (any case)"),
                        )
                        .arg(listener_filter().help("Deliveries this listener has a part in"))
                        .arg(
                            Arg::new("outcome")
                                .long("outcome")
                                .value_parser(["pending", "delivered", "failed", "dead_lettered"])
                                .help("Deliveries with a listener in this outcome"),
                        )
                        .arg(
                            Arg::new("since")
                                .long("since")
                                .value_name("TIME")
                                .help("Received at or after: RFC 3339 (2026-01-31T12:00:00Z) or an age (90s, 15m, 2h, 7d)"),
                        )
                        .arg(
                            Arg::new("limit")
                                .long("limit")
                                .value_parser(clap::value_parser!(u32).range(1..=1000))
                                .default_value("50")
                                .help("At most this many deliveries (1 to 1000)"),
                        )
                        .arg(
                            Arg::new("before")
                                .long("before")
                                .value_name("ID")
                                .value_parser(clap::value_parser!(i64))
                                .help("Only deliveries with a history id below this one (the next page)"),
                        ),
                )
                .subcommand(
                    Command::new("show")
                        .about("Show one delivery: safe headers, the neutral event, each listener's attempts")
                        .arg(delivery_arg())
                        .arg(provider_arg()),
                )
                .subcommand(
                    Command::new("redeliver")
                        .about("Deliver a recorded delivery again, to one listener or all of its listeners")
                        .arg(delivery_arg())
                        .arg(provider_arg())
                        .arg(listener_filter().help("Only this listener (default: all of the delivery's listeners)")),
                )
                .subcommand(
                    Command::new("dead-letters")
                        .about("List dead letters as JSON, oldest first")
                        .arg(listener_filter().help("Only this listener's dead letters")),
                )
                .subcommand(
                    Command::new("replay")
                        .about("Deliver dead letters again, to their listener only")
                        .arg(
                            Arg::new("id")
                                .value_parser(clap::value_parser!(u64))
                                .required_unless_present("all")
                                .conflicts_with("all")
                                .help("The dead letter's id (from `scm events dead-letters`)"),
                        )
                        .arg(
                            Arg::new("all")
                                .long("all")
                                .action(ArgAction::SetTrue)
                                .help("Replay every dead letter"),
                        )
                        .arg(
                            listener_filter()
                                .requires("all")
                                .help("With --all: only this listener's dead letters"),
                        ),
                ),
        ),
        config_args(
            Command::new("listener")
                .about("HTTP listeners: signed neutral JSON POSTed by `scm worker`")
                .subcommand_required(true)
                .subcommand(
                    Command::new("add")
                        .about("Register an HTTP listener and subscribe it to the queue")
                        .arg(
                            Arg::new("name")
                                .long("name")
                                .required(true)
                                .help("Unique: 1 to 64 of A-Z, a-z, 0-9, `_`, `-`"),
                        )
                        .arg(
                            Arg::new("url")
                                .long("url")
                                .required(true)
                                .help("Where `scm worker` POSTs each event (http or https)"),
                        )
                        .arg(
                            Arg::new("events")
                                .long("events")
                                .required(true)
                                .value_delimiter(',')
                                .help("Event types, comma-separated (pull_request,comment,…)"),
                        )
                        .arg(
                            Arg::new("secret")
                                .long("secret")
                                .env("SCM_LISTENER_SECRET")
                                .hide_env_values(true)
                                .required(true)
                                .help("Signs each request (X-Hub-Signature-256: sha256=<hex HMAC of the body>)"),
                        )
                        .arg(
                            Arg::new("max_attempts")
                                .long("max-attempts")
                                .value_parser(clap::value_parser!(u32).range(1..))
                                .default_value("5")
                                .help("Attempts before a delivery becomes a dead letter"),
                        )
                        .arg(
                            Arg::new("deadline_ms")
                                .long("deadline-ms")
                                .value_parser(clap::value_parser!(u64).range(1..))
                                .default_value("30000")
                                .help("How long one delivery may take, in milliseconds"),
                        )
                        .arg(from_arg().help(
                            "Where the listener starts: `new` events (default) or `earliest` \
                             (every event the queue still holds, within its retention)",
                        )),
                )
                .subcommand(Command::new("list").about("List HTTP listeners (without secrets)"))
                .subcommand(
                    Command::new("pause")
                        .about("Hold a listener's deliveries in the queue (running workers stop within seconds)")
                        .arg(Arg::new("name").required(true).help("The listener's name")),
                )
                .subcommand(
                    Command::new("resume")
                        .about("Deliver a paused listener's events again, those held first")
                        .arg(Arg::new("name").required(true).help("The listener's name")),
                )
                .subcommand(
                    Command::new("remove")
                        .about("Remove a listener and its subscription")
                        .arg(Arg::new("name").required(true).help("The listener's name")),
                ),
        ),
        config_args(
            Command::new("webhook-secret")
                .about("Secrets of /webhooks/{provider}/{integration} (several for rotation)")
                .subcommand_required(true)
                .subcommand(
                    Command::new("add")
                        .about("Add a secret that /webhooks/{provider}/{integration} verifies against")
                        .arg(
                            integration_arg()
                                .required(true)
                                .help("The integration's id (from `scm integration list`)"),
                        )
                        .arg(
                            Arg::new("secret")
                                .long("secret")
                                .env("SCM_WEBHOOK_SECRET")
                                .hide_env_values(true)
                                .required(true)
                                .help("The secret set on the provider's hook (or SCM_WEBHOOK_SECRET)"),
                        ),
                )
                .subcommand(
                    Command::new("list")
                        .about("List secrets by id and age (never their values)")
                        .arg(integration_arg().help("Only this integration's secrets")),
                )
                .subcommand(
                    Command::new("remove")
                        .about("Remove a secret (end of a rotation)")
                        .arg(
                            Arg::new("id")
                                .required(true)
                                .value_parser(clap::value_parser!(i64))
                                .help("The secret's id (from `scm webhook-secret list`)"),
                        ),
                ),
        ),
    ]
}

fn config_args(cmd: Command) -> Command {
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

fn from_arg() -> Arg {
    Arg::new("from")
        .long("from")
        .value_name("new|earliest")
        .value_parser(["new", "earliest"])
        .default_value("new")
}

fn listener_filter() -> Arg {
    Arg::new("listener").long("listener").value_name("NAME")
}

fn delivery_arg() -> Arg {
    Arg::new("delivery_id")
        .required(true)
        .value_name("DELIVERY_ID")
        .help("The provider's delivery id, as `scm events list` shows it")
}

fn provider_arg() -> Arg {
    Arg::new("provider")
        .long("provider")
        .value_name("NAME")
        .help("The provider, when two providers used the same delivery id")
}

/// `--since`: an RFC 3339 time or an age back from now.
fn parse_since(value: &str) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(at.with_timezone(&chrono::Utc));
    }
    let invalid = || {
        Error::invalid_input(format!(
            "--since `{}`: expected an RFC 3339 time or an age such as 90s, 15m, 2h, 7d",
            value.chars().take(40).collect::<String>()
        ))
    };
    let unit = value.chars().last().ok_or_else(invalid)?;
    let number: i64 = value[..value.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| invalid())?;
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(invalid()),
    };
    let age = chrono::Duration::try_seconds(number.saturating_mul(seconds)).ok_or_else(invalid)?;
    Ok(chrono::Utc::now() - age)
}

fn integration_arg() -> Arg {
    Arg::new("integration")
        .long("integration")
        .value_name("ID")
        .value_parser(clap::value_parser!(i64))
}

/// Runs the subcommand `name` (one of [`commands`]).
pub async fn run(name: &str, matches: &ArgMatches) -> Result<(), Error> {
    let config = load_config(matches)?;
    match name {
        "worker" => {
            let print_from = matches
                .get_flag("print_events")
                .then(|| parse_from(matches))
                .transpose()?;
            worker(&config, print_from).await
        }
        "events" => events(&config, matches).await,
        "listener" => listener(&config, matches).await,
        "webhook-secret" => webhook_secret(&config, matches).await,
        other => Err(Error::invalid_input(format!("unknown command `{other}`"))),
    }
}

fn queue_error(err: QueueError) -> Error {
    Error::Unhandled {
        status: None,
        detail: err.to_string(),
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

async fn open_registry(config: &Config) -> Result<Registry, Error> {
    scm_server::open_registry(config)
        .await
        .map_err(|err| match err {
            ServerError::Registry(err) => registry_error(err),
            other => Error::invalid_input(other.to_string()),
        })
}

async fn open_queue(config: &Config) -> Result<Arc<dyn EventQueue>, Error> {
    config.queue.open().await.map_err(queue_error)
}

fn print(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn parse_from(matches: &ArgMatches) -> Result<ListenerFrom, Error> {
    matches
        .get_one::<String>("from")
        .map(String::as_str)
        .unwrap_or("new")
        .parse()
        .map_err(registry_error)
}

/// The HTTP listeners of the registry plus the built-in `stdout` listener
/// when asked for (starting as given).
pub async fn listener_registry(
    registry: &Registry,
    print_events: Option<ListenerFrom>,
) -> Result<ListenerRegistry, Error> {
    let mut listeners = ListenerRegistry::new();
    for (record, secret) in registry
        .listeners_with_secrets()
        .await
        .map_err(registry_error)?
    {
        let spec = listener_spec(&record);
        listeners
            .register(spec, HttpListener::new(record.url, secret))
            .map_err(|err| Error::invalid_input(err.to_string()))?;
    }
    if let Some(from) = print_events {
        listeners
            .register_fn(
                ListenerSpec::new("stdout", &EventType::ALL).start(from.start()),
                |envelope| async move {
                    let line = json!({
                        "provider": envelope.provider,
                        "delivery_id": envelope.delivery_id,
                        "type": envelope.event_type(),
                        "action": envelope.event.action(),
                        "organization_id": envelope.organization_id,
                        "repository": envelope.repository.as_ref().map(|r| &r.full_name),
                    });
                    println!("{line}");
                    Ok::<(), ListenerError>(())
                },
            )
            .map_err(|err| Error::invalid_input(err.to_string()))?;
    }
    Ok(listeners)
}

/// How the queue sees a registered HTTP listener.
fn listener_spec(record: &ListenerRecord) -> ListenerSpec {
    ListenerSpec::new(&record.name, &record.events)
        .max_attempts(record.max_attempts)
        .deadline(Duration::from_millis(record.deadline_ms))
        .start(record.from.start())
}

async fn worker(config: &Config, print_events: Option<ListenerFrom>) -> Result<(), Error> {
    scm_server::observability::exporters::install(&config.observability)
        .map_err(|err| Error::invalid_input(err.to_string()))?;
    scm_server::observability::startup::log_configuration(config, "worker");
    let registry = open_registry(config).await?;
    let listeners = listener_registry(&registry, print_events).await?;
    if listeners.is_empty() {
        registry.close().await;
        return Err(Error::invalid_input(
            "no listener is registered (scm listener add …, or --print-events)",
        ));
    }
    let names: Vec<String> = listeners.specs().map(|s| s.name.clone()).collect();
    let queue = open_queue(config).await?;
    eprintln!(
        "scm: worker on the {} queue, listeners: {}",
        queue.backend(),
        names.join(", ")
    );
    if print_events == Some(ListenerFrom::New) {
        eprintln!(
            "scm: the stdout listener receives events accepted after its first run; \
             `--from earliest` on its first run delivers what the queue already holds"
        );
    }
    let worker = Worker::new(queue, listeners, WorkerConfig::default())
        .with_observer(Arc::new(HistoryObserver(registry.clone())))
        .with_redaction(Arc::new(scm_server::observability::errors::scrub_text));
    let follow = tokio::spawn(follow_paused(registry.clone(), worker.paused().clone()));
    let result = worker.run(shutdown_signal()).await.map_err(queue_error);
    follow.abort();
    registry.close().await;
    result
}

/// How often a running worker reads which listeners are paused.
const PAUSE_POLL: Duration = Duration::from_secs(2);

/// Keeps the worker's paused set equal to the registry's flags, so
/// `scm listener pause|resume` takes effect without a restart (the worker
/// logs when each listener stops and starts again). A registry that does
/// not answer leaves the set as it was.
async fn follow_paused(registry: Registry, paused: scm_stream::PausedListeners) {
    let mut every = tokio::time::interval(PAUSE_POLL);
    loop {
        every.tick().await;
        match registry.paused_listeners().await {
            Ok(names) => paused.replace(names),
            Err(err) => tracing::warn!(error = %err, "reading paused listeners failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn events(config: &Config, matches: &ArgMatches) -> Result<(), Error> {
    match matches.subcommand() {
        Some(("list", sub)) => return history_list(config, sub).await,
        Some(("show", sub)) => return history_show(config, sub).await,
        Some(("redeliver", sub)) => return redeliver(config, sub).await,
        _ => {}
    }
    let queue = open_queue(config).await?;
    match matches.subcommand() {
        Some(("dead-letters", sub)) => {
            let listener = sub.get_one::<String>("listener").map(String::as_str);
            let dead = dead_letters::list(queue.as_ref(), listener)
                .await
                .map_err(queue_error)?;
            print(&serde_json::to_value(dead).unwrap_or_default());
            Ok(())
        }
        Some(("replay", sub)) => {
            let what = if sub.get_flag("all") {
                Replay::All {
                    listener: sub.get_one::<String>("listener").map(String::as_str),
                }
            } else {
                Replay::One(*sub.get_one::<u64>("id").expect("required unless --all"))
            };
            let registry = open_registry(config).await?;
            let replayed = dead_letters::replay(&registry, queue.as_ref(), what.clone()).await;
            registry.close().await;
            let replayed = replayed.map_err(queue_error)?;
            match what {
                Replay::One(id) if replayed == 0 => Err(Error::NotFound {
                    detail: format!("dead letter {id} not found"),
                }),
                _ => {
                    print(&json!({ "replayed": replayed }));
                    Ok(())
                }
            }
        }
        _ => Err(Error::invalid_input("unknown events command")),
    }
}

async fn history_list(config: &Config, sub: &ArgMatches) -> Result<(), Error> {
    let text = |name: &str| sub.get_one::<String>(name).cloned();
    let filter = DeliveryFilter {
        provider: text("provider"),
        event_type: text("event"),
        repository: text("repository"),
        listener: text("listener"),
        outcome: text("outcome")
            .map(|o| o.parse::<Outcome>())
            .transpose()
            .map_err(registry_error)?,
        since: text("since").map(|s| parse_since(&s)).transpose()?,
        until: None,
        before_id: sub.get_one::<i64>("before").copied(),
        limit: sub.get_one::<u32>("limit").copied(),
    };
    let registry = open_registry(config).await?;
    let listed = registry.list_deliveries(&filter).await;
    registry.close().await;
    print(&serde_json::to_value(listed.map_err(registry_error)?).unwrap_or_default());
    Ok(())
}

async fn history_show(config: &Config, sub: &ArgMatches) -> Result<(), Error> {
    let delivery_id = sub.get_one::<String>("delivery_id").expect("required");
    let provider = sub.get_one::<String>("provider").map(String::as_str);
    let registry = open_registry(config).await?;
    let found = registry.delivery(delivery_id, provider).await;
    registry.close().await;
    match found.map_err(registry_error)? {
        Some(record) => {
            print(&serde_json::to_value(record).unwrap_or_default());
            Ok(())
        }
        None => Err(Error::NotFound {
            detail: format!("delivery {delivery_id} not found in the history"),
        }),
    }
}

async fn redeliver(config: &Config, sub: &ArgMatches) -> Result<(), Error> {
    let delivery_id = sub.get_one::<String>("delivery_id").expect("required");
    let provider = sub.get_one::<String>("provider").map(String::as_str);
    let listener = sub.get_one::<String>("listener").map(String::as_str);
    let registry = open_registry(config).await?;
    let queue = match open_queue(config).await {
        Ok(queue) => queue,
        Err(err) => {
            registry.close().await;
            return Err(err);
        }
    };
    let result = scm_server::events::redeliver::redeliver(
        &registry,
        queue.as_ref(),
        delivery_id,
        provider,
        listener,
    )
    .await;
    registry.close().await;
    match result {
        Ok(listeners) => {
            print(&json!({ "redelivered": listeners }));
            Ok(())
        }
        Err(err @ (RedeliverError::NotFound(_) | RedeliverError::NotAListener { .. })) => {
            Err(Error::NotFound {
                detail: err.to_string(),
            })
        }
        Err(RedeliverError::Registry(err)) => Err(registry_error(err)),
        Err(RedeliverError::Queue(err)) => Err(queue_error(err)),
        Err(err @ RedeliverError::NotHeld(_)) => Err(Error::invalid_input(err.to_string())),
    }
}

async fn listener(config: &Config, matches: &ArgMatches) -> Result<(), Error> {
    let registry = open_registry(config).await?;
    let result = match matches.subcommand() {
        Some(("add", sub)) => {
            let events = sub
                .get_many::<String>("events")
                .into_iter()
                .flatten()
                .map(|e| e.trim().parse::<EventType>())
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewListener {
                name: sub.get_one::<String>("name").cloned().unwrap_or_default(),
                url: sub.get_one::<String>("url").cloned().unwrap_or_default(),
                events,
                secret: Secret::new(sub.get_one::<String>("secret").cloned().unwrap_or_default()),
                max_attempts: *sub.get_one::<u32>("max_attempts").unwrap_or(&5),
                deadline_ms: *sub.get_one::<u64>("deadline_ms").unwrap_or(&30_000),
                from: parse_from(sub)?,
            };
            let record = registry.add_listener(new).await.map_err(registry_error)?;
            // Subscribe at once, so the queue keeps every event from now on
            // for this listener, even before a worker runs it.
            let spec = listener_spec(&record);
            let subscribed = match open_queue(config).await {
                Ok(queue) => queue
                    .subscribe(&spec.subscription())
                    .await
                    .map_err(queue_error),
                Err(err) => Err(err),
            };
            if let Err(err) = subscribed {
                let _ = registry.remove_listener(&record.name).await;
                return Err(err);
            }
            print(&serde_json::to_value(&record).unwrap_or_default());
            Ok(())
        }
        Some(("list", _)) => {
            let listeners = registry.list_listeners().await.map_err(registry_error)?;
            print(&serde_json::to_value(&listeners).unwrap_or_default());
            Ok(())
        }
        Some((verb @ ("pause" | "resume"), sub)) => {
            let name = sub.get_one::<String>("name").cloned().unwrap_or_default();
            let paused = verb == "pause";
            registry
                .set_listener_paused(&name, paused)
                .await
                .map_err(registry_error)
                .map(|()| print(&json!({ "listener": name, "paused": paused })))
        }
        Some(("remove", sub)) => {
            let name = sub.get_one::<String>("name").cloned().unwrap_or_default();
            registry
                .remove_listener(&name)
                .await
                .map_err(registry_error)?;
            open_queue(config)
                .await?
                .unsubscribe(&name)
                .await
                .map_err(queue_error)?;
            print(&json!({ "removed": name }));
            Ok(())
        }
        _ => Err(Error::invalid_input("unknown listener command")),
    };
    registry.close().await;
    result
}

async fn webhook_secret(config: &Config, matches: &ArgMatches) -> Result<(), Error> {
    let registry = open_registry(config).await?;
    let result = match matches.subcommand() {
        Some(("add", sub)) => {
            let integration = *sub.get_one::<i64>("integration").expect("required");
            let secret = Secret::new(sub.get_one::<String>("secret").cloned().unwrap_or_default());
            registry
                .add_webhook_secret(integration, &secret)
                .await
                .map(|record| print(&serde_json::to_value(record).unwrap_or_default()))
        }
        Some(("list", sub)) => registry
            .list_webhook_secrets(sub.get_one::<i64>("integration").copied())
            .await
            .map(|list| print(&serde_json::to_value(list).unwrap_or_default())),
        Some(("remove", sub)) => {
            let id = *sub.get_one::<i64>("id").expect("required");
            registry
                .remove_webhook_secret(id)
                .await
                .map(|()| print(&json!({ "removed": id })))
        }
        _ => Ok(()),
    };
    registry.close().await;
    result.map_err(registry_error)
}
