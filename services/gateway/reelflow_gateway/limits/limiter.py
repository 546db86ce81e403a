"""The gateway's rate limits, from the settings, checked against the shared MongoDB counters."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Callable

from reelflow_gateway.errors import ApiError
from reelflow_gateway.limits.counters import MongoWindowCounters
from reelflow_gateway.limits.decisions import Refusal, Window, over_rate
from reelflow_gateway.limits.rates import Rate

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUTH_PREFIX = "/api/auth/"


def is_limited_write(method: str, path: str) -> bool:
    """A write counted against the user's write rate: POST/PUT/PATCH/DELETE under /api, except
    /api/auth (its own limits, per address and account)."""
    return method.upper() in WRITE_METHODS and path.startswith("/api/") and not path.startswith(AUTH_PREFIX)


@dataclass(frozen=True)
class RateLimit:
    key: str
    """The counters' key prefix."""
    what: str
    """What is counted, in the 429's words ("login attempts from this address")."""
    rate: Rate


def rate_limited(refusal: Refusal) -> ApiError:
    return ApiError(429, refusal.detail, "rate_limited", {"Retry-After": str(refusal.retry_after_s)})


def subject_key(subject: str) -> str:
    """Counters keep a digest, not the address or email itself."""
    return hashlib.blake2b(subject.encode(), digest_size=12).hexdigest()


class RateLimiter:
    def __init__(self, counters: MongoWindowCounters, clock: Callable[[], float] = time.time) -> None:
        self._counters = counters
        self._clock = clock

    async def hit(self, limit: RateLimit, subject: str) -> None:
        """Counts this call; 429 when it is one too many in the window."""
        now = self._clock()
        window = Window.at(limit.rate, now)
        counted = await self._counters.add(self._key(limit, subject), limit.rate, window)
        refusal = over_rate(limit.what, limit.rate, counted, window, now)
        if refusal:
            raise rate_limited(refusal)

    async def refuse_if_spent(self, limit: RateLimit, subject: str) -> None:
        """429 when the window already holds `rate.count` (counted with `add`), without counting."""
        now = self._clock()
        window = Window.at(limit.rate, now)
        counted = await self._counters.count(self._key(limit, subject), limit.rate, window)
        refusal = over_rate(limit.what, limit.rate, counted + 1, window, now)
        if refusal:
            raise rate_limited(refusal)

    async def add(self, limit: RateLimit, subject: str) -> None:
        """Counts one (e.g. a failed login) without deciding anything now."""
        window = Window.at(limit.rate, self._clock())
        await self._counters.add(self._key(limit, subject), limit.rate, window)

    @staticmethod
    def _key(limit: RateLimit, subject: str) -> str:
        return f"{limit.key}:{subject_key(subject)}"
