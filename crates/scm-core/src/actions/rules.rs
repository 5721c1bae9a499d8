//! What an action's arguments must meet beyond their types, said
//! once: [`check_arguments`] refuses a value that breaks a rule before any
//! provider is called, and the OpenAPI document (scm-rpc) states the same
//! rules through [`ArgumentRule::schema`], so a request the document allows
//! is never refused for them, and the reverse.

use serde_json::{json, Value};

use super::{ActionName, FieldInfo};
use crate::error::Error;

/// A rule on one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentRule {
    /// A provider id ([`ResourceId`](crate::model::ResourceId)): it goes
    /// into a URL path as one segment, so it is not empty, `.` or `..`,
    /// whether or not the provider's request uses it.
    Segment,
    /// A file path in the repository (`path`, `*_path`): `/`-separated
    /// segments after any leading slashes, none empty, `.` or `..`.
    Path,
    /// A branch name, or a ref that goes into the URL path: `/`-separated segments,
    /// none empty, `.` or `..`, and so no leading or trailing slash.
    Name,
    /// A list or a GraphQL node id that means nothing empty
    /// (`reviewers`, `actions`, `thread_id`, `*_node_id`).
    NonEmpty,
}

/// Actions whose `ref` goes into the URL path rather than the query.
const REF_IN_PATH: &[ActionName] = &[
    ActionName::GetGitRef,
    ActionName::GetArchiveLink,
    ActionName::DownloadArchive,
    ActionName::ListCheckRunsForRef,
];

/// One path segment other than `.` and `..`, as a regular expression
/// (ECMA-262 and Python's `re` read it alike: no look-around).
const SEGMENT_PATTERN: &str = r"(?:[^/.][^/]*|\.[^/.][^/]*|\.\.[^/]+)";

impl ArgumentRule {
    /// The rule of an action's argument, from its name and its type as
    /// written in the action table.
    pub fn of(action: ActionName, field: &FieldInfo) -> Option<ArgumentRule> {
        let ty = field.ty.replace(' ', "");
        let ty = ty
            .strip_prefix("Option<")
            .and_then(|inner| inner.strip_suffix('>'))
            .unwrap_or(&ty);
        match ty {
            "ResourceId" => Some(ArgumentRule::Segment),
            "String" => match field.name {
                "username" => Some(ArgumentRule::Segment),
                "branch" => Some(ArgumentRule::Name),
                // A ref in the URL path; elsewhere it is a query value, and
                // an empty one means the default branch.
                "ref" if REF_IN_PATH.contains(&action) => Some(ArgumentRule::Name),
                "thread_id" => Some(ArgumentRule::NonEmpty),
                name if name.ends_with("_node_id") => Some(ArgumentRule::NonEmpty),
                // An empty directory path lists the root.
                "path" if action == ActionName::GetDirectoryContents => None,
                name if is_path_key(name) => Some(ArgumentRule::Path),
                _ => None,
            },
            "Vec<String>" if field.name == "reviewers" => Some(ArgumentRule::NonEmpty),
            "Vec<CommitAction>" if field.name == "actions" => Some(ArgumentRule::NonEmpty),
            _ => None,
        }
    }

    /// Whether the JSON `value` meets the rule (values of another type are
    /// the type's to refuse).
    pub fn allows_value(self, value: &Value) -> bool {
        match (self, value) {
            (ArgumentRule::NonEmpty, Value::Array(items)) => !items.is_empty(),
            (ArgumentRule::NonEmpty, Value::String(text)) => !text.is_empty(),
            (_, Value::String(text)) => self.allows(text),
            _ => true,
        }
    }

    /// Whether the string `value` meets the rule.
    pub fn allows(self, value: &str) -> bool {
        let segment = |s: &str| !s.is_empty() && s != "." && s != "..";
        match self {
            ArgumentRule::Segment => segment(value),
            ArgumentRule::Path => {
                let trimmed = value.trim_start_matches('/');
                !trimmed.is_empty() && trimmed.split('/').all(segment)
            }
            ArgumentRule::Name => value.split('/').all(segment),
            ArgumentRule::NonEmpty => true,
        }
    }

    /// The JSON Schema keywords that say the same as [`Self::allows`], to
    /// merge into the argument's string schema.
    pub fn schema(self) -> Value {
        match self {
            ArgumentRule::Segment => json!({ "minLength": 1, "not": { "enum": [".", ".."] } }),
            ArgumentRule::Path => json!({
                "minLength": 1,
                "pattern": format!("^/*{SEGMENT_PATTERN}(?:/{SEGMENT_PATTERN})*$"),
            }),
            ArgumentRule::Name => json!({
                "minLength": 1,
                "pattern": format!("^{SEGMENT_PATTERN}(?:/{SEGMENT_PATTERN})*$"),
            }),
            ArgumentRule::NonEmpty => json!({ "minItems": 1, "minLength": 1 }),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ArgumentRule::Segment => "an id: not empty, `.` or `..`",
            ArgumentRule::Path => "a repository path: no empty, `.` or `..` segment",
            ArgumentRule::Name => {
                "a name: no empty, `.` or `..` segment, no leading or trailing `/`"
            }
            ArgumentRule::NonEmpty => "not empty",
        }
    }
}

/// Lists of structured arguments whose items carry file paths (`path`,
/// `*_path`), held to [`ArgumentRule::Path`] like a path argument: the
/// argument's name and the item type's schema name.
pub const PATH_ITEMS: &[(&str, &str)] = &[("actions", "CommitAction")];

/// Whether a key of an object names a file path.
pub fn is_path_key(key: &str) -> bool {
    key == "path" || key.ends_with("_path")
}

/// A rule between arguments: when `field` is given (not null), or is
/// one of `values` when those are listed, each of `then` must be given
/// too. `then` names an argument, or a field of an object argument as
/// `argument.field`.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub action: ActionName,
    pub field: &'static str,
    pub values: &'static [&'static str],
    pub then: &'static [&'static str],
}

/// Every rule between arguments, for the server and the document alike.
pub const REQUIREMENTS: &[Requirement] = &[
    // A finished check run says how it finished; GitHub's output has a
    // title and a summary, and no provider's output means much without
    // them.
    Requirement {
        action: ActionName::CreateCheckRun,
        field: "status",
        values: &["completed"],
        then: &["conclusion"],
    },
    Requirement {
        action: ActionName::CreateCheckRun,
        field: "completed_at",
        values: &[],
        then: &["conclusion"],
    },
    Requirement {
        action: ActionName::CreateCheckRun,
        field: "output",
        values: &[],
        then: &["output.title", "output.summary"],
    },
    Requirement {
        action: ActionName::UpdateCheckRun,
        field: "status",
        values: &["completed"],
        then: &["conclusion"],
    },
    Requirement {
        action: ActionName::UpdateCheckRun,
        field: "output",
        values: &[],
        then: &["output.title", "output.summary"],
    },
    // A repository or organization hook is named by its id.
    Requirement {
        action: ActionName::ListHookDeliveries,
        field: "source",
        values: &["repository", "organization"],
        then: &["hook_id"],
    },
    Requirement {
        action: ActionName::GetHookDelivery,
        field: "source",
        values: &["repository", "organization"],
        then: &["hook_id"],
    },
    Requirement {
        action: ActionName::RedeliverHookDelivery,
        field: "source",
        values: &["repository", "organization"],
        then: &["hook_id"],
    },
];

fn given<'a>(args: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(args, |value, key| value.get(key))
        .filter(|value| !value.is_null())
}

impl Requirement {
    fn applies(&self, args: &Value) -> bool {
        given(args, self.field).is_some_and(|value| {
            self.values.is_empty() || self.values.iter().any(|v| value.as_str() == Some(v))
        })
    }

    /// The rule as JSON Schema (OpenAPI 3.0): the condition does not hold,
    /// or every `then` is given.
    pub fn schema(&self) -> Value {
        let unless = if self.values.is_empty() {
            json!({ "properties": { self.field: { "nullable": true, "enum": [null] } } })
        } else {
            json!({ "properties": { self.field: { "not": { "enum": self.values } } } })
        };
        let mut then = json!({});
        for path in self.then {
            let mut at = &mut then;
            for key in path.split('.') {
                let object = at.as_object_mut().expect("built as objects");
                let required = object.entry("required").or_insert_with(|| json!([]));
                if let Some(list) = required.as_array_mut() {
                    if !list.iter().any(|k| k == key) {
                        list.push(json!(key));
                    }
                }
                let properties = object.entry("properties").or_insert_with(|| json!({}));
                at = properties
                    .as_object_mut()
                    .expect("built as objects")
                    .entry(key)
                    .or_insert_with(|| json!({ "not": { "enum": [null] } }));
            }
        }
        json!({ "anyOf": [unless, then] })
    }
}

/// Refuses arguments (the JSON object of an action) that break a rule of
/// their field.
pub(crate) fn check_arguments(action: ActionName, args: &Value) -> Result<(), Error> {
    for field in action.fields() {
        let Some(rule) = ArgumentRule::of(action, field) else {
            continue;
        };
        if let Some(value) = args.get(field.name) {
            if !rule.allows_value(value) {
                return Err(Error::invalid_input(format!(
                    "invalid arguments for `{action}`: `{}` must be {}, got `{}`",
                    field.name,
                    rule.describe(),
                    value.to_string().chars().take(80).collect::<String>()
                )));
            }
        }
    }
    for (argument, _) in PATH_ITEMS {
        let items = args.get(*argument).and_then(Value::as_array);
        for item in items.into_iter().flatten().filter_map(Value::as_object) {
            for (key, value) in item {
                let Some(path) = value.as_str() else { continue };
                if is_path_key(key) && !ArgumentRule::Path.allows(path) {
                    return Err(Error::invalid_input(format!(
                        "invalid arguments for `{action}`: `{argument}[].{key}` must be {}, got `{}`",
                        ArgumentRule::Path.describe(),
                        path.chars().take(80).collect::<String>()
                    )));
                }
            }
        }
    }
    for rule in REQUIREMENTS.iter().filter(|r| r.action == action) {
        if !rule.applies(args) {
            continue;
        }
        if let Some(missing) = rule.then.iter().find(|path| given(args, path).is_none()) {
            return Err(Error::invalid_input(format!(
                "invalid arguments for `{action}`: `{missing}` is needed when `{}` is {}",
                rule.field,
                if rule.values.is_empty() {
                    "given".to_owned()
                } else {
                    format!("`{}`", rule.values.join("` or `"))
                },
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_segment_and_paths_have_no_dot_segments() {
        let id = ArgumentRule::Segment;
        assert!(id.allows("42") && id.allows("a.b") && id.allows("...") && id.allows("{uuid}"));
        assert!(!id.allows("") && !id.allows(".") && !id.allows(".."));
        let path = ArgumentRule::Path;
        for good in ["README.md", "/docs/a.md", "a/.b/..c/...", "//x"] {
            assert!(path.allows(good), "{good}");
        }
        for bad in ["", "/", "a//b", "a/", "./a", "a/../b", "a/.."] {
            assert!(!path.allows(bad), "{bad}");
        }
        let name = ArgumentRule::Name;
        assert!(name.allows("main") && name.allows("feature/x.y") && name.allows("refs/heads/a"));
        for bad in ["", "/main", "main/", "a//b", "heads/..", "."] {
            assert!(!name.allows(bad), "{bad}");
        }
    }

    #[test]
    fn rules_come_from_the_table() {
        let rule = |action: ActionName, name: &str| {
            let field = action.fields().iter().find(|f| f.name == name).unwrap();
            ArgumentRule::of(action, field)
        };
        assert_eq!(
            rule(ActionName::GetIssue, "issue_id"),
            Some(ArgumentRule::Segment)
        );
        assert_eq!(
            rule(ActionName::GetFileContent, "path"),
            Some(ArgumentRule::Path)
        );
        // A query value, where an empty ref means the default branch.
        assert_eq!(rule(ActionName::GetFileContent, "ref"), None);
        assert_eq!(rule(ActionName::GetGitRef, "ref"), Some(ArgumentRule::Name));
        // An empty directory path lists the root.
        assert_eq!(rule(ActionName::GetDirectoryContents, "path"), None);
        assert_eq!(
            rule(ActionName::GetBranch, "branch"),
            Some(ArgumentRule::Name)
        );
        assert_eq!(
            rule(ActionName::RequestReview, "reviewers"),
            Some(ArgumentRule::NonEmpty)
        );
        assert!(!ArgumentRule::NonEmpty.allows_value(&json!([])));
        assert!(!ArgumentRule::NonEmpty.allows_value(&json!("")));
        assert_eq!(
            rule(ActionName::MinimizeComment, "comment_node_id"),
            Some(ArgumentRule::NonEmpty)
        );
        assert_eq!(
            rule(ActionName::CreateCommit, "actions"),
            Some(ArgumentRule::NonEmpty)
        );
        // Free text that only looks like an id is not one.
        assert_eq!(rule(ActionName::CreateCheckRun, "external_id"), None);
    }

    #[test]
    fn requirements_between_arguments() {
        let check = |action, args| check_arguments(action, &args).is_ok();
        assert!(check(
            ActionName::CreateCheckRun,
            json!({"name": "ci", "head_sha": "abcd"})
        ));
        assert!(!check(
            ActionName::CreateCheckRun,
            json!({"name": "ci", "head_sha": "abcd", "status": "completed"})
        ));
        assert!(!check(
            ActionName::CreateCheckRun,
            json!({"name": "ci", "head_sha": "abcd", "completed_at": "2026-01-01T00:00:00Z", "conclusion": null})
        ));
        assert!(!check(
            ActionName::UpdateCheckRun,
            json!({"check_run_id": "1", "output": {"title": "t"}})
        ));
        assert!(check(
            ActionName::UpdateCheckRun,
            json!({"check_run_id": "1", "output": {"title": "t", "summary": "s"}})
        ));
        assert!(!check(
            ActionName::GetHookDelivery,
            json!({"source": "repository", "delivery_id": "1"})
        ));
        assert!(check(
            ActionName::GetHookDelivery,
            json!({"source": "app", "delivery_id": "1"})
        ));
        let schema = REQUIREMENTS[2].schema();
        assert_eq!(
            schema["anyOf"][1]["properties"]["output"]["required"],
            json!(["title", "summary"])
        );
    }

    #[test]
    fn paths_inside_commit_actions_are_checked() {
        let args = |path: &str| {
            json!({"branch": "main", "message": "m",
                   "actions": [{"action": "move", "previous_path": "a", "path": path}]})
        };
        assert!(check_arguments(ActionName::CreateCommit, &args("b/c")).is_ok());
        assert!(check_arguments(ActionName::CreateCommit, &args("")).is_err());
        assert!(check_arguments(ActionName::CreateCommit, &args("a/../b")).is_err());
    }

    #[test]
    fn unused_ids_are_checked_too() {
        // GitHub's edit of a review comment does not use the pull request id.
        let args = json!({"pull_request_id": "..", "comment_id": "1", "body": "x"});
        let err = check_arguments(ActionName::UpdateReviewComment, &args).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }
}
