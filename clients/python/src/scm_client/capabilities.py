"""Capability protocols: ``isinstance(scm, CreateIssueReactionProtocol)`` asks the
repository's capabilities (``GET /v1/capabilities``, cached per client), not the
class, since every client has every method but not every provider supports every
action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Capabilities:
    """What the repository's provider supports, as the server answered."""

    provider: str
    supported: frozenset[str]
    unsupported: frozenset[str]

    @classmethod
    def from_json(cls, value: Any) -> Capabilities:
        return cls(
            provider=str(value["provider"]),
            supported=frozenset(value["supported"]),
            unsupported=frozenset(value["unsupported"]),
        )


class CapabilityCheck(type):
    """Metaclass of the protocol classes: instance checks ask ``supports``."""

    action: str

    def __instancecheck__(cls, instance: Any) -> bool:
        supports = getattr(instance, "supports", None)
        return callable(supports) and bool(supports(cls.action))

    def __subclasscheck__(cls, subclass: type) -> bool:
        # Support is a property of a repository, not of a class.
        return subclass is cls


def capability_protocol(action: str, name: str) -> type:
    """The runtime class behind ``<Action>Protocol`` (type checkers see a ``Protocol``)."""
    doc = f"Clients whose repository's provider supports `{action}`."
    namespace = {"action": action, "__doc__": doc, "__module__": "scm_client.actions"}
    return CapabilityCheck(name, (), namespace)
