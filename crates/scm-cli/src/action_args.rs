//! One clap subcommand per action, derived from the action table.
//!
//! Each argument of an action becomes a `--flag` named after its field
//! (`issue_id` → `--issue-id`). Values are turned into the action's JSON
//! arguments by the field's declared type: ids, shas, names, dates and
//! enum values stay strings (`--issue-id 12` is the string `"12"`),
//! integers become numbers, `Vec<String>` takes a comma-separated list,
//! booleans are flags (`--force`, or `--recursive false`), and structured
//! arguments take JSON. Each field's shape comes from its type in the
//! action table ([`scm_core::actions::FieldType`]), never from its name.
//! `--args '{…}'` gives all arguments as JSON at once; flags override it.

use clap::{Arg, ArgAction, ArgMatches, Command};
use scm_core::actions::FieldKind;
use scm_core::{ActionKind, ActionName, Error};
use serde_json::{Map, Value};

fn flag_name(field: &str) -> String {
    field.replace('_', "-")
}

/// The subcommand for one action.
pub fn command(action: ActionName) -> Command {
    let mut cmd = Command::new(action.as_str())
        .about(action.summary().trim())
        .visible_alias(action.as_str().replace('_', "-"))
        .arg(
            Arg::new("args")
                .long("args")
                .value_name("JSON")
                .help("All arguments as one JSON object; flags override its fields"),
        );
    for field in action.fields() {
        let kind = field.kind;
        let mut arg = Arg::new(field.name)
            .long(flag_name(field.name))
            .help(format!("{} ({})", field.name, field.ty.replace(' ', "")));
        arg = match kind {
            FieldKind::Flag => arg
                .num_args(0..=1)
                .value_name("BOOL")
                .default_missing_value("true")
                .value_parser(clap::value_parser!(bool)),
            FieldKind::List => arg
                .value_name("A,B,…")
                .action(ArgAction::Append)
                .value_delimiter(','),
            FieldKind::Json => arg.value_name("JSON"),
            FieldKind::Integer => arg.value_name("N").value_parser(clap::value_parser!(u64)),
            FieldKind::Text => arg.value_name("VALUE").allow_hyphen_values(true),
        };
        cmd = cmd.arg(arg);
    }
    if action.kind() == ActionKind::List {
        cmd = cmd
            .arg(
                Arg::new("cursor")
                    .long("cursor")
                    .help("Cursor of the page to fetch"),
            )
            .arg(
                Arg::new("per_page")
                    .long("per-page")
                    .value_parser(clap::value_parser!(u32))
                    .help("Items per page"),
            )
            .arg(
                Arg::new("all")
                    .long("all")
                    .action(ArgAction::SetTrue)
                    .help("Follow every page and print all items"),
            );
    }
    if action.kind() == ActionKind::Download {
        cmd = cmd.arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("FILE")
                .help("Write the bytes to FILE instead of standard output"),
        );
    }
    cmd
}

/// Every action's subcommand.
pub fn commands() -> Vec<Command> {
    ActionName::ALL.iter().map(|a| command(*a)).collect()
}

/// Builds the action's JSON arguments from parsed flags.
pub fn arguments(action: ActionName, matches: &ArgMatches) -> Result<Value, Error> {
    let mut args = match matches.get_one::<String>("args") {
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => map,
            _ => return Err(Error::invalid_input("--args must be a JSON object")),
        },
        None => Map::new(),
    };
    for field in action.fields() {
        let value = match field.kind {
            FieldKind::Flag => matches.get_one::<bool>(field.name).map(|b| Value::Bool(*b)),
            FieldKind::Integer => matches.get_one::<u64>(field.name).map(|n| Value::from(*n)),
            FieldKind::List => matches
                .get_many::<String>(field.name)
                .map(|values| Value::from(values.cloned().collect::<Vec<_>>())),
            FieldKind::Text => matches
                .get_one::<String>(field.name)
                .map(|s| Value::String(s.clone())),
            FieldKind::Json => match matches.get_one::<String>(field.name) {
                Some(raw) => Some(serde_json::from_str(raw).map_err(|err| {
                    Error::invalid_input(format!("--{} must be JSON: {err}", flag_name(field.name)))
                })?),
                None => None,
            },
        };
        if let Some(value) = value {
            args.insert(field.name.to_owned(), value);
        }
    }
    if action.kind() == ActionKind::List {
        let mut page = Map::new();
        if let Some(cursor) = matches.get_one::<String>("cursor") {
            page.insert("cursor".into(), Value::String(cursor.clone()));
        }
        if let Some(per_page) = matches.get_one::<u32>("per_page") {
            page.insert("per_page".into(), Value::from(*per_page));
        }
        if !page.is_empty() {
            args.insert("page".into(), Value::Object(page));
        }
    }
    Ok(Value::Object(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scm_core::AnyAction;

    fn parse(action: ActionName, argv: &[&str]) -> Result<AnyAction, Error> {
        let matches = command(action)
            .try_get_matches_from(std::iter::once(action.as_str()).chain(argv.iter().copied()))
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        AnyAction::from_json(action, arguments(action, &matches)?)
    }

    #[test]
    fn every_action_has_a_valid_subcommand() {
        for action in ActionName::ALL {
            command(*action).debug_assert();
        }
    }

    #[test]
    fn flags_become_typed_arguments() {
        let any = parse(ActionName::GetIssue, &["--issue-id", "12"]).unwrap();
        assert_eq!(any.args_json()["issue_id"], "12");
        let any = parse(
            ActionName::CreateIssueReaction,
            &["--issue-id", "1", "--reaction", "-1"],
        )
        .unwrap();
        assert_eq!(any.args_json()["reaction"], "-1");
        let any = parse(
            ActionName::UpdateBranch,
            &["--branch", "main", "--sha", "abcdef1", "--force"],
        )
        .unwrap();
        assert_eq!(any.args_json()["force"], true);
        let any = parse(
            ActionName::GetTree,
            &[
                "--tree-sha",
                "abcdef1",
                "--recursive",
                "false",
                "--per-page",
                "5",
            ],
        )
        .unwrap();
        assert_eq!(any.args_json()["recursive"], false);
        assert_eq!(any.args_json()["page"]["per_page"], 5);
        let any = parse(
            ActionName::RequestReview,
            &["--pull-request-id", "3", "--reviewers", "a,b"],
        )
        .unwrap();
        assert_eq!(any.args_json()["reviewers"], serde_json::json!(["a", "b"]));
        let any = parse(
            ActionName::CreateReviewComment,
            &[
                "--pull-request-id",
                "3",
                "--commit-id",
                "abcdef1",
                "--body",
                "x",
                "--path",
                "a.rs",
                "--line",
                r#"{"line":3,"side":"head"}"#,
            ],
        )
        .unwrap();
        assert_eq!(any.args_json()["line"]["line"], 3);
        let any = parse(
            ActionName::GetGitRef,
            &["--args", r#"{"ref":"heads/main"}"#],
        )
        .unwrap();
        assert_eq!(any.args_json()["ref"], "heads/main");
    }

    #[test]
    fn bad_values_are_input_errors() {
        assert!(parse(ActionName::GetIssue, &[]).is_err());
        assert!(parse(ActionName::GetCommit, &["--sha", "not-a-sha"]).is_err());
        assert!(parse(ActionName::CreateReviewComment, &["--line", "{oops"]).is_err());
        assert!(parse(ActionName::GetIssue, &["--args", "[1]"]).is_err());
    }
}
