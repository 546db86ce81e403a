"""Pure limit decisions: given what was counted, allow or refuse, and for how long (no I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reelflow_gateway.limits.rates import Rate


@dataclass(frozen=True)
class Window:
    """One fixed window of a rate: its number (since the epoch) and when it ends."""

    number: int
    ends_at: float

    @classmethod
    def at(cls, rate: Rate, now: float) -> Window:
        number = math.floor(now / rate.per_s)
        return cls(number=number, ends_at=(number + 1) * rate.per_s)


@dataclass(frozen=True)
class Refusal:
    """A 429: what to tell the caller, and when to come back."""

    detail: str
    retry_after_s: int


def seconds_until(moment: float, now: float) -> int:
    """Whole seconds to wait (at least 1): a client retrying after them is past `moment`."""
    return max(1, math.ceil(moment - now))


def over_rate(what: str, rate: Rate, counted: int, window: Window, now: float) -> Refusal | None:
    """Refused once more than `rate.count` were counted in the window (the current call included)."""
    if counted <= rate.count:
        return None
    wait = seconds_until(window.ends_at, now)
    return Refusal(f"too many {what}: at most {rate.count} per {rate.per_s} s; retry in {wait} s", wait)


def over_cap(what: str, cap: int, current: int, retry_after_s: int) -> Refusal | None:
    """Refused when `current` already reaches `cap` (the call would make one more)."""
    if current < cap:
        return None
    return Refusal(
        f"too many {what}: {current} of at most {cap}; retry in {retry_after_s} s once one has ended", retry_after_s
    )
