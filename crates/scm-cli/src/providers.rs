//! The providers this binary is built with: the one registration list, so
//! the CLI, the capability matrix and the service never disagree.

pub use scm_providers::{find, names, require, PROVIDERS};
