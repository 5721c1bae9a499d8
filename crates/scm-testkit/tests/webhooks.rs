//! The webhook examples load and carry what a receiver needs.

use scm_testkit::webhooks;

#[test]
fn every_example_loads() {
    let examples = webhooks::examples();
    let events = webhooks::events();
    eprintln!(
        "{} webhook examples of {} events",
        examples.len(),
        events.len()
    );
    assert!(examples.len() >= 300, "{}", examples.len());
    assert!(events.len() >= 50, "{}", events.len());
    for example in examples {
        let reparsed: serde_json::Value =
            serde_json::from_slice(&example.payload_bytes).expect("payload bytes are JSON");
        assert_eq!(reparsed, example.payload, "{}", example.name());
    }
}

#[test]
fn delivery_headers_are_signed() {
    let example = webhooks::examples_for("issues")
        .into_iter()
        .find(|e| e.action.as_deref() == Some("opened"))
        .expect("an issues.opened example");
    let headers = example.delivery_headers(b"secret");
    assert_eq!(headers["x-github-event"], "issues");
    assert_eq!(
        headers["x-hub-signature-256"].to_str().unwrap(),
        webhooks::signature_sha256(b"secret", &example.payload_bytes)
    );
}
