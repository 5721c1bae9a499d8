"""What the client needs to know about one action to send it and read its answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["read", "list", "write", "web_url", "download"]

# Kinds whose calls may be repeated without changing anything: these, and
# only these, are retried on 429 and 5xx answers.
IDEMPOTENT_KINDS: frozenset[str] = frozenset({"read", "list", "web_url", "download"})


@dataclass(frozen=True)
class ActionSpec:
    """One entry of the generated catalogue (``scm_client.actions.ACTIONS``)."""

    name: str
    kind: str
    conditional: bool
    """Whether the action takes ``request_options`` (and may answer not-modified)."""
    keep_null: frozenset[str]
    """Arguments sent as ``null`` when None, because leaving them out means their default."""

    @property
    def idempotent(self) -> bool:
        return self.kind in IDEMPOTENT_KINDS

    @property
    def path(self) -> str:
        return f"/v1/actions/{self.name}"
