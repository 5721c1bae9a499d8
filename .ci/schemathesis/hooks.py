"""Schemathesis hooks: every request is signed with RPC signing v1.

The seven signing headers are the client's, not request data: they are
taken out of the operations before generation and set on the final
request (method, path and body bytes as sent) by ``Sign``, the way every
client signs. Their refusals (stale, replayed, tampered) are covered by
the server's own security tests.

A cursor is issued by the server (it carries a MAC over the page it
points to), so no generated string is one: like an id that only an
earlier answer can supply, generated cursors are taken out of the bodies
(``map_body``); bodies with a cursor of the wrong type are still sent.

The key comes from the environment the driver (``run.py``) sets:
``SCM_ST_KEY_ID``, ``SCM_ST_SECRET``, ``SCM_ST_ORGANIZATION``,
``SCM_ST_REPOSITORY`` and ``SCM_ST_REFERRER``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis

SIGNING_PARAMETERS = {"KeyId", "Timestamp", "Nonce", "Organization", "Repository", "Referrer", "Signature"}


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join(
        [
            "scm-rpc-v1",
            method.upper(),
            path,
            timestamp,
            nonce,
            os.environ["SCM_ST_ORGANIZATION"],
            os.environ["SCM_ST_REPOSITORY"],
            os.environ["SCM_ST_REFERRER"],
            hashlib.sha256(body).hexdigest(),
        ]
    )


class Sign(requests.auth.AuthBase):
    """Signs the prepared request: the bytes that go on the wire."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        path = urlsplit(request.url or "").path
        message = canonical(request.method or "GET", path, timestamp, nonce, body)
        secret = os.environ["SCM_ST_SECRET"].encode()
        signature = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
        request.headers.update(
            {
                "x-scm-key-id": os.environ["SCM_ST_KEY_ID"],
                "x-scm-timestamp": timestamp,
                "x-scm-nonce": nonce,
                "x-scm-organization": os.environ["SCM_ST_ORGANIZATION"],
                "x-scm-repository": os.environ["SCM_ST_REPOSITORY"],
                "x-scm-referrer": os.environ["SCM_ST_REFERRER"],
                "x-scm-signature": "v1=" + signature,
            }
        )
        return request


@schemathesis.hook
def before_load_schema(ctx: Any, raw_schema: dict[str, Any]) -> None:
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            operation["parameters"] = [
                p
                for p in operation.get("parameters", [])
                if p.get("$ref", "").rsplit("/", 1)[-1] not in SIGNING_PARAMETERS
            ]
            # Signing is the hook's: nothing for schemathesis to authenticate.
            operation.pop("security", None)
    raw_schema.get("components", {}).pop("securitySchemes", None)


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if isinstance(case.body, (dict, list)):
        case.body = drop_cursors(case.body)
    # An empty directory path lists the root: GitHub serves it at
    # `/contents/`, which prism (the mock behind the server) refuses for
    # its empty `{path}`. The root listing is covered by the recorded
    # octokit replay instead.
    if case.operation.label.endswith("/get_directory_contents") and isinstance(case.body, dict):
        if case.body.get("path") == "":
            case.body = dict(case.body, path="docs")
    kwargs["auth"] = Sign()


def drop_cursors(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: drop_cursors(item)
            for key, item in value.items()
            if not (key == "cursor" and isinstance(item, str))
        }
    if isinstance(value, list):
        return [drop_cursors(item) for item in value]
    return value
