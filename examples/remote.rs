//! The quickstart's product code over RPC: `scm serve` in front of the
//! provider, and the Rust RPC client as the manager's provider.
//!
//! ```sh
//! cargo run --example remote
//! ```
//!
//! The server runs in this process on 127.0.0.1 with a registry in a
//! temporary directory, in front of GitHub's recorded answers (see
//! `support/mod.rs`). Against a deployed server, the [`RpcTarget`] holds
//! its URL and the client key that `scm client-key create` printed.
//!
//! [`RpcTarget`]: scm_rpc::RpcTarget

#[path = "quickstart.rs"]
#[allow(dead_code)]
pub mod quickstart;

use quickstart::{support, triage, Summary};
use scm_rpc::RpcProvider;

/// Starts the server, connects the client and runs `triage` unchanged.
pub async fn run() -> Result<Summary, Box<dyn std::error::Error>> {
    let github = support::recorded_github();
    let registry_dir = tempfile::tempdir()?;
    let target = support::serve_rpc(registry_dir.path(), github.base_url()).await?;
    // Capabilities are fetched once here; unsupported actions are then
    // refused locally, without a request.
    let scm = RpcProvider::connect(target).await?.into_manager();
    Ok(triage(&scm).await?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(drop)
}
