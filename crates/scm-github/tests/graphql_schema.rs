//! Every GraphQL document the GitHub provider sends, validated against
//! GitHub's published GraphQL schema (npm `@octokit/graphql-schema`) with
//! graphql-js (`tests/graphql/validate.js`).
//!
//! The conformance suite answers GraphQL locally by operation name, so it
//! cannot tell a misspelled field from a real one; this test can.

use std::io::Write;
use std::process::{Command, Stdio};

use scm_testkit::paths;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct Outcome {
    validated: usize,
    errors: Vec<ValidationError>,
}

#[derive(Debug, Deserialize)]
struct ValidationError {
    name: String,
    message: String,
}

#[test]
fn every_graphql_document_is_valid_against_githubs_schema() {
    let documents = scm_github::graphql_documents();
    assert!(!documents.is_empty());
    let input: Vec<_> = documents
        .iter()
        .map(|(name, document)| json!({ "name": name, "document": document }))
        .collect();

    let schema = paths::node_package("@octokit/graphql-schema/schema.graphql");
    let script = paths::repo_root().join("crates/scm-github/tests/graphql/validate.js");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(&schema)
        .current_dir(paths::repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (Node 20 is required by the test tools)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&input).unwrap())
        .expect("send documents");
    let output = child.wait_with_output().expect("validator finishes");
    assert!(
        output.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome: Outcome = serde_json::from_slice(&output.stdout).expect("validator answers JSON");

    println!(
        "github graphql: {} documents validated against GitHub's schema, {} errors",
        outcome.validated,
        outcome.errors.len()
    );
    for error in &outcome.errors {
        println!("  ERROR {}: {}", error.name, error.message);
    }
    assert_eq!(outcome.validated, documents.len());
    assert!(
        outcome.errors.is_empty(),
        "GraphQL documents do not match GitHub's schema"
    );
}

/// The validator really rejects what GitHub would: a misspelled field and
/// a wrong enum value.
#[test]
fn the_validator_catches_mistakes() {
    let bad = json!([
        {"name": "Bad", "document": "query Bad { viewer { loginn } }"},
        {"name": "Worse", "document": "mutation Worse($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: NOT_A_REASON}) { clientMutationId } }"},
        {"name": "Wrong", "document": "query Right { viewer { login } }"}
    ]);
    let schema = paths::node_package("@octokit/graphql-schema/schema.graphql");
    let script = paths::repo_root().join("crates/scm-github/tests/graphql/validate.js");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&bad).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let outcome: Outcome = serde_json::from_slice(&output.stdout).expect("JSON");
    let names: Vec<&str> = outcome.errors.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"Bad"), "{outcome:?}");
    assert!(names.contains(&"Worse"), "{outcome:?}");
    assert!(names.contains(&"Wrong"), "{outcome:?}");
}
