"""A secret that never shows itself in a repr, a log line or a traceback."""

from __future__ import annotations


class Secret:
    """Holds a client key's secret; ``str`` and ``repr`` print ``Secret(***)``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def expose(self) -> str:
        """The secret itself: only for computing a signature."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
