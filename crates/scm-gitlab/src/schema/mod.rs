//! GitLab's JSON shapes (only the fields we read) and their mapping into
//! neutral types, one module per concern.
//!
//! Every field is optional or defaulted: GitLab versions and editions
//! differ, and a missing field must never fail a whole response.

mod checks;
mod commits;
mod common;
mod contents;
mod deliveries;
mod git;
mod issues;
mod pull_requests;
mod reactions;
mod refs;
mod repository;
mod reviews;

pub(crate) use checks::*;
pub(crate) use commits::*;
pub(crate) use common::*;
pub(crate) use contents::*;
pub(crate) use deliveries::*;
pub(crate) use git::*;
pub(crate) use issues::*;
pub(crate) use pull_requests::*;
pub(crate) use reactions::*;
pub(crate) use refs::*;
pub(crate) use repository::*;
pub(crate) use reviews::*;
