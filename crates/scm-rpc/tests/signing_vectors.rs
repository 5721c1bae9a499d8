//! Test vectors of request signing v1, produced by the one implementation
//! ([`scm_rpc::signing`]) and committed for clients in other languages:
//! `clients/python/tests/signing_vectors.json` is what the Python client's
//! signing is tested against. This test fails when that file is stale;
//! regenerate it with
//! `SCM_UPDATE_SIGNING_VECTORS=1 cargo test -p scm-rpc --test signing_vectors`.

use std::path::PathBuf;

use scm_core::Secret;
use scm_rpc::signing::Signed;
use serde_json::{json, Value};

const UPDATE_ENV: &str = "SCM_UPDATE_SIGNING_VECTORS";

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../clients/python/tests/signing_vectors.json")
}

/// One case: what is signed, the secret, and the key id.
struct Case {
    name: &'static str,
    key_id: &'static str,
    secret: &'static str,
    signed: Signed<'static>,
}

fn cases() -> Vec<Case> {
    let base = Signed {
        method: "POST",
        path: "/v1/actions/get_issue",
        timestamp: 1_767_225_600,
        nonce: "0123456789abcdef0123456789abcdef",
        organization: "7",
        repository: "5",
        referrer: "shared",
        body: br#"{"issue_id":"1347"}"#,
    };
    vec![
        Case {
            name: "repository by id",
            key_id: "key_1",
            secret: "s3cret",
            signed: base.clone(),
        },
        Case {
            name: "repository by provider and external id",
            key_id: "key_1",
            secret: "s3cret",
            signed: Signed {
                repository: r#"["github","octocat/hello-world"]"#,
                referrer: "ci",
                ..base.clone()
            },
        },
        Case {
            name: "capabilities: GET without a body, lower-case method",
            key_id: "key_2",
            secret: "another secret with spaces",
            signed: Signed {
                method: "get",
                path: "/v1/capabilities",
                body: b"",
                ..base.clone()
            },
        },
        Case {
            name: "non-ASCII secret and body, nested repository path",
            key_id: "key_3",
            secret: "sécret-ключ-🔑",
            signed: Signed {
                path: "/v1/actions/create_issue_comment",
                repository: r#"["gitlab","group/subgroup/project"]"#,
                nonce: "A-Za-z0-9_-nonce-with-every-class",
                body: "{\"issue_id\":\"1\",\"body\":\"héllo\\nwörld 👀\"}".as_bytes(),
                ..base.clone()
            },
        },
        Case {
            name: "body that is not UTF-8",
            key_id: "key_1",
            secret: "s3cret",
            signed: Signed {
                timestamp: 0,
                body: &[0x00, 0xff, 0xfe, 0x80, 0x0a],
                ..base.clone()
            },
        },
        Case {
            name: "large timestamp and organization",
            key_id: "key_1",
            secret: "s3cret",
            signed: Signed {
                timestamp: 4_102_444_800,
                organization: "9223372036854775807",
                ..base
            },
        },
    ]
}

fn case_json(case: &Case) -> Value {
    let signed = &case.signed;
    let secret = Secret::new(case.secret);
    let headers: serde_json::Map<String, Value> = signed
        .headers(case.key_id, &secret)
        .into_iter()
        .map(|(name, value)| (name.to_owned(), Value::String(value)))
        .collect();
    json!({
        "name": case.name,
        "key_id": case.key_id,
        "secret": case.secret,
        "method": signed.method,
        "path": signed.path,
        "timestamp": signed.timestamp,
        "nonce": signed.nonce,
        "organization": signed.organization,
        "repository": signed.repository,
        "referrer": signed.referrer,
        "body_hex": hex::encode(signed.body),
        "canonical": signed.canonical(),
        "signature": signed.signature(&secret),
        "headers": headers,
    })
}

fn vectors_text() -> String {
    let doc = json!({
        "description": "Request signing v1 test vectors, written by crates/scm-rpc/tests/signing_vectors.rs from the Rust implementation; do not edit by hand.",
        "cases": cases().iter().map(case_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("vectors serialize");
    text.push('\n');
    text
}

#[test]
fn committed_signing_vectors_are_current() {
    let text = vectors_text();
    let path = vectors_path();
    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::write(&path, &text).expect("write the signing vectors");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale; regenerate it with `{UPDATE_ENV}=1 cargo test -p scm-rpc --test signing_vectors`",
        path.display()
    );
}

#[test]
fn every_vector_verifies_with_its_secret_only() {
    for case in cases() {
        let secret = Secret::new(case.secret);
        let signature = hex::decode(case.signed.signature(&secret)).unwrap();
        assert!(case.signed.verify(&secret, &signature), "{}", case.name);
        assert!(
            !case.signed.verify(&Secret::new("other"), &signature),
            "{}",
            case.name
        );
    }
}
