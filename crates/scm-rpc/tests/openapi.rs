//! The committed OpenAPI document matches the code, and is internally
//! consistent: one path per action and every `$ref` resolves.

use std::path::PathBuf;

use scm_core::ActionName;
use scm_rpc::openapi::{action_path, document, document_text};
use serde_json::Value;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn committed_document_is_current() {
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == document_text(),
        "docs/openapi.json is stale; regenerate it with `cargo run -p scm-cli -- openapi > docs/openapi.json`"
    );
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

#[test]
fn every_action_has_a_path_and_every_reference_resolves() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    for action in ActionName::ALL {
        let op = &paths[&action_path(*action)]["post"];
        assert_eq!(op["operationId"], action.as_str());
        assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object());
    }
    assert_eq!(paths.len(), ActionName::ALL.len() + 2);
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > ActionName::ALL.len() * 3);
    for target in refs {
        let pointer = target.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling {target}");
    }
    // The argument schema of an action is its struct: required fields and types.
    let get_issue = doc.pointer("/components/schemas/GetIssue").unwrap();
    assert_eq!(get_issue["required"], serde_json::json!(["issue_id"]));
    assert_eq!(get_issue["additionalProperties"], false);
    let reaction = doc.pointer("/components/schemas/Reaction").unwrap();
    assert!(reaction.to_string().contains("+1"));
}
