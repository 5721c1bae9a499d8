"""The generated modules match docs/openapi.json, and cover every action."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import scm_client
from scm_client import ACTIONS, AsyncSourceCodeManager, SourceCodeManager, actions

CLIENT = Path(__file__).resolve().parents[1]
DOCUMENT = CLIENT.parents[1] / "docs" / "openapi.json"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scm_client_generate", CLIENT / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def document() -> Any:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_generated_modules_are_current() -> None:
    rendered = generator().render(document())
    assert rendered, "the generator wrote nothing"
    for path, text in rendered.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale against docs/openapi.json; "
            "run `python3 clients/python/generate.py`"
        )


def test_every_action_of_the_document_is_a_method_protocol_and_function() -> None:
    doc = document()
    operations = {
        item["post"]["operationId"]: item["post"]["x-scm-kind"]
        for path, item in doc["paths"].items()
        if path.startswith("/v1/actions/")
    }
    assert set(doc["components"]["schemas"]["ActionName"]["enum"]) == set(operations)
    assert {name: spec.kind for name, spec in ACTIONS.items()} == operations
    for name in operations:
        assert callable(getattr(SourceCodeManager, name))
        assert callable(getattr(AsyncSourceCodeManager, name))
        assert callable(getattr(actions, name))
        assert callable(getattr(scm_client, name))
        protocol = "".join(part.capitalize() for part in name.split("_")) + "Protocol"
        assert getattr(scm_client, protocol).action == name
    assert len(scm_client.ALL_PROTOCOLS) == len(operations)
    print(f"actions covered: {len(operations)}")


def test_every_error_code_of_the_document_has_its_class() -> None:
    codes = document()["components"]["schemas"]["ErrorObject"]["properties"]["code"]["enum"]
    assert set(codes) == set(scm_client.ERRORS)
    for code, cls in scm_client.ERRORS.items():
        assert issubclass(cls, scm_client.SCMError)
        assert cls.code == code
