"""The time services stamp on what they store and emit."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """UTC now at MongoDB's millisecond precision, so stored and emitted times agree."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)
