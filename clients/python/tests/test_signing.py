"""Signing v1 against the vectors the Rust implementation writes
(``crates/scm-rpc/tests/signing_vectors.rs`` fails when this file is stale)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scm_client import Secret, Target
from scm_client.signing import Signed, new_nonce
from scm_client.transport import signed_request

VECTORS = Path(__file__).with_name("signing_vectors.json")


def cases() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    return loaded


def signed(case: dict[str, Any]) -> Signed:
    return Signed(
        method=case["method"],
        path=case["path"],
        timestamp=case["timestamp"],
        nonce=case["nonce"],
        organization=case["organization"],
        repository=case["repository"],
        referrer=case["referrer"],
        body=bytes.fromhex(case["body_hex"]),
    )


def test_there_are_vectors() -> None:
    assert len(cases()) >= 5


@pytest.mark.parametrize("case", cases(), ids=lambda case: str(case["name"]))
def test_matches_the_rust_implementation(case: dict[str, Any]) -> None:
    request = signed(case)
    secret = Secret(case["secret"])
    assert request.canonical() == case["canonical"]
    assert request.signature(secret) == case["signature"]
    assert request.headers(case["key_id"], secret) == case["headers"]


def test_requests_are_signed_with_a_fresh_valid_nonce() -> None:
    target = Target("http://127.0.0.1:1/", "key_1", Secret("s3cret"), 7, ("github", "o/r"), "")
    url, first = signed_request(target, "POST", "/v1/actions/get_issue", b"{}", {})
    _, second = signed_request(target, "POST", "/v1/actions/get_issue", b"{}", {})
    assert url == "http://127.0.0.1:1/v1/actions/get_issue"
    assert first["x-scm-repository"] == '["github","o/r"]'
    assert first["x-scm-referrer"] == "shared"
    assert first["x-scm-nonce"] != second["x-scm-nonce"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,128}", new_nonce())
    assert all("s3cret" not in value for value in first.values())
    assert "s3cret" not in repr(target)
