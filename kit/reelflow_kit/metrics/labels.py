"""Label values with a bounded number of values, whatever arrives from outside."""

from __future__ import annotations

from collections.abc import Iterable

from reelflow_contracts.messages.base import CATALOG

UNKNOWN = "unknown"
OTHER = "other"


def message_type(ce_type: str | bytes | None) -> str:
    """A contract's `ce_type`, or `unknown` for anything else (a header is whatever a producer wrote)."""
    if isinstance(ce_type, bytes):
        ce_type = ce_type.decode("utf-8", "replace")
    return ce_type if ce_type in CATALOG else UNKNOWN


def record_type(headers: Iterable[tuple[str, bytes]] | None) -> str:
    """The bounded message type of a Kafka record, read from its `ce_type` header."""
    for key, value in headers or ():
        if key == "ce_type":
            return message_type(value)
    return UNKNOWN


class BoundedValues:
    """Passes the first `limit` distinct values through and names every later one `other`
    (e.g. model names, which come from a provider's answers)."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self.limit:
            return OTHER
        self._seen.add(value)
        return value
