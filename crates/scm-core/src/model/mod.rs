//! The provider-neutral data model: what actions take and return.
//!
//! Every type here is plain serde data with snake_case wire names, so the
//! same values travel in-process, over RPC and through the CLI. Provider
//! crates map their payloads into these types and nothing else.

mod checks;
mod commits;
mod content;
mod deliveries;
mod git;
mod issues;
mod pull_requests;
mod reactions;
mod repository;
mod reviews;
mod values;

pub use checks::*;
pub use commits::*;
pub use content::*;
pub use deliveries::*;
pub use git::*;
pub use issues::*;
pub use pull_requests::*;
pub use reactions::*;
pub use repository::*;
pub use reviews::*;
pub use values::*;

/// Identifier of any provider resource. Opaque: numbers on GitHub and
/// GitLab, UUIDs on Bitbucket. Never do arithmetic on it.
pub type ResourceId = String;

/// A point in time, always UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// A calendar date (for web URL filters).
pub type Date = chrono::NaiveDate;
