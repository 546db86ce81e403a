"""When to retry a provider request and how long to wait: pure functions, no I/O."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from reelflow_kit.ai.settings import AISettings


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    """Retries per model after the first request (0: one request only)."""
    backoff_s: float
    backoff_max_s: float
    retry_after_max_s: float
    """A server asking for a longer wait than this is given up on rather than waited for."""

    @classmethod
    def from_settings(cls, settings: AISettings) -> RetryPolicy:
        """The policy every OpenAI-compatible call uses, from AISettings."""
        return cls(
            max_retries=settings.openai_max_retries,
            backoff_s=settings.openai_backoff_s,
            backoff_max_s=settings.openai_backoff_max_s,
            retry_after_max_s=settings.openai_retry_after_max_s,
        )

    def delay(self, retry: int, retry_after: float | None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `retry` (from 1): the server's Retry-After when it
        sent one, else exponential backoff (`backoff_s`, doubling, capped) with jitter in its upper half."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling: float = min(self.backoff_max_s, self.backoff_s * (2 ** (retry - 1)))
        return ceiling * (rng or random).uniform(0.5, 1.0)

    def waits_too_long(self, retry_after: float | None) -> bool:
        return retry_after is not None and retry_after > self.retry_after_max_s


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` as seconds (decimals allowed) or an
    HTTP date; None when absent or unreadable. Header names are matched case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := _number(lowered.get("retry-after-ms"))) is not None:
        return max(0.0, ms / 1000)
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    if (seconds := _number(raw)) is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None
