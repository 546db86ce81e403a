"""The gateway's rate limits, from the settings, checked against the shared MongoDB counters."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

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
    """Rates counted in MongoDB for every instance. A subject refused in a window is remembered
    here until the window ends, so a flood's further calls are refused without a round trip (a
    fixed window's refusal cannot be undone by anything that happens later in it)."""

    MAX_REMEMBERED = 100_000

    def __init__(self, counters: MongoWindowCounters, clock: Callable[[], float] = time.time) -> None:
        self._counters = counters
        self._clock = clock
        self._refused: dict[tuple[str, int], None] = {}

    async def hit(self, limit: RateLimit, subject: str) -> None:
        """Counts this call; 429 when it is one too many in the window."""
        now = self._clock()
        window = Window.at(limit.rate, now)
        key = self._key(limit, subject)
        if (key, window.number) in self._refused:
            remembered = over_rate(limit.what, limit.rate, limit.rate.count + 1, window, now)
            assert remembered is not None, "one more than the rate is always refused"
            raise rate_limited(remembered)
        counted = await self._counters.add(key, limit.rate, window)
        refusal = over_rate(limit.what, limit.rate, counted, window, now)
        if refusal:
            self._remember_refused(key, window)
            raise rate_limited(refusal)

    def _remember_refused(self, key: str, window: Window) -> None:
        if len(self._refused) >= self.MAX_REMEMBERED:
            self._refused.clear()  # rather forget early (and ask MongoDB again) than grow without end
        self._refused[(key, window.number)] = None

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
