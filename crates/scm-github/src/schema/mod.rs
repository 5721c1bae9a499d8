//! GitHub's JSON shapes (only the fields we map) and their conversion into
//! neutral types. Fields are optional wherever GitHub may omit or null
//! them, so an unusual answer degrades to `None` instead of an error.

mod common;
mod issues;

pub use common::*;
pub use issues::*;
mod commits;
mod contents;
mod deliveries;
mod reactions;
mod refs;
mod repository;

pub use commits::*;
pub use contents::*;
pub use deliveries::*;
pub use reactions::*;
pub use refs::*;
pub use repository::*;
mod checks;
mod git;
mod pull_requests;
mod reviews;

pub use checks::*;
pub use git::*;
pub use pull_requests::*;
pub use reviews::*;
