//! The repository's examples (`examples/`), run as they are: each starts
//! its own local stand-ins, so these are the same runs as
//! `cargo run --example <name>`, minus the printing.

// Each example's `main` is for `cargo run` only.
#![allow(dead_code)]

#[path = "../../../examples/listener.rs"]
mod listener;
// `remote` holds `quickstart` as a module: its `triage` is the code both run.
#[path = "../../../examples/remote.rs"]
mod remote;

use remote::quickstart::{self, Summary};

/// The label names GitHub recorded for the repository, in its order.
fn recorded_labels() -> Vec<String> {
    let scenario = scm_testkit::Scenario::load("labels");
    let labels = scenario.interactions[0]
        .response_json()
        .and_then(|body| body.as_array())
        .expect("the recorded labels are a JSON array");
    labels
        .iter()
        .map(|label| label["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// What `triage` must find on the recorded repository.
fn assert_recorded(summary: Summary) {
    assert_eq!(summary.default_branch.as_deref(), Some("master"));
    assert_eq!(summary.labels, recorded_labels());
    assert!(summary.unchanged_since_first_read);
}

#[tokio::test]
async fn quickstart_runs_every_step_in_process() {
    assert_recorded(quickstart::run().await.expect("quickstart"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_runs_the_same_code_over_rpc() {
    assert_recorded(remote::run().await.expect("remote"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_gets_every_example_check_run_typed() {
    let expected = scm_testkit::webhooks::examples_for("check_run").len();
    assert!(expected > 0, "GitHub's examples hold check_run deliveries");
    let lines = listener::run().await.expect("listener");
    assert_eq!(lines.len(), expected, "{lines:#?}");
    assert!(
        lines.iter().any(|line| line.contains(" completed ")),
        "{lines:#?}"
    );
}
