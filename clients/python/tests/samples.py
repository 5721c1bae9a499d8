"""Plausible arguments for any action, built from its schema in docs/openapi.json
(ours: values chosen to be valid for the server, so that prism on GitHub's
description decides the outcome)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
STRINGS = {
    "ref": "main",
    "branch": "feature",
    "base": "main",
    "head": "feature",
    "path": "README.md",
    "file_path": "README.md",
    "previous_path": "OLD.md",
    "username": "octocat",
    "content": "hello",
    "reviewers": "octocat",
    "assignees": "octocat",
    "labels": "bug",
}


def _schemas() -> dict[str, Any]:
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


SCHEMAS = _schemas()


def sample(schema: dict[str, Any], name: str = "") -> Any:
    if "$ref" in schema:
        return sample(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]], name)
    if "oneOf" in schema:
        return sample(schema["oneOf"][0], name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        return {key: sample(prop, key) for key, prop in properties.items() if key in required}
    if kind == "array":
        return [sample(schema["items"], name)]
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if kind == "string":
        if "sha" in name or name in ("commit_id", "base_tree"):
            return SHA
        if name.endswith("_id") or name == "id":
            return "1"
        if schema.get("format") == "date-time":
            return "2026-01-01T00:00:00Z"
        if schema.get("format") == "date":
            return "2026-01-01"
        return STRINGS.get(name, "from the Python client")
    return None


def arguments(action: str) -> dict[str, Any]:
    """Keyword arguments of the typed method (required ones only)."""
    schema_name = "".join(part[:1].upper() + part[1:] for part in action.split("_"))
    value = sample(SCHEMAS[schema_name])
    assert isinstance(value, dict)
    return value
