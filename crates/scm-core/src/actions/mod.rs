//! The action table: every outbound operation, declared once.
//!
//! `catalogue` lists all actions in one `define_actions!` invocation. From
//! that one list the macro derives the argument structs, the [`Action`]
//! trait impls, [`ActionName`] (stable wire names), [`AnyAction`] and
//! [`AnyOutput`] (dynamic dispatch for RPC and the CLI) and the field
//! metadata the CLI and docs use. Provider dispatch and capability sets are
//! derived from per-provider lists checked against this table at compile
//! time (see [`crate::provider_actions!`]). There is no second hand-kept
//! list anywhere.
//!
//! An action is a plain struct; its fields are the arguments, its wire
//! name and kind come from the table, and its JSON form is what RPC sends:
//!
//! ```
//! use scm_core::actions::{Action, ActionKind, CreateIssueComment, GetRepositoryLabels};
//! use scm_core::{ActionName, AnyAction, PageRequest};
//!
//! let comment = CreateIssueComment {
//!     issue_id: "42".into(),
//!     body: "Thanks, merged.".into(),
//! };
//! assert_eq!(CreateIssueComment::NAME, ActionName::CreateIssueComment);
//! assert_eq!(CreateIssueComment::NAME.as_str(), "create_issue_comment");
//! assert_eq!(CreateIssueComment::NAME.kind(), ActionKind::Write);
//!
//! // The wire form, and back by name (how RPC and the CLI dispatch).
//! let json = serde_json::to_value(&comment).unwrap();
//! assert_eq!(json, serde_json::json!({"issue_id": "42", "body": "Thanks, merged."}));
//! let any = AnyAction::from_json("create_issue_comment".parse().unwrap(), json).unwrap();
//! assert_eq!(any.name(), ActionName::CreateIssueComment);
//!
//! // List actions take a `page` argument.
//! let mut labels = GetRepositoryLabels { page: PageRequest::default() };
//! assert_eq!(GetRepositoryLabels::NAME.kind(), ActionKind::List);
//! assert!(labels.page_mut().is_some());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::download::Download;
use crate::error::Error;
use crate::page::PageRequest;

#[macro_use]
mod define;
mod catalogue;
mod rules;

pub use catalogue::*;
pub use rules::{is_path_key, ArgumentRule, Requirement, PATH_ITEMS, REQUIREMENTS};

/// How an action talks to the provider; drives conditional requests,
/// pagination, retries and how RPC returns the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// One GET; may be conditional (`If-None-Match`).
    Read,
    /// A paginated GET returning [`crate::Page`]; takes a `page` argument.
    List,
    /// Changes something on the provider.
    Write,
    /// Builds a web URL or remote locally; no HTTP call.
    WebUrl,
    /// Streams bytes (archives, logs) instead of JSON.
    Download,
}

/// The catalogue's sections, for documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionGroup {
    Repository,
    Issues,
    Comments,
    Reactions,
    Branches,
    WebUrls,
    Commits,
    PullRequests,
    GitObjects,
    Files,
    Checks,
    Reviews,
    Moderation,
    Deliveries,
}

impl ActionGroup {
    pub fn title(self) -> &'static str {
        match self {
            ActionGroup::Repository => "Repository & identity",
            ActionGroup::Issues => "Issues",
            ActionGroup::Comments => "Comments",
            ActionGroup::Reactions => "Reactions",
            ActionGroup::Branches => "Branches & refs",
            ActionGroup::WebUrls => "Web URLs (no HTTP call)",
            ActionGroup::Commits => "Commits",
            ActionGroup::PullRequests => "Pull requests",
            ActionGroup::GitObjects => "Git objects",
            ActionGroup::Files => "Files & archives",
            ActionGroup::Checks => "Checks & CI",
            ActionGroup::Reviews => "Reviews",
            ActionGroup::Moderation => "Moderation",
            ActionGroup::Deliveries => "Webhook deliveries",
        }
    }
}

/// One argument of an action, for CLI flags and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The JSON name.
    pub name: &'static str,
    /// The Rust type as written in the table (`Option<Sha>`, `Vec<String>`, …).
    pub ty: &'static str,
    /// How a command line gives the value, from the field's type.
    pub kind: FieldKind,
    /// Whether the argument may be left out (`Option<…>`, or a flag).
    pub optional: bool,
}

impl FieldInfo {
    pub fn is_optional(&self) -> bool {
        self.optional
    }
}

/// How an argument's value is written on a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A string: ids, shas, names, dates and enum values.
    Text,
    /// A whole number.
    Integer,
    /// A boolean flag.
    Flag,
    /// A comma-separated list of strings.
    List,
    /// A structured value, given as JSON.
    Json,
}

/// The command-line shape of every type an action argument may have.
///
/// `define_actions!` reads [`FieldType::KIND`] for each field, so a field of
/// a type without an impl here does not compile: the CLI never guesses.
pub trait FieldType {
    const KIND: FieldKind;
    const OPTIONAL: bool = false;
}

impl<T: FieldType> FieldType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const OPTIONAL: bool = true;
}

impl<T: FieldType> FieldType for Vec<T> {
    /// Lists of strings are comma-separated; lists of structures are JSON.
    const KIND: FieldKind = match T::KIND {
        FieldKind::Text => FieldKind::List,
        _ => FieldKind::Json,
    };
}

impl FieldType for bool {
    const KIND: FieldKind = FieldKind::Flag;
    const OPTIONAL: bool = true;
}

macro_rules! field_types {
    ($kind:ident: $($ty:ty),* $(,)?) => {
        $( impl FieldType for $ty { const KIND: FieldKind = FieldKind::$kind; } )*
    };
}

field_types!(Integer: u32, u64);
field_types!(
    Text: String,
    crate::model::Sha,
    crate::model::Date,
    crate::model::Timestamp,
    crate::model::Reaction,
    crate::model::ArchiveFormat,
    crate::model::ContentEncoding,
    crate::model::MinimizeReason,
    crate::model::BuildConclusion,
    crate::model::BuildStatus,
    crate::model::CheckRunStatusFilter,
    crate::model::IssueState,
    crate::model::PullRequestState,
    crate::model::ReviewEvent,
    crate::model::ReviewSide,
    crate::model::TimestampFilter,
    crate::model::HookSource,
);
field_types!(
    Json: crate::model::DiffLine,
    crate::model::CheckRunOutput,
    crate::model::CommitAuthorParam,
    crate::model::CommitAction,
    crate::model::InputTreeEntry,
    crate::model::ReviewCommentInput,
);

/// An outbound operation: its arguments are the struct's fields.
pub trait Action:
    Serialize + for<'de> Deserialize<'de> + Clone + fmt::Debug + Send + Sync + 'static
{
    /// The stable wire name.
    const NAME: ActionName;
    /// The data the action returns (inside [`crate::Response`]).
    type Output: Send + 'static;

    fn into_any(self) -> AnyAction;
    /// Takes this action's output back out of an [`AnyOutput`]; `None` if
    /// the output belongs to another action.
    fn output_from_any(output: AnyOutput) -> Option<Self::Output>;
    /// The pagination argument of list actions.
    fn page_mut(&mut self) -> Option<&mut PageRequest>;
}

impl FromStr for ActionName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActionName::ALL
            .iter()
            .copied()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown action `{}`",
                    s.chars().take(80).collect::<String>()
                ))
            })
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

impl AnyAction {
    /// Parses JSON arguments for the named action; malformed arguments are
    /// an input error naming the action.
    pub fn from_json(name: ActionName, args: serde_json::Value) -> Result<AnyAction, Error> {
        name.parse_args(args)
    }
}

fn parse_args<A: Action>(args: serde_json::Value) -> Result<AnyAction, Error> {
    // `{}` and `null` both mean "no arguments".
    let args = if args.is_null() {
        serde_json::json!({})
    } else {
        args
    };
    rules::check_arguments(A::NAME, &args)?;
    serde_json::from_value::<A>(args)
        .map(Action::into_any)
        .map_err(|err| Error::invalid_input(format!("invalid arguments for `{}`: {err}", A::NAME)))
}

fn output_to_json<T: Serialize>(value: T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|err| Error::Unhandled {
        status: None,
        detail: format!("result could not be serialized: {err}"),
    })
}

fn download_to_json(_: Download) -> Result<serde_json::Value, Error> {
    Err(Error::invalid_input(
        "this action streams bytes; it has no JSON result",
    ))
}

fn output_from_json<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(value)
        .map_err(|err| Error::malformed(format!("invalid result JSON: {err}")))
}

fn download_from_json(_: serde_json::Value) -> Result<Download, Error> {
    Err(Error::invalid_input(
        "this action streams bytes; it has no JSON result",
    ))
}

fn not_a_download(name: ActionName) -> Error {
    Error::invalid_input(format!("`{name}` is not a download action"))
}

#[cfg(test)]
mod tests;
