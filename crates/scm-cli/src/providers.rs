//! The providers this binary is built with: the server's factory list, so
//! the CLI, the capability matrix and the service never disagree.

use scm_core::factory::ProviderFactory;

pub use scm_server::resolver::PROVIDERS;

pub fn find(name: &str) -> Option<&'static dyn ProviderFactory> {
    scm_server::resolver::factory(name)
}
